package capacity

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/orybench/orybench/results"
)

// Resources a capacity search can find nearest its limit (CapacityLimit's
// Closest).
const (
	ResourceCPU           = "cpu"
	ResourceMachineCPU    = "machine-cpu"
	ResourceDBPool        = "db-pool"
	ResourceOutsideServer = "outside-server"
)

// cpuBusy is the share of its cores a process must keep busy for its CPU
// to count as what ran out, whatever else looks nearer its limit: a busy
// CPU queues requests before the handlers that time them, so the server's
// own latency stays flat while the client's grows.
const cpuBusy = 0.8

// closestLimit names what was closest to its limit at the lowest rate that
// failed, from the server's view of that run and of the highest run below
// it that held. It returns nil when no run failed or the failing run has
// no server figures.
func closestLimit(steps []results.CapacityStep) *results.CapacityLimit {
	var failed, held *results.CapacityStep
	for i := range steps {
		st := &steps[i]
		if !st.Held && st.Error == "" && st.Summary != nil && (failed == nil || st.Rate < failed.Rate) {
			failed = st
		}
	}
	if failed == nil || failed.Summary.Server == nil || failed.Summary.Server.Missing != "" || failed.Summary.Server.Requests == 0 {
		return nil
	}
	for i := range steps {
		st := &steps[i]
		if st.Held && st.Rate < failed.Rate && st.Summary != nil && st.Summary.Server != nil && st.Summary.Server.Missing == "" &&
			(held == nil || st.Rate > held.Rate) {
			held = st
		}
	}
	sv := failed.Summary.Server
	l := &results.CapacityLimit{Rate: failed.Rate}
	use := func(r string, used, limit float64, unit string) {
		if limit > 0 {
			l.Resources = append(l.Resources, results.ResourceUse{Resource: r, Used: round3(used), Limit: round3(limit),
				Fraction: round3(used / limit), Unit: unit})
		}
	}
	if sv.Cores > 0 {
		use(ResourceCPU, sv.CPUCores, float64(sv.Cores), "cores")
		if m := machineCores(sv); m > 0 {
			use(ResourceMachineCPU, m, float64(sv.Cores), "cores")
		}
	}
	if db := sv.Database; db != nil {
		use(ResourceDBPool, db.BusyConnections, float64(db.PoolSize), "connections busy on average")
	}
	client, server := failed.P99, sv.Latency.P99
	if failed.Summary.Journey == nil { // a journey's p99 is of journeys, the server's of requests
		use(ResourceOutsideServer, max(client-server, 0), client, "ms of the client's p99")
	}
	if len(l.Resources) == 0 {
		return nil
	}
	slices.SortStableFunc(l.Resources, func(a, b results.ResourceUse) int { return cmp.Compare(b.Fraction, a.Fraction) })
	closest := l.Resources[0]
	if closest.Resource == ResourceOutsideServer {
		// A busy CPU explains latency outside the handlers: it goes first.
		for _, r := range l.Resources {
			if (r.Resource == ResourceCPU || r.Resource == ResourceMachineCPU) && r.Fraction >= cpuBusy {
				closest = r
				break
			}
		}
	}
	l.Closest = closest.Resource
	l.Reason = limitReason(closest, failed, held)
	if closest.Fraction < cpuBusy {
		l.Reason += "; but nothing was near its limit: " + stallReason(failed, held)
	}
	return l
}

// stallReason says where the time went at a failing run whose resources
// were none of them near their limits.
func stallReason(failed, held *results.CapacityStep) string {
	sv := failed.Summary.Server
	if held == nil {
		return fmt.Sprintf("the server's own p99 was %.3g ms, the client's %.3g ms", sv.Latency.P99, failed.P99)
	}
	hv := held.Summary.Server
	if sv.Latency.P99 >= 2*hv.Latency.P99 {
		return fmt.Sprintf("the server's own p99 grew from %.3g ms (at %g/s) to %.3g ms, so the time went inside the server "+
			"(a stall: its database, a lock, garbage collection) rather than to a lack of CPU or connections", hv.Latency.P99, held.Rate, sv.Latency.P99)
	}
	return fmt.Sprintf("the server's own p99 went from %.3g ms (at %g/s) to %.3g ms and the client's from %.3g to %.3g ms",
		hv.Latency.P99, held.Rate, sv.Latency.P99, held.P99, failed.P99)
}

// limitReason says in a sentence why r is the resource nearest its limit
// at the failing run, with the figures of the run that held below it.
func limitReason(r results.ResourceUse, failed, held *results.CapacityStep) string {
	sv := failed.Summary.Server
	before := func(f func(*results.ServerView) string) string {
		if held == nil {
			return ""
		}
		return fmt.Sprintf(" (at %g/s, which held: %s)", held.Rate, f(held.Summary.Server))
	}
	switch r.Resource {
	case ResourceCPU:
		return fmt.Sprintf("at %g/s the server kept %.2f of its %d cores busy (%.0f%%)%s", failed.Rate, sv.CPUCores, sv.Cores, 100*r.Fraction,
			before(func(h *results.ServerView) string { return fmt.Sprintf("%.2f", h.CPUCores) }))
	case ResourceMachineCPU:
		rest := ""
		if other := sv.MachineCores - sv.CPUCores - sv.GeneratorCores; sv.MachineCores > 0 && other > 0.005 {
			rest = fmt.Sprintf(", everything else (its database, other processes) %.2f", other)
		}
		return fmt.Sprintf("at %g/s the machine's %d cores were %.0f%% busy: the server %.2f cores, orybench %.2f%s%s",
			failed.Rate, sv.Cores, 100*r.Fraction, sv.CPUCores, sv.GeneratorCores, rest,
			before(func(h *results.ServerView) string { return fmt.Sprintf("%.2f cores busy in all", machineCores(h)) }))
	case ResourceDBPool:
		return fmt.Sprintf("at %g/s %.2f of the %d pooled database connections were busy on average (%.0f%%)%s", failed.Rate,
			sv.Database.BusyConnections, sv.Database.PoolSize, 100*r.Fraction, before(func(h *results.ServerView) string {
				if h.Database == nil {
					return "not measured"
				}
				return fmt.Sprintf("%.2f", h.Database.BusyConnections)
			}))
	}
	return fmt.Sprintf("at %g/s the server's p99 was %.3g ms but the client's %.3g ms: %.0f%% of it was spent outside the server's handlers "+
		"(the load generator, the network, or a queue in front of the server)%s", failed.Rate, sv.Latency.P99, failed.P99, 100*r.Fraction,
		before(func(h *results.ServerView) string {
			return fmt.Sprintf("server p99 %.3g ms, client p99 %.3g ms", h.Latency.P99, held.P99)
		}))
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// machineCores is how many of the machine's cores were busy: as read from
// the machine, else the server's and orybench's together (0: not known).
func machineCores(sv *results.ServerView) float64 {
	if sv.MachineCores > 0 {
		return sv.MachineCores
	}
	if sv.GeneratorCores > 0 {
		return sv.CPUCores + sv.GeneratorCores
	}
	return 0
}
