package servermetrics

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// page is a small metrics page in Kratos's shape: whoami answered 401
// n times (all under 5 ms), login/api 200 m times (all in 10–25 ms), cpu
// CPU seconds, a process started at start.
func page(n, m int, cpu float64, start int) string {
	var b strings.Builder
	b.WriteString("# TYPE http_requests_total counter\n")
	fmt.Fprintf(&b, "http_requests_total{app=\"kratos\",code=\"401\",endpoint=\"/sessions/whoami\",method=\"get\"} %d\n", n)
	fmt.Fprintf(&b, "http_requests_total{app=\"kratos\",code=\"200\",endpoint=\"/self-service/login/api\",method=\"get\"} %d\n", m)
	fmt.Fprintf(&b, "http_requests_total{app=\"kratos\",code=\"200\",endpoint=\"/admin/metrics/prometheus\",method=\"get\"} %d\n", n+m)
	b.WriteString("# TYPE http_requests_duration_seconds histogram\n")
	for _, s := range []struct {
		code, endpoint string
		counts         [4]int
		sum            float64
	}{
		{"401", "/sessions/whoami", [4]int{n, n, n, n}, 0.001 * float64(n)},
		{"200", "/self-service/login/api", [4]int{0, 0, m, m}, 0.02 * float64(m)},
	} {
		for i, le := range []string{"0.005", "0.01", "0.025", "+Inf"} {
			fmt.Fprintf(&b, "http_requests_duration_seconds_bucket{code=%q,endpoint=%q,method=\"get\",le=%q} %d\n", s.code, s.endpoint, le, s.counts[i])
		}
		fmt.Fprintf(&b, "http_requests_duration_seconds_sum{code=%q,endpoint=%q,method=\"get\"} %g\n", s.code, s.endpoint, s.sum)
		fmt.Fprintf(&b, "http_requests_duration_seconds_count{code=%q,endpoint=%q,method=\"get\"} %d\n", s.code, s.endpoint, s.counts[3])
	}
	fmt.Fprintf(&b, "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %g\n", cpu)
	fmt.Fprintf(&b, "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %d\n", start)
	fmt.Fprintf(&b, "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %d\n", 1000*(n+1))
	b.WriteString("# TYPE go_goroutines gauge\ngo_goroutines 12\n")
	return b.String()
}

// pages serves the i-th of its pages at the i-th request (the last one
// after that); a page "" answers 500.
func pages(t *testing.T, ps ...string) *httptest.Server {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := min(int(served.Add(1))-1, len(ps)-1)
		if ps[i] == "" {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		fmt.Fprint(w, ps[i])
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestProbeSaysWhy(t *testing.T) {
	answer := func(status int, contentType, body string, delay time.Duration) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
			code := status
			if r.Header.Get("Authorization") == "Bearer s3cret-key" {
				code = http.StatusOK
			}
			w.Header().Set("Content-Type", contentType)
			w.WriteHeader(code)
			fmt.Fprint(w, body)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/admin/metrics/prometheus"
	l.Close()
	text := "text/plain; version=0.0.4"
	for _, c := range []struct {
		name    string
		url     string
		timeout time.Duration
		want    string
	}{
		{"401", answer(401, "application/json", `{"error":{}}`, 0).URL, 0, "refused (401 Unauthorized): they need an API key"},
		{"403", answer(403, "text/html", "no", 0).URL, 0, "refused (403 Forbidden)"},
		{"404", answer(404, "text/plain", "404 page not found", 0).URL, 0, "serves no metrics there (404 Not Found)"},
		{"500", answer(500, "text/plain", "", 0).URL, 0, "answered 500 Internal Server Error"},
		{"html", answer(200, "text/html; charset=utf-8", "<html></html>", 0).URL, 0, `not the Prometheus text format: Content-Type "text/html; charset=utf-8"`},
		{"json as text", answer(200, text, `{"a":1}`, 0).URL, 0, "not the Prometheus text format: text format parsing error in line 1"},
		{"another server's metrics", answer(200, text, "up 1\n", 0).URL, 0, "not a Kratos server's metrics"},
		{"slow", answer(200, text, page(1, 1, 1, 1), time.Second).URL, 50 * time.Millisecond, "timeout: no answer within 50ms"},
		{"closed port", closed, 0, "connection refused"},
	} {
		t.Run(c.name, func(t *testing.T) {
			u := strings.Replace(c.url, "http://", "http://user:pa55word@", 1)
			err := (&Source{URL: u, Timeout: c.timeout}).Probe(context.Background())
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line with %q", msg, c.want)
			}
			if strings.Contains(msg, "pa55word") || !strings.HasPrefix(msg, "metrics at http://user:") {
				t.Errorf("error %q: want the URL with its password redacted", msg)
			}
		})
	}
	if err := (&Source{}).Probe(context.Background()); err == nil || err.Error() != "no metrics URL given" {
		t.Errorf("without a URL: %v", err)
	}
	t.Run("API key", func(t *testing.T) {
		srv := answer(401, text, page(1, 1, 1, 1), 0)
		if err := (&Source{URL: srv.URL, APIKey: "s3cret-key"}).Probe(context.Background()); err != nil {
			t.Errorf("with the key: %v", err)
		}
		err := (&Source{URL: srv.URL, APIKey: "wrong-key"}).Probe(context.Background())
		if err == nil || strings.Contains(err.Error(), "wrong-key") {
			t.Errorf("with a wrong key: %v", err)
		}
	})
}

func TestWatchOverChangingCounters(t *testing.T) {
	t.Parallel()
	// Start: 5 whoami, 2 login; End: 45 and 8, 3 CPU seconds later.
	srv := pages(t, page(5, 2, 1.5, 77), page(45, 8, 4.5, 77))
	var reads atomic.Int64
	src := &Source{URL: srv.URL + "/admin/metrics/prometheus", Cores: 2, PoolSize: 16,
		Database: func(ctx context.Context) (DatabaseSample, error) {
			n := uint64(reads.Add(1))
			return DatabaseSample{Commits: 100 * n, Rollbacks: n, BlocksRead: 10, BlocksHit: 90 * n, Connections: int(n) + 2, Active: 1}, nil
		}}
	w := src.Watch(context.Background(), time.Minute)
	v := w.End(context.Background(), ClientCounts{Requests: 47, Paths: []string{"/sessions/whoami", "/self-service/login/api"}})
	if v.Missing != "" || len(v.Warnings) != 0 {
		t.Fatalf("missing %q, warnings %q", v.Missing, v.Warnings)
	}
	if v.Requests != 46 || v.ClientRequests != 47 || v.Scrapes != 2 {
		t.Errorf("requests %d, client %d, scrapes %d", v.Requests, v.ClientRequests, v.Scrapes)
	}
	if want := (46.0 - 47) / 47; v.CountDiff != want {
		t.Errorf("count diff %v, want %v", v.CountDiff, want)
	}
	if len(v.Endpoints) != 2 || v.Endpoints[1].Statuses["401"] != 40 || v.Endpoints[0].Statuses["200"] != 6 {
		t.Errorf("endpoints %+v", v.Endpoints)
	}
	// 40 under 5 ms, 6 in 10–25 ms: p50 at rank 23 of 40 in 0–5 ms, p99
	// at 45.54, 5.54 of 6 into 10–25 ms.
	if v.Latency.P50 != 2.875 || v.Latency.P99 != 23.85 || v.BucketsMs[2] != 25 {
		t.Errorf("latency %+v, buckets %v", v.Latency, v.BucketsMs)
	}
	if v.Endpoints[0].Latency.P50 <= 10 || v.Endpoints[0].Latency.P50 > 25 {
		t.Errorf("login p50 %v, want in 10–25 ms", v.Endpoints[0].Latency.P50)
	}
	if v.CPUSeconds != 3 || v.CPUPerRequestMs != 3000.0/46 || v.Cores != 2 || v.RSSBytesMax != 46000 || v.GoroutinesMax != 12 {
		t.Errorf("cpu %v, per request %v, cores %d, rss %d, goroutines %d", v.CPUSeconds, v.CPUPerRequestMs, v.Cores, v.RSSBytesMax, v.GoroutinesMax)
	}
	d := v.Database
	if d == nil {
		t.Fatal("no database view")
	}
	if d.Commits != 100 || d.Rollbacks != 1 || d.BlocksRead != 0 || d.BlocksHit != 90 || d.HitRatio != 1 ||
		d.ConnectionsMax != 4 || d.ActiveMax != 1 || d.PoolSize != 16 {
		t.Errorf("database %+v", *d)
	}
}

func TestWatchKeepsFailedScrapesAsWarnings(t *testing.T) {
	t.Parallel()
	// Start, one failed tick, End.
	srv := pages(t, page(5, 0, 1, 77), "", page(25, 0, 2, 77))
	src := &Source{URL: srv.URL + "/admin/metrics/prometheus",
		Database: func(ctx context.Context) (DatabaseSample, error) {
			return DatabaseSample{}, fmt.Errorf("psql: password authentication failed for postgres://u:dbpass@x/kratos\nmore")
		}}
	w := src.Watch(context.Background(), time.Minute)
	time.Sleep(Interval + Interval/2)
	v := w.End(context.Background(), ClientCounts{Requests: 20, Paths: []string{"/sessions/whoami"}})
	if v.Missing != "" || v.Requests != 20 || v.Scrapes != 2 || v.CountDiff != 0 {
		t.Errorf("missing %q, requests %d, scrapes %d, diff %v", v.Missing, v.Requests, v.Scrapes, v.CountDiff)
	}
	// Each once, in the order they came: the database failed at the start.
	want := []string{
		"database statistics: psql: password authentication failed for postgres://u:[REDACTED]@x/kratos more",
		"metrics at " + src.URL + ": answered 500 Internal Server Error, not 200",
		"database statistics: fewer than two reads worked, so there are no database figures",
	}
	if strings.Join(v.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(v.Warnings, "\n"), strings.Join(want, "\n"))
	}
	if v.Database != nil {
		t.Errorf("database %+v from failed reads", v.Database)
	}
}

func TestWatchWithoutTwoScrapesIsMissing(t *testing.T) {
	t.Parallel()
	srv := pages(t, page(5, 0, 1, 77), "")
	src := &Source{URL: srv.URL}
	v := src.Watch(context.Background(), time.Minute).End(context.Background(), ClientCounts{Requests: 3})
	if !strings.HasPrefix(v.Missing, "1 of the 2 scrapes of the metrics worked") || !strings.Contains(v.Missing, "answered 500") {
		t.Errorf("missing %q", v.Missing)
	}
	if v.Requests != 0 || v.Endpoints != nil || v.Scrapes != 0 {
		t.Errorf("figures in a missing view: %+v", v)
	}
}

func TestWatchSeesARestart(t *testing.T) {
	t.Parallel()
	for name, end := range map[string]string{
		"counter down":    page(3, 0, 0.5, 77),
		"new start time":  page(30, 0, 5, 99),
		"histogram reset": strings.Replace(page(30, 0, 5, 77), `le="0.005"} 30`, `le="0.005"} 1`, 1),
	} {
		srv := pages(t, page(10, 0, 1, 77), end)
		v := (&Source{URL: srv.URL}).Watch(context.Background(), time.Minute).End(context.Background(), ClientCounts{Requests: 20})
		if !strings.HasPrefix(v.Missing, "the server restarted during the run") || v.Requests != 0 {
			t.Errorf("%s: missing %q, requests %d", name, v.Missing, v.Requests)
		}
	}
}

func TestMissing(t *testing.T) {
	v := Missing("http://u:pw@127.0.0.1:1/admin/metrics/prometheus", "metrics at …: connection refused")
	if v.Source != "http://u:[REDACTED]@127.0.0.1:1/admin/metrics/prometheus" || v.Missing != "metrics at …: connection refused" {
		t.Errorf("view %+v", v)
	}
}

func TestSelector(t *testing.T) {
	s := newSelector([]string{"/sessions/whoami", "http://127.0.0.1:4433/self-service/login/flows?id=x", "/admin/identities/{id}/"}, "http://x/admin/metrics/prometheus")
	for endpoint, want := range map[string]bool{
		"/sessions/whoami":             true,
		"/sessions/whoami/x":           false,
		"/self-service/login/flows":    true,
		"/self-service/login/api":      false,
		"/admin/identities/{param}":    true,
		"/admin/identities":            false,
		"/admin/metrics/prometheus":    false,
		"/sessions/{param}":            true,
		"/self-service/{param}/flows":  true,
		"/self-service/registration/x": false,
	} {
		if got := s.includes(endpoint); got != want {
			t.Errorf("includes(%q) = %v, want %v", endpoint, got, want)
		}
	}
	all := newSelector(nil, "http://x/metrics")
	for endpoint, want := range map[string]bool{"/sessions/whoami": true, "/health/ready": false, "/admin/identities": false, "/metrics": false} {
		if got := all.includes(endpoint); got != want {
			t.Errorf("without paths: includes(%q) = %v, want %v", endpoint, got, want)
		}
	}
}

func TestCPUPeakOverWholeSeconds(t *testing.T) {
	t0 := time.Unix(0, 0)
	var a aggregate
	for _, s := range []struct {
		after time.Duration
		cpu   float64
	}{{0, 1}, {time.Second, 1.2}, {2 * time.Second, 2.7}, {2100 * time.Millisecond, 2.75}} {
		a.add(&Snapshot{At: t0.Add(s.after), CPUSeconds: s.cpu})
	}
	v := a.view(&Source{URL: "http://x/metrics"}, ClientCounts{})
	// 1.5 s of CPU in the second second; the last 0.1 s is too short to
	// count (0.05 s in it would be 0.5 cores, not more than the peak here,
	// but 10 ms steps make such short windows noise).
	if math.Abs(v.CPUCoresPeak-1.5) > 1e-9 || v.CPUSeconds != 1.75 || math.Abs(v.CPUCores-1.75/2.1) > 1e-9 {
		t.Errorf("peak %v, seconds %v, cores %v", v.CPUCoresPeak, v.CPUSeconds, v.CPUCores)
	}
}

func TestWatchStopsWithItsContext(t *testing.T) {
	srv := pages(t, page(1, 0, 1, 1))
	ctx, cancel := context.WithCancel(context.Background())
	w := (&Source{URL: srv.URL}).Watch(ctx, time.Minute)
	cancel()
	select {
	case <-w.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the watch goes on after its context ended")
	}
	if v := w.End(context.Background(), ClientCounts{}); v.Missing != "" || v.Scrapes != 2 {
		t.Errorf("missing %q, scrapes %d", v.Missing, v.Scrapes)
	}
}
