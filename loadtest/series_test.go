package loadtest

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/orybench/orybench/results"
)

// seriesRunner is a runner fed by hand: one step, a constant 100/s profile
// that began at began, writing into dir. No network.
func seriesRunner(t *testing.T, dir string, began time.Time) *runner {
	t.Helper()
	out, err := newOutput(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := &plan{sc: Scenario{Steps: []Step{{Name: "s", Expect: Statuses(200)}}}, profile: ConstantRate(100)}
	r := &runner{plan: p, out: out, pacer: &pacer{}, stepIndex: map[string]int{"s": 0},
		overall: newStats(true), steps: []*stats{newStats(true)}, bucket: newStats(true)}
	r.pacer.began.Store(&began)
	out.bucket = r.bucket // as Run does
	return r
}

func readSeries(t *testing.T, dir string) []results.SeriesPoint {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "timeseries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var pts []results.SeriesPoint
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var pt results.SeriesPoint
		if err := json.Unmarshal([]byte(line), &pt); err != nil {
			t.Fatalf("timeseries line %q: %v", line, err)
		}
		pts = append(pts, pt)
	}
	return pts
}

// TestSeriesCorrectedAndUncorrected feeds known results: a second sent on
// time, a second whose first 80 hits were held back until 1.8 s (a stalled
// sender), an empty second and a last hit. Every answer took 5 ms, so the
// uncorrected percentiles are 5 ms throughout, while the corrected ones of
// the stalled second count the wait from each hit's intended send time.
func TestSeriesCorrectedAndUncorrected(t *testing.T) {
	dir := t.TempDir()
	began := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	r := seriesRunner(t, dir, began)
	corr, uncorr := r.bucket.corrected, r.bucket.uncorrected
	const lat = 5 * time.Millisecond
	send := func(seq uint64, at time.Duration) {
		r.record(&vegeta.Result{Seq: seq, Code: 200, URL: "http://127.0.0.1:1/#s", Timestamp: began.Add(at), Latency: lat}, true)
	}
	for seq := uint64(0); seq < 100; seq++ { // second 0: on time
		send(seq, r.plan.profile.Due(seq))
	}
	for seq := uint64(100); seq < 200; seq++ { // second 1: 100..179 sent at 1.8 s
		at := max(r.plan.profile.Due(seq), 1800*time.Millisecond)
		send(seq, at)
	}
	send(300, r.plan.profile.Due(300)) // second 3; second 2 had no answer
	r.closeBuckets(r.bucketN + 1)
	if err := r.out.close(); err != nil {
		t.Fatal(err)
	}
	if r.bucket.corrected != corr || r.bucket.uncorrected != uncorr {
		t.Errorf("the bucket's histograms were reallocated, not reset")
	}

	pts := readSeries(t, dir)
	if len(pts) != 4 {
		t.Fatalf("%d points, want 4 (seconds 0-3): %+v", len(pts), pts)
	}
	for i, pt := range pts {
		if pt.T != int64(i) {
			t.Errorf("point %d has t=%d", i, pt.T)
		}
	}
	type pcts struct{ p50, p90, p99, max float64 }
	corrected := func(p results.SeriesPoint) pcts { return pcts{p.P50, valueOf(p.P90), p.P99, p.Max} }
	uncorrected := func(p results.SeriesPoint) pcts {
		return pcts{valueOf(p.P50Uncorrected), valueOf(p.P90Uncorrected), valueOf(p.P99Uncorrected), valueOf(p.MaxUncorrected)}
	}
	// The stalled second, sorted by corrected latency: 20 on-time hits of
	// 5 ms, then hits 179..100 whose wait is 1.805 s - (1 s + 10 ms·k):
	// 15, 25, ... 805 ms. p50 is the 50th value (30th of that ramp), p90
	// the 90th, p99 the 99th.
	ramp := func(n int) float64 { return 15 + 10*float64(n-1) }
	tests := []struct {
		name      string
		pt        results.SeriesPoint
		requests  uint64
		corr, unc pcts
	}{
		{"on time", pts[0], 100, pcts{5, 5, 5, 5}, pcts{5, 5, 5, 5}},
		{"stalled sender", pts[1], 100, pcts{ramp(30), ramp(70), ramp(79), ramp(80)}, pcts{5, 5, 5, 5}},
		{"no answer", pts[2], 0, pcts{}, pcts{}},
		{"one hit", pts[3], 1, pcts{5, 5, 5, 5}, pcts{5, 5, 5, 5}},
	}
	for _, tt := range tests {
		if tt.pt.Requests != tt.requests || tt.pt.StatusCodes["200"] != tt.requests {
			t.Errorf("%s: %d requests, codes %v; want %d", tt.name, tt.pt.Requests, tt.pt.StatusCodes, tt.requests)
		}
		for _, c := range []struct {
			kind      string
			got, want pcts
		}{{"corrected", corrected(tt.pt), tt.corr}, {"uncorrected", uncorrected(tt.pt), tt.unc}} {
			if !near(c.got.p50, c.want.p50) || !near(c.got.p90, c.want.p90) || !near(c.got.p99, c.want.p99) || !near(c.got.max, c.want.max) {
				t.Errorf("%s: %s p50/p90/p99/max = %+v, want %+v", tt.name, c.kind, c.got, c.want)
			}
		}
	}
}

// valueOf is a percentile of a series point: NaN when absent, which every
// point written should never be.
func valueOf(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// near compares milliseconds at the histograms' precision (3 significant
// digits).
func near(got, want float64) bool {
	if want == 0 {
		return got == 0
	}
	return within(got, want, 0.002)
}
