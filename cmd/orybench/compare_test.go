package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orybench/orybench/internal/ci"
	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/results"
)

// serviceTimes is a test server whose answers take the time of a typical
// identity API, slowed down: nine in ten from a fast path (lognormal,
// median 200 ms), one in ten from a slow one (median 600 ms: a cache miss,
// a database round trip). Long service times make what a busy machine adds
// to them small beside them. tail stretches the slow path: 1.2 makes the slowest tenth
// 20 % slower, and so p99 (which lies in it) 20 % higher, leaving p50
// alone. seed makes each server's draws its own. It records the service
// times it drew, in ms.
type serviceTimes struct {
	seed uint64
	tail float64

	mu    sync.Mutex
	rng   *rand.Rand
	drawn []float64
}

func (s *serviceTimes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(s.seed, s.seed))
	}
	slow, z := s.rng.Float64() < 0.1, s.rng.NormFloat64()
	ms := 200 * math.Exp(0.15*z)
	if slow {
		ms = s.tail * 600 * math.Exp(0.08*z)
	}
	s.drawn = append(s.drawn, ms)
	s.mu.Unlock()
	time.Sleep(time.Duration(ms * float64(time.Millisecond)))
	w.WriteHeader(http.StatusOK)
}

// lateBy says how far a run's measured p50 and p99 lie above those of the
// service times the server drew after the warm-up's first warmup hits:
// what the machine added (timer slack, scheduling, stalls), as fractions.
func (s *serviceTimes) lateBy(measured results.Latency, warmup int) [2]float64 {
	s.mu.Lock()
	drawn := slices.Clone(s.drawn[min(warmup, len(s.drawn)):])
	s.mu.Unlock()
	slices.Sort(drawn)
	at := func(p float64) float64 { return drawn[int(math.Ceil(p/100*float64(len(drawn))))-1] }
	return [2]float64{measured.P50/at(50) - 1, measured.P99/at(99) - 1}
}

// TestCompareRealRuns is the release-validation check made of real runs:
// three load runs of orybench at 50 requests/s for 8 s against servers on
// loopback, two of the same build and one whose slowest tenth is 20 %
// slower. compare, at its default 10 % tolerance, flags the candidate's p99
// (and only its p99) and stays quiet on the two runs of the same build.
//
// The three runs go side by side, each against its own server, so that
// whatever the shared machine does to one it does to all three at once.
// A busy 2-core machine can still stall the process for long enough that
// the runs measure the machine, not the servers: how much it added is each
// run's p50 and p99 above those of the service times its server drew for
// the same requests. When it added more than 25 %, or 5 points more to one
// run's p50 (or p99) than to another's, the three are run again, up to
// three times within about 30 s, and the test is skipped, saying so, only
// when every attempt was that noisy (on CI, CI=true, it fails instead). About 17 s, 30 s when the first attempt is noisy, at most
// about a minute.
func TestCompareRealRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("three 8 s load runs side by side")
	}
	dir := t.TempDir()
	if d := os.Getenv("ORYBENCH_COMPARE_KEEP"); d != "" { // keep the runs to look at them
		dir = d
	}
	runs := []struct {
		name string
		tail float64
	}{{"baseline", 1}, {"candidate", 1.2}, {"baseline-again", 1}}
	// round runs the three side by side for d and returns how late each
	// was at p50 and at p99.
	round := func(attempt int, d, prefix string) [2][]float64 {
		var late [2][]float64
		late[0], late[1] = make([]float64, len(runs)), make([]float64, len(runs))
		var wg sync.WaitGroup
		for i, r := range runs {
			wg.Go(func() {
				s := &serviceTimes{seed: uint64(10*attempt + i), tail: r.tail}
				srv := httptest.NewServer(s)
				defer srv.Close()
				out := filepath.Join(dir, prefix+r.name)
				var stdout, stderr bytes.Buffer
				code := run(context.Background(), []string{"load", "--url", srv.URL + "/", "--rate", "50", "--duration", d,
					"--warmup", "1s", "--out", out}, &stdout, &stderr)
				if code != exitOK {
					t.Errorf("load %s: exit %d\n%s%s", r.name, code, stdout.String(), stderr.String())
					return
				}
				l, err := results.ReadLoadRun(out)
				if err != nil {
					t.Error(err)
					return
				}
				by := s.lateBy(l.Summary.Latency, int(l.Summary.WarmupRequests))
				late[0][i], late[1][i] = by[0], by[1]
				t.Logf("%s%s, attempt %d: p50 %.2f ms, p99 %.2f ms: %+.1f%% and %+.1f%% on the drawn service times", prefix, r.name, attempt,
					l.Summary.Latency.P50, l.Summary.Latency.P99, 100*by[0], 100*by[1])
			})
		}
		wg.Wait()
		if t.Failed() {
			t.FailNow()
		}
		return late
	}
	// A fresh race-instrumented process is slow to start (its heap and
	// shadow memory grow): a short round that is not judged comes first.
	began := time.Now()
	round(0, "2s", "warmup-")
	for attempt := 1; ; attempt++ {
		late := round(attempt, "8s", "")
		worst := max(slices.Max(late[0]), slices.Max(late[1]))
		spread := max(slices.Max(late[0])-slices.Min(late[0]), slices.Max(late[1])-slices.Min(late[1]))
		if worst <= 0.25 && spread <= 0.05 {
			break
		}
		if attempt == 3 || time.Since(began) > 30*time.Second {
			ci.SkipLocally(t, "in %d attempts the machine added up to %.1f%% to the service times, %.1f points more to one run than to another: too noisy to compare runs",
				attempt, 100*worst, 100*spread)
		}
	}
	base, cand, same := filepath.Join(dir, "baseline"), filepath.Join(dir, "candidate"), filepath.Join(dir, "baseline-again")

	compare := func(b, c string) (int, *results.Comparison, string) {
		t.Helper()
		out := filepath.Join(dir, "compare-"+filepath.Base(c))
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{"compare", "--out", out, b, c}, &stdout, &stderr)
		data, err := os.ReadFile(filepath.Join(out, results.ComparisonFile))
		if err != nil {
			t.Fatalf("compare %s: exit %d, %v\n%s", c, code, err, stderr.String())
		}
		var cmp results.Comparison
		if err := json.Unmarshal(data, &cmp); err != nil {
			t.Fatal(err)
		}
		for _, s := range cmp.Steps {
			for _, m := range s.Metrics {
				t.Logf("%s vs %s: %s %s %.2f → %.2f ms, %+.1f%% [%+.1f%%, %+.1f%%] %s", filepath.Base(b), filepath.Base(c),
					s.Step, m.Name, m.Baseline, m.Candidate, 100*m.Rel, 100*m.Lo, 100*m.Hi, m.Verdict)
			}
		}
		for _, name := range []string{reports.CompareHTMLFile, reports.CompareMarkdownFile} {
			if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v", name, err)
			}
		}
		return code, &cmp, stdout.String()
	}
	verdicts := func(c *results.Comparison) map[string]string {
		v := map[string]string{}
		for _, s := range c.Steps {
			if s.NotJudged != "" {
				t.Errorf("step %s not judged: %s", s.Step, s.NotJudged)
			}
			for _, m := range s.Metrics {
				v[m.Name] = m.Verdict
			}
		}
		return v
	}

	code, cmp, md := compare(base, cand)
	if code != exitFailed {
		t.Errorf("20 %% slower tail: exit %d, want %d\n%s", code, exitFailed, md)
	}
	v := verdicts(cmp)
	if v["p99"] != results.Regressed {
		t.Errorf("20 %% slower tail: p99 %s, want %s", v["p99"], results.Regressed)
	}
	if v["p50"] == results.Regressed {
		t.Errorf("20 %% slower tail: p50 flagged, but the tail alone changed")
	}
	if !strings.Contains(md, "REGRESSED") {
		t.Errorf("the Markdown does not say so:\n%s", md)
	}

	code, cmp, md = compare(base, same)
	if code != exitOK {
		t.Errorf("same build twice: exit %d, want %d\n%s", code, exitOK, md)
	}
	for name, verdict := range verdicts(cmp) {
		if verdict == results.Regressed || verdict == results.Improved {
			t.Errorf("same build twice: %s %s", name, verdict)
		}
	}
	if cmp.Verdict.JudgedSteps != 1 {
		t.Errorf("judged %d steps, want 1", cmp.Verdict.JudgedSteps)
	}
}

func TestCompareBadInput(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"compare", "../../reports/testdata/load-whoami"}, "two directories"},
		{[]string{"compare", filepath.Join(empty, "missing"), "../../reports/testdata/load-whoami"}, "baseline"},
		{[]string{"compare", "../../reports/testdata/load-whoami", empty}, "candidate"},
		{[]string{"compare", "../../reports/testdata/conformance", "../../reports/testdata/load-whoami"}, "nothing comparable"},
		{[]string{"compare", "--tolerance", "ten", "../../reports/testdata/load-whoami", "../../reports/testdata/load-whoami"}, "--tolerance"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d", tc.args, code, exitUsage)
		}
		msg := stderr.String()
		if !strings.Contains(msg, tc.want) || strings.Count(strings.TrimSpace(msg), "\n") > 0 {
			t.Errorf("%q: stderr %q, want one line naming %q", tc.args, msg, tc.want)
		}
	}
}

func TestParseTolerance(t *testing.T) {
	for in, want := range map[string]float64{"10%": 0.1, "0.1": 0.1, " 5 % ": 0.05, "25%": 0.25} {
		if got, err := parseTolerance(in); err != nil || math.Abs(got-want) > 1e-12 {
			t.Errorf("parseTolerance(%q) = %g, %v; want %g", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-5%", "ten", "1000%"} {
		if _, err := parseTolerance(in); err == nil {
			t.Errorf("parseTolerance(%q) accepted", in)
		}
	}
}
