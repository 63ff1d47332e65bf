//go:build unix

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/results"
)

// shardScenario is whoami with a small session pool and thresholds that a
// busy machine holds, so that every shard and the merge pass. (Kratos on
// SQLite may answer a rare whoami 401 while another shard writes its
// fixtures or removes them, which --sync-dir makes rarer: an error, but an
// answer, counted like any.)
const shardScenario = `name: whoami-shards
rate: 100
duration: 3s
sessions: 8
steps:
  - name: whoami
    operation: toSession
    expect: [200]
    thresholds: [p99<5s]
thresholds: [error_rate<10%, rate>=0.9*requested]
`

// TestShardedLoad runs four `orybench load --shard i/4` processes at once
// against the local Kratos, merges them with `orybench report merge`, and
// runs the same load in one process: the merged request count is the sum
// of the shards' and the single process's (rate × duration, exactly); the
// merged histogram is, bucket by bucket, the one rebuilt from every
// request in the shards' results.bin; its percentiles are those of the
// raw latencies within HDR precision; and the thresholds are judged on the
// merge.
func TestShardedLoad(t *testing.T) {
	inst := startKratos(t)
	work := t.TempDir()
	scenario := filepath.Join(work, "whoami-shards.yaml")
	if err := os.WriteFile(scenario, []byte(shardScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	load := func(out string, more ...string) []string {
		return append([]string{"load", "--scenario", scenario, "--target", inst.PublicURL, "--admin-url", inst.AdminURL,
			"--progress=false", "--out", out}, more...)
	}
	const want = 300 // 100/s for 3s

	shards := filepath.Join(work, "shards")
	started := time.Now()
	type shardProc struct {
		dir string
		run func() (int, string)
	}
	var procs []shardProc
	for i := 1; i <= 4; i++ {
		dir := filepath.Join(shards, fmt.Sprintf("shard-%d", i))
		p := startOrybench(t, procOpts{}, load(dir, "--shard", fmt.Sprintf("%d/4", i), "--sync-dir", shards)...)
		procs = append(procs, shardProc{dir, func() (int, string) {
			code := p.wait(t, 2*time.Minute)
			return code, p.stdout.String() + p.stderr.String()
		}})
	}
	var (
		sum, errs   uint64
		first, last time.Time
	)
	for i, p := range procs {
		code, out := p.run()
		if code != exitOK {
			t.Fatalf("shard %d/4: exit %d:\n%s", i+1, code, out)
		}
		s := readSummary(t, p.dir)
		if s.Shard == nil || s.Shard.Index != i+1 || s.Unsent != 0 || s.Errors.Total != s.Errors.ByKind["unexpected_status"] {
			t.Errorf("shard %d/4: shard %+v, unsent %d, errors %+v; want its index, none unsent, every request answered",
				i+1, s.Shard, s.Unsent, s.Errors)
		}
		sum += s.Requests
		errs += s.Errors.Total
		began, err := time.Parse(time.RFC3339Nano, s.StartedAt)
		if err != nil {
			t.Fatalf("shard %d/4: started_at: %v", i+1, err)
		}
		if first.IsZero() || began.Before(first) {
			first = began
		}
		if began.After(last) {
			last = began
		}
	}
	// --sync-dir: they began together, whenever each process got going.
	if spread := last.Sub(first); spread > time.Second {
		t.Errorf("the shards began %s apart, want together", spread)
	}
	t.Logf("4 shards ran in %s, began within %s", time.Since(started).Round(time.Millisecond), last.Sub(first))
	// Each shard removed its own identities.
	if left := testIdentities(t, inst.AdminURL); left != 0 {
		t.Errorf("%d test identities left after the shards", left)
	}

	merged := filepath.Join(work, "merged")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"report", "merge", "--in", shards, "--out", merged}, &stdout, &stderr); code != exitOK {
		t.Fatalf("report merge: exit %d\n%s%s", code, stdout.String(), stderr.String())
	}
	m := readMerged(t, merged)

	singleDir := filepath.Join(work, "single")
	sp := startOrybench(t, procOpts{}, load(singleDir)...)
	if code := sp.wait(t, 2*time.Minute); code != exitOK {
		t.Fatalf("single process: exit %d:\n%s%s", code, sp.stdout.String(), sp.stderr.String())
	}
	single := readSummary(t, singleDir)
	t.Logf("requests: merged %d, sum of the shards %d, single process %d; merged p50 %.3f p99 %.3f ms, single p50 %.3f p99 %.3f ms",
		m.Requests, sum, single.Requests, m.Latency.P50, m.Latency.P99, single.Latency.P50, single.Latency.P99)
	if m.Requests != sum || m.Requests != want || single.Requests != want {
		t.Errorf("requests: merged %d, shards %d, single %d; want all %d", m.Requests, sum, single.Requests, want)
	}
	if m.Errors.Total != errs {
		t.Errorf("merged errors %d, the shards' %d", m.Errors.Total, errs)
	}

	// The merged histogram is the one rebuilt from every request.
	rebuilt, raw := rebuildFromResults(t, shards)
	if len(raw) != want {
		t.Fatalf("%d results in the shards' results.bin, want %d", len(raw), want)
	}
	mergedHist := decodeHdr(t, filepath.Join(merged, "overall.hdr"))
	if !mergedHist.Equals(rebuilt) {
		t.Errorf("merged overall.hdr (%d values) differs from the histogram of the shards' results.bin (%d)",
			mergedHist.TotalCount(), rebuilt.TotalCount())
	}
	if step := decodeHdr(t, filepath.Join(merged, "step-whoami.hdr")); !step.Equals(rebuilt) {
		t.Errorf("merged step-whoami.hdr differs from the histogram of the shards' results.bin")
	}
	// Its percentiles are the raw latencies' within HDR precision.
	slices.Sort(raw)
	for _, c := range []struct {
		pct float64
		got float64
	}{{50, m.Latency.P50}, {90, m.Latency.P90}, {99, m.Latency.P99}, {99.9, m.Latency.P999}, {100, m.Latency.Max}} {
		rank := max(1, int(math.Round(c.pct/100*float64(len(raw)))))
		exact := float64(raw[rank-1]) / 1e6
		if math.Abs(c.got-exact) > exact/1000+0.001 {
			t.Errorf("merged p%v = %.3fms, the raw latencies' %.6fms: beyond HDR precision (0.1%%)", c.pct, c.got, exact)
		}
	}
	var inSeries uint64
	for _, pt := range m.series {
		inSeries += pt.Requests
	}
	if inSeries != want {
		t.Errorf("merged time series holds %d requests, want %d", inSeries, want)
	}

	// Thresholds: the shards', judged on the merge...
	if !m.Passed || len(m.Thresholds) != 3 {
		t.Errorf("merged thresholds %+v, want 3 that held", m.Thresholds)
	}
	for _, th := range m.Thresholds {
		if th.Expr == "p99<5s" && (th.Step != "whoami" || th.Actual != m.Latency.P99) {
			t.Errorf("p99<5s judged %+v, want whoami's merged p99 %v", th, m.Latency.P99)
		}
	}
	// ... or --threshold instead: a breach exits 1.
	breached := filepath.Join(work, "breached")
	stdout.Reset()
	stderr.Reset()
	code := run(context.Background(), []string{"report", "merge", "--in", shards, "--out", breached, "--threshold", "p50<1us"}, &stdout, &stderr)
	b := readMerged(t, breached)
	if code != exitFailed || b.Passed || len(b.Thresholds) != 1 || b.Thresholds[0].Actual != float64(rebuilt.ValueAtPercentile(50))/1e3 {
		t.Errorf("p50<1us on the merge: exit %d, thresholds %+v; want exit 1 at p50 %v\n%s", code, b.Thresholds,
			float64(rebuilt.ValueAtPercentile(50))/1e3, stderr.String())
	}
	// The merge renders like a run.
	if code := run(context.Background(), []string{"report", "--in", merged, "--out", t.TempDir()}, io.Discard, &stderr); code != exitOK {
		t.Errorf("report of the merge: exit %d: %s", code, stderr.String())
	}
}

// TestShardUsageErrors: a bad shard spec, or shards that are not one whole
// run, is one line and exit 2.
func TestShardUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"load", "--url", "http://127.0.0.1:1/", "--shard", "0/4"},
		{"load", "--url", "http://127.0.0.1:1/", "--shard", "5/4"},
		{"load", "--url", "http://127.0.0.1:1/", "--shard", "x"},
		{"load", "--url", "http://127.0.0.1:1/", "--sync-dir", t.TempDir()},
		{"report", "merge", "--in", t.TempDir(), "--out", t.TempDir()},
		{"report", "merge", "--in", "../../reports/testdata/load-whoami", "--out", t.TempDir()},
		{"report", "merge", "--out", t.TempDir()},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		if code != exitUsage || strings.Count(strings.TrimSpace(stderr.String()), "\n") != 0 || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and one line", args, code, stderr.String())
		}
	}
}

type mergedRun struct {
	results.LoadSummary
	series []results.SeriesPoint
}

// readMerged reads the merge in dir; every file it names is there.
func readMerged(t *testing.T, dir string) mergedRun {
	t.Helper()
	sum, err := results.ReadLoadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := mergedRun{LoadSummary: *sum}
	for _, f := range append(m.Files, "report.html", "run.json") {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", f, err)
		}
	}
	if m.series, err = results.ReadSeries(filepath.Join(dir, "timeseries.jsonl")); err != nil {
		t.Fatal(err)
	}
	return m
}

// rebuildFromResults records every answered request of the shards'
// results.bin (latency from its intended send) in a histogram of the
// geometry loadtest uses (1µs–60s, 3 digits), and returns it with the raw
// latencies.
func rebuildFromResults(t *testing.T, parent string) (*hdrhistogram.Histogram, []time.Duration) {
	t.Helper()
	h := hdrhistogram.New(1, int64(60*time.Second/time.Microsecond), 3)
	var raw []time.Duration
	files, _ := filepath.Glob(filepath.Join(parent, "shard-*", "results.bin"))
	if len(files) != 4 {
		t.Fatalf("results.bin of %d shards, want 4", len(files))
	}
	for _, f := range files {
		rs, err := loadtest.ReadResults(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Code == 0 {
				t.Fatalf("%s: a request without an answer: %s", f, r.Error)
			}
			raw = append(raw, r.Latency)
			if err := h.RecordValue(int64(r.Latency / time.Microsecond)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return h, raw
}

func decodeHdr(t *testing.T, path string) *hdrhistogram.Histogram {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := hdrhistogram.Decode(bytes.TrimSpace(data))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// testIdentities counts the orybench test identities on a Kratos.
func testIdentities(t *testing.T, adminURL string) int {
	t.Helper()
	admin, err := kratosclient.NewAdmin(adminURL, "")
	if err != nil {
		t.Fatal(err)
	}
	ids, err := admin.ListIdentities(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, id := range ids {
		if hygiene.IsTestIdentity(id) {
			n++
		}
	}
	return n
}
