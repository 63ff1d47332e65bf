package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orybench/orybench/internal/ci"
	"github.com/orybench/orybench/results"
)

// sleepPrecisely holds a handler for d: Go's timer for most of it, the
// kernel's for the last stretch, so that the test server's delay is exact.
func sleepPrecisely(d time.Duration) {
	deadline := time.Now().Add(d)
	if d > 2*time.Millisecond {
		time.Sleep(d - 2*time.Millisecond)
	}
	if rest := time.Until(deadline); rest > 0 {
		preciseSleep(rest)
	}
}

func within(got, want, tolerance float64) bool {
	return math.Abs(got-want) <= want*tolerance
}

// noiseProbe measures, until stop is closed, how late 1ms sleeps wake up:
// the scheduling noise of the machine while a timing test runs. It returns
// a function that waits for the probe and returns its p99 lateness.
func noiseProbe(stop <-chan struct{}) func() time.Duration {
	var late []time.Duration
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
			}
			t0 := time.Now()
			preciseSleep(time.Millisecond)
			late = append(late, time.Since(t0)-time.Millisecond)
		}
	}()
	return func() time.Duration {
		<-done
		if len(late) == 0 {
			return 0
		}
		sort.Slice(late, func(i, j int) bool { return late[i] < late[j] })
		return late[len(late)*99/100]
	}
}

// TestRunFixedDelayAccuracy checks reported latency against a server with a
// fixed delay of 100ms: p50 within 2% and p99 within 5% of the delay the
// server applied (measured in the handler, so that the test server's own
// timer error is not blamed on orybench) plus the round trip of an HTTP
// request that the server answers at once (measured with a plain net/http
// client: a few hundred µs, a few ms under the race detector, which is no
// error of orybench's), corrected and uncorrected. A
// shared 2-core machine may stall the process for tens of milliseconds,
// which no measurement can tell from latency, so the check runs up to 3
// times with a probe of the machine's scheduling noise; it is skipped,
// saying so, only when every attempt failed on a noisy machine, and then
// fails on CI (CI=true).
func TestRunFixedDelayAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs load for 3s or more")
	}
	const delay = 100 * time.Millisecond
	var (
		mu      sync.Mutex
		applied []time.Duration
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/at-once" {
			return
		}
		start := time.Now()
		sleepPrecisely(delay)
		mu.Lock()
		applied = append(applied, time.Since(start))
		mu.Unlock()
	}))
	defer srv.Close()
	pct := func(ds []time.Duration, p float64) float64 {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		return float64(ds[int(math.Ceil(p/100*float64(len(ds))))-1]) / 1e6
	}
	roundTrip := func() float64 {
		var rts []time.Duration
		for range 50 {
			start := time.Now()
			res, err := srv.Client().Get(srv.URL + "/at-once")
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			rts = append(rts, time.Since(start))
			time.Sleep(20 * time.Millisecond) // as idle as between the run's hits
		}
		return pct(rts, 50)
	}

	var failures []string
	quietFailure := false
	for attempt := 1; attempt <= 3; attempt++ {
		mu.Lock()
		applied = nil
		mu.Unlock()
		stop := make(chan struct{})
		probe := noiseProbe(stop)
		sc := RawScenario("GET", srv.URL+"/", 40, 2500*time.Millisecond)
		sc.Warmup = 500 * time.Millisecond
		sum, err := Run(context.Background(), sc)
		close(stop)
		noise := probe()
		if err != nil {
			t.Fatal(err)
		}
		if sum.Requests != 100 || sum.Errors.Total != 0 {
			t.Fatalf("requests = %d, errors = %d; want 100 and 0", sum.Requests, sum.Errors.Total)
		}
		rt := roundTrip()
		mu.Lock()
		want50, want99 := pct(applied, 50)+rt, pct(applied, 99)+rt
		mu.Unlock()
		var problems []string
		for _, c := range []struct {
			name string
			l    results.Latency
		}{{"corrected", sum.Latency}, {"uncorrected", sum.LatencyUncorrected}} {
			if !within(c.l.P50, want50, 0.02) {
				problems = append(problems, fmt.Sprintf("%s p50 = %.3fms, want %.3fms ±2%%", c.name, c.l.P50, want50))
			}
			if !within(c.l.P99, want99, 0.05) {
				problems = append(problems, fmt.Sprintf("%s p99 = %.3fms, want %.3fms ±5%%", c.name, c.l.P99, want99))
			}
		}
		t.Logf("attempt %d: p50 %.3f/%.3fms, p99 %.3f/%.3fms (corrected/uncorrected); server applied + round trip (%.3fms) p50 %.3fms, p99 %.3fms; scheduling noise p99 %s",
			attempt, sum.Latency.P50, sum.LatencyUncorrected.P50, sum.Latency.P99, sum.LatencyUncorrected.P99, rt, want50, want99, noise)
		if len(problems) == 0 {
			return
		}
		failures = append(failures, strings.Join(problems, "; "))
		quietFailure = quietFailure || noise <= time.Millisecond
	}
	if !quietFailure {
		ci.SkipLocally(t, "the machine was too noisy for a 2%% latency check in every attempt (1ms sleeps woke >1ms late at p99): %s",
			strings.Join(failures, " | "))
	}
	t.Error(strings.Join(failures, " | "))
}

// TestRunStallCorrected stalls the server for 1s in the middle of a 500/s
// run with 4 workers: the hits due during the stall wait for a worker, so
// latency measured from their intended send time shows the stall at p99,
// while latency from the actual send (vegeta's) hides it in the 4 requests
// that were in flight.
func TestRunStallCorrected(t *testing.T) {
	if testing.Short() {
		t.Skip("runs load for 4s")
	}
	var stallFrom, stallTo atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now().UnixNano()
		if from, to := stallFrom.Load(), stallTo.Load(); from != 0 && now >= from && now < to {
			time.Sleep(time.Duration(to - now))
		}
		sleepPrecisely(time.Millisecond)
	}))
	defer srv.Close()
	start := time.Now()
	stallFrom.Store(start.Add(1500 * time.Millisecond).UnixNano())
	stallTo.Store(start.Add(2500 * time.Millisecond).UnixNano())

	sc := RawScenario("GET", srv.URL+"/", 500, 4*time.Second)
	sc.Workers, sc.MaxWorkers = 4, 4
	dir := t.TempDir()
	sum, err := Run(context.Background(), sc, WithOutDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("requests %d unsent %d corrected %+v uncorrected %+v", sum.Requests, sum.Unsent, sum.Latency, sum.LatencyUncorrected)
	if sum.Latency.P99 < 800 {
		t.Errorf("corrected p99 = %.1fms, want the 1s stall to show (≥ 800ms)", sum.Latency.P99)
	}
	if sum.LatencyUncorrected.P99 > 100 {
		t.Errorf("uncorrected p99 = %.1fms, want the stall hidden (< 100ms)", sum.LatencyUncorrected.P99)
	}
	if sum.LatencyUncorrected.Max < 800 {
		t.Errorf("uncorrected max = %.1fms, want the stalled requests themselves (≥ 800ms)", sum.LatencyUncorrected.Max)
	}
	// The time series has an empty second (or nearly) and a second with the backlog.
	data, err := os.ReadFile(filepath.Join(dir, "timeseries.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var maxP99 float64
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var pt results.SeriesPoint
		if err := json.Unmarshal([]byte(line), &pt); err != nil {
			t.Fatalf("timeseries line %q: %v", line, err)
		}
		maxP99 = math.Max(maxP99, pt.P99)
	}
	if maxP99 < 800 {
		t.Errorf("time series max p99 = %.1fms, want the stall", maxP99)
	}
}

func TestRunStatusJudging(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/unauthorized", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) })
	mux.HandleFunc("/limited", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) })
	mux.HandleFunc("/gone", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(410) })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	sc := &Scenario{
		Name: "judging", Rate: Constant(200), Duration: time.Second,
		Steps: []Step{
			{Name: "ok", Method: "GET", URL: "/ok"},
			{Name: "unauthorized", Method: "GET", URL: "/unauthorized", Expect: Statuses(401)},
			{Name: "limited", Method: "GET", URL: "/limited"},
			{Name: "gone", Method: "GET", URL: "/gone", Expect: Statuses(200)},
		},
	}
	sum, err := Run(context.Background(), sc, WithTarget(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Requests != 200 {
		t.Fatalf("requests = %d, want 200", sum.Requests)
	}
	got := map[string][3]uint64{} // requests, errors, rate limited
	for _, s := range sum.Steps {
		got[s.Name] = [3]uint64{s.Requests, s.Errors.Total, s.RateLimited}
	}
	want := map[string][3]uint64{
		"ok": {50, 0, 0}, "unauthorized": {50, 0, 0}, "limited": {50, 0, 50}, "gone": {50, 50, 0},
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("step %s: requests, errors, rate limited = %v, want %v", name, got[name], w)
		}
	}
	if sum.Errors.Total != 50 || sum.Errors.ByKind["unexpected_status"] != 50 || sum.RateLimited != 50 {
		t.Errorf("errors = %+v, rate limited = %d; want 50 unexpected statuses and 50 rate limited", sum.Errors, sum.RateLimited)
	}
	if sum.StatusCodes["401"] != 50 || sum.StatusCodes["429"] != 50 {
		t.Errorf("status codes = %v", sum.StatusCodes)
	}
}

func TestRunThresholdsDecide(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	thr := func(exprs ...string) []Threshold { return mustThresholds(t, exprs...) }
	sum, err := Run(context.Background(), RawScenario("GET", srv.URL, 100, time.Second),
		WithThresholds(thr("error_rate<0.1%", "rate>=0.5*requested", "raw:p99<1s")...))
	if err != nil {
		t.Fatalf("passing thresholds: %v", err)
	}
	if !sum.Passed || len(sum.Thresholds) != 3 {
		t.Fatalf("passed = %v, thresholds = %+v", sum.Passed, sum.Thresholds)
	}
	sum, err = Run(context.Background(), RawScenario("GET", srv.URL, 100, time.Second),
		WithThresholds(thr("p50<1us", "rate>=2*requested")...))
	if !errors.Is(err, ErrThresholdsFailed) {
		t.Fatalf("err = %v, want ErrThresholdsFailed", err)
	}
	if sum.Passed || sum.Thresholds[0].OK || sum.Thresholds[1].OK {
		t.Errorf("thresholds = %+v, want both failed", sum.Thresholds)
	}
	if a := sum.Thresholds[1].Actual; !within(a, 100, 0.3) {
		t.Errorf("achieved rate = %v, want 100", a)
	}
}

// TestRunRateSummary: the requested rate is the profile's (the configured
// rate of a constant one), and a run that ran its course lasted its
// duration, however early its last answer came.
func TestRunRateSummary(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	ramp := RawScenario("GET", srv.URL, 0, 2*time.Second)
	ramp.Rate = RateSpec{From: 10, To: 30}
	for _, c := range []struct {
		name                string
		sc                  *Scenario
		requested, achieved float64
		requests            uint64
	}{
		{"constant", RawScenario("GET", srv.URL, 100, time.Second), 100, 100, 100},
		{"ramp", ramp, 20, 20, 40},
	} {
		t.Run(c.name, func(t *testing.T) {
			sum, err := Run(context.Background(), c.sc)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rate.Requested != c.requested || sum.Rate.Achieved != c.achieved || sum.Requests != c.requests ||
				sum.DurationS != c.sc.Duration.Seconds() {
				t.Errorf("rate %+v, requests %d, duration %gs; want requested %g, achieved %g, %d requests in %s",
					sum.Rate, sum.Requests, sum.DurationS, c.requested, c.achieved, c.requests, c.sc.Duration)
			}
		})
	}
}

func TestRunAbortOnFail(t *testing.T) {
	if testing.Short() {
		t.Skip("runs load for 1-2s")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }))
	defer srv.Close()
	th, _ := ParseThreshold("error_rate<1%")
	start := time.Now()
	sum, err := Run(context.Background(), RawScenario("GET", srv.URL, 100, 20*time.Second), WithThresholds(th), WithAbortOnFail(true))
	if !errors.Is(err, ErrThresholdsFailed) {
		t.Fatalf("err = %v, want ErrThresholdsFailed", err)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("took %s, want a stop after about a second", took)
	}
	if sum.Stopped != "threshold breached" {
		t.Errorf("stopped = %q", sum.Stopped)
	}
}

// TestRunInterrupt cancels a run whose requests hang: the files are written
// within 2s of the cancel, and the hung requests are canceled, not errors.
func TestRunInterrupt(t *testing.T) {
	release := make(chan struct{})
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 50 {
			select { // hang, as a dying target may
			case <-release:
			case <-r.Context().Done():
			}
		}
	}))
	defer srv.Close()
	defer close(release)

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(1500*time.Millisecond, cancel)
	dir := t.TempDir()
	sum, err := Run(ctx, RawScenario("GET", srv.URL, 100, time.Minute), WithOutDir(dir))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if sum == nil {
		t.Fatal("no summary")
	}
	if sum.Stopped != "interrupted" || sum.Requests != 50 || sum.Errors.Total != 0 {
		t.Errorf("stopped %q, requests %d, errors %+v; want interrupted, 50, none", sum.Stopped, sum.Requests, sum.Errors)
	}
	if sum.Canceled == 0 {
		t.Errorf("canceled = 0, want the hung requests")
	}
	if sum.Rate.Requested != 100 {
		t.Errorf("requested rate = %g, want 100", sum.Rate.Requested)
	}
	for _, f := range []string{"summary.json", "results.bin", "timeseries.jsonl", "overall.hgrm", "step-raw.hgrm"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestRunInterruptWithin2s(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // never answers
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var canceledAt atomic.Int64
	time.AfterFunc(500*time.Millisecond, func() { canceledAt.Store(time.Now().UnixNano()); cancel() })
	sc := RawScenario("GET", srv.URL, 0.5, time.Minute) // a long wait between hits
	sc.Timeout = 30 * time.Second
	_, err := Run(ctx, sc, WithOutDir(t.TempDir()))
	took := time.Since(time.Unix(0, canceledAt.Load()))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if took > 2*time.Second {
		t.Errorf("Run returned %s after the cancel, want within 2s", took)
	}
}

func TestRunTargetDown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	url := srv.URL
	time.AfterFunc(700*time.Millisecond, srv.Close)
	start := time.Now()
	sum, err := Run(context.Background(), RawScenario("GET", url, 100, 30*time.Second), WithOutDir(t.TempDir()))
	if !errors.Is(err, ErrTargetDown) {
		t.Fatalf("err = %v, want ErrTargetDown", err)
	}
	if took := time.Since(start); took > 700*time.Millisecond+3*time.Second {
		t.Errorf("took %s", took)
	}
	if sum.Stopped != "target down" || sum.Errors.ByKind["connection_refused"] == 0 {
		t.Errorf("stopped %q, errors %+v", sum.Stopped, sum.Errors)
	}
}

func TestRunRefusesRemote(t *testing.T) {
	for _, c := range []struct {
		name string
		sc   *Scenario
		opts []Option
		ok   bool
	}{
		{"remote fast", RawScenario("GET", "http://192.0.2.1/", 100, time.Second), nil, false},
		{"remote via target", RawScenario("GET", "/x", 100, time.Second), []Option{WithTarget("http://example.com")}, false},
		{"remote admin", RawScenario("GET", "http://127.0.0.1:1/", 100, time.Second), []Option{WithAdmin("http://10.0.0.1:4434", "")}, false},
		{"ipv6 loopback", RawScenario("GET", "http://[::1]:1/", 100, time.Second), nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := newPlan(c.sc, applied(c.opts))
			if got := err == nil; got != c.ok {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if err != nil && !errors.Is(err, ErrUsage) {
				t.Errorf("err = %v, want ErrUsage", err)
			}
		})
	}
	// A trickle to a remote host is allowed, and so is anything with WithAllowRemote.
	if _, err := newPlan(RawScenario("GET", "http://192.0.2.1/", 10, time.Second), applied(nil)); err != nil {
		t.Errorf("trickle: %v", err)
	}
	if _, err := newPlan(RawScenario("GET", "http://192.0.2.1/", 1000, time.Second), applied([]Option{WithAllowRemote(true)})); err != nil {
		t.Errorf("allowed: %v", err)
	}
}

func applied(opts []Option) config {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

func TestLoopbackDialGuard(t *testing.T) {
	for _, c := range []struct {
		addr string
		ok   bool
	}{{"127.0.0.1:80", true}, {"127.9.9.9:80", true}, {"[::1]:80", true}, {"10.0.0.1:80", false}, {"192.0.2.1:443", false}} {
		if err := loopbackOnly("tcp", c.addr, nil); (err == nil) != c.ok {
			t.Errorf("loopbackOnly(%s) = %v, want ok=%v", c.addr, err, c.ok)
		}
	}
}

// TestResultsFile reads results.bin back with vegeta's decoder: vegeta report
// and plot can read it; it holds corrected latency and no bodies or headers.
func TestResultsFile(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "ory_session=secret-cookie")
		w.WriteHeader(401)
		io.WriteString(w, `{"session_token":"secret-token"}`)
	}))
	defer srv.Close()
	dir := t.TempDir()
	sc := RawScenario("GET", srv.URL+"/p", 50, time.Second)
	sc.Steps[0].Expect = Statuses(401)
	if _, err := Run(context.Background(), sc, WithOutDir(dir)); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "results.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("secret")) {
		t.Error("results.bin holds a secret from a response")
	}
	rs, err := ReadResults(filepath.Join(dir, "results.bin"))
	if err != nil {
		t.Fatal(err)
	}
	n := len(rs)
	for _, r := range rs {
		if r.Attack != "raw" || r.URL != srv.URL+"/p" || r.Code != 401 || r.Error != "" || r.Latency <= 0 {
			t.Fatalf("result = %+v", r)
		}
	}
	if n != 50 {
		t.Errorf("decoded %d results, want 50", n)
	}
	hgrm, err := os.ReadFile(filepath.Join(dir, "step-raw.hgrm"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(hgrm), "1.000000000000") || !strings.Contains(string(hgrm), "#[Max     =") {
		t.Errorf("step-raw.hgrm:\n%s", hgrm)
	}
}
