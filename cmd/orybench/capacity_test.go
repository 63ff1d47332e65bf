package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orybench/orybench/internal/ci"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/target"
)

// knownCapacity is a server of known capacity: limit requests at a time,
// each served in exactly service, the rest queued; capacity = limit /
// service. Service time is kept on a schedule rather than by how long a
// sleep took: a request starts when it arrived or when its slot finished
// the request before, whichever is later, and ends service later. A sleep
// that wakes late on a busy machine delays that answer, but not the next
// request's start, so the capacity holds however busy the machine is.
type knownCapacity struct {
	slots   chan *time.Time // each slot: when it is free
	service time.Duration
	status  int // answered; 0 means 200
	served  atomic.Int64
	late    atomic.Int64 // the latest a request ended after its schedule, ns
}

func newKnownCapacity(limit int, service time.Duration) *knownCapacity {
	k := &knownCapacity{slots: make(chan *time.Time, limit), service: service}
	for range limit {
		k.slots <- new(time.Time)
	}
	return k
}

func (k *knownCapacity) capacity() float64 { return float64(cap(k.slots)) / k.service.Seconds() }

func (k *knownCapacity) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	var free *time.Time
	select {
	case free = <-k.slots:
	case <-r.Context().Done():
		return
	}
	start := arrived
	if free.After(start) {
		start = *free
	}
	*free = start.Add(k.service)
	time.Sleep(time.Until(*free))
	late := int64(time.Since(*free))
	for old := k.late.Load(); late > old && !k.late.CompareAndSwap(old, late); old = k.late.Load() {
	}
	k.slots <- free
	k.served.Add(1)
	if k.status != 0 {
		w.WriteHeader(k.status)
	}
}

// capacitySearch runs orybench capacity against a knownCapacity server with
// an SLO on the median latency (p50 < slo) and checks that the sustainable
// rate it reports is within ±10% of the server's capacity, in at most
// within.
//
// The SLO judges the median: a search's verdicts near capacity come from
// the queue that builds there, which lifts every latency after it, while
// the scheduling stalls of a shared 2-core machine put the p99 of a server
// far below its capacity at 100 ms and more. Those stalls can only make a
// rate fail, never hold: a rate above capacity +10% always fails the test.
// A rate below capacity -10% fails it only when the machine was quiet (no
// request ended more than 50 ms after its schedule); on a busy machine the
// search is tried again, up to attempts times, and when every attempt was
// disturbed, the test is skipped, saying so (and fails on CI).
func capacitySearch(t *testing.T, attempts, limit int, service, slo, within time.Duration, flags ...string) {
	var noisy []string
	for attempt := 1; attempt <= attempts; attempt++ {
		var (
			res         *results.CapacityResult
			took, worst time.Duration
			want        float64
		)
		if !t.Run(fmt.Sprintf("attempt%d", attempt), func(t *testing.T) {
			res, took, worst, want = searchOnce(t, limit, service, slo, flags...)
		}) {
			return
		}
		switch low := res.SustainableRate < 0.9*want; {
		case !low && took <= within:
			return
		case worst < 50*time.Millisecond:
			t.Errorf("sustainable rate %g/s for a capacity of %g/s (±10%%) after %s (at most %s), on a quiet machine (requests at most %s behind schedule)",
				res.SustainableRate, want, took.Round(time.Second), within, worst)
			return
		}
		noisy = append(noisy, fmt.Sprintf("%g/s in %s with requests up to %s behind schedule", res.SustainableRate, took.Round(time.Second), worst))
		t.Logf("attempt %d: %s, on a busy machine", attempt, noisy[len(noisy)-1])
	}
	ci.SkipLocally(t, "the machine was too busy to measure a capacity of %g/s: %s", float64(limit)/service.Seconds(), strings.Join(noisy, "; "))
}

// searchOnce runs one search and checks what no busy machine excuses. It
// returns the result, how long the search took, how far behind its
// schedule the server fell at worst, and the server's capacity.
func searchOnce(t *testing.T, limit int, service, slo time.Duration, flags ...string) (*results.CapacityResult, time.Duration, time.Duration, float64) {
	srv := newKnownCapacity(limit, service)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	dir := t.TempDir()
	args := append([]string{"capacity", "--url", ts.URL + "/", "--slo", "p50<" + slo.String() + ",error_rate<0.1%", "--out", dir}, flags...)
	var stdout, stderr bytes.Buffer
	began := time.Now()
	code := run(context.Background(), args, &stdout, &stderr)
	took := time.Since(began)
	t.Logf("orybench %s: exit %d after %s\n%s%s", strings.Join(args, " "), code, took.Round(time.Second), stdout.String(), stderr.String())
	if code != exitOK {
		t.Fatalf("exit %d, want %d", code, exitOK)
	}
	res, err := results.ReadCapacity(filepath.Join(dir, results.CapacityFile))
	if err != nil {
		t.Fatal(err)
	}
	want := srv.capacity()
	if !res.Found || res.SustainableRate > 1.1*want {
		t.Errorf("sustainable rate %g/s (found %v): above the capacity of %g/s +10%%", res.SustainableRate, res.Found, want)
	}
	if res.Hasher != target.RemoteHasher {
		t.Errorf("capacity.json's hasher %q, want %q: orybench did not start the server", res.Hasher, target.RemoteHasher)
	}
	if res.Confidence.Runs < 2 {
		t.Errorf("confidence %+v: the sustainable rate was not confirmed", res.Confidence)
	}
	// Every request the steps counted reached the server: the steps'
	// summaries are the server's own count (warm-ups included).
	var sent int64
	for _, st := range res.Steps {
		if st.Summary == nil {
			t.Fatalf("step %d has no summary", st.N)
		}
		sent += int64(st.Summary.Requests + st.Summary.WarmupRequests)
		if _, err := os.Stat(filepath.Join(dir, st.Dir, "summary.json")); err != nil {
			t.Errorf("step %d: %v", st.N, err)
		}
	}
	if got := srv.served.Load(); got != sent {
		t.Errorf("the server answered %d requests, the steps counted %d", got, sent)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil || !bytes.Contains(html, []byte(`data-series="sustainable rate`)) {
		t.Errorf("report.html (%v) has no chart marking the sustainable rate", err)
	}
	return res, took, time.Duration(srv.late.Load()), want
}

// TestCapacityFindsKnownCapacity: 5 slots of 50 ms, 100 requests/s, with
// 3 s steps from 60/s: about 35 s, one attempt (make test runs it under
// the race detector, which slows the generator several times over).
func TestCapacityFindsKnownCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("a search of about 35 s")
	}
	capacitySearch(t, 1, 5, 50*time.Millisecond, 120*time.Millisecond, 60*time.Second,
		"--start-rate", "60", "--step", "3s", "--warmup", "1s", "--max-duration", "55s")
}

// TestCapacityAcceptance is the check with the default search (from
// 50/s, 10 s steps after a 2 s warm-up): 8 slots of 20 ms, 400 requests/s,
// found within ±10% in under 3 minutes. It runs when
// ORYBENCH_CAPACITY_ACCEPTANCE is set (make capacity-check).
func TestCapacityAcceptance(t *testing.T) {
	if os.Getenv("ORYBENCH_CAPACITY_ACCEPTANCE") == "" {
		t.Skip("set ORYBENCH_CAPACITY_ACCEPTANCE=1 (make capacity-check): a search of 2 to 3 minutes")
	}
	capacitySearch(t, 2, 8, 20*time.Millisecond, 50*time.Millisecond, 3*time.Minute, "--max-duration", "170s")
}

// TestCapacityNothingHolds: a target that answers every request with 500
// holds no rate: exit 1, and capacity.json says so.
func TestCapacityNothingHolds(t *testing.T) {
	srv := newKnownCapacity(8, time.Millisecond)
	srv.status = http.StatusInternalServerError
	ts := httptest.NewServer(srv)
	defer ts.Close()
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"capacity", "--url", ts.URL + "/", "--out", dir,
		"--start-rate", "20", "--min-rate", "5", "--step", "1s", "--warmup", "0s"}, &stdout, &stderr)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; output:\n%s%s", code, exitFailed, stdout.String(), stderr.String())
	}
	if lines := strings.Split(strings.TrimSpace(stderr.String()), "\n"); !strings.Contains(lines[len(lines)-1], "no sustainable rate") {
		t.Errorf("stderr does not end saying so: %q", stderr.String())
	}
	res, err := results.ReadCapacity(filepath.Join(dir, results.CapacityFile))
	if err != nil {
		t.Fatal(err)
	}
	var rates []float64
	for _, st := range res.Steps {
		rates = append(rates, st.Rate)
	}
	if res.Found || res.Ended != results.EndMinRate || len(rates) != 3 || rates[2] != 5 {
		t.Errorf("found %v, ended %s, rates %v; want none, min-rate, 20 10 5", res.Found, res.Ended, rates)
	}
}

// Bad flags: one line on stderr, exit 2, nothing sent.
func TestCapacityBadFlags(t *testing.T) {
	var hits atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer ts.Close()
	url := ts.URL + "/"
	for _, args := range [][]string{
		{"--url", url, "--slo", "p99<<5ms"},
		{"--url", url, "--slo", "latency<5ms"},
		{"--url", url, "--slo", ","},
		{"--url", url, "--precision", "abc"},
		{"--url", url, "--precision", "0"},
		{"--url", url, "--precision", "150%"},
		{"--url", url, "--start-rate", "0"},
		{"--url", url, "--max-rate", "10"},
		{"--url", url, "--min-rate", "100"},
		{"--url", url, "--step", "10ms"},
		{"--url", url, "--max-duration", "5s"},
		{"--url", url, "--warmup", "-1s"},
		{"--url", "ftp://127.0.0.1/"},
		{"--url", url, "--no-such-flag"},
		{"--url", url, "extra"},
		{"--url", "http://192.0.2.1/", "--max-rate", "1000"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"capacity", "--out", t.TempDir()}, args...), &stdout, &stderr)
		msg := strings.TrimSpace(stderr.String())
		if code != exitUsage || msg == "" || strings.Contains(msg, "\n") || strings.Contains(msg, "goroutine") {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and one line", args, code, msg, exitUsage)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d requests sent on bad flags", n)
	}
}
