package loadtest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orybench/orybench/servermetrics"
)

// metricsServer answers GET /hit and serves, at /metrics, Kratos's
// request counter and CPU time for it: each hit counted extra times over
// (another client's requests, say).
func metricsServer(extra int64) *httptest.Server {
	var hits atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hit":
			hits.Add(1 + extra)
		case "/metrics":
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			n := hits.Load()
			fmt.Fprintf(w, "# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\",endpoint=\"/hit\",method=\"get\"} %d\n", n)
			fmt.Fprintf(w, "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %g\n", float64(n)/1000)
		default:
			http.NotFound(w, r)
		}
	}))
}

// TestRunServerView: a run with WithServerMetrics records what the
// server's metrics said over the measured run, its request count beside
// the run's own, and warns when the two disagree; WithoutServerMetrics
// records why there is none.
func TestRunServerView(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra int64
		warn  bool
	}{{"counts agree", 0, false}, {"another client", 1, true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := metricsServer(tc.extra)
			defer srv.Close()
			sum, err := Run(context.Background(), RawScenario("GET", srv.URL+"/hit", 50, time.Second),
				WithServerMetrics(&servermetrics.Source{URL: srv.URL + "/metrics"}))
			if err != nil {
				t.Fatal(err)
			}
			v := sum.Server
			if v == nil || v.Missing != "" {
				t.Fatalf("server view %+v", v)
			}
			if v.ClientRequests != sum.Requests || v.Requests != sum.Requests*uint64(1+tc.extra) {
				t.Errorf("the server counted %d, the view says the client %d; the run sent %d", v.Requests, v.ClientRequests, sum.Requests)
			}
			if got := len(v.Warnings) > 0 && strings.Contains(v.Warnings[0], "another client loaded the target"); got != tc.warn {
				t.Errorf("warnings %q, want a warning on the counts: %v", v.Warnings, tc.warn)
			}
			if v.CPUPerRequestMs <= 0 || v.GeneratorCores <= 0 {
				t.Errorf("cpu %g ms/request, orybench %g cores", v.CPUPerRequestMs, v.GeneratorCores)
			}
		})
	}
	// A shard's server counts every shard's requests: said, not warned.
	shard := metricsServer(1)
	defer shard.Close()
	sum, err := Run(context.Background(), RawScenario("GET", shard.URL+"/hit", 40, time.Second),
		WithShard(Shard{Index: 1, Count: 2}), WithServerMetrics(&servermetrics.Source{URL: shard.URL + "/metrics"}))
	if err != nil {
		t.Fatal(err)
	}
	if v := sum.Server; v == nil || len(v.Warnings) != 1 || !strings.Contains(v.Warnings[0], "shard 1/2: the server counts every shard's requests") {
		t.Errorf("a shard's server view %+v, want the one note on shards", v)
	}

	srv := metricsServer(0)
	defer srv.Close()
	sum, err = Run(context.Background(), RawScenario("GET", srv.URL+"/hit", 20, time.Second),
		WithoutServerMetrics(srv.URL+"/nope", "no metrics here: 404"))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Server == nil || sum.Server.Missing != "no metrics here: 404" || sum.Server.Source != srv.URL+"/nope" {
		t.Errorf("server view %+v, want it missing, saying why", sum.Server)
	}
}
