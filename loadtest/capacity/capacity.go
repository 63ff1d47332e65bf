// Package capacity finds the highest constant rate at which a target meets
// a service level objective (SLO): an exponential search for a rate that
// fails, a binary search between the highest rate that held and the lowest
// that failed down to a stated precision, and the winner run again to
// confirm it.
//
// Every step is one loadtest.Run at a constant rate (open model), held for
// a fixed duration after an unmeasured warm-up, and judged by the SLO's
// thresholds alone (the scenario's own are set aside). A step whose
// achieved rate falls short of the requested one fails too: a generator or
// a target that cannot keep up does not sustain the rate, whatever the
// latency of the requests it did send. Session pools are made once for the
// whole search (loadtest.SharedFixtures).
//
// For a journey scenario (loadtest.Journey), rates are journeys per second
// and the SLO's thresholds without a step judge the whole journey.
package capacity

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/results"
)

// Defaults of a search.
const (
	DefaultStartRate    = 50.0
	DefaultMinRate      = 1.0
	DefaultMaxRate      = 10000.0
	DefaultPrecision    = 0.05
	DefaultStepDuration = 10 * time.Second
	DefaultWarmup       = 2 * time.Second
	DefaultMaxDuration  = 15 * time.Minute
	// DefaultRateRule is added to an SLO that says nothing of the achieved
	// rate: the rule of the built-in scenarios.
	DefaultRateRule = "rate>=0.99*requested"
	// MaxConfirms bounds the confirmation runs: a winner that fails its
	// confirmation is replaced by the next rate below that held, which is
	// confirmed in turn.
	MaxConfirms = 3
	// MaxSteps bounds the runs of one search.
	MaxSteps = 60
)

// ErrNoSustainableRate is returned, wrapped, by Find when no rate down to
// the minimum rate held the SLO. Callers map it to exit code 1.
var ErrNoSustainableRate = errors.New("no sustainable rate")

// An Option changes how Find searches.
type Option func(*config)

type config struct {
	slo                  []loadtest.Threshold
	start, min, max      float64
	maxGiven             bool // WithMaxRate: refused above what loadtest allows, not lowered
	precision            float64
	stepDuration, warmup time.Duration
	maxDuration          time.Duration
	outDir               string
	load                 []loadtest.Option
	onStep               func(results.CapacityStep)
	run                  runFunc // loadtest.Run; replaced in tests
	now                  func() time.Time
}

// runFunc runs sc at a constant rate.
type runFunc func(ctx context.Context, sc *loadtest.Scenario, rate float64, opts []loadtest.Option) (*results.LoadSummary, error)

func runAt(ctx context.Context, sc *loadtest.Scenario, rate float64, opts []loadtest.Option) (*results.LoadSummary, error) {
	return loadtest.Run(ctx, sc, append(opts, loadtest.WithRate(rate))...)
}

// WithSLO sets the thresholds every run must hold (loadtest.ParseThreshold:
// p99<50ms, error_rate<0.1%, STEP:p99<20ms ...). Without a rate threshold,
// DefaultRateRule is added. Required.
func WithSLO(t ...loadtest.Threshold) Option { return func(c *config) { c.slo = append(c.slo, t...) } }

// WithStartRate sets the first rate tried; default DefaultStartRate.
func WithStartRate(r float64) Option { return func(c *config) { c.start = r } }

// WithMinRate sets the lowest rate tried when the start rate fails (rates
// are halved from the start rate); default DefaultMinRate.
func WithMinRate(r float64) Option { return func(c *config) { c.min = r } }

// WithMaxRate bounds the rates tried; default DefaultMaxRate, lowered to
// what loadtest allows the scenario's hosts (loadtest.AllowedRate: a host
// that is not loopback gets loadtest.RemoteRateCap unless allowed more),
// as the start rate is. A max rate given above that is refused. When it
// holds, it is the sustainable rate, as a lower bound.
func WithMaxRate(r float64) Option { return func(c *config) { c.max, c.maxGiven = r, true } }

// WithPrecision sets when the binary search stops: when the lowest failing
// rate is at most this fraction above the highest rate that held; default
// DefaultPrecision (5%).
func WithPrecision(p float64) Option { return func(c *config) { c.precision = p } }

// WithStepDuration sets how long each rate is measured; default
// DefaultStepDuration.
func WithStepDuration(d time.Duration) Option { return func(c *config) { c.stepDuration = d } }

// WithWarmup sets the unmeasured warm-up at each step's rate before its
// measured run; default DefaultWarmup.
func WithWarmup(d time.Duration) Option { return func(c *config) { c.warmup = d } }

// WithMaxDuration bounds the search's wall-clock time: a run that would not
// fit is not started; default DefaultMaxDuration.
func WithMaxDuration(d time.Duration) Option { return func(c *config) { c.maxDuration = d } }

// WithOutDir makes Find write capacity.json into dir (after every step, so
// that an interrupted search keeps what it measured) and each run's files
// into dir/steps/NN-RATE. Default: no files.
func WithOutDir(dir string) Option { return func(c *config) { c.outDir = dir } }

// WithLoadOptions are passed to every loadtest.Run: the target (an opened
// one, loadtest.WithKratos, or a URL and its admin API), remote permission
// and the like; they also say which rates the target allows (see
// WithMaxRate). Find sets the rate, the durations, the thresholds, the
// output directory and the shared fixtures itself.
func WithLoadOptions(o ...loadtest.Option) Option {
	return func(c *config) { c.load = append(c.load, o...) }
}

// WithStepDone calls fn after each step, with the step as recorded.
func WithStepDone(fn func(results.CapacityStep)) Option { return func(c *config) { c.onStep = fn } }

// newConfig returns the defaults changed by opts.
func newConfig(opts []Option) config {
	c := config{
		start: DefaultStartRate, min: DefaultMinRate, max: DefaultMaxRate, precision: DefaultPrecision,
		stepDuration: DefaultStepDuration, warmup: DefaultWarmup, maxDuration: DefaultMaxDuration,
		run: runAt, now: time.Now,
	}
	for _, o := range opts {
		o(&c)
	}
	return c
}

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", loadtest.ErrUsage, fmt.Sprintf(format, a...))
}

func (c *config) validate() error {
	switch {
	case len(c.slo) == 0:
		return usageErr("no SLO: give at least one threshold, e.g. p99<50ms")
	case !(c.start > 0) || c.start > loadtest.MaxRate:
		return usageErr("start rate %g is not within (0, %d]", c.start, loadtest.MaxRate)
	case !(c.min > 0) || c.min > c.start:
		return usageErr("min rate %g is not within (0, start rate %g]", c.min, c.start)
	case !(c.max >= c.start) || c.max > loadtest.MaxRate:
		return usageErr("max rate %g is not within [start rate %g, %d]", c.max, c.start, loadtest.MaxRate)
	case !(c.precision > 0) || c.precision > 1:
		return usageErr("precision %g is not within (0, 1] (0.05 is 5%%)", c.precision)
	case c.stepDuration < time.Second || c.stepDuration > loadtest.MaxDuration:
		return usageErr("step duration %s is not within [1s, %s]", c.stepDuration, loadtest.MaxDuration)
	case c.warmup < 0 || c.warmup > loadtest.MaxDuration:
		return usageErr("warm-up %s is not within [0, %s]", c.warmup, loadtest.MaxDuration)
	case c.maxDuration < c.stepDuration+c.warmup:
		return usageErr("max duration %s is shorter than one step (%s warm-up + %s)", c.maxDuration, c.warmup, c.stepDuration)
	}
	return nil
}

// sloRules returns the SLO with the achieved-rate rule added when it has
// none for the whole run.
func (c *config) sloRules() ([]loadtest.Threshold, error) {
	slo := append([]loadtest.Threshold(nil), c.slo...)
	for _, t := range slo {
		expr := strings.ReplaceAll(t.Expr, " ", "")
		if rest, ok := strings.CutPrefix(expr, "rate"); ok && t.Step == "" && strings.ContainsAny(rest[:min(1, len(rest))], "<>") {
			return slo, nil
		}
	}
	t, err := loadtest.ParseThreshold(DefaultRateRule)
	if err != nil {
		return nil, err
	}
	return append(slo, t), nil
}

// bound keeps the search within what loadtest allows the hosts sc sends
// to (loadtest.AllowedRate, with the load options): the start rate, and
// the max rate unless it was given, are lowered to it; a max rate given
// above it is refused with a loadtest.RemoteRateError.
func (c *config) bound(sc *loadtest.Scenario) error {
	allowed, host, err := loadtest.AllowedRate(sc, c.load...)
	if err != nil {
		return err
	}
	if c.max > allowed {
		if c.maxGiven {
			return &loadtest.RemoteRateError{Host: host, Peak: c.max, Cap: allowed}
		}
		c.max = allowed
	}
	c.start = min(c.start, allowed)
	return nil
}

// check is what Find checks before its first run.
func (c *config) check(sc *loadtest.Scenario) error {
	if sc == nil {
		return usageErr("no scenario")
	}
	if err := c.bound(sc); err != nil {
		return err
	}
	return c.validate()
}

// Check checks sc and opts as Find would, without running anything, so
// that a caller can refuse a search before any set-up of its own. Its
// error matches loadtest.ErrUsage.
func Check(sc *loadtest.Scenario, opts ...Option) error {
	cfg := newConfig(opts)
	return cfg.check(sc)
}

// Find searches for the highest constant rate of sc that holds the SLO.
// The result is returned whenever anything was measured, also with an
// error: wrapping ErrNoSustainableRate when no rate held, the context's
// error when interrupted, or loadtest's error when a run could not be
// judged (loadtest.ErrTargetDown, say). Errors before the first run match
// loadtest.ErrUsage when an option is wrong.
func Find(ctx context.Context, sc *loadtest.Scenario, opts ...Option) (*results.CapacityResult, error) {
	cfg := newConfig(opts)
	if err := cfg.check(sc); err != nil {
		return nil, err
	}
	slo, err := cfg.sloRules()
	if err != nil {
		return nil, err
	}
	if cfg.outDir != "" {
		if err := os.MkdirAll(cfg.outDir, 0o755); err != nil {
			return nil, fmt.Errorf("%w: output directory: %w", loadtest.ErrUsage, err)
		}
	}
	// The SLO alone judges: the scenario's own thresholds are set aside.
	judged := *sc
	judged.Thresholds = nil
	judged.Steps = append([]loadtest.Step(nil), sc.Steps...)
	for i := range judged.Steps {
		judged.Steps[i].Thresholds = nil
	}
	s := &search{cfg: cfg, sc: &judged, slo: slo, began: cfg.now(), shared: &loadtest.SharedFixtures{}}
	s.res = &results.CapacityResult{Scenario: sc.Name, Target: sc.Target, StartedAt: s.began.UTC().Format(time.RFC3339),
		Settings: results.CapacitySettings{StartRate: cfg.start, MinRate: cfg.min, MaxRate: cfg.max, Precision: cfg.precision,
			StepDurationS: cfg.stepDuration.Seconds(), WarmupS: cfg.warmup.Seconds(),
			MaxDurationS: cfg.maxDuration.Seconds(), MaxConfirms: MaxConfirms}}
	for _, t := range slo {
		s.res.SLO = append(s.res.SLO, t.Expr)
	}

	err = s.run(ctx)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if cerr := s.shared.Close(cctx); cerr != nil {
		err = errors.Join(err, fmt.Errorf("removing the session pool: %w", cerr))
	}
	if len(s.res.Steps) == 0 && err != nil {
		return nil, err
	}
	s.conclude()
	if werr := s.save(); werr != nil {
		err = errors.Join(err, fmt.Errorf("writing results: %w", werr))
	}
	if err == nil && !s.res.Found {
		err = fmt.Errorf("%w: %s", ErrNoSustainableRate, s.res.Confidence.Reason)
	}
	return s.res, err
}

// search is one search in progress.
type search struct {
	cfg      config
	sc       *loadtest.Scenario
	slo      []loadtest.Threshold
	began    time.Time
	shared   *loadtest.SharedFixtures
	res      *results.CapacityResult
	overhead time.Duration // the most a step took beyond its warm-up and measured time
	confirms int
}

// run steps through the rates next chooses until it chooses none.
func (s *search) run(ctx context.Context) error {
	for {
		phase, rate, end := s.next()
		if end != "" {
			s.res.Ended = end
			return nil
		}
		if err := s.step(ctx, phase, rate); err != nil {
			s.res.Ended = results.EndInterrupted
			return err
		}
	}
}

// bracket returns the highest rate at which every run held, below the
// lowest rate at which a run failed (+Inf when none failed), and how many
// runs that rate had. A rate above a failure that held is set aside: the
// search trusts the lower rate's failure.
func (s *search) bracket() (lo, hi float64, runs int) {
	hi = math.Inf(1)
	for _, st := range s.res.Steps {
		if !st.Held {
			hi = math.Min(hi, st.Rate)
		}
	}
	for _, st := range s.res.Steps {
		if st.Held && st.Rate < hi && st.Rate > lo {
			lo = st.Rate
		}
	}
	for _, st := range s.res.Steps {
		if st.Rate == lo {
			runs++
		}
	}
	return lo, hi, runs
}

// next chooses the next step from the steps so far, or why the search ends.
func (s *search) next() (results.CapacityPhase, float64, results.CapacityEnd) {
	n := len(s.res.Steps)
	if n == 0 {
		return results.PhaseStart, s.cfg.start, ""
	}
	if n >= MaxSteps {
		return "", 0, results.EndMaxSteps
	}
	lo, hi, runs := s.bracket()
	confirm := func(why results.CapacityEnd) (results.CapacityPhase, float64, results.CapacityEnd) {
		if lo == 0 || runs >= 2 {
			return "", 0, why
		}
		if s.confirms >= MaxConfirms {
			return "", 0, results.EndUnconfirmed
		}
		if !s.fits(1) {
			return "", 0, results.EndMaxDuration
		}
		return results.PhaseConfirm, lo, ""
	}
	var (
		phase results.CapacityPhase
		rate  float64
	)
	switch {
	case lo == 0: // nothing held yet: halve
		phase, rate = results.PhaseDown, roundRate(hi/2, 0, hi)
		if rate < s.cfg.min {
			if hi > s.cfg.min {
				rate = s.cfg.min
			} else {
				return "", 0, results.EndMinRate
			}
		}
	case math.IsInf(hi, 1): // nothing failed yet: double
		if lo >= s.cfg.max {
			return confirm(results.EndMaxRate)
		}
		phase, rate = results.PhaseUp, math.Min(lo*2, s.cfg.max)
	case hi/lo-1 > s.cfg.precision:
		phase, rate = results.PhaseBisect, roundRate((lo+hi)/2, lo, hi)
	default:
		return confirm(results.EndBracketed)
	}
	if !s.fits(2) { // this step and a confirmation
		if lo > 0 {
			return confirm(results.EndMaxDuration)
		}
		if !s.fits(1) {
			return "", 0, results.EndMaxDuration
		}
	}
	return phase, rate, ""
}

// roundRate rounds a rate to a whole number of requests per second (a
// tenth below 10/s) when that stays strictly between lo and hi.
func roundRate(r, lo, hi float64) float64 {
	per := 1.0 // rounding units per request/s
	if r < 10 {
		per = 10
	}
	if x := math.Round(r*per) / per; x > lo && x < hi {
		return x
	}
	return r
}

// fits reports whether n more steps fit in the time allowed, judged by the
// longest a step has taken so far beyond its warm-up and measured time.
func (s *search) fits(n int) bool {
	per := s.cfg.warmup + s.cfg.stepDuration + max(s.overhead, time.Second)
	return s.cfg.now().Sub(s.began)+time.Duration(n)*per <= s.cfg.maxDuration
}

// step runs one rate and records it.
func (s *search) step(ctx context.Context, phase results.CapacityPhase, rate float64) error {
	n := len(s.res.Steps) + 1
	st := results.CapacityStep{N: n, Phase: phase, Rate: rate}
	if phase == results.PhaseConfirm {
		s.confirms++
	}
	opts := append([]loadtest.Option(nil), s.cfg.load...)
	opts = append(opts,
		loadtest.WithDuration(s.cfg.stepDuration),
		loadtest.WithWarmup(s.cfg.warmup),
		loadtest.WithThresholds(s.slo...),
		loadtest.WithSharedFixtures(s.shared),
	)
	if s.cfg.outDir != "" {
		st.Dir = filepath.Join("steps", fmt.Sprintf("%02d-%s", n, strconv.FormatFloat(rate, 'f', -1, 64)))
		opts = append(opts, loadtest.WithOutDir(filepath.Join(s.cfg.outDir, st.Dir)))
	}
	t0 := s.cfg.now()
	st.StartedAt = t0.UTC().Format(time.RFC3339)
	sum, err := s.cfg.run(ctx, s.sc, rate, opts)
	if sum == nil && n == 1 && errors.Is(err, loadtest.ErrUsage) {
		return err // bad options: nothing to record
	}
	took := s.cfg.now().Sub(t0)
	st.WallS = math.Round(took.Seconds()*1000) / 1000
	s.overhead = max(s.overhead, took-s.cfg.warmup-s.cfg.stepDuration)
	if sum != nil {
		st.Summary = sum
		st.Achieved, st.P50, st.P99 = sum.Rate.Achieved, sum.Latency.P50, sum.Latency.P99
		if sum.Requests > 0 {
			st.ErrorRate = float64(sum.Errors.Total) / float64(sum.Requests)
		}
		if j := sum.Journey; j != nil { // a journey's rate is journeys/s
			st.Achieved, st.P50, st.P99, st.ErrorRate = j.Rate.Achieved, j.Latency.P50, j.Latency.P99, 0
			if n := j.Completed + j.Stopped; n > 0 {
				st.ErrorRate = float64(j.Stopped) / float64(n)
			}
		}
		for _, t := range sum.Thresholds {
			if !t.OK {
				st.Breached = append(st.Breached, t.Expr)
			}
		}
		s.res.Target = cmp.Or(s.res.Target, sum.Target)
		s.res.Hasher = cmp.Or(s.res.Hasher, sum.Hasher)
	}
	// A run that breached the SLO failed. A run that could not be judged
	// (interrupted, the target down, no summary) or whose files could not
	// be written ends the search.
	fatal := unjudged(err)
	if sum == nil && fatal == nil {
		fatal = errors.New("the run measured nothing")
	}
	if ctx.Err() != nil && fatal == nil {
		fatal = ctx.Err()
	}
	st.Held = fatal == nil && sum.Passed
	if fatal != nil {
		st.Error = fatal.Error()
	}
	s.res.Steps = append(s.res.Steps, st)
	if s.cfg.onStep != nil {
		s.cfg.onStep(st)
	}
	if fatal != nil {
		return fatal
	}
	return s.save()
}

// unjudged returns the errors of a run other than its breached thresholds.
func unjudged(err error) error {
	if err == nil {
		return nil
	}
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		if errors.Is(err, loadtest.ErrThresholdsFailed) {
			return nil
		}
		return err
	}
	var rest []error
	for _, e := range joined.Unwrap() {
		rest = append(rest, unjudged(e))
	}
	return errors.Join(rest...)
}

// conclude fills in the sustainable rate and its confidence.
func (s *search) conclude() {
	r := s.res
	r.DurationS = math.Round(s.cfg.now().Sub(s.began).Seconds()*1000) / 1000
	lo, hi, runs := s.bracket()
	c := results.CapacityConfidence{Runs: runs}
	if !math.IsInf(hi, 1) && lo > 0 {
		c.LowestFailingRate = hi
		c.Precision = math.Round((hi/lo-1)*10000) / 10000
	}
	r.Found, r.SustainableRate = lo > 0, lo
	switch {
	case lo == 0 && len(r.Steps) == 0:
		c.Level, c.Reason = "none", "nothing was measured"
	case lo == 0 && r.Ended == results.EndMinRate:
		c.Level = "none"
		c.Reason = fmt.Sprintf("no rate held the SLO, down to %g/s", lowestRate(r.Steps))
	case lo == 0:
		c.Level = "none"
		c.Reason = fmt.Sprintf("no rate held the SLO, down to %g/s, when the search ended (%s)", lowestRate(r.Steps), r.Ended)
	case runs < 2:
		c.Level = "low"
		c.Reason = fmt.Sprintf("held on its one run; not confirmed (search ended: %s)", r.Ended)
	case c.LowestFailingRate == 0:
		c.Level = "medium"
		c.Reason = fmt.Sprintf("held on all %d runs, but no rate failed: the capacity is %g/s or more", runs, lo)
	case c.Precision <= s.cfg.precision:
		c.Level = "high"
		c.Reason = fmt.Sprintf("held on all %d runs; %g/s failed, %.1f%% above", runs, hi, 100*c.Precision)
	default:
		c.Level = "medium"
		c.Reason = fmt.Sprintf("held on all %d runs; %g/s failed, %.1f%% above: wider than the %.1f%% asked for (search ended: %s)",
			runs, hi, 100*c.Precision, 100*s.cfg.precision, r.Ended)
	}
	r.Confidence = c
	r.Limit = closestLimit(r.Steps)
}

func lowestRate(steps []results.CapacityStep) float64 {
	lo := math.Inf(1)
	for _, st := range steps {
		lo = math.Min(lo, st.Rate)
	}
	return lo
}

// save writes capacity.json, when there is an output directory.
func (s *search) save() error {
	if s.cfg.outDir == "" {
		return nil
	}
	_, err := s.res.Write(s.cfg.outDir)
	return err
}
