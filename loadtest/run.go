package loadtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/target"
)

// lateSendGrace is how long after the end of a run hits that were due
// before it may still be sent, when every worker was busy.
const lateSendGrace = time.Second

// DefaultTarget is the Kratos public API a run loads when neither the
// scenario nor WithTarget names one.
const DefaultTarget = "http://127.0.0.1:4433"

// plan is a scenario resolved against the options: everything a run needs
// to know before it starts, all checked.
type plan struct {
	sc         Scenario // with defaults
	target     string
	profile    Profile
	warmupRate float64
	maxHits    uint64
	guard      bool // dial loopback only
	thresholds []Threshold
	users      int // pool size, 0 when no step needs one
	flows      int // login flows to make ahead
	// journeyFixtures: a journey makes new identities or reads mail.
	journeyFixtures bool
	shard           Shard
	// wholeMaxHits is the max hits of the whole run, of which maxHits is
	// the shard's share.
	wholeMaxHits uint64
}

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUsage, fmt.Sprintf(format, a...))
}

func newPlan(in *Scenario, cfg config) (*plan, error) {
	if in == nil {
		return nil, usageErr("no scenario")
	}
	sc := *in
	if cfg.rate != nil {
		sc.Rate = *cfg.rate
	}
	if cfg.duration != 0 {
		sc.Duration = cfg.duration
	}
	if cfg.warmup != nil {
		sc.Warmup = *cfg.warmup
	}
	if cfg.maxWorkers != 0 {
		sc.MaxWorkers = cfg.maxWorkers
	}
	if cfg.timeout != 0 {
		sc.Timeout = cfg.timeout
	}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	sc = sc.withDefaults()
	p := &plan{sc: sc, maxHits: cfg.maxHits}
	if p.maxHits == 0 || p.maxHits > 1e9 {
		return nil, usageErr("max hits must be within [1, 1e9]")
	}
	p.target = baseURL(&sc, cfg)
	p.profile = sc.Rate.Profile(sc.Duration)
	p.warmupRate = math.Max(p.profile.Rate(0), 1)

	// Safety: loopback only, unless allowed, or at a trickle.
	peak := p.profile.Peak(sc.Duration)
	if sc.Warmup > 0 {
		peak = math.Max(peak, p.warmupRate)
	}
	allowed, remote, err := allowedRate(&sc, cfg)
	if err != nil {
		return nil, err
	}
	if peak > allowed {
		perHit := 1.0 // requests per hit: a journey's
		if sc.Journey != nil {
			perHit = float64(sc.requestsPerJourney())
		}
		return nil, &RemoteRateError{Host: remote, Peak: peak * perHit, Cap: allowed * perHit}
	}
	p.guard = remote == "" && !cfg.allowRemote

	if cfg.syncDir != "" && cfg.shard.IsZero() {
		return nil, usageErr("a sync directory is for the shards of a run")
	}
	// A shard sends its share of the hits; the checks above are the whole
	// run's, which is what the target gets.
	if !cfg.shard.IsZero() && sc.Journey != nil {
		return nil, usageErr("journey scenario %s runs whole: sharding (and merging) journeys is not supported yet", sc.Name)
	}
	if !cfg.shard.IsZero() {
		if err := cfg.shard.validate(); err != nil {
			return nil, err
		}
		p.shard, p.wholeMaxHits = cfg.shard, p.maxHits
		p.profile = p.profile.Shard(p.shard)
		p.warmupRate = math.Max(p.profile.Rate(0), 1)
		if p.maxHits = p.shard.share(p.maxHits); p.maxHits == 0 {
			return nil, usageErr("max hits %d leaves shard %s nothing to send", cfg.maxHits, p.shard)
		}
	}

	// Thresholds: the scenario's, each step's, then the options'.
	p.thresholds = append(p.thresholds, sc.Thresholds...)
	for _, st := range sc.Steps {
		for _, t := range st.Thresholds {
			t.Step = st.Name
			p.thresholds = append(p.thresholds, t)
		}
	}
	for _, t := range cfg.thresholds {
		if t.Step != "" && !sc.hasStep(t.Step) {
			return nil, usageErr("threshold %q names no step of scenario %s", t.Expr, sc.Name)
		}
		p.thresholds = append(p.thresholds, t)
	}
	for _, t := range p.thresholds {
		if t.metric == 0 {
			return nil, usageErr("threshold %q was not made by ParseThreshold", t.Expr)
		}
	}

	// Fixtures: a pool of users, and one login flow per login hit.
	hits := p.expectedHits(sc.Duration) + uint64(math.Ceil(p.warmupRate*sc.Warmup.Seconds()))
	totalWeight := 0
	for _, st := range sc.Steps {
		totalWeight += st.Weight
	}
	for _, st := range sc.Steps {
		if sc.Journey != nil {
			break // a journey signs in itself
		}
		switch operations[st.Operation].need {
		case needSessions:
			p.users = sc.Sessions
		case needLoginFlows:
			p.users = sc.Sessions
			p.flows += int(math.Ceil(float64(hits)*float64(st.Weight)/float64(totalWeight))) + totalWeight
		}
	}
	if sc.needsPool() {
		p.users = sc.Sessions
	}
	p.journeyFixtures = sc.registers() || sc.needsPool()
	if p.users > 0 {
		p.users = max(1, int(p.shard.share(uint64(p.users)))) // a shard's share of the pool
	}
	if p.flows > MaxLoginFlows {
		return nil, usageErr("%d login flows would have to be made ahead (one per login hit), more than %d: lower the rate or the duration",
			p.flows, MaxLoginFlows)
	}
	return p, nil
}

// baseURL is the Kratos public API a run of sc loads: WithTarget's (or
// WithKratos'), else the scenario's, else DefaultTarget.
func baseURL(sc *Scenario, cfg config) string {
	return strings.TrimRight(cmp.Or(cfg.target, sc.Target, DefaultTarget), "/")
}

// AllowedRate returns the highest rate Run sends sc at under opts: +Inf
// when every host the run sends to (its target, the admin API, the
// absolute URLs of its steps) is loopback, or with WithAllowRemote; else
// WithMaxRemoteRate's cap (for a journey, in journeys per second: the cap
// over the requests of one journey), with the first host that is not
// loopback. Run refuses a scenario whose peak rate is above it
// (RemoteRateError); a caller that chooses rates (a capacity search) stays
// within it. Its error matches ErrUsage for a URL that is not an http(s)
// URL with a host.
func AllowedRate(sc *Scenario, opts ...Option) (rate float64, host string, err error) {
	if sc == nil {
		return 0, "", usageErr("no scenario")
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	return allowedRate(sc, cfg)
}

func allowedRate(sc *Scenario, cfg config) (rate float64, host string, err error) {
	urls := []string{baseURL(sc, cfg)}
	if cfg.adminURL != "" {
		urls = append(urls, cfg.adminURL)
	}
	for _, st := range sc.Steps {
		if st.Operation == "" && strings.Contains(st.URL, "://") {
			urls = append(urls, st.URL)
		}
	}
	for _, raw := range urls {
		u, err := checkURL(raw)
		if err != nil {
			return 0, "", usageErr("%v", err)
		}
		if host == "" && !target.IsLoopback(u.Hostname()) {
			host = u.Host
		}
	}
	if host == "" || cfg.allowRemote {
		return math.Inf(1), host, nil
	}
	if sc.Journey != nil { // journeys/s, each of several requests
		return cfg.remoteCap / float64(sc.requestsPerJourney()), host, nil
	}
	return cfg.remoteCap, host, nil
}

// setupTimeout bounds one set-up call of the default fixtures: WithTimeout's,
// else 30s.
func setupTimeout(cfg config) time.Duration {
	if cfg.timeout > 0 {
		return cfg.timeout
	}
	return 30 * time.Second
}

// expectedHits returns the hits due within the first d, capped by maxHits:
// for a shard, those of the whole run's that are its own.
func (p *plan) expectedHits(d time.Duration) uint64 {
	h := math.Ceil(p.profile.whole().Hits(d) - 1e-6)
	if h < 0 {
		h = 0
	}
	return min(p.shard.share(uint64(h)), p.maxHits)
}

// RemoteRateError is a run refused before it sent anything: it would send
// more hits per second to a host that is not loopback than allowed (see
// WithMaxRemoteRate and WithAllowRemote). It matches ErrUsage.
type RemoteRateError struct {
	Host      string
	Peak, Cap float64
}

func (e *RemoteRateError) Error() string {
	return fmt.Sprintf("refusing to send up to %g hits/s to %s, which is not loopback (127.0.0.0/8, ::1, localhost): such hosts get at most %g hits/s unless allowed more",
		e.Peak, e.Host, e.Cap)
}

// Is makes a RemoteRateError match ErrUsage.
func (e *RemoteRateError) Is(target error) bool { return target == ErrUsage }

// Check returns the error Run would return for sc and opts before it sends
// anything (a bad scenario or option, a remote host above its rate cap), so
// that a caller can refuse a run before any set-up of its own.
func Check(sc *Scenario, opts ...Option) error {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	_, err := newPlan(sc, cfg)
	return err
}

// Run runs a scenario: it makes the fixtures, warms up, sends load on the
// scenario's rate profile for its duration (or until ctx is done, the target
// goes down, or, with WithAbortOnFail, a threshold is breached), writes its
// files, removes the fixtures and judges the thresholds.
//
// The summary is returned whenever anything was measured, also with an
// error: wrapping ErrThresholdsFailed when a threshold was breached,
// ErrTargetDown, or ctx's error when interrupted. Errors before the clock
// starts match ErrUsage when the scenario or an option is wrong.
func Run(ctx context.Context, sc *Scenario, opts ...Option) (*results.LoadSummary, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	p, err := newPlan(sc, cfg)
	if err != nil {
		return nil, err
	}
	out, err := newOutput(cfg.outDir)
	if err != nil {
		return nil, err
	}
	defer out.close()

	var fx fixtureData
	cleanup := func() error { return nil }
	if p.users > 0 || p.journeyFixtures {
		fctx, cancel := context.WithTimeout(ctx, 2*time.Minute+time.Duration(p.users+p.flows)*10*time.Millisecond)
		defer cancel()
		fixtures, done, err := p.fixtures(fctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("making %d users: %w", p.users, err)
		}
		cleanup = func() error {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			return errors.Join(fixtures.DeleteUsers(cctx, fx.users), done(cctx))
		}
		if p.journeyFixtures {
			jf, ok := fixtures.(JourneyFixtures)
			if !ok {
				return nil, errors.Join(fmt.Errorf("%w: %w", ErrUsage, errNoJourneyFixtures), cleanup())
			}
			fx.journey = jf
		}
		if p.users > 0 {
			if fx.users, err = fixtures.Users(fctx, p.users); err != nil {
				return nil, errors.Join(fmt.Errorf("making %d users: %w", p.users, err), cleanup())
			}
		}
		if p.flows > 0 {
			if fx.flows, err = fixtures.LoginFlows(fctx, p.flows); err != nil {
				cleanupErr := cleanup()
				return nil, errors.Join(fmt.Errorf("making %d login flows: %w", p.flows, err), cleanupErr)
			}
		}
	}

	r, err := newRunner(p, cfg, fx, out)
	if err == nil && cfg.syncDir != "" {
		timeout := cfg.syncTimeout
		if timeout <= 0 {
			timeout = DefaultSyncTimeout
		}
		err = syncStart(ctx, cfg.syncDir, p, timeout)
	}
	if err != nil {
		return nil, errors.Join(err, cleanup())
	}
	if p.sc.Warmup > 0 && ctx.Err() == nil {
		r.attack(ctx, false)
	}
	var watch *serverWatch
	if ctx.Err() == nil {
		watch = r.watchServer(ctx)
		r.attack(ctx, true)
	} else if r.stopped == "" {
		r.stopped = results.StoppedInterrupted
	}
	server := r.serverView(ctx, watch)
	removeErr := r.removeRegistered(ctx)
	sum := r.summary()
	sum.Server = server
	p.describe(sum, r.began())
	werr := r.writeFiles(sum)
	if err := errors.Join(removeErr, cleanup()); err != nil {
		sum.CleanupError = err.Error()
		if out.dir != "" {
			_, err := sum.Write(out.dir)
			werr = errors.Join(werr, err)
		}
	}

	var errs []error
	switch r.stopped {
	case results.StoppedInterrupted:
		errs = append(errs, fmt.Errorf("interrupted: %w", context.Cause(ctx)))
	case results.StoppedTargetDown:
		errs = append(errs, fmt.Errorf("%w: connections refused or reset for %s with no answer", ErrTargetDown, cfg.downAfter))
	}
	if err := breached(sum); err != nil {
		errs = append(errs, err)
	}
	if werr != nil {
		errs = append(errs, fmt.Errorf("writing results: %w", werr))
	}
	return sum, errors.Join(errs...)
}

// interruptGrace bounds how long an interrupted run waits for the answers
// still in flight, so that what was measured is written within 2s of Ctrl-C.
const interruptGrace = 300 * time.Millisecond

// attack runs one attack: the warm-up (measure false) or the measured
// one, of vegeta's hits or of journeys. It returns once every result is
// in, at most stopGrace plus a moment after a stop.
func (r *runner) attack(ctx context.Context, measure bool) {
	stop := make(chan struct{})
	d, profile := r.plan.sc.Duration, r.plan.profile
	maxHits := r.plan.maxHits
	if !measure {
		d, profile, maxHits = r.plan.sc.Warmup, ConstantRate(r.plan.warmupRate), math.MaxUint64
	}
	pc := &pacer{profile: profile, duration: d, maxHits: maxHits, stop: stop}
	if measure {
		r.pacer = pc
	}
	if r.journeys != nil {
		events, abort := r.startJourneys(pc, d, stop)
		drain(ctx, r, measure, events, r.recordJourney, func() { close(stop) }, abort)
		return
	}
	atk := vegeta.NewAttacker(
		vegeta.Client(r.client),
		vegeta.Workers(r.plan.sc.Workers),
		vegeta.MaxWorkers(r.plan.sc.MaxWorkers),
		vegeta.MaxBody(0), // bodies may hold session tokens: never kept
	)
	name := "orybench"
	if !measure {
		name = "warmup"
	}
	// The pacer stops at the end of d; vegeta's own limit only bounds how
	// long hits that were due before the end may still be sent late.
	hits := atk.Attack(r.tgt.Targeter(), pc, d+lateSendGrace, name)
	drain(ctx, r, measure, hits, r.record, func() { close(stop); atk.Stop() }, r.tracker.abort)
}

// drain records an attack's results as they come (record reports a target
// that looks down), with the time series, progress and thresholds every
// second, until hits is closed. A stop (interrupted, target down, a
// threshold breached) calls stop, then, after the grace, abort, which
// ends what is still in flight.
func drain[T any](ctx context.Context, r *runner, measure bool, hits <-chan T, record func(T, bool) bool, stop, abort func()) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var (
		stopping bool
		graceC   <-chan time.Time
	)
	halt := func(reason string) {
		if stopping {
			return
		}
		stopping = true
		if measure || reason == results.StoppedInterrupted {
			r.stopped, r.stopAt = reason, time.Now()
		}
		stop()
		grace := r.cfg.stopGrace
		if reason == results.StoppedInterrupted {
			// Ctrl-C: the person waits; answers still in flight after a
			// moment are counted as canceled, not waited for.
			grace = min(grace, interruptGrace)
		}
		graceC = time.After(grace)
	}
	done := ctx.Done()
	for {
		select {
		case res, ok := <-hits:
			if !ok {
				return
			}
			if record(res, measure) && !stopping {
				halt(results.StoppedTargetDown)
			}
		case now := <-tick.C:
			if !measure {
				continue
			}
			r.flushSeries(now)
			r.showProgress(now, false)
			if r.cfg.abortOnFail && !stopping && r.breached() {
				halt(results.StoppedBreached)
			}
		case <-done:
			done = nil
			halt(results.StoppedInterrupted)
		case <-graceC:
			graceC = nil
			r.aborted = true
			abort()
		}
	}
}

// newRunner builds the targets and the HTTP client.
func newRunner(p *plan, cfg config, fx fixtureData, out *output) (*runner, error) {
	var tgt *targeter
	if p.sc.Journey == nil {
		var err error
		if tgt, err = newTargeter(p.target, p.sc.Steps, fx); err != nil {
			return nil, err
		}
	}
	r := &runner{
		plan: p, cfg: cfg, out: out, tgt: tgt,
		tracker:   newConnTracker(),
		stepIndex: map[string]int{},
		overall:   newStats(true),
		bucket:    newStats(true),
	}
	out.bucket = r.bucket // series logs its histograms
	r.client = newClient(p.sc.Timeout, p.sc.MaxConnections, p.guard, cfg.tls, r.tracker, cfg.basicAuth)
	for i, st := range p.sc.Steps {
		r.stepIndex[st.Name] = i
		r.steps = append(r.steps, newStats(true))
	}
	if p.sc.Journey != nil {
		r.journeys = newJourneys(p.target, p.sc.Steps, *p.sc.Journey, r.client, fx, max(p.sc.Timeout, 30*time.Second))
		r.jstats = newJourneyStats()
	}
	return r, nil
}
