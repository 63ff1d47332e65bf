package servermetrics

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

// readPage parses a recorded page of testdata.
func readPage(t *testing.T, name string, at time.Time) *Snapshot {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := Parse(f, at)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

func TestParseRecordedKratosPage(t *testing.T) {
	s := readPage(t, "kratos-v1.3.1-after.txt", time.Unix(100, 0))
	for _, c := range []struct {
		series Series
		want   float64
	}{
		{Series{"/sessions/whoami", "GET", "401"}, 37},
		{Series{"/self-service/login/api", "GET", "200"}, 12},
		{Series{"/admin/metrics/prometheus", "GET", "200"}, 2},
	} {
		if got := s.Requests[c.series]; got != c.want {
			t.Errorf("http_requests_total %+v = %v, want %v", c.series, got, c.want)
		}
	}
	h, ok := s.Durations[Series{"/sessions/whoami", "GET", "401"}]
	if !ok {
		t.Fatal("no duration histogram for GET /sessions/whoami 401")
	}
	wantBounds := []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, math.Inf(1)}
	if len(h.Bounds) != len(wantBounds) {
		t.Fatalf("bounds = %v, want %v", h.Bounds, wantBounds)
	}
	for i := range wantBounds {
		if h.Bounds[i] != wantBounds[i] || h.Counts[i] != 37 {
			t.Errorf("bucket %d = (%v, %v), want (%v, 37)", i, h.Bounds[i], h.Counts[i], wantBounds[i])
		}
	}
	if h.Count != 37 || math.Abs(h.Sum-0.017056161) > 1e-9 {
		t.Errorf("count, sum = %v, %v; want 37, 0.017056161", h.Count, h.Sum)
	}
	if s.CPUSeconds != 1.06 || s.RSSBytes != 77131776 || s.Goroutines != 30 || s.OpenFDs != 17 || s.MaxFDs != 20000 {
		t.Errorf("process figures = cpu %v rss %v goroutines %v fds %v/%v", s.CPUSeconds, s.RSSBytes, s.Goroutines, s.OpenFDs, s.MaxFDs)
	}
	if s.StartTime != 1.7962259201e+09 {
		t.Errorf("start time = %v", s.StartTime)
	}
}

func TestRecordedPagesMakeTheRunsView(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var a aggregate
	a.add(readPage(t, "kratos-v1.3.1-before.txt", t0))
	a.add(readPage(t, "kratos-v1.3.1-after.txt", t0.Add(2*time.Second)))
	src := &Source{URL: "http://127.0.0.1:4434/admin/metrics/prometheus", Cores: 2}
	v := a.view(src, ClientCounts{Requests: 49, Paths: []string{"/sessions/whoami", "/self-service/login/api?refresh=true"}})
	if v.Missing != "" || len(v.Warnings) > 0 {
		t.Fatalf("missing %q, warnings %q", v.Missing, v.Warnings)
	}
	if v.Requests != 49 || v.ClientRequests != 49 || v.CountDiff != 0 || v.Scrapes != 2 || v.WindowS != 2 {
		t.Errorf("requests %d, client %d, diff %v, scrapes %d, window %v", v.Requests, v.ClientRequests, v.CountDiff, v.Scrapes, v.WindowS)
	}
	if len(v.Endpoints) != 2 {
		t.Fatalf("endpoints = %+v, want login/api and whoami", v.Endpoints)
	}
	login, whoami := v.Endpoints[0], v.Endpoints[1]
	if login.Endpoint != "/self-service/login/api" || login.Method != "GET" || login.Requests != 12 || login.Statuses["200"] != 12 || len(login.Statuses) != 1 {
		t.Errorf("login = %+v", login)
	}
	if whoami.Endpoint != "/sessions/whoami" || whoami.Requests != 37 || whoami.Statuses["401"] != 37 || len(whoami.Statuses) != 1 {
		t.Errorf("whoami = %+v", whoami)
	}
	// All 37 whoami answers took under 5 ms; login's 12: 9 under 5 ms,
	// 2 in 5–10 ms, 1 in 10–25 ms.
	inside := func(name string, got, lo, hi float64) {
		t.Helper()
		if got <= lo || got > hi {
			t.Errorf("%s = %v ms, want in (%v, %v]", name, got, lo, hi)
		}
	}
	inside("whoami p50", whoami.Latency.P50, 0, 5)
	inside("whoami p99", whoami.Latency.P99, 0, 5)
	inside("login p50", login.Latency.P50, 0, 5)
	inside("login p99", login.Latency.P99, 10, 25)
	// Over both: 46 of 49 under 5 ms, 48 under 10, 49 under 25. p50:
	// rank 24.5 of 46 in 0–5 ms; p99: rank 48.51, 0.51 of 1 in 10–25 ms.
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-3 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("p50", v.Latency.P50, 5*24.5/46)
	near("p90", v.Latency.P90, 5*44.1/46)
	near("p99", v.Latency.P99, 10+15*0.51)
	near("mean", v.Latency.Mean, (0.055667249+0.017056161)/49*1000)
	if len(v.BucketsMs) != 11 || v.BucketsMs[0] != 5 || v.BucketsMs[10] != 10000 {
		t.Errorf("buckets = %v", v.BucketsMs)
	}
	near("cpu seconds", v.CPUSeconds, 1.06-0.87)
	near("cpu per request", v.CPUPerRequestMs, 190.0/49)
	near("cpu cores", v.CPUCores, 0.19/2)
	if v.CPUSeconds < 0 || v.CPUCoresPeak < v.CPUCores || v.Cores != 2 {
		t.Errorf("cpu peak %v, cores %d", v.CPUCoresPeak, v.Cores)
	}
	if v.RSSBytesMax < 70e6 || v.GoroutinesMax == 0 || v.MaxFDs != 20000 || v.OpenFDsMax == 0 {
		t.Errorf("rss %d, goroutines %d, fds %d/%d", v.RSSBytesMax, v.GoroutinesMax, v.OpenFDsMax, v.MaxFDs)
	}
	if v.Database != nil {
		t.Errorf("database = %+v for a source without one", v.Database)
	}

	// Without paths: every endpoint outside /admin/ and /health/, so the
	// same two; the metrics read between the pages is never counted.
	v = a.view(src, ClientCounts{Requests: 49})
	if v.Requests != 49 || len(v.Endpoints) != 2 {
		t.Errorf("without paths: %d requests on %+v", v.Requests, v.Endpoints)
	}
}

func TestParseRejectsWhatIsNotKratosMetrics(t *testing.T) {
	for _, c := range []struct {
		name, page, want string
	}{
		{"html", "<!DOCTYPE html>\n<html><body>Not here</body></html>\n", "not the Prometheus text format"},
		{"json", `{"error":{"code":404,"status":"Not Found"}}`, "not the Prometheus text format"},
		{"truncated line", "# TYPE http_requests_total counter\nhttp_requests_total{app=\"kratos\",code=\"200\n", "not the Prometheus text format"},
		{"value not a number", "process_cpu_seconds_total one\n", "not the Prometheus text format"},
		{"empty", "", "not a Kratos server's metrics"},
		{"another server's", "# TYPE up gauge\nup 1\n", "not a Kratos server's metrics"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(c.page), time.Now())
			if err == nil {
				t.Fatal("parsed")
			}
			if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line with %q", msg, c.want)
			}
		})
	}
	_, err := Parse(strings.NewReader("# TYPE up gauge\nup 1\n"), time.Now())
	if !errors.Is(err, ErrNotKratos) {
		t.Errorf("error %v is not ErrNotKratos", err)
	}
}

func TestParseWithoutSomeFamilies(t *testing.T) {
	s, err := Parse(strings.NewReader("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 3.5\n"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if s.CPUSeconds != 3.5 || s.Requests != nil || s.Durations != nil || s.RSSBytes != 0 {
		t.Errorf("snapshot = %+v", s)
	}
}
