package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orybench/orybench/internal/ci"
	"github.com/orybench/orybench/results"
)

// journeyServer is a fake Kratos for a native login journey: create a
// login flow, submit it, whoami. Each answer waits delay first; stall, when
// set, holds every answer until it has passed; fail says which submits to
// answer 400.
type journeyServer struct {
	delay              time.Duration
	stallFrom, stallTo atomic.Int64
	fail               func(n int64) bool
	submits            atomic.Int64

	mu      sync.Mutex
	applied map[string][]time.Duration // by path
}

func (s *journeyServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/at-once" {
		return
	}
	now := time.Now().UnixNano()
	if from, to := s.stallFrom.Load(), s.stallTo.Load(); from != 0 && now >= from && now < to {
		time.Sleep(time.Duration(to - now))
	}
	start := time.Now()
	sleepPrecisely(s.delay)
	s.mu.Lock()
	s.applied[r.URL.Path] = append(s.applied[r.URL.Path], time.Since(start))
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/self-service/login/api":
		fmt.Fprint(w, `{"id":"flow-1","type":"api","ui":{"nodes":[]}}`)
	case "/self-service/login":
		if r.URL.Query().Get("flow") != "flow-1" {
			w.WriteHeader(http.StatusGone)
			return
		}
		if n := s.submits.Add(1); s.fail != nil && s.fail(n) {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"id":"flow-1","ui":{"nodes":[]}}`)
			return
		}
		fmt.Fprint(w, `{"session_token":"tok-secret","session":{"id":"s"}}`)
	case "/sessions/whoami":
		if r.Header.Get("X-Session-Token") != "tok-secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"id":"s","active":true}`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

const loginJourney = `name: login-journey
rate: %g
duration: %s
journey:
  client: native
  steps:
    - name: create
      operation: createNativeLoginFlow
    - name: submit
      operation: updateLoginFlow
      flow: "{{ create.id }}"
      body: {method: password, identifier: someone, password: not-a-secret}
    - name: whoami
      operation: toSession
`

func loginJourneyScenario(t *testing.T, rate float64, d time.Duration) *Scenario {
	t.Helper()
	sc, err := ParseScenario("journey.yaml", []byte(fmt.Sprintf(loginJourney, rate, d)))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// runJourney runs the journey scenario of YAML src against url.
func runJourney(t *testing.T, src, url string) *results.LoadSummary {
	t.Helper()
	sc, err := ParseScenario("journey.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := Run(context.Background(), sc, WithTarget(url))
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// pct is the p-th percentile of ds in milliseconds.
func pct(ds []time.Duration, p float64) float64 {
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return float64(ds[int(math.Ceil(p/100*float64(len(ds))))-1]) / 1e6
}

// roundTrip is the p50 in milliseconds of 50 requests to a path the
// journey server answers at once, with a plain net/http client.
func roundTrip(base string) float64 {
	var rts []time.Duration
	for range 50 {
		start := time.Now()
		res, err := http.Get(base + "/at-once")
		if err != nil {
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		rts = append(rts, time.Since(start))
		time.Sleep(20 * time.Millisecond)
	}
	if len(rts) == 0 {
		return 0
	}
	return pct(rts, 50)
}

func newJourneyServer(delay time.Duration) (*journeyServer, *httptest.Server) {
	s := &journeyServer{delay: delay, applied: map[string][]time.Duration{}}
	return s, httptest.NewServer(s)
}

// TestJourneyAccuracy runs a journey of three steps, each delayed 10ms by
// the server: the journey's p50 is the sum of its steps' p50s within 2%
// + 1ms, and about 30ms (the delays the server applied and three round
// trips). Timing on a shared machine is noisy: up to 3
// attempts, skipped locally (failed on CI) when every one met a noisy
// machine.
func TestJourneyAccuracy(t *testing.T) {
	if testing.Short() {
		t.Skip("runs load for 3s or more")
	}
	const delay = 10 * time.Millisecond
	var failures []string
	quietFailure := false
	for attempt := 1; attempt <= 3; attempt++ {
		srv, hs := newJourneyServer(delay)
		stop := make(chan struct{})
		probe := noiseProbe(stop)
		sc := loginJourneyScenario(t, 20, 3*time.Second)
		sc.Warmup = 500 * time.Millisecond
		sum, err := Run(context.Background(), sc, WithTarget(hs.URL))
		close(stop)
		noise := probe()
		if err != nil {
			t.Fatal(err)
		}
		j := sum.Journey
		if j == nil || j.Completed != 60 || j.Stopped != 0 || sum.Requests != 180 {
			t.Fatalf("journey %+v, requests %d: want 60 completed journeys of 3 requests", j, sum.Requests)
		}
		var steps float64
		for _, st := range sum.Steps {
			steps += st.Latency.P50
		}
		var problems []string
		if d := j.Latency.P50 - steps; d < -(0.02*steps+1) || d > 0.02*steps+1 {
			problems = append(problems, fmt.Sprintf("journey p50 %.3fms, sum of the steps' p50 %.3fms: want within 2%% + 1ms", j.Latency.P50, steps))
		}
		// About 30ms: the three delays the server applied, plus three round
		// trips of a request it answers at once (a plain net/http client's).
		srv.mu.Lock()
		var applied float64
		for _, ds := range srv.applied {
			applied += pct(ds, 50)
		}
		srv.mu.Unlock()
		rt := roundTrip(hs.URL)
		// A loose check (15%): the client's own work per request (a cookie
		// jar, parsing the answer for the next step) is more than a plain
		// client's, several times more under the race detector.
		if want := applied + 3*rt; j.Latency.P50 < applied || !within(j.Latency.P50, want, 0.15) {
			problems = append(problems, fmt.Sprintf("journey p50 %.3fms, want about %.3fms (the server's delays %.3fms + 3 round trips of %.3fms)", j.Latency.P50, want, applied, rt))
		}
		hs.Close()
		t.Logf("attempt %d: journey p50 %.3fms (uncorrected %.3fms), steps' p50 sum %.3fms, delays + round trips %.3fms, p99 %.3fms; noise p99 %s",
			attempt, j.Latency.P50, j.LatencyUncorrected.P50, steps, applied+3*rt, j.Latency.P99, noise)
		if len(problems) == 0 {
			return
		}
		failures = append(failures, strings.Join(problems, "; "))
		quietFailure = quietFailure || noise <= time.Millisecond
	}
	if !quietFailure {
		ci.SkipLocally(t, "the machine was too noisy in every attempt: %s", strings.Join(failures, " | "))
	}
	t.Error(strings.Join(failures, " | "))
}

// TestJourneyStallCorrected stalls the server for 1s in the middle of a
// run of 100 journeys/s on 2 workers: the journeys due during the stall
// wait for a worker, so their latency from the intended start shows the
// stall at p99, while the sum of their requests' own latencies does not.
func TestJourneyStallCorrected(t *testing.T) {
	if testing.Short() {
		t.Skip("runs load for 4s")
	}
	srv, hs := newJourneyServer(time.Millisecond)
	defer hs.Close()
	start := time.Now()
	srv.stallFrom.Store(start.Add(1500 * time.Millisecond).UnixNano())
	srv.stallTo.Store(start.Add(2500 * time.Millisecond).UnixNano())
	sc := loginJourneyScenario(t, 100, 4*time.Second)
	sc.Workers, sc.MaxWorkers = 2, 2
	sum, err := Run(context.Background(), sc, WithTarget(hs.URL), WithOutDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	j := sum.Journey
	t.Logf("journeys %d completed, corrected %+v, uncorrected %+v", j.Completed, j.Latency, j.LatencyUncorrected)
	if j.Latency.P99 < 900 {
		t.Errorf("corrected journey p99 = %.1fms, want the 1s stall to show (≥ 900ms)", j.Latency.P99)
	}
	if j.LatencyUncorrected.P99 > 300 { // three requests, each a few ms (more under -race)
		t.Errorf("uncorrected journey p99 = %.1fms, want the stall hidden (< 300ms)", j.LatencyUncorrected.P99)
	}
	if j.LatencyUncorrected.Max < 800 {
		t.Errorf("uncorrected journey max = %.1fms, want the stalled journeys themselves (≥ 800ms)", j.LatencyUncorrected.Max)
	}
}

// TestJourneyStoppedAtStep answers every fourth submit 400: those journeys
// stop at submit (no whoami is sent for them), counted by the step and
// kind, and the thresholds on the journey and on steps are judged.
func TestJourneyStoppedAtStep(t *testing.T) {
	srv, hs := newJourneyServer(0)
	defer hs.Close()
	srv.fail = func(n int64) bool { return n%4 == 0 }
	sc := loginJourneyScenario(t, 40, time.Second)
	ts, err := ParseThresholds("journey:error_rate<10%", "submit:p99<5s", "create:error_rate<1%", "journey:p99<5s", "rate>=0.9*requested")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	sum, err := Run(context.Background(), sc, WithTarget(hs.URL), WithThresholds(ts...), WithOutDir(dir))
	if !errors.Is(err, ErrThresholdsFailed) {
		t.Fatalf("err = %v, want the journey's error rate breached", err)
	}
	j := sum.Journey
	if j.Started != 40 || j.Completed != 30 || j.Stopped != 10 {
		t.Errorf("started %d, completed %d, stopped %d; want 40, 30, 10", j.Started, j.Completed, j.Stopped)
	}
	want := []results.JourneyStop{{Step: "submit", Kind: "unexpected_status", Count: 10}}
	if fmt.Sprint(j.StoppedBy) != fmt.Sprint(want) {
		t.Errorf("stopped by %+v, want %+v", j.StoppedBy, want)
	}
	byName := map[string]results.StepSummary{}
	for _, st := range sum.Steps {
		byName[st.Name] = st
	}
	if byName["whoami"].Requests != 30 || byName["submit"].Errors.ByKind["unexpected_status"] != 10 {
		t.Errorf("whoami requests %d (want 30), submit errors %+v (want 10 unexpected_status)", byName["whoami"].Requests, byName["submit"].Errors)
	}
	if j.Rate.Requested != 40 || j.Rate.Achieved != 40 {
		t.Errorf("journey rate %+v, want 40/s requested and achieved", j.Rate)
	}
	got := map[string]bool{}
	for _, tr := range sum.Thresholds {
		got[tr.Expr] = tr.OK
	}
	wantOK := map[string]bool{"journey:error_rate<10%": false, "submit:p99<5s": true, "create:error_rate<1%": true, "journey:p99<5s": true, "rate>=0.9*requested": true}
	for expr, ok := range wantOK {
		if got[expr] != ok {
			t.Errorf("threshold %s ok = %v, want %v (%+v)", expr, got[expr], ok, sum.Thresholds)
		}
	}
	for _, f := range []string{"journey.hgrm", "step-submit.hgrm", results.LoadSummaryFile} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Error(err)
		}
		if strings.Contains(string(data), "tok-secret") {
			t.Errorf("%s holds the session token", f)
		}
	}
}

// TestJourneyMissingValue: a step that takes a value an earlier answer
// lacks (a CSRF token of a native flow) is never sent; the journey stops
// there as missing_value.
func TestJourneyMissingValue(t *testing.T) {
	_, hs := newJourneyServer(0)
	defer hs.Close()
	src := strings.Replace(fmt.Sprintf(loginJourney, 20.0, time.Second), "password: not-a-secret}", `password: x, csrf_token: "{{ create.csrf_token }}"}`, 1)
	sum := runJourney(t, src, hs.URL)
	want := []results.JourneyStop{{Step: "submit", Kind: "missing_value", Count: 20}}
	if fmt.Sprint(sum.Journey.StoppedBy) != fmt.Sprint(want) || sum.Requests != 20 {
		t.Errorf("stopped by %+v, requests %d; want %+v and only the 20 creates sent", sum.Journey.StoppedBy, sum.Requests, want)
	}
}

func TestJourneyYAMLErrors(t *testing.T) {
	base := `name: j
rate: 1
journey:
  client: native
  steps:
    - name: create
      operation: createNativeLoginFlow
    - name: submit
      operation: %s
      flow: "%s"
`
	for _, c := range []struct{ op, flow, want string }{
		{"updateLoginFlow", "{{ nosuch.id }}", "j.yaml:10: journey.steps[1].flow: {{ nosuch.id }} names no earlier step"},
		{"updateLoginFlow", "{{ create.nope }}", "j.yaml:10: journey.steps[1].flow: {{ create.nope }}: create has no nope"},
		{"updateLoginFlow", "{{ submit.id }}", "j.yaml:10: journey.steps[1].flow: {{ submit.id }} names no earlier step"},
		{"updateLoginFlow", "{{create.id", "j.yaml:10: journey.steps[1].flow: \"{{create.id\": want references like"},
		{"frobnicateFlow", "{{ create.id }}", "j.yaml:9: journey.steps[1].operation: unknown operation \"frobnicateFlow\""},
		{"createBrowserLoginFlow", "", "j.yaml:9: journey.steps[1].operation: a native client does not call createBrowserLoginFlow"},
	} {
		src := fmt.Sprintf(base, c.op, c.flow)
		if c.flow == "" {
			src = strings.Replace(src, "      flow: \"\"\n", "", 1)
		}
		_, err := ParseScenario("j.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s: err = %v, want %q", c.op, c.flow, err, c.want)
		}
		if err != nil && !errors.Is(err, ErrUsage) {
			t.Errorf("%v does not match ErrUsage", err)
		}
	}
	for _, c := range []struct{ src, want string }{
		{"name: j\nrate: 1\njourney:\n  client: robot\n  steps: [{name: a, operation: toSession}]\n", "j.yaml:4: journey.client: unknown client mode \"robot\""},
		{"name: j\nrate: 1\nsteps: [{name: a, operation: toSession}]\njourney:\n  client: native\n  steps: [{name: a, operation: toSession}]\n", "steps: a journey's steps go in journey.steps"},
		{"name: j\nrate: 1\njourney:\n  client: native\n  steps: [{name: journey, operation: toSession}]\n", "journey.steps[0].name: \"journey\" is reserved"},
		{"name: j\nrate: 1\njourney:\n  client: native\n  steps: [{name: a, operation: toSession}]\nthresholds: [journey:p99<1s, b:p99<1s]\n", "j.yaml:6: thresholds[1]: threshold \"b:p99<1s\" names no step"},
	} {
		_, err := ParseScenario("j.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
}

// TestJourneyInterrupt interrupts a journey run whose server stops
// answering: Run returns within 2s of the cancel, the journeys in flight
// counted as canceled, not as stopped by the target.
func TestJourneyInterrupt(t *testing.T) {
	srv, hs := newJourneyServer(0)
	defer hs.Close()
	release := make(chan struct{})
	defer close(release)
	srv.fail = func(n int64) bool {
		if n > 20 {
			<-release // hang, as a dying target may
		}
		return false
	}
	ctx, cancel := context.WithCancel(context.Background())
	var canceledAt atomic.Int64
	time.AfterFunc(1500*time.Millisecond, func() { canceledAt.Store(time.Now().UnixNano()); cancel() })
	sum, err := Run(ctx, loginJourneyScenario(t, 20, time.Minute), WithTarget(hs.URL))
	took := time.Since(time.Unix(0, canceledAt.Load()))
	if !errors.Is(err, context.Canceled) || sum == nil {
		t.Fatalf("err = %v, summary %v; want context.Canceled and a summary", err, sum)
	}
	j := sum.Journey
	if sum.Stopped != "interrupted" || j.Completed != 20 || j.Canceled == 0 || j.Stopped != 0 {
		t.Errorf("stopped %q, journeys %+v; want interrupted, 20 completed, the rest canceled", sum.Stopped, j)
	}
	if took > 2*time.Second {
		t.Errorf("Run returned %s after the cancel, want within 2s", took)
	}
}

// TestJourneyThinkNotCounted: 30ms of think time before each of the two
// later steps is in no latency: the journey's p50 stays the sum of its
// steps', far below the 60ms it was told to wait.
func TestJourneyThinkNotCounted(t *testing.T) {
	_, hs := newJourneyServer(5 * time.Millisecond)
	defer hs.Close()
	src := strings.Replace(fmt.Sprintf(loginJourney, 10.0, 2*time.Second), "  client: native\n", "  client: native\n  think: 30ms\n", 1)
	sum := runJourney(t, src, hs.URL)
	var steps float64
	for _, st := range sum.Steps {
		steps += st.Latency.P50
	}
	j := sum.Journey
	t.Logf("journey p50 %.3fms (uncorrected %.3fms), steps' p50 sum %.3fms", j.Latency.P50, j.LatencyUncorrected.P50, steps)
	// Two 30 ms thinks counted would add 60 ms, one 30 ms: the journey's
	// p50 must stay well below the steps' sum plus one think. (How close it
	// is to the sum is TestJourneyAccuracy's check, with its noise probe:
	// a loaded machine moves it here.)
	if j.Completed != 20 || j.ThinkMs != 30 || j.Latency.P50 >= steps+30 {
		t.Errorf("journey %+v, steps' p50 sum %.3fms: want 20 completed, the think time in no latency", j, steps)
	}
}

func TestJourneyNotSharded(t *testing.T) {
	err := Check(loginJourneyScenario(t, 10, time.Second), WithShard(Shard{Index: 1, Count: 2}))
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "sharding (and merging) journeys is not supported") {
		t.Errorf("err = %v, want a journey refused as a shard", err)
	}
}

// A host that is not loopback gets at most RemoteRateCap requests a
// second: 20 journeys/s of 3 requests are refused, 16 allowed.
func TestJourneyRemoteRateCap(t *testing.T) {
	sc := loginJourneyScenario(t, 20, time.Second)
	var refused *RemoteRateError
	if err := Check(sc, WithTarget("http://192.0.2.1")); !errors.As(err, &refused) || refused.Peak != 60 || refused.Cap != RemoteRateCap {
		t.Errorf("err = %v, want 60 requests/s refused (cap %d)", err, RemoteRateCap)
	}
	if rate, _, _ := AllowedRate(sc, WithTarget("http://192.0.2.1")); math.Abs(rate-RemoteRateCap/3.0) > 1e-9 {
		t.Errorf("allowed rate %g journeys/s, want %g", rate, RemoteRateCap/3.0)
	}
	if err := Check(sc, WithTarget("http://192.0.2.1"), WithRate(16)); err != nil {
		t.Errorf("16 journeys/s (48 requests/s): %v", err)
	}
}
