package compare

import (
	"path/filepath"
	"testing"

	"github.com/orybench/orybench/results"
)

// The server's own figures are set beside the latency, baseline and
// candidate, with their change and no verdict; a side without them reads
// "not measured"; runs that read none have none.
func TestCompareServer(t *testing.T) {
	dir := t.TempDir()
	view := func(p50, p99, cpu float64) *results.ServerView {
		return &results.ServerView{Source: "http://127.0.0.1:4434/admin/metrics/prometheus", Requests: 4000, ClientRequests: 4000,
			Latency: results.ServerLatency{P50: p50, P99: p99}, CPUPerRequestMs: cpu, BucketsMs: []float64{5, 10, 25, 50}}
	}
	run := func(name string, seed uint64, server *results.ServerView) string {
		p := filepath.Join(dir, name)
		synthLoad{scenario: "whoami", rate: 200, seconds: 20, medians: map[string]float64{"whoami": 20}, seed: seed, server: server}.write(t, p)
		return p
	}
	base := run("base", 1, view(2.5, 8, 0.4))
	for _, tc := range []struct {
		name, base, cand string
		want             []results.ServerMetricDiff // nil: no metrics
		notMeasured      string                     // "": measured on both sides
		none             bool                       // no server comparison at all
	}{
		{name: "both", base: base, cand: run("both", 2, view(2.5, 16, 0.5)), want: []results.ServerMetricDiff{
			{Name: "server p50", Unit: "ms", Baseline: 2.5, Candidate: 2.5, Rel: 0},
			{Name: "server p99", Unit: "ms", Baseline: 8, Candidate: 16, Rel: 1},
			{Name: "cpu per request", Unit: "ms", Baseline: 0.4, Candidate: 0.5, Rel: 0.25},
		}},
		{name: "candidate missing", base: base, cand: run("missing", 3, &results.ServerView{Missing: "the target serves no metrics: 404"}),
			notMeasured: "not measured in the candidate: the target serves no metrics: 404"},
		{name: "baseline without", base: run("without", 4, nil), cand: base, notMeasured: "not measured in the baseline"},
		{name: "neither", base: run("neither-b", 5, nil), cand: run("neither-c", 6, nil), none: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := compareDirs(t, tc.base, tc.cand)
			d := c.Steps[len(c.Steps)-1].Server
			switch {
			case tc.none:
				if d != nil {
					t.Fatalf("server %+v, want none", d)
				}
				return
			case d == nil:
				t.Fatal("no server comparison")
			}
			if d.NotMeasured != tc.notMeasured {
				t.Errorf("not measured %q, want %q", d.NotMeasured, tc.notMeasured)
			}
			if len(d.Metrics) != len(tc.want) {
				t.Fatalf("metrics %+v, want %+v", d.Metrics, tc.want)
			}
			for i, m := range d.Metrics {
				w := tc.want[i]
				if m.Name != w.Name || m.Unit != w.Unit || m.Baseline != w.Baseline || m.Candidate != w.Candidate || !near(m.Rel, w.Rel) {
					t.Errorf("metric %d = %+v, want %+v", i, m, w)
				}
			}
			// Server figures have no interval: they never make a verdict.
			if c.Regressed() {
				t.Errorf("the server's figures made a regression: %+v", c.Verdict)
			}
		})
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
