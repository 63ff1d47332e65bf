package servermetrics

import (
	"cmp"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

// endpointKey is one endpoint and method of a view.
type endpointKey struct{ endpoint, method string }

// view makes the server's view of a run from the aggregate of its scrapes.
func (a *aggregate) view(src *Source, client ClientCounts) *results.ServerView {
	v := &results.ServerView{Source: redact.URL(src.URL), Warnings: a.warnings}
	if why := a.missing(); why != "" {
		v.Missing = why
		return v
	}
	first, last := a.first, a.last
	sel := newSelector(client.Paths, src.URL)

	// Requests by endpoint, method and status.
	byEndpoint := map[endpointKey]*results.ServerEndpoint{}
	for k, n := range last.Requests {
		d := n - first.Requests[k]
		if d < 0 {
			a.restart("its http_requests_total went down")
			break
		}
		if d == 0 || !sel.includes(k.Endpoint) {
			continue
		}
		ek := endpointKey{k.Endpoint, k.Method}
		e := byEndpoint[ek]
		if e == nil {
			e = &results.ServerEndpoint{Endpoint: k.Endpoint, Method: k.Method, Statuses: map[string]uint64{}}
			byEndpoint[ek] = e
		}
		c := uint64(math.Round(d))
		e.Requests += c
		e.Statuses[k.Code] += c
	}
	// Durations by endpoint and method, and over them all.
	durations := map[endpointKey][]Histogram{}
	var all []Histogram
	for k, h := range last.Durations {
		d, ok := h.sub(first.Durations[k])
		if !ok {
			a.restart("its http_requests_duration_seconds counts went down")
			break
		}
		ek := endpointKey{k.Endpoint, k.Method}
		if d.Count == 0 || byEndpoint[ek] == nil {
			continue
		}
		durations[ek] = append(durations[ek], d)
		all = append(all, d)
	}
	if a.restarted != "" {
		return &results.ServerView{Source: v.Source, Missing: a.restarted, Warnings: a.warnings}
	}

	v.WindowS = last.At.Sub(first.At).Seconds()
	v.Scrapes = a.scrapes
	v.ClientRequests = client.Requests
	v.Endpoints = []results.ServerEndpoint{}
	for ek, e := range byEndpoint {
		if h, ok := merge(durations[ek]); ok {
			e.Latency = latencyOf(h)
		} else {
			a.warn("the duration buckets of " + e.Method + " " + e.Endpoint + " differ between statuses: no percentiles for it")
		}
		v.Requests += e.Requests
		v.Endpoints = append(v.Endpoints, *e)
	}
	slices.SortFunc(v.Endpoints, func(x, y results.ServerEndpoint) int {
		return cmp.Or(strings.Compare(x.Endpoint, y.Endpoint), strings.Compare(x.Method, y.Method))
	})
	if v.ClientRequests > 0 {
		v.CountDiff = (float64(v.Requests) - float64(v.ClientRequests)) / float64(v.ClientRequests)
	}
	if h, ok := merge(all); ok && len(all) > 0 {
		v.Latency = latencyOf(h)
		for _, b := range h.Bounds[:len(h.Bounds)-1] {
			v.BucketsMs = append(v.BucketsMs, ms(b))
		}
	} else if len(all) > 0 {
		a.warn("the duration buckets differ between endpoints: no percentiles over them all")
	}

	v.CPUSeconds = last.CPUSeconds - first.CPUSeconds
	if v.Requests > 0 {
		v.CPUPerRequestMs = v.CPUSeconds * 1000 / float64(v.Requests)
	}
	if v.WindowS > 0 {
		v.CPUCores = v.CPUSeconds / v.WindowS
	}
	v.CPUCoresPeak = v.CPUCores
	if a.peakSeen {
		v.CPUCoresPeak = max(a.cpuPeak, v.CPUCores)
	}
	v.Cores = src.Cores
	v.RSSBytesMax = uint64(a.rss)
	v.GoroutinesMax = uint64(a.goroutines)
	v.OpenFDsMax = uint64(a.openFDs)
	v.MaxFDs = uint64(a.maxFDs)
	if src.Database != nil {
		v.Database = a.database(src.PoolSize)
	}
	v.Warnings = a.warnings
	return v
}

// database is the database's view over the run, nil (with a warning)
// without two reads of it.
func (a *aggregate) database(poolSize int) *results.DatabaseView {
	if a.dbReads < 2 {
		a.warn("database statistics: fewer than two reads worked, so there are no database figures")
		return nil
	}
	f, l := a.dbFirst, a.dbLast
	sub := func(later, earlier uint64) uint64 {
		if later < earlier {
			a.warn("database statistics: a counter went down (the statistics were reset)")
			return 0
		}
		return later - earlier
	}
	d := &results.DatabaseView{
		Commits:        sub(l.Commits, f.Commits),
		Rollbacks:      sub(l.Rollbacks, f.Rollbacks),
		BlocksRead:     sub(l.BlocksRead, f.BlocksRead),
		BlocksHit:      sub(l.BlocksHit, f.BlocksHit),
		ConnectionsMax: a.connMax,
		ActiveMax:      a.activeMax,
		PoolSize:       poolSize,
	}
	if span := l.At.Sub(f.At); span > 0 && l.BusyMs >= f.BusyMs {
		d.BusyConnections = math.Round((l.BusyMs-f.BusyMs)/float64(span.Milliseconds())*1000) / 1000
	}
	if touched := d.BlocksRead + d.BlocksHit; touched > 0 {
		d.HitRatio = float64(d.BlocksHit) / float64(touched)
	}
	return d
}

// latencyOf are a histogram's percentiles and mean, in milliseconds.
func latencyOf(h Histogram) results.ServerLatency {
	l := results.ServerLatency{
		P50: ms(Quantile(0.5, h.Bounds, h.Counts)),
		P90: ms(Quantile(0.9, h.Bounds, h.Counts)),
		P99: ms(Quantile(0.99, h.Bounds, h.Counts)),
	}
	if h.Count > 0 {
		l.Mean = ms(h.Sum / h.Count)
	}
	return l
}

// ms turns seconds into milliseconds, rounded to the microsecond; NaN and
// infinities (no observations) become 0, which JSON can hold.
func ms(s float64) float64 {
	if math.IsNaN(s) || math.IsInf(s, 0) {
		return 0
	}
	return math.Round(s*1e6) / 1e3
}

// selector says which of the server's endpoints a run's requests went to.
type selector struct {
	paths   [][]string
	metrics string
}

func newSelector(paths []string, metricsURL string) selector {
	s := selector{metrics: "/admin/metrics/prometheus"}
	if u, err := url.Parse(metricsURL); err == nil && u.Path != "" {
		s.metrics = u.Path
	}
	for _, p := range paths {
		s.paths = append(s.paths, segments(p))
	}
	return s
}

// includes reports whether the run's requests went to endpoint, a route
// template of the server's.
func (s selector) includes(endpoint string) bool {
	if endpoint == s.metrics || strings.HasSuffix(endpoint, "/metrics/prometheus") {
		return false
	}
	if len(s.paths) == 0 {
		return !strings.HasPrefix(endpoint, "/admin/") && !strings.HasPrefix(endpoint, "/health/")
	}
	route := segments(endpoint)
	return slices.ContainsFunc(s.paths, func(p []string) bool {
		return slices.EqualFunc(route, p, func(r, q string) bool {
			return r == q || isParam(r) || isParam(q)
		})
	})
}

// segments are the segments of a path, of the path of a URL, or of a
// route template, without query, fragment or trailing slash.
func segments(p string) []string {
	if strings.Contains(p, "://") {
		if u, err := url.Parse(p); err == nil {
			p = u.Path
		}
	}
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	return strings.Split(strings.Trim(p, "/"), "/")
}

// isParam reports whether a route segment is a parameter ({id}).
func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}
