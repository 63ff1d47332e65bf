package reports

import (
	"fmt"
	"io"
	"strings"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

// The server's view of a run (results.ServerView): what Kratos's own
// metrics said beside what orybench measured, in each output.

// measured reports whether v holds server figures: it is set and not
// missing.
func measured(v *results.ServerView) bool { return v != nil && v.Missing == "" }

// stepServer is the server's view of a capacity step, nil when it has none.
func stepServer(st results.CapacityStep) *results.ServerView {
	if st.Summary == nil {
		return nil
	}
	return st.Summary.Server
}

// searchServer says what a capacity search's steps hold of the server's
// view: whether any step has server figures, and else why they are
// missing ("" when none was asked for).
func searchServer(r *results.CapacityResult) (has bool, missing string) {
	for _, st := range r.Steps {
		v := stepServer(st)
		switch {
		case measured(v):
			return true, ""
		case v != nil && missing == "":
			missing = v.Missing
		}
	}
	return false, missing
}

// bucketOf returns the bounds of the histogram bucket that holds v: the
// lowest upper bound at or above v and the bound below it (0 for the first
// bucket). ok is false above the last finite bound, where a percentile
// from buckets is that bound.
func bucketOf(bucketsMs []float64, v float64) (lo, hi float64, ok bool) {
	for _, b := range bucketsMs {
		if v <= b {
			return lo, b, true
		}
		lo = b
	}
	return lo, 0, false
}

// bucketText says where a percentile from buckets lies: "p99 in the 5–10 ms
// bucket".
func bucketText(name string, bucketsMs []float64, v float64) string {
	lo, hi, ok := bucketOf(bucketsMs, v)
	if !ok {
		return fmt.Sprintf("%s above the last bucket (%s ms): at least that", name, trimFloat(lo, 3))
	}
	return fmt.Sprintf("%s in the %s–%s ms bucket", name, trimFloat(lo, 3), trimFloat(hi, 3))
}

// resolutionText says how fine the server's p99 is.
func resolutionText(v *results.ServerView) string {
	if len(v.BucketsMs) == 0 {
		return "from buckets whose bounds were not recorded"
	}
	return "from buckets: " + bucketText("p99", v.BucketsMs, v.Latency.P99)
}

// countDiffText is the server's count against the client's: "+0.05%".
func countDiffText(d float64) string { return signedPercent(d, 2) }

// fmtBytes formats a size in MB (of 2^20 bytes).
func fmtBytes(n uint64) string { return trimFloat(float64(n)/(1<<20), 1) + " MB" }

// coresText is the cores the server kept busy, and orybench beside it:
// "0.08 of 2 cores (peak 0.12, orybench 0.05, the whole machine 0.2)".
func coresText(v *results.ServerView) string {
	of := ""
	if v.Cores > 0 {
		of = fmt.Sprintf(" of %d", v.Cores)
	}
	gen := ""
	if v.GeneratorCores > 0 {
		gen = fmt.Sprintf(", orybench %s", trimFloat(v.GeneratorCores, 2))
	}
	if v.MachineCores > 0 {
		gen += fmt.Sprintf(", the whole machine %s", trimFloat(v.MachineCores, 2))
	}
	return fmt.Sprintf("%s%s cores (peak %s%s)", trimFloat(v.CPUCores, 2), of, trimFloat(v.CPUCoresPeak, 2), gen)
}

// databaseText is a database's figures in a line.
func databaseText(d *results.DatabaseView, windowS float64) string {
	commits := fmtCount(d.Commits) + " commits"
	if windowS > 0 {
		commits = trimFloat(float64(d.Commits)/windowS, 1) + " commits/s (" + fmtCount(d.Commits) + ")"
	}
	return fmt.Sprintf("%s, %s rollbacks; pool %s of %d busy on average (open %d); cache hit %s%%",
		commits, fmtCount(d.Rollbacks), trimFloat(d.BusyConnections, 2), d.PoolSize, d.ConnectionsMax, trimFloat(100*d.HitRatio, 2))
}

// writeServerText writes a load run's server view for a terminal, on
// tw's label column: two or three lines, a warning a line, or one line
// saying why it is missing.
func writeServerText(tw io.Writer, v *results.ServerView) {
	if v == nil {
		return
	}
	if v.Missing != "" {
		fmt.Fprintf(tw, "server\tnone: %s\n", redact.Prose(v.Missing))
		return
	}
	l := v.Latency
	fmt.Fprintf(tw, "server\tp50 %s  p90 %s  p99 %s ms (%s), %d requests counted (client %d, %s)\n",
		trimFloat(l.P50, 2), trimFloat(l.P90, 2), trimFloat(l.P99, 2), resolutionText(v), v.Requests, v.ClientRequests, countDiffText(v.CountDiff))
	fmt.Fprintf(tw, "server cpu\t%s ms/request, %s; rss %s\n", trimFloat(v.CPUPerRequestMs, 3), coresText(v), fmtBytes(v.RSSBytesMax))
	if d := v.Database; d != nil {
		fmt.Fprintf(tw, "database\t%s\n", databaseText(d, v.WindowS))
	}
	for _, w := range v.Warnings {
		fmt.Fprintf(tw, "server warning\t%s\n", redact.Prose(firstLineOf(w)))
	}
}

// serverStepText is a capacity step's server figures for its line, ""
// without them.
func serverStepText(st results.CapacityStep) string {
	v := stepServer(st)
	if !measured(v) {
		return ""
	}
	return fmt.Sprintf("  server p50 %sms p99 %sms, cpu %sms/req", trimFloat(v.Latency.P50, 2), trimFloat(v.Latency.P99, 2), trimFloat(v.CPUPerRequestMs, 2))
}

// resourceText is one resource's use: "1.9 of 2 cores, 95%".
func resourceText(u results.ResourceUse) string {
	used := trimFloat(u.Used, 2)
	if u.Limit > 0 {
		used += " of " + trimFloat(u.Limit, 2)
	}
	if u.Unit != "" {
		used += " " + u.Unit
	}
	return used + ", " + trimFloat(100*u.Fraction, 1) + "%"
}

// limitHeadline says what was closest to its limit: "closest to its limit
// at 160/s: cpu (1.9 of 2 cores, 95%)".
func limitHeadline(l *results.CapacityLimit) string {
	s := fmt.Sprintf("closest to its limit at %s/s: %s", trimFloat(l.Rate, 1), l.Closest)
	for _, u := range l.Resources {
		if u.Resource == l.Closest {
			s += " (" + resourceText(u) + ")"
			break
		}
	}
	return s
}

// writeCapacityServerText writes a search's limit, the warnings of its
// steps' scrapes (each once) and, when no step had server figures, why.
func writeCapacityServerText(tw io.Writer, r *results.CapacityResult) {
	if l := r.Limit; l != nil {
		fmt.Fprintf(tw, "limit\t%s\n", limitHeadline(l))
		if l.Reason != "" {
			fmt.Fprintf(tw, "\t%s\n", redact.Prose(l.Reason))
		}
	}
	if has, missing := searchServer(r); !has && missing != "" {
		fmt.Fprintf(tw, "server\tnone: %s\n", redact.Prose(missing))
	}
	for _, w := range searchWarnings(r) {
		fmt.Fprintf(tw, "server warning\t%s\n", w)
	}
}

// searchWarnings are the warnings of a search's scrapes, each once, with
// the step that first had it: "step 3: …".
func searchWarnings(r *results.CapacityResult) []string {
	var out []string
	seen := map[string]bool{}
	for _, st := range r.Steps {
		v := stepServer(st)
		if v == nil {
			continue
		}
		for _, w := range v.Warnings {
			w = redact.Clip(redact.Prose(firstLineOf(w)), 300)
			if !seen[w] {
				seen[w] = true
				out = append(out, fmt.Sprintf("step %d: %s", st.N, w))
			}
		}
	}
	return out
}

// --- report.html and summary.md ---

// serverBlock is the "Server's view" of a load run in report.html.
type serverBlock struct {
	ID string
	// Missing is the one sentence shown instead of the figures.
	Missing string
	// Latency rows: percentile, client, server, client less server.
	Latency    [][4]string
	Counts     string
	Resolution string
	Facts      []kv
	Endpoints  []serverEndpointRow
	Database   []kv
	Warnings   []string
}

type serverEndpointRow struct {
	Endpoint, Method, Requests, Statuses, P50, P99 string
}

// newServerBlock builds the server's view of a run beside its client
// latency; nil without one.
func newServerBlock(v *results.ServerView, client results.Latency) *serverBlock {
	if v == nil {
		return nil
	}
	if v.Missing != "" {
		return &serverBlock{Missing: "The server's view is missing: " + redact.Prose(v.Missing) + "."}
	}
	b := &serverBlock{}
	for _, p := range []struct {
		name         string
		client, serv float64
	}{{"p50", client.P50, v.Latency.P50}, {"p90", client.P90, v.Latency.P90}, {"p99", client.P99, v.Latency.P99}, {"mean", client.Mean, v.Latency.Mean}} {
		b.Latency = append(b.Latency, [4]string{p.name, fmtMS(p.client), fmtMS(p.serv), fmtMS(p.client - p.serv)})
	}
	b.Counts = fmt.Sprintf("The server counted %s requests on the run's endpoints, orybench %s: %s.",
		fmtCount(v.Requests), fmtCount(v.ClientRequests), countDiffText(v.CountDiff))
	bounds := make([]string, len(v.BucketsMs))
	for i, x := range v.BucketsMs {
		bounds[i] = trimFloat(x, 3)
	}
	b.Resolution = "Server percentiles come from the latency histogram's buckets, interpolated within the bucket that holds them " +
		"(as Prometheus's histogram_quantile does), so they are only as fine as the buckets"
	if len(bounds) > 0 {
		b.Resolution += " (upper bounds " + strings.Join(bounds, ", ") + " ms): " + bucketText("p50", v.BucketsMs, v.Latency.P50) + ", " + bucketText("p99", v.BucketsMs, v.Latency.P99)
	}
	b.Resolution += ". Client latency is from each request's intended send time."
	fds := "not recorded"
	if v.MaxFDs > 0 {
		fds = fmtCount(v.OpenFDsMax) + " of " + fmtCount(v.MaxFDs)
	}
	b.Facts = []kv{
		{"CPU per request", trimFloat(v.CPUPerRequestMs, 3) + " ms (" + trimFloat(v.CPUSeconds, 3) + " s of CPU)"},
		{"cores busy", coresText(v)},
		{"memory", fmtBytes(v.RSSBytesMax) + " resident at most, " + fmtCount(v.GoroutinesMax) + " goroutines"},
		{"open files", fds},
		{"metrics", scrubURL(v.Source) + fmt.Sprintf(", %d scrapes over %s", v.Scrapes, fmtSeconds(v.WindowS))},
	}
	for _, e := range v.Endpoints {
		b.Endpoints = append(b.Endpoints, serverEndpointRow{Endpoint: e.Endpoint, Method: e.Method, Requests: fmtCount(e.Requests),
			Statuses: fmtCodes(e.Statuses), P50: fmtMS(e.Latency.P50), P99: fmtMS(e.Latency.P99)})
	}
	if d := v.Database; d != nil {
		b.Database = []kv{
			{"transactions", fmt.Sprintf("%s commits, %s rollbacks", fmtCount(d.Commits), fmtCount(d.Rollbacks))},
			{"blocks", fmt.Sprintf("%s hit in the buffer cache, %s read (hit ratio %s%%)", fmtCount(d.BlocksHit), fmtCount(d.BlocksRead), trimFloat(100*d.HitRatio, 2))},
			{"connections", fmt.Sprintf("%s busy on average (running a statement or holding a transaction open), %d seen running a statement at once (read once a second), %d open at most, of a pool of %d",
				trimFloat(d.BusyConnections, 2), d.ActiveMax, d.ConnectionsMax, d.PoolSize)},
		}
	}
	for _, w := range v.Warnings {
		b.Warnings = append(b.Warnings, redact.Clip(redact.Prose(w), 300))
	}
	return b
}

// limitBlock is what a capacity search found closest to its limit.
type limitBlock struct {
	Headline, Reason string
	Resources        []resourceRow
}

type resourceRow struct {
	Resource, Used, Limit, Percent string
	Closest                        bool
}

func newLimitBlock(l *results.CapacityLimit) *limitBlock {
	if l == nil {
		return nil
	}
	b := &limitBlock{Headline: strings.ToUpper(limitHeadline(l)[:1]) + limitHeadline(l)[1:], Reason: redact.Prose(l.Reason)}
	for _, u := range l.Resources {
		b.Resources = append(b.Resources, resourceRow{Resource: u.Resource, Used: strings.TrimSpace(trimFloat(u.Used, 3) + " " + u.Unit),
			Limit: strings.TrimSpace(trimFloat(u.Limit, 3) + " " + u.Unit), Percent: trimFloat(100*u.Fraction, 1) + "%", Closest: u.Resource == l.Closest})
	}
	return b
}

// serverChart draws each rate's client and server p50 and p99 against the
// throughput achieved, through the worst run at each rate: client solid,
// server dashed, so that latency the server does not explain shows as the
// gap between a pair.
func serverChart(id string, r results.CapacityResult) (chart, []legendItem) {
	c := chart{ID: id, Title: "Client and server latency against achieved throughput", XLabel: "achieved throughput (" + capacityUnit(&r) + ")",
		YLabel: "latency (ms, log scale)", YLog: true, YFormat: func(v float64) string { return trimFloat(v, 2) }}
	_, worst := worstRuns(r)
	var legend []legendItem
	for _, m := range []struct {
		name, color string
		dashed      bool
		of          func(results.CapacityStep, *results.ServerView) float64
	}{
		{"client p99", colVermilion, false, func(st results.CapacityStep, _ *results.ServerView) float64 { return st.P99 }},
		{"server p99", colVermilion, true, func(_ results.CapacityStep, v *results.ServerView) float64 { return v.Latency.P99 }},
		{"client p50", colBlue, false, func(st results.CapacityStep, _ *results.ServerView) float64 { return st.P50 }},
		{"server p50", colBlue, true, func(_ results.CapacityStep, v *results.ServerView) float64 { return v.Latency.P50 }},
	} {
		l := line{Name: m.name, Color: m.color, Dashed: m.dashed}
		for _, st := range worst {
			v := stepServer(st)
			if !measured(v) {
				continue
			}
			l.X, l.Y = append(l.X, st.Achieved), append(l.Y, m.of(st, v))
		}
		c.Lines = append(c.Lines, l)
		legend = append(legend, legendItem{Name: m.name, Color: m.color, Dashed: m.dashed})
	}
	return c, legend
}

// markdownServer writes a load run's server view in summary.md: a line, or
// a short table and a line.
func markdownServer(w io.Writer, b *serverBlock) {
	if b == nil {
		return
	}
	fmt.Fprintf(w, "\n### Server's view\n\n")
	if b.Missing != "" {
		fmt.Fprintln(w, b.Missing)
		return
	}
	mdTable(w, []string{"latency", "client", "server", "not the server's"}, []bool{false, true, true, true}, func(row func(...string)) {
		for _, l := range b.Latency[:3] {
			row(l[0], l[1], l[2], l[3])
		}
	})
	var facts []string
	for _, f := range b.Facts[:3] {
		facts = append(facts, f.K+" "+f.V)
	}
	fmt.Fprintf(w, "\n%s %s.\n", b.Counts, strings.Join(facts, "; "))
	if len(b.Database) > 0 {
		var db []string
		for _, f := range b.Database {
			db = append(db, f.K+": "+f.V)
		}
		fmt.Fprintf(w, "Database: %s.\n", mdCell(strings.Join(db, "; ")))
	}
	for _, x := range b.Warnings {
		fmt.Fprintf(w, "- warning: %s\n", mdCell(x))
	}
}

// serverDiffText formats a compared server figure: its two sides and its
// change.
func serverDiffText(m results.ServerMetricDiff) (base, cand, change string) {
	f := func(v float64) string { return trimFloat(v, 3) + " " + m.Unit }
	if m.Unit == "ms" {
		f = fmtMS
	}
	return f(m.Baseline), f(m.Candidate), fmtRel(m.Rel)
}

// noInterval says why a server figure's change has no interval.
const noInterval = "no interval: from histogram buckets"
