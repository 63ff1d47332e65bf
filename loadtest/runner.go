package loadtest

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/orybench/orybench/results"
)

// runner measures one run. Only the goroutine that runs attack touches it.
type runner struct {
	plan    *plan
	cfg     config
	out     *output
	tgt     *targeter
	client  *http.Client
	tracker *connTracker
	pacer   *pacer // of the measured attack

	stepIndex map[string]int
	overall   *stats
	steps     []*stats
	bucket    *stats // the current second of the time series
	bucketN   int64  // its index: seconds since the start

	warmupRequests uint64
	canceled       uint64
	aborted        bool // connections were closed by a stop
	lastAnswer     time.Time
	stopped        string
	stopAt         time.Time
	lastRate       float64 // answers in the last whole second, for progress

	// A journey scenario's virtual users and figures.
	journeys            *journeys
	jstats              *journeyStats
	registered, removed uint64 // identities registrations made, and removed
}

func (r *runner) began() time.Time {
	if r.pacer != nil {
		if b := r.pacer.Began(); !b.IsZero() {
			return b
		}
	}
	return time.Time{}
}

// record measures one result of a vegeta attack and reports whether the
// target looks down.
func (r *runner) record(res *vegeta.Result, measure bool) (down bool) {
	if !measure {
		r.warmupRequests++
		return false
	}
	return r.recordAt(res, r.began().Add(r.plan.profile.Due(res.Seq)))
}

// recordAt measures one result whose request was intended to start at
// intended and reports whether the target looks down.
func (r *runner) recordAt(res *vegeta.Result, intended time.Time) (down bool) {
	name, clean := stepOf(res.URL)
	i := r.stepIndex[name]
	if r.aborted && res.Code == 0 {
		r.canceled++ // ended by us, not by the target
		return false
	}
	began := r.began()
	end := res.Timestamp.Add(res.Latency)
	corrected := end.Sub(intended)
	if corrected < res.Latency {
		corrected = res.Latency // sent a little ahead of its time
	}
	st := &r.plan.sc.Steps[i]
	j := judge(res, &st.Expect)
	r.overall.add(res, j, corrected)
	r.steps[i].add(res, j, corrected)

	if b := int64(end.Sub(began) / time.Second); b > r.bucketN {
		r.closeBuckets(b)
	}
	r.bucket.add(res, j, corrected)

	if res.Code != 0 {
		r.lastAnswer = end
	} else if j.kind == KindRefused || j.kind == KindReset {
		since := r.lastAnswer
		if since.IsZero() {
			since = began
		}
		down = end.Sub(since) >= r.cfg.downAfter
	}

	if r.out.enc != nil {
		// vegeta's own encoding, judged our way: timestamp = intended send
		// time, latency = corrected, error only for what the step does not
		// expect. No body, no headers: they may hold tokens.
		res.Attack, res.URL = st.Name, clean
		res.Timestamp, res.Latency = intended, corrected
		res.Body, res.Headers = nil, nil
		switch {
		case j.kind == KindStatus && res.Error == "":
			res.Error = "unexpected status " + strconv.Itoa(int(res.Code))
		case j.kind == KindNone && !j.rateLimited:
			res.Error = ""
		}
		r.out.encode(res)
	}
	return down
}

// flushSeries closes the seconds of the time series that have passed.
func (r *runner) flushSeries(now time.Time) {
	if b := r.began(); !b.IsZero() {
		if n := int64(now.Sub(b) / time.Second); n > r.bucketN {
			r.closeBuckets(n)
		}
	}
}

// seriesPoint is second t of the time series (timeseries.jsonl), from its
// bucket: every percentile set, corrected and uncorrected.
func (s *stats) seriesPoint(t int64) results.SeriesPoint {
	pt := results.SeriesPoint{T: t, Requests: s.requests, Errors: s.errors, RateLimited: s.rateLimited,
		StatusCodes: s.statusCodes()}
	var p90, p50u, p90u, p99u, maxU float64
	pt.P50, p90, pt.P99, pt.Max = seriesPercentiles(s.corrected)
	p50u, p90u, p99u, maxU = seriesPercentiles(s.uncorrected)
	pt.P90, pt.P50Uncorrected, pt.P90Uncorrected, pt.P99Uncorrected, pt.MaxUncorrected = &p90, &p50u, &p90u, &p99u, &maxU
	return pt
}

// seriesPercentiles are a second's p50, p90, p99 and max in milliseconds,
// found in one pass over the histogram.
func seriesPercentiles(h *hdrhistogram.Histogram) (p50, p90, p99, maxMs float64) {
	if h == nil || h.TotalCount() == 0 {
		return 0, 0, 0, 0
	}
	v := h.ValueAtPercentiles([]float64{50, 90, 99})
	return ms(v[50]), ms(v[90]), ms(v[99]), ms(h.Max())
}

// closeBuckets writes the seconds before second n, empty ones included. The
// one bucket is reset for the next second, never reallocated.
func (r *runner) closeBuckets(n int64) {
	for ; r.bucketN < n; r.bucketN++ {
		b := r.bucket
		r.out.series(b.seriesPoint(r.bucketN), r.began())
		r.lastRate = float64(b.requests)
		b.reset()
	}
}

// showProgress writes the live line: elapsed, rate of the last second,
// latency so far, errors.
func (r *runner) showProgress(now time.Time, final bool) {
	w := r.cfg.progress
	if w == nil {
		return
	}
	el := time.Duration(0)
	if b := r.began(); !b.IsZero() {
		el = now.Sub(b).Truncate(time.Second)
	}
	h := r.overall.corrected
	line := fmt.Sprintf("\r%5s/%s  %8.1f req/s  p50 %8.3fms  p99 %8.3fms  errors %d  429 %d ",
		el, r.plan.sc.Duration, r.lastRate, ms(h.ValueAtPercentile(50)), ms(h.ValueAtPercentile(99)),
		r.overall.errors, r.overall.rateLimited)
	if final {
		line += "\n"
	}
	fmt.Fprint(w, line)
}

// breached judges the thresholds that can be judged mid-run.
func (r *runner) breached() bool {
	for _, t := range r.plan.thresholds {
		if !t.midRun() {
			continue
		}
		if _, ok := t.eval(r.measuresOf(t.Step, 0, 0)); !ok && r.overall.requests > 0 {
			return true
		}
	}
	return false
}

func (r *runner) measuresOf(step string, achieved, requested float64) measures {
	if r.jstats != nil && (step == "" || step == JourneyName) {
		return r.jstats.measures(achieved, requested)
	}
	if step == "" {
		return r.overall.measures(achieved, requested)
	}
	return r.steps[r.stepIndex[step]].measures(achieved, requested)
}

// elapsed is the measured duration: the window in which hits were due (the
// scenario's duration, shorter when max hits ended it), or until the stop.
// It is not when the last answer came: a run that ran its course lasted
// its duration, whether its last answer came before the end or after.
func (r *runner) elapsed() time.Duration {
	b := r.began()
	if b.IsZero() {
		return 0
	}
	window := min(r.plan.sc.Duration, r.plan.profile.Due(r.plan.maxHits))
	if !r.stopAt.IsZero() {
		return min(window, r.stopAt.Sub(b))
	}
	return window
}

// requestedRate is the mean rate the profile asked for over the first d:
// the configured rate of a constant profile.
func (p *plan) requestedRate(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Min(p.profile.Hits(d), float64(p.maxHits)) / d.Seconds()
}

func (r *runner) summary() *results.LoadSummary {
	el := r.elapsed()
	secs := el.Seconds()
	expected := r.plan.expectedHits(el)
	sent := r.overall.requests + r.canceled
	s := &results.LoadSummary{
		Scenario:           r.plan.sc.Name,
		Target:             r.plan.target,
		DurationS:          round3(secs),
		Requests:           r.overall.requests,
		Latency:            latencyOf(r.overall.corrected),
		LatencyUncorrected: latencyOf(r.overall.uncorrected),
		StatusCodes:        r.overall.statusCodes(),
		RateLimited:        r.overall.rateLimited,
		Errors:             results.ErrorSummary{Total: r.overall.errors, ByKind: r.overall.errorKinds()},
		Canceled:           r.canceled,
		Stopped:            r.stopped,
		WarmupRequests:     r.warmupRequests,
		Passed:             true,
	}
	if r.jstats != nil {
		sent = r.jstats.started
	}
	if expected > sent {
		s.Unsent = expected - sent
	}
	perHit := 1.0 // requests per hit: a journey's, if it completes
	if r.jstats != nil {
		perHit = float64(r.plan.sc.requestsPerJourney())
		s.Journey = r.journeySummary(secs)
	}
	if secs > 0 {
		s.Rate = results.RateSummary{Requested: round3(perHit * r.plan.requestedRate(el)), Achieved: round3(float64(r.overall.requests+r.canceled) / secs)}
	}
	totalWeight := 0
	for _, st := range r.plan.sc.Steps {
		totalWeight += st.Weight
	}
	stepRate := map[string]results.RateSummary{}
	for i, st := range r.plan.sc.Steps {
		ss := r.steps[i]
		s.Steps = append(s.Steps, results.StepSummary{
			Name: st.Name, Requests: ss.requests,
			Latency: latencyOf(ss.corrected), LatencyUncorrected: latencyOf(ss.uncorrected),
			StatusCodes: ss.statusCodes(), RateLimited: ss.rateLimited,
			Errors: results.ErrorSummary{Total: ss.errors, ByKind: ss.errorKinds()},
		})
		share := float64(st.Weight) / float64(totalWeight)
		if r.jstats != nil {
			share = float64(st.Repeat) / perHit
		}
		if secs > 0 {
			stepRate[st.Name] = results.RateSummary{Requested: s.Rate.Requested * share, Achieved: float64(ss.requests) / secs}
		}
	}
	s.Thresholds, s.Passed = judgeAll(r.plan.thresholds, func(step string) measures {
		rate := s.Rate
		switch {
		case s.Journey != nil && (step == "" || step == JourneyName):
			rate = s.Journey.Rate
		case step != "":
			rate = stepRate[step]
		}
		return r.measuresOf(step, rate.Achieved, rate.Requested)
	})
	return s
}
