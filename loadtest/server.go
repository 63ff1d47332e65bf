package loadtest

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/servermetrics"
)

// serverWatch watches the target's own metrics over a measured run, and
// the CPU time orybench itself spends in the same window.
type serverWatch struct {
	watch   *servermetrics.Watch
	cpu     time.Duration // orybench's CPU time when the watch began
	machine machineCPU    // the machine's, for a target on it
}

// watchServer begins watching the target's metrics for the measured run,
// or returns nil when the run has none to read.
func (r *runner) watchServer(ctx context.Context) *serverWatch {
	if r.cfg.server == nil {
		return nil
	}
	// Bounded: the run's duration, the grace for answers in flight, and a
	// margin; End stops it sooner.
	limit := r.plan.sc.Duration + lateSendGrace + r.cfg.stopGrace + time.Minute
	w := &serverWatch{cpu: processCPU()}
	if r.cfg.server.Cores > 0 { // a target on this machine
		w.machine = readMachineCPU()
	}
	w.watch = r.cfg.server.Watch(ctx, limit)
	return w
}

// serverView ends the watch w (nil: none was made) and returns the run's
// server view: what the target's metrics said, beside the requests the
// run counted, or why there is none.
func (r *runner) serverView(ctx context.Context, w *serverWatch) *results.ServerView {
	if w == nil {
		return r.cfg.noServer
	}
	// After Ctrl-C the last scrape gets a moment of its own, not the
	// run's cancelled context: short, for what was measured to be written
	// at once.
	timeout := servermetrics.DefaultTimeout
	if ctx.Err() != nil {
		timeout = interruptGrace
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	cpu, machine := processCPU()-w.cpu, readMachineCPU()
	v := w.watch.End(ctx, servermetrics.ClientCounts{Requests: answered(r.overall.statusCodes()), Paths: r.plan.paths()})
	if v.Missing == "" && v.WindowS > 0 && cpu > 0 {
		v.GeneratorCores = round3(cpu.Seconds() / v.WindowS)
	}
	if v.Missing == "" && r.plan.shard.Count > 1 {
		v.Warnings = append(v.Warnings, fmt.Sprintf("shard %s: the server counts every shard's requests, this shard sent its share of them", r.plan.shard))
	} else if v.Missing == "" && v.ClientRequests > 0 && math.Abs(v.CountDiff) > countTolerance {
		v.Warnings = append(v.Warnings, fmt.Sprintf("the server counted %d requests, orybench %d (%+.1f%%): another client loaded the target, "+
			"or requests were lost between them", v.Requests, v.ClientRequests, 100*v.CountDiff))
	}
	if v.Missing == "" && w.machine.total > 0 && machine.total > w.machine.total {
		busy := float64(machine.busy-w.machine.busy) / float64(machine.total-w.machine.total)
		v.MachineCores = round3(busy * float64(v.Cores))
	}
	return v
}

// countTolerance is how far the server's count of a run's requests may
// stray from orybench's before the view warns: requests in flight at the
// window's edges.
const countTolerance = 0.01

// answered counts the requests of statuses (by status code, "0" for no
// answer) that got an HTTP answer.
func answered(statuses map[string]uint64) uint64 {
	var n uint64
	for code, c := range statuses {
		if code != "0" {
			n += c
		}
	}
	return n
}

// paths are where a request scenario's hits go (an operation's path, or a
// raw step's URL, which the server view reads the path of), for the view
// to count those endpoints only; none for a journey, whose every request
// in the measured window is the run's (the view then counts every
// endpoint outside /admin/ and /health/).
func (p *plan) paths() []string {
	if p.sc.Journey != nil {
		return nil
	}
	var out []string
	for _, st := range p.sc.Steps {
		path := operations[st.Operation].path
		if st.Operation == "" {
			path = st.URL
		}
		if path != "" && !slices.Contains(out, path) {
			out = append(out, path)
		}
	}
	return out
}
