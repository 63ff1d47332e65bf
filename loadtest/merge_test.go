package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/orybench/orybench/results"
)

// runShards runs n shards of sc at once, each into a directory of its own
// under one parent, and returns the directories.
func runShards(t *testing.T, sc *Scenario, n int, opts ...Option) []string {
	t.Helper()
	parent := t.TempDir()
	dirs := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		dirs[i] = filepath.Join(parent, fmt.Sprintf("shard-%d", i+1))
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = Run(context.Background(), sc,
				append([]Option{WithShard(Shard{i + 1, n}), WithOutDir(dirs[i])}, opts...)...)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d/%d: %v", i+1, n, err)
		}
	}
	return dirs
}

func readTestSummary(t *testing.T, dir string) results.LoadSummary {
	t.Helper()
	s, err := results.ReadLoadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	return *s
}

func readTestHdr(t *testing.T, path string) *hdrhistogram.Histogram {
	t.Helper()
	h, err := readHdr(path)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func mustThresholds(t *testing.T, exprs ...string) []Threshold {
	t.Helper()
	var ts []Threshold
	for _, e := range exprs {
		th, err := ParseThreshold(e)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, th)
	}
	return ts
}

// TestMerge merges four shards of a two-step run: every count is the sum
// of the shards', every histogram their bucket-by-bucket sum, the time
// series and its histograms hold every request, and the thresholds are
// judged on the merged figures.
func TestMerge(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/bad", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	sc := &Scenario{Name: "two", Rate: Constant(200), Duration: time.Second,
		Steps: []Step{{Name: "ok", Weight: 3, Method: "GET", URL: "/ok"}, {Name: "bad", Method: "GET", URL: "/bad"}}}
	dirs := runShards(t, sc, 4, WithTarget(srv.URL), WithThresholds(mustThresholds(t, "error_rate<50%", "ok:p99<10s", "rate>=0.5*requested")...))

	out := filepath.Join(filepath.Dir(dirs[0]), "merged") // beside the shards
	m, err := Merge(dirs, out)
	if err != nil {
		t.Fatal(err)
	}
	var (
		requests, errs, bad uint64
		codes               = map[string]uint64{}
		corrected           = newHistogram()
	)
	for _, dir := range dirs {
		s := readTestSummary(t, dir)
		requests += s.Requests
		errs += s.Errors.Total
		bad += s.Steps[1].Requests
		for c, n := range s.StatusCodes {
			codes[c] += n
		}
		corrected.Merge(readTestHdr(t, filepath.Join(dir, "overall.hdr")))
	}
	if m.Requests != 200 || requests != 200 {
		t.Errorf("merged %d requests of shards that sent %d, want 200 (200/s for 1s)", m.Requests, requests)
	}
	if m.Errors.Total != errs || m.Errors.ByKind["unexpected_status"] != errs || m.Steps[1].Requests != bad ||
		m.StatusCodes["500"] != codes["500"] || m.StatusCodes["200"] != codes["200"] || errs == 0 {
		t.Errorf("merged errors %+v, steps %+v, codes %v; shards: %d errors, %d bad, codes %v",
			m.Errors, m.Steps, m.StatusCodes, errs, bad, codes)
	}
	merged := readTestHdr(t, filepath.Join(out, "overall.hdr"))
	if !merged.Equals(corrected) || merged.TotalCount() != 200 {
		t.Errorf("overall.hdr of the merge (%d values) is not the sum of the shards' (%d)", merged.TotalCount(), corrected.TotalCount())
	}
	if got, want := m.Latency, latencyOf(corrected); got != want {
		t.Errorf("merged latency %+v, want the summed histogram's %+v", got, want)
	}

	// The time series and its per-second histograms hold every request.
	series, err := results.ReadSeries(filepath.Join(out, "timeseries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	began, err := time.Parse(time.RFC3339Nano, m.StartedAt)
	if err != nil {
		t.Fatalf("merged started_at %q: %v", m.StartedAt, err)
	}
	seconds, err := readHlog(filepath.Join(out, hlogFile), began)
	if err != nil {
		t.Fatal(err)
	}
	var inSeries, inHlog, inHlogU uint64
	for i, pt := range series {
		inSeries += pt.Requests
		if pt.T != int64(i) {
			t.Errorf("second %d of the series is numbered %d", i, pt.T)
		}
		// Each second's percentiles are its merged histograms'.
		s := seconds[pt.T]
		if s == nil {
			t.Fatalf("second %d has no histograms in %s", pt.T, hlogFile)
		}
		p50, p90, p99, mx := seriesPercentiles(s.corrected)
		u50, u90, u99, umx := seriesPercentiles(s.uncorrected)
		if [8]float64{pt.P50, valueOf(pt.P90), pt.P99, pt.Max, valueOf(pt.P50Uncorrected), valueOf(pt.P90Uncorrected), valueOf(pt.P99Uncorrected), valueOf(pt.MaxUncorrected)} !=
			[8]float64{p50, p90, p99, mx, u50, u90, u99, umx} || pt.Requests != uint64(s.corrected.TotalCount()) {
			t.Errorf("second %d: %+v, not its histograms' percentiles", pt.T, pt)
		}
	}
	for _, s := range seconds {
		inHlog += uint64(s.corrected.TotalCount())
		inHlogU += uint64(s.uncorrected.TotalCount())
	}
	if inSeries != 200 || inHlog != 200 || inHlogU != 200 {
		t.Errorf("the merged series holds %d requests and its histograms %d (uncorrected %d), want 200",
			inSeries, inHlog, inHlogU)
	}

	// Thresholds: those recorded, judged on the merge.
	if !m.Passed || len(m.Thresholds) != 3 {
		t.Fatalf("thresholds %+v, want three that held", m.Thresholds)
	}
	if got, want := m.Thresholds[0].Actual, round3(float64(errs)/200); got != want {
		t.Errorf("error_rate on the merge = %v, want %v", got, want)
	}
	if m.Thresholds[1].Step != "ok" {
		t.Errorf("the step threshold lost its step: %+v", m.Thresholds[1])
	}
	if m.Rate.Requested != 200 {
		t.Errorf("merged requested rate %v, want 200", m.Rate.Requested)
	}

	// --threshold instead, breached.
	m2, err := Merge(dirs, t.TempDir(), mustThresholds(t, "p50<1us")...)
	if !errors.Is(err, ErrThresholdsFailed) || m2.Passed {
		t.Fatalf("p50<1us: err = %v, want ErrThresholdsFailed", err)
	}
	if got, want := m2.Thresholds[0].Actual, ms(corrected.ValueAtPercentile(50)); got != want || len(m2.Thresholds) != 1 {
		t.Errorf("thresholds %+v, want only p50<1us at %v", m2.Thresholds, want)
	}

	// A merge renders like a run, and is not a shard to merge again.
	if found, err := ShardDirs(filepath.Dir(dirs[0])); err != nil || !slices.Equal(found, dirs) {
		t.Errorf("ShardDirs(parent) = %v, %v; want the shards, not the merge beside them", found, err)
	}
	if _, err := Merge([]string{out}, t.TempDir()); !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "already a merge") {
		t.Errorf("merging a merge: %v", err)
	}
}

// TestMergeMismatch: shards that are not of one run, or not all of it,
// are refused with one line each.
func TestMergeMismatch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	sc := RawScenario("GET", srv.URL, 40, 500*time.Millisecond)
	dirs := runShards(t, sc, 3)
	whole := t.TempDir()
	if _, err := Run(context.Background(), sc, WithOutDir(whole)); err != nil {
		t.Fatal(err)
	}
	edited := func(edit func(s *results.LoadSummary)) string {
		dir := t.TempDir()
		for _, name := range []string{"summary.json", "timeseries.jsonl", hlogFile,
			"overall.hdr", "overall.uncorrected.hdr", "step-raw.hdr", "step-raw.uncorrected.hdr"} {
			data, err := os.ReadFile(filepath.Join(dirs[2], name))
			if err == nil {
				err = os.WriteFile(filepath.Join(dir, name), data, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		s := readTestSummary(t, dir)
		edit(&s)
		if err := writeJSON(filepath.Join(dir, "summary.json"), s); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, c := range []struct {
		name string
		dirs []string
		want string
	}{
		{"duplicate index", []string{dirs[0], dirs[1], dirs[1]}, "both shard 2/3"},
		{"missing index", []string{dirs[0], dirs[2]}, "shards 2 of 3 are missing"},
		{"another scenario", []string{dirs[0], dirs[1], edited(func(s *results.LoadSummary) { s.Scenario = "other" })}, "scenario"},
		{"another N", []string{dirs[0], dirs[1], edited(func(s *results.LoadSummary) { s.Shard.Count = 4 })}, "shard count"},
		{"another rate", []string{dirs[0], dirs[1], edited(func(s *results.LoadSummary) { s.Shard.Rate = "80/s" })}, "rate"},
		{"other thresholds", []string{dirs[0], dirs[1], edited(func(s *results.LoadSummary) {
			s.Thresholds = append(s.Thresholds, results.ThresholdResult{Expr: "p99<1s"})
		})}, "thresholds"},
		{"not a shard", []string{dirs[0], whole}, "not a shard"},
		{"missing histogram", []string{dirs[0], dirs[1], func() string {
			d := edited(func(*results.LoadSummary) {})
			os.Remove(filepath.Join(d, "overall.hdr"))
			return d
		}()}, "overall.hdr is missing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Merge(c.dirs, t.TempDir())
			if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one line with %q", err, c.want)
			}
		})
	}

	// A shard that was interrupted leaves the merge incomplete, not judged.
	m, err := Merge([]string{dirs[0], dirs[1], edited(func(s *results.LoadSummary) { s.Stopped = "interrupted" })}, t.TempDir())
	if !errors.Is(err, ErrShardStopped) || m == nil || !strings.Contains(m.Stopped, "shard 3/3 interrupted") {
		t.Errorf("merge with an interrupted shard: %v, stopped %q", err, m.Stopped)
	}
}

// TestHdrFilesMatchHgrm: the encoded histograms a run writes decode to the
// distributions of its .hgrm files.
func TestHdrFilesMatchHgrm(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	dir := t.TempDir()
	if _, err := Run(context.Background(), RawScenario("GET", srv.URL, 100, 500*time.Millisecond), WithOutDir(dir)); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{"overall", "overall.uncorrected", "step-raw", "step-raw.uncorrected"} {
		var buf bytes.Buffer
		if err := writeHgrm(&buf, readTestHdr(t, filepath.Join(dir, base+".hdr"))); err != nil {
			t.Fatal(err)
		}
		hgrm, err := os.ReadFile(filepath.Join(dir, base+".hgrm"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(buf.Bytes(), hgrm) {
			t.Errorf("%s.hdr does not decode to %s.hgrm", base, base)
		}
	}
}
