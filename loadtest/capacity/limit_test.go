package capacity

import (
	"strings"
	"testing"

	"github.com/orybench/orybench/results"
)

// step is a capacity step at rate whose server view is sv.
func step(rate float64, held bool, clientP99 float64, sv *results.ServerView) results.CapacityStep {
	return results.CapacityStep{Rate: rate, Held: held, P99: clientP99, Summary: &results.LoadSummary{Server: sv}}
}

func view(cores, generator float64, serverP99 float64, db *results.DatabaseView) *results.ServerView {
	return &results.ServerView{Requests: 1000, Cores: 2, CPUCores: cores, GeneratorCores: generator,
		Latency: results.ServerLatency{P99: serverP99}, Database: db}
}

func machine(v *results.ServerView, cores float64) *results.ServerView {
	v.MachineCores = cores
	return v
}

func TestClosestLimit(t *testing.T) {
	for _, tc := range []struct {
		name    string
		steps   []results.CapacityStep
		closest string
		reason  []string
	}{
		{"the server's CPU", []results.CapacityStep{
			step(100, true, 20, view(1.0, 0, 8, nil)),
			step(200, false, 300, view(1.9, 0, 60, nil)),
			step(400, false, 900, view(2.0, 0, 90, nil)), // not the lowest failing rate
		}, ResourceCPU, []string{"at 200/s the server kept 1.90 of its 2 cores busy (95%)", "(at 100/s, which held: 1.00)"}},
		{"a stall inside the server", []results.CapacityStep{
			step(100, true, 12, view(0.4, 0.2, 9.5, nil)),
			step(200, false, 200, view(0.6, 0.2, 217, nil)),
		}, ResourceMachineCPU, []string{"but nothing was near its limit: the server's own p99 grew from 9.5 ms (at 100/s) to 217 ms, so the time went inside the server"}},
		{"a busy CPU before latency outside the handlers", []results.CapacityStep{
			step(100, true, 20, view(1.0, 0, 4, nil)),
			step(200, false, 300, view(1.7, 0, 5, nil)),
		}, ResourceCPU, []string{"1.70 of its 2 cores"}},
		{"the server and orybench on one machine", []results.CapacityStep{
			step(100, true, 20, view(0.6, 0.5, 4, nil)),
			step(200, false, 300, view(1.1, 0.8, 5, nil)),
		}, ResourceMachineCPU, []string{"at 200/s the machine's 2 cores were 95% busy: the server 1.10 cores, orybench 0.80 (at 100/s, which held: 1.10 cores busy in all)"}},
		{"the machine, its database included", []results.CapacityStep{
			step(100, true, 20, machine(view(0.6, 0.5, 4, nil), 1.3)),
			step(200, false, 300, machine(view(0.9, 0.3, 5, nil), 1.96)),
		}, ResourceMachineCPU, []string{"the machine's 2 cores were 98% busy: the server 0.90 cores, orybench 0.30, everything else (its database, other processes) 0.76 (at 100/s, which held: 1.30 cores busy in all)"}},
		{"the database pool", []results.CapacityStep{
			step(50, true, 20, view(0.4, 0, 10, &results.DatabaseView{BusyConnections: 6, PoolSize: 16})),
			step(100, false, 40, view(0.7, 0, 38, &results.DatabaseView{BusyConnections: 15.2, PoolSize: 16})),
		}, ResourceDBPool, []string{"15.20 of the 16 pooled database connections were busy on average (95%)", "(at 50/s, which held: 6.00)"}},
		{"outside the server", []results.CapacityStep{
			step(100, true, 6, view(0.3, 0.2, 4.1, nil)),
			step(200, false, 230, view(0.5, 0.3, 4.8, nil)),
		}, ResourceOutsideServer, []string{"the server's p99 was 4.8 ms but the client's 230 ms: 98%", "server p99 4.1 ms, client p99 6 ms"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := closestLimit(tc.steps)
			if l == nil {
				t.Fatal("no limit")
			}
			if l.Closest != tc.closest {
				t.Errorf("closest %q, want %q (%+v)", l.Closest, tc.closest, l.Resources)
			}
			for _, want := range tc.reason {
				if !strings.Contains(l.Reason, want) {
					t.Errorf("reason %q lacks %q", l.Reason, want)
				}
			}
			for i := 1; i < len(l.Resources); i++ {
				if l.Resources[i].Fraction > l.Resources[i-1].Fraction {
					t.Errorf("resources not nearest first: %+v", l.Resources)
				}
			}
		})
	}
	// No failing run, or none with server figures: nothing to name.
	for name, steps := range map[string][]results.CapacityStep{
		"every rate held":        {step(100, true, 20, view(1, 0, 8, nil))},
		"no server view":         {step(100, false, 300, nil)},
		"server view missing":    {step(100, false, 300, &results.ServerView{Missing: "404"})},
		"a run that was not run": {{Rate: 100, Error: "target down"}},
	} {
		if l := closestLimit(steps); l != nil {
			t.Errorf("%s: limit %+v, want none", name, l)
		}
	}
}
