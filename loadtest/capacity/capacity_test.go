package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/results"
)

// model is a target of known capacity, judged without sending anything: a
// run at a rate holds when the rate is at most the capacity. fail lists
// the runs (1-based) that fail whatever their rate, as noise would. Its
// clock moves by each run's warm-up and measured time plus overhead.
type model struct {
	capacity float64
	fail     []int
	overhead time.Duration
	// interruptAt cancels the search's context during that run.
	interruptAt int
	cancel      context.CancelFunc

	clock time.Time
	runs  []float64
	scens []*loadtest.Scenario
}

func (m *model) now() time.Time { return m.clock }

func (m *model) run(ctx context.Context, sc *loadtest.Scenario, rate float64, step time.Duration) (*results.LoadSummary, error) {
	m.runs = append(m.runs, rate)
	m.scens = append(m.scens, sc)
	m.clock = m.clock.Add(step + m.overhead)
	n := len(m.runs)
	if n == m.interruptAt {
		m.cancel()
		return &results.LoadSummary{Stopped: "interrupted"}, fmt.Errorf("interrupted: %w", context.Canceled)
	}
	held := rate <= m.capacity && !slices.Contains(m.fail, n)
	sum := &results.LoadSummary{Scenario: sc.Name, Target: "http://127.0.0.1:1", Requests: 100, Passed: held,
		Rate:    results.RateSummary{Requested: rate, Achieved: math.Min(rate, m.capacity*1.02)},
		Latency: results.Latency{P50: 20, P99: 30}}
	sum.Thresholds = []results.ThresholdResult{{Expr: "p99<50ms", OK: held, Actual: 30}}
	if !held {
		sum.Latency.P99 = 900
		sum.Thresholds[0].Actual = 900
		return sum, fmt.Errorf("%w: p99<50ms", loadtest.ErrThresholdsFailed)
	}
	return sum, nil
}

// find runs Find against m with the default settings changed by opts.
func (m *model) find(t *testing.T, opts ...Option) (*results.CapacityResult, error) {
	t.Helper()
	m.clock = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m.cancel = cancel
	slo, err := loadtest.ParseThreshold("p99<50ms")
	if err != nil {
		t.Fatal(err)
	}
	// A scenario with thresholds of its own, which the search sets aside.
	sc := loadtest.RawScenario("GET", "http://127.0.0.1:1/", 100, time.Second)
	own, err := loadtest.ParseThreshold("max<1ms")
	if err != nil {
		t.Fatal(err)
	}
	sc.Thresholds, sc.Steps[0].Thresholds = []loadtest.Threshold{own}, []loadtest.Threshold{own}
	var step time.Duration
	all := append([]Option{WithSLO(slo), func(c *config) {
		c.now = m.now
		step = c.warmup + c.stepDuration
		c.run = func(ctx context.Context, sc *loadtest.Scenario, rate float64, _ []loadtest.Option) (*results.LoadSummary, error) {
			return m.run(ctx, sc, rate, step)
		}
	}}, opts...)
	return Find(ctx, sc, all...)
}

func TestFindKnownCapacity(t *testing.T) {
	for _, c := range []float64{7, 37, 400, 1234, 9000} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			m := &model{capacity: c, overhead: 500 * time.Millisecond}
			res, err := m.find(t)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("rates run: %v", m.runs)
			if !res.Found || res.SustainableRate > c || res.SustainableRate < c/(1+DefaultPrecision) {
				t.Errorf("sustainable %g/s for a capacity of %g/s; runs %v", res.SustainableRate, c, m.runs)
			}
			if res.Ended != results.EndBracketed || res.Confidence.Level != "high" || res.Confidence.Runs != 2 {
				t.Errorf("ended %s, confidence %+v; want bracketed, high, 2 runs", res.Ended, res.Confidence)
			}
			if last := res.Steps[len(res.Steps)-1]; last.Phase != results.PhaseConfirm || last.Rate != res.SustainableRate {
				t.Errorf("last step %s at %g/s, want the confirmation of %g/s", last.Phase, last.Rate, res.SustainableRate)
			}
			if len(res.Steps) != len(m.runs) || len(m.runs) > 16 {
				t.Errorf("%d steps recorded, %d runs: %v", len(res.Steps), len(m.runs), m.runs)
			}
		})
	}
}

func TestFindNothingHolds(t *testing.T) {
	m := &model{capacity: 0.5}
	res, err := m.find(t, WithStartRate(8), WithMinRate(1))
	if !errors.Is(err, ErrNoSustainableRate) {
		t.Fatalf("err %v, want ErrNoSustainableRate", err)
	}
	if res == nil || res.Found || res.SustainableRate != 0 || res.Ended != results.EndMinRate || res.Confidence.Level != "none" {
		t.Fatalf("result %+v", res)
	}
	if want := []float64{8, 4, 2, 1}; !slices.Equal(m.runs, want) {
		t.Errorf("rates run %v, want %v", m.runs, want)
	}
}

func TestFindMaxRateHolds(t *testing.T) {
	m := &model{capacity: 1e6}
	res, err := m.find(t, WithStartRate(100), WithMaxRate(300))
	if err != nil {
		t.Fatal(err)
	}
	if res.SustainableRate != 300 || res.Ended != results.EndMaxRate || res.Confidence.Level != "medium" || res.Confidence.LowestFailingRate != 0 {
		t.Errorf("result %g/s ended %s confidence %+v; want 300/s, max-rate, medium, no failing rate", res.SustainableRate, res.Ended, res.Confidence)
	}
	if want := []float64{100, 200, 300, 300}; !slices.Equal(m.runs, want) {
		t.Errorf("rates run %v, want %v", m.runs, want)
	}
}

// A winner that fails its confirmation is not reported: the next rate
// below that held is confirmed instead.
func TestFindFailedConfirmation(t *testing.T) {
	m := &model{capacity: 400, fail: []int{11}} // run 11 confirms 400/s
	res, err := m.find(t)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rates run: %v", m.runs)
	if m.runs[10] != 400 || res.Steps[10].Held {
		t.Fatalf("run 11 was %g/s, held %v: the test expects the confirmation of 400/s", m.runs[10], res.Steps[10].Held)
	}
	if res.SustainableRate >= 400 || res.SustainableRate < 200 || res.Confidence.Runs != 2 {
		t.Errorf("sustainable %g/s after 400/s failed its confirmation, confidence %+v", res.SustainableRate, res.Confidence)
	}
	for _, st := range res.Steps {
		if st.Rate > res.SustainableRate && st.Held && st.Rate < 400 {
			t.Errorf("%g/s held but is above the reported %g/s", st.Rate, res.SustainableRate)
		}
	}
}

// The search stops before a run that would not fit in the time allowed,
// keeping time for the winner's confirmation.
func TestFindMaxDuration(t *testing.T) {
	m := &model{capacity: 400, overhead: time.Second}
	// Steps of 2s warm-up + 10s + 1s: 6 of them fit in 80s.
	res, err := m.find(t, WithMaxDuration(80*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.runs) != 6 || res.Ended != results.EndMaxDuration || res.DurationS > 80 {
		t.Errorf("%d runs %v ended %s after %gs; want 6, max-duration, at most 80s", len(m.runs), m.runs, res.Ended, res.DurationS)
	}
	if res.SustainableRate != 400 || res.Confidence.Runs != 2 || res.Confidence.Level != "medium" {
		t.Errorf("sustainable %g/s confidence %+v; want 400/s confirmed, medium (wider than 5%%)", res.SustainableRate, res.Confidence)
	}
}

func TestFindInterrupted(t *testing.T) {
	m := &model{capacity: 400, interruptAt: 3}
	res, err := m.find(t)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	if res == nil || len(res.Steps) != 3 || res.Ended != results.EndInterrupted || res.Steps[2].Error == "" {
		t.Fatalf("result %+v", res)
	}
	if res.SustainableRate != 100 || res.Confidence.Level != "low" {
		t.Errorf("sustainable %g/s, confidence %+v; want 100/s, low", res.SustainableRate, res.Confidence)
	}
}

func TestFindWritesEveryStep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	m := &model{capacity: 150}
	var seen []int
	res, err := m.find(t, WithOutDir(dir), WithStepDone(func(st results.CapacityStep) {
		seen = append(seen, st.N)
		if st.N > 1 { // the file holds the steps before this one
			got, err := results.ReadCapacity(filepath.Join(dir, results.CapacityFile))
			if err != nil || len(got.Steps) != st.N-1 {
				t.Errorf("capacity.json during step %d: %v, %d steps", st.N, err, len(got.Steps))
			}
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	got, err := results.ReadCapacity(filepath.Join(dir, results.CapacityFile))
	if err != nil {
		t.Fatal(err)
	}
	if got.SustainableRate != res.SustainableRate || len(got.Steps) != len(res.Steps) || len(seen) != len(res.Steps) {
		t.Errorf("capacity.json: %g/s, %d steps; returned %g/s, %d steps; %d callbacks",
			got.SustainableRate, len(got.Steps), res.SustainableRate, len(res.Steps), len(seen))
	}
	if want := filepath.Join("steps", "01-50"); got.Steps[0].Dir != want {
		t.Errorf("first step's dir %q, want %q", got.Steps[0].Dir, want)
	}
	if !slices.Equal(got.SLO, []string{"p99<50ms", DefaultRateRule}) {
		t.Errorf("SLO %q: want the rate rule added", got.SLO)
	}
	if _, err := os.Stat(filepath.Join(dir, results.CapacityFile)); err != nil {
		t.Error(err)
	}
}

// The SLO alone judges the steps: the scenario's thresholds are set aside,
// and a rate rule is added only when the SLO has none for the whole run.
func TestSLORules(t *testing.T) {
	for _, tc := range []struct {
		slo  []string
		want []string
	}{
		{[]string{"p99<50ms", "error_rate<0.1%"}, []string{"p99<50ms", "error_rate<0.1%", DefaultRateRule}},
		{[]string{"p99<50ms", "rate>=0.9*requested"}, []string{"p99<50ms", "rate>=0.9*requested"}},
		{[]string{"rate_limited<1%"}, []string{"rate_limited<1%", DefaultRateRule}},
		{[]string{"raw:rate>=10"}, []string{"raw:rate>=10", DefaultRateRule}},
	} {
		c := newConfig(nil)
		for _, e := range tc.slo {
			th, err := loadtest.ParseThreshold(e)
			if err != nil {
				t.Fatal(err)
			}
			c.slo = append(c.slo, th)
		}
		rules, err := c.sloRules()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range rules {
			got = append(got, r.Expr)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("SLO %q: rules %q, want %q", tc.slo, got, tc.want)
		}
	}

	m := &model{capacity: 100}
	if _, err := m.find(t); err != nil {
		t.Fatal(err)
	}
	for _, s := range m.scens {
		if len(s.Thresholds) != 0 || len(s.Steps[0].Thresholds) != 0 {
			t.Fatalf("a step ran with the scenario's thresholds %v %v", s.Thresholds, s.Steps[0].Thresholds)
		}
	}
}

func TestFindBadOptions(t *testing.T) {
	slo, _ := loadtest.ParseThreshold("p99<50ms")
	for name, opts := range map[string][]Option{
		"no SLO":             nil,
		"zero start":         {WithSLO(slo), WithStartRate(0)},
		"min above start":    {WithSLO(slo), WithMinRate(100)},
		"max below start":    {WithSLO(slo), WithMaxRate(10)},
		"precision 0":        {WithSLO(slo), WithPrecision(0)},
		"precision above 1":  {WithSLO(slo), WithPrecision(5)},
		"short steps":        {WithSLO(slo), WithStepDuration(100 * time.Millisecond)},
		"negative warm-up":   {WithSLO(slo), WithWarmup(-time.Second)},
		"budget below steps": {WithSLO(slo), WithMaxDuration(5 * time.Second)},
		"NaN rate":           {WithSLO(slo), WithMaxRate(math.NaN())},
	} {
		sc := loadtest.RawScenario("GET", "http://127.0.0.1:1/", 100, time.Second)
		ran := false
		all := append(opts, func(c *config) {
			c.run = func(context.Context, *loadtest.Scenario, float64, []loadtest.Option) (*results.LoadSummary, error) {
				ran = true
				return nil, errors.New("ran")
			}
		})
		res, err := Find(context.Background(), sc, all...)
		if !errors.Is(err, loadtest.ErrUsage) || res != nil || ran {
			t.Errorf("%s: err %v, result %v, ran %v; want ErrUsage before any run", name, err, res, ran)
		}
	}
}

// A host that is not loopback bounds the search as loadtest bounds a run:
// the default max rate and the start rate are lowered to its cap, a max
// rate given above it is refused, and WithAllowRemote lifts it.
func TestFindRemoteBound(t *testing.T) {
	slo, _ := loadtest.ParseThreshold("p99<50ms")
	remote := loadtest.RawScenario("GET", "http://192.0.2.1/", 100, time.Second)
	var rates []float64
	stub := func(c *config) {
		c.run = func(_ context.Context, _ *loadtest.Scenario, rate float64, _ []loadtest.Option) (*results.LoadSummary, error) {
			rates = append(rates, rate)
			return nil, errors.New("stub: not run")
		}
	}
	res, _ := Find(context.Background(), remote, WithSLO(slo), WithStartRate(80), stub)
	if res == nil || res.Settings.MaxRate != loadtest.RemoteRateCap || res.Settings.StartRate != loadtest.RemoteRateCap ||
		!slices.Equal(rates, []float64{loadtest.RemoteRateCap}) {
		t.Errorf("settings %+v, rates run %v; want start and max lowered to %d", res, rates, loadtest.RemoteRateCap)
	}
	var refused *loadtest.RemoteRateError
	if err := Check(remote, WithSLO(slo), WithMaxRate(1000)); !errors.As(err, &refused) || !errors.Is(err, loadtest.ErrUsage) || refused.Host != "192.0.2.1" {
		t.Errorf("max rate 1000 on a remote host: %v, want it refused", err)
	}
	if err := Check(remote, WithSLO(slo), WithMaxRate(1000), WithLoadOptions(loadtest.WithAllowRemote(true))); err != nil {
		t.Errorf("max rate 1000 on a remote host, allowed: %v", err)
	}
}

// A journey scenario's steps are recorded in journeys: the journeys per
// second achieved, the journey's latency and the share of journeys
// stopped, not the requests' figures.
func TestFindJourneyFigures(t *testing.T) {
	slo, _ := loadtest.ParseThreshold("p99<50ms")
	sc := loadtest.RawScenario("GET", "http://127.0.0.1:1/", 10, time.Second)
	stub := func(c *config) {
		c.run = func(_ context.Context, _ *loadtest.Scenario, rate float64, _ []loadtest.Option) (*results.LoadSummary, error) {
			return &results.LoadSummary{Requests: 300, Rate: results.RateSummary{Requested: 3 * rate, Achieved: 3 * rate},
				Latency: results.Latency{P50: 1, P99: 2}, Errors: results.ErrorSummary{Total: 3}, Passed: true,
				Journey: &results.JourneySummary{Rate: results.RateSummary{Requested: rate, Achieved: rate},
					Completed: 99, Stopped: 1, Latency: results.Latency{P50: 10, P99: 20}}}, nil
		}
	}
	res, err := Find(context.Background(), sc, WithSLO(slo), WithStartRate(10), WithMaxRate(10), stub)
	if err != nil {
		t.Fatal(err)
	}
	st := res.Steps[0]
	if st.Rate != 10 || st.Achieved != 10 || st.P50 != 10 || st.P99 != 20 || st.ErrorRate != 0.01 {
		t.Errorf("step %+v: want 10 journeys/s achieved, p50 10ms, p99 20ms, 1%% stopped", st)
	}
}
