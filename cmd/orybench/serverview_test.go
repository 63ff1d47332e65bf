//go:build unix

package main

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orybench/orybench/internal/ci"
	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/results"
)

// TestCapacityServerView runs a capacity search of whoami on the local
// postgres profile under an SLO no step can hold, so that it fails at
// every rate it tries: each step carries the server's view (CPU per
// request, server p50 and p99 beside the client's, the database), the
// server counted the requests the client did within 1%, the console
// prints the server's figures on every step line, and the result names
// what was closest to its limit at the lowest failing rate.
func TestCapacityServerView(t *testing.T) {
	if _, err := localkratos.PostgresBinDir(); err != nil {
		ci.SkipLocally(t, "the postgres profile needs PostgreSQL: %v", err)
	}
	bin := kratosBinary(t)
	dir := t.TempDir()
	code, p := runOrybench(t, procOpts{}, 3*time.Minute, "capacity", "--scenario", "whoami", "--profile", "postgres",
		"--kratos-bin", bin, "--hasher", "bcrypt:4", "--slo", "p99<0.2ms", "--start-rate", "40", "--min-rate", "20",
		"--step", "3s", "--warmup", "0s", "--out", dir)
	if code != exitFailed {
		t.Fatalf("exit %d, want 1 (no rate can hold p99<0.2ms); stderr:\n%s", code, p.stderr.String())
	}
	res, err := results.ReadCapacity(filepath.Join(dir, results.CapacityFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Steps) < 2 {
		t.Fatalf("%d steps, want the start rate and the minimum", len(res.Steps))
	}
	for _, st := range res.Steps {
		sv := st.Summary.Server
		if sv == nil || sv.Missing != "" {
			t.Fatalf("step %d at %g/s: server view %+v", st.N, st.Rate, sv)
		}
		if math.Abs(sv.CountDiff) > 0.01 || sv.ClientRequests == 0 {
			t.Errorf("step %d: the server counted %d requests, the client %d (%+.2f%%): want within 1%%", st.N, sv.Requests, sv.ClientRequests, 100*sv.CountDiff)
		}
		if sv.CPUPerRequestMs <= 0 || sv.Latency.P50 <= 0 || sv.Latency.P99 < sv.Latency.P50 || st.P99 <= 0 {
			t.Errorf("step %d: cpu %g ms/request, server p50 %g p99 %g, client p99 %g", st.N, sv.CPUPerRequestMs, sv.Latency.P50, sv.Latency.P99, st.P99)
		}
		if db := sv.Database; db == nil || db.PoolSize != localkratos.PostgresMaxConns || db.Commits == 0 {
			t.Errorf("step %d: database %+v, want commits and the pool of %d", st.N, db, localkratos.PostgresMaxConns)
		}
		if line := fmt.Sprintf("step %2d ", st.N); !strings.Contains(p.stdout.String(), line) {
			t.Errorf("no console line for step %d", st.N)
		}
	}
	if n := strings.Count(p.stdout.String(), "  server p50 "); n != len(res.Steps) {
		t.Errorf("%d step lines with the server's figures, want %d:\n%s", n, len(res.Steps), p.stdout.String())
	}
	l := res.Limit
	if l == nil || l.Closest == "" || l.Rate != res.Steps[len(res.Steps)-1].Rate || len(l.Resources) < 3 || l.Reason == "" {
		t.Fatalf("limit %+v: want the resource closest to its limit at the lowest failing rate, among the CPU, the machine's CPU, the pool and the rest", l)
	}
	if !strings.Contains(p.stdout.String(), fmt.Sprintf("closest to its limit at %g/s: %s", l.Rate, l.Closest)) {
		t.Errorf("the console does not name the limit:\n%s", p.stdout.String())
	}
	t.Logf("limit: %s: %s", l.Closest, l.Reason)
}

// TestServerViewMissing: load and capacity against a server whose metrics
// cannot be read run as they would without, and say so once, on one line
// that names why; what they record says it too. --metrics-url= turns the
// server view off without a word.
func TestServerViewMissing(t *testing.T) {
	slow := make(chan struct{})
	defer close(slow)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>metrics</body></html>")
		case "/unauthorized":
			w.WriteHeader(http.StatusUnauthorized)
		case "/slow":
			select {
			case <-slow:
			case <-r.Context().Done():
			}
		case "/empty":
		case "/": // the load's target
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	load := []string{"load", "--url", srv.URL + "/", "--rate", "20", "--duration", "1s"}
	capacity := []string{"capacity", "--url", srv.URL + "/", "--start-rate", "10", "--max-rate", "20", "--step", "1s", "--warmup", "0s"}
	for _, tc := range []struct {
		name string
		args []string
		why  string // in the one line; "" for none
	}{
		{"no admin API known (load)", load, "no admin API is known to read /admin/metrics/prometheus from"},
		{"no admin API known (capacity)", capacity, "no admin API is known"},
		{"not the text format", append(load, "--metrics-url", srv.URL+"/html"), "not the Prometheus text format"},
		{"refused", append(load, "--metrics-url", srv.URL+"/unauthorized"), "401"},
		{"no answer in time", append(capacity, "--metrics-url", srv.URL+"/slow"), "no answer within"},
		{"not served", append(load, "--metrics-url", srv.URL+"/metrics"), "404"},
		{"not Kratos's", append(load, "--metrics-url", srv.URL+"/empty"), "not a Kratos server's metrics"},
		{"turned off", append(load, "--metrics-url="), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			code, p := runOrybench(t, procOpts{}, 2*time.Minute, append(tc.args, "--out", dir)...)
			if code != exitOK {
				t.Fatalf("exit %d; stderr:\n%s", code, p.stderr.String())
			}
			lines := strings.Count(p.stderr.String(), "server view: none: ")
			switch {
			case tc.why == "" && (lines != 0 || strings.Contains(p.stderr.String(), "server view")):
				t.Errorf("the server view was turned off, but stderr speaks of it:\n%s", p.stderr.String())
			case tc.why != "" && (lines != 1 || !strings.Contains(p.stderr.String(), tc.why)):
				t.Errorf("%d lines saying the server view is missing, want one with %q:\n%s", lines, tc.why, p.stderr.String())
			}
			var sv []*results.ServerView
			if tc.args[0] == "load" {
				sum, err := results.ReadLoadSummary(filepath.Join(dir, results.LoadSummaryFile))
				if err != nil {
					t.Fatal(err)
				}
				sv = append(sv, sum.Server)
			} else {
				res, err := results.ReadCapacity(filepath.Join(dir, results.CapacityFile))
				if err != nil {
					t.Fatal(err)
				}
				for _, st := range res.Steps {
					sv = append(sv, st.Summary.Server)
				}
			}
			for i, v := range sv {
				if tc.why == "" && v != nil || tc.why != "" && (v == nil || !strings.Contains(v.Missing, tc.why)) {
					t.Errorf("run %d recorded the server view %+v, want it missing: %q", i, v, tc.why)
				}
			}
		})
	}
}
