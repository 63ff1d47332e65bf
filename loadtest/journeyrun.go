package loadtest

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/orybench/orybench/results"
)

// journeyStats are the figures of a journey run's arrivals.
type journeyStats struct {
	started, completed, canceled uint64
	stopped                      map[stopKey]uint64
	stoppedN, rateLimited        uint64
	corrected, uncorrected       *hdrhistogram.Histogram
}

type stopKey struct {
	step int
	kind string
}

func newJourneyStats() *journeyStats {
	return &journeyStats{stopped: map[stopKey]uint64{}, corrected: newHistogram(), uncorrected: newHistogram()}
}

func (s *journeyStats) add(e *journeyEnd) {
	s.started++
	switch {
	case e.canceled:
		s.canceled++
	case e.completed:
		s.completed++
		recordLatency(s.corrected, e.corrected)
		recordLatency(s.uncorrected, e.uncorrected)
	default:
		s.stoppedN++
		s.stopped[stopKey{e.step, e.kind}]++
		if e.kind == kindRateLimited {
			s.rateLimited++
		}
	}
}

// measures are what thresholds on the journey read: journeys judged
// (completed or stopped), stopped ones as errors, journeys per second.
func (s *journeyStats) measures(achieved, requested float64) measures {
	return measures{
		requests: s.completed + s.stoppedN, errors: s.stoppedN, rateLimited: s.rateLimited,
		latencyMs: func(pct float64) float64 { return ms(s.corrected.ValueAtPercentile(pct)) },
		maxMs:     ms(s.corrected.Max()), meanMs: round3(s.corrected.Mean() / 1e3),
		achieved: achieved, requested: requested,
	}
}

// startJourneys starts the arrivals of one attack, paced by pc: each runs
// one journey on a worker, initially workers of them, up to maxWorkers
// (when every worker is busy, an arrival waits, and the wait counts in its
// latency). It returns the events of the journeys, closed once every
// journey ended, and abort, which ends the journeys in flight.
func (r *runner) startJourneys(pc *pacer, d time.Duration, stop <-chan struct{}) (<-chan journeyEvent, func()) {
	ctx, abort := context.WithCancel(context.Background())
	events := make(chan journeyEvent, 4096)
	emit := func(e journeyEvent) { events <- e }
	registers, pool := r.plan.sc.registers(), r.plan.sc.needsPool()
	go func() {
		defer close(events)
		var (
			wg       sync.WaitGroup
			workers  uint64
			arrivals = make(chan uint64)
		)
		spawn := func() {
			workers++
			wg.Add(1)
			go func() {
				defer wg.Done()
				for seq := range arrivals {
					due := pc.Began().Add(pc.profile.Due(seq))
					r.journeys.run(ctx, seq, due, registers, pool, emit)
				}
			}()
		}
		for range r.plan.sc.Workers {
			spawn()
		}
		start := time.Now()
	arrive:
		for hits := uint64(0); ; hits++ {
			elapsed := time.Since(start)
			if elapsed > d+lateSendGrace {
				break
			}
			if _, done := pc.Pace(elapsed, hits); done {
				break
			}
			select {
			case arrivals <- hits:
				continue
			default:
			}
			if workers < r.plan.sc.MaxWorkers {
				spawn()
			}
			select {
			case arrivals <- hits:
			case <-stop:
				break arrive
			}
		}
		close(arrivals)
		wg.Wait()
	}()
	return events, func() { abort(); r.tracker.abort() }
}

// recordJourney measures one event of a journey attack.
func (r *runner) recordJourney(e journeyEvent, measure bool) (down bool) {
	switch {
	case e.end != nil && measure:
		r.jstats.add(e.end)
	case e.end != nil:
	case !measure:
		r.warmupRequests++
	default:
		return r.recordAt(&e.res, e.intended)
	}
	return false
}

// removeRegistered removes, through the admin API, the identities the
// registrations of the run made, a few at a time and within a bound of
// time; without an admin API they stay, recognisable to `orybench
// cleanup`.
func (r *runner) removeRegistered(ctx context.Context) error {
	if r.journeys == nil || r.journeys.fx.journey == nil {
		return nil
	}
	ids, made := r.journeys.registeredIdentities()
	r.registered = made
	if len(ids) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute+time.Duration(len(ids))*20*time.Millisecond)
	defer cancel()
	n, err := r.journeys.fx.journey.RemoveRegistered(ctx, ids)
	r.removed = uint64(n)
	if err != nil {
		return fmt.Errorf("removing the identities registrations made: %w", err)
	}
	return nil
}

// journeySummary is the journey section of a run's summary.
func (r *runner) journeySummary(secs float64) *results.JourneySummary {
	s := r.jstats
	js := &results.JourneySummary{
		Client: r.plan.sc.Journey.Client.String(), ThinkMs: float64(r.plan.sc.Journey.Think) / 1e6,
		Started: s.started, Completed: s.completed, Stopped: s.stoppedN, Canceled: s.canceled,
		Latency: latencyOf(s.corrected), LatencyUncorrected: latencyOf(s.uncorrected),
		StoppedBy:            []results.JourneyStop{},
		IdentitiesRegistered: r.registered, IdentitiesRemoved: r.removed,
	}
	if secs > 0 {
		el := time.Duration(secs * float64(time.Second))
		js.Rate = results.RateSummary{Requested: round3(r.plan.requestedRate(el)), Achieved: round3(float64(s.started) / secs)}
		js.CompletedPerS = round3(float64(s.completed) / secs)
	}
	for k, n := range s.stopped {
		js.StoppedBy = append(js.StoppedBy, results.JourneyStop{Step: r.plan.sc.Steps[k.step].Name, Kind: k.kind, Count: n})
	}
	sort.Slice(js.StoppedBy, func(i, j int) bool {
		a, b := js.StoppedBy[i], js.StoppedBy[j]
		if a.Step != b.Step {
			return r.plan.sc.stepIndex(a.Step) < r.plan.sc.stepIndex(b.Step)
		}
		return a.Kind < b.Kind
	})
	return js
}

func (sc *Scenario) stepIndex(name string) int {
	for i, st := range sc.Steps {
		if st.Name == name {
			return i
		}
	}
	return -1
}

// errNoJourneyFixtures: the journey needs new identities or mail, and the
// fixtures given make neither.
var errNoJourneyFixtures = errors.New("the fixtures make no new test identities and read no mail (JourneyFixtures)")

// ensure the default fixtures serve journeys.
var _ JourneyFixtures = kratosFixtures{}
