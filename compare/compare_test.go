package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/orybench/orybench/results"
)

// synthLoad is a load run written by hand: each step's latency drawn per
// request from a lognormal around its median (ms), at rate requests a
// second for seconds seconds. It writes summary.json, timeseries.jsonl and,
// with results, results.bin, as orybench load does.
type synthLoad struct {
	scenario string
	rate     float64
	seconds  int
	medians  map[string]float64 // step → median latency
	results  bool
	seed     uint64
	errors   float64 // the fraction of requests that failed
	server   *results.ServerView
}

func (s synthLoad) write(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(s.seed, 1))
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var names []string
	for name := range s.medians {
		names = append(names, name)
	}
	slices.Sort(names)
	var (
		res    bytes.Buffer
		enc    = vegeta.NewEncoder(&res)
		series bytes.Buffer
		n      = int(s.rate)
	)
	sum := results.LoadSummary{Scenario: s.scenario, DurationS: float64(s.seconds), Rate: results.RateSummary{Requested: s.rate, Achieved: s.rate}}
	for sec := range s.seconds {
		var all []float64
		for i := range n {
			step := names[i%len(names)]
			ms := s.medians[step] * math.Exp(0.2*rng.NormFloat64())
			all = append(all, ms)
			sent := t0.Add(time.Duration(sec)*time.Second + time.Duration(i)*time.Second/time.Duration(n))
			if err := enc.Encode(&vegeta.Result{Attack: step, Seq: uint64(sec*n + i), Code: 200, Timestamp: sent,
				Latency: time.Duration(ms * float64(time.Millisecond))}); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(all)
		fmt.Fprintf(&series, `{"t":%d,"requests":%d,"errors":0,"rate_limited":0,"p50_ms":%g,"p99_ms":%g,"max_ms":%g,"status_codes":{"200":%d}}`+"\n",
			sec, n, nearestRank(all, 50), nearestRank(all, 99), all[len(all)-1], n)
	}
	for _, name := range names {
		sum.Steps = append(sum.Steps, results.StepSummary{Name: name, Requests: uint64(n * s.seconds / len(names)),
			Latency: results.Latency{P50: s.medians[name], P99: s.medians[name] * 1.6}})
	}
	sum.Requests = uint64(n * s.seconds)
	sum.Errors.Total = uint64(s.errors * float64(sum.Requests))
	sum.Server = s.server
	data, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{results.LoadSummaryFile: data, results.SeriesFile: series.Bytes()}
	if s.results {
		files[results.RequestsFile] = res.Bytes()
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func compareDirs(t *testing.T, base, cand string) *results.Comparison {
	t.Helper()
	c, err := Dirs(base, cand, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func verdictsOf(c *results.Comparison) map[string]string {
	v := map[string]string{}
	for _, s := range c.Steps {
		for _, m := range s.Metrics {
			v[s.Step+" "+m.Name] = m.Verdict
		}
		if s.NotJudged != "" {
			v[s.Step] = "not judged: " + s.NotJudged
		}
	}
	return v
}

func TestCompareContract(t *testing.T) {
	c := compareDirs(t, "../reports/testdata/conformance", "../reports/testdata/conformance-failing")
	if c.Contract == nil {
		t.Fatal("no contract diff")
	}
	if got := len(c.Contract.Changes); got != 5 {
		t.Fatalf("%d changes, want 5: %+v", got, c.Contract.Changes)
	}
	want := []struct {
		op       string
		status   int
		from, to string
	}{
		{"toSession", 401, results.Passed, results.Failed},
		{"updateLoginFlow", 200, results.ExpectedFailure, results.Failed},
		{"updateLoginFlow", 200, results.ExpectedFailure, results.Failed},
		{"updateLoginFlow", 200, results.ExpectedFailure, results.Failed},
		{"updateLogoutFlow", 403, results.Passed, results.Failed},
	}
	for i, w := range want {
		got := c.Contract.Changes[i]
		if got.Operation != w.op || got.Status != w.status || got.From != w.from || got.To != w.to || !got.Regression {
			t.Errorf("change %d = %+v, want %+v, a regression", i, got, w)
		}
	}
	if !c.Regressed() || c.Verdict.ContractRegressions != 5 {
		t.Errorf("verdict %+v, want 5 contract regressions", c.Verdict)
	}

	// The other way round: fixed cases are changes, not regressions.
	c = compareDirs(t, "../reports/testdata/conformance-failing", "../reports/testdata/conformance")
	if len(c.Contract.Changes) != 5 || c.Regressed() {
		t.Errorf("fixes: %d changes, regressed %v", len(c.Contract.Changes), c.Regressed())
	}
	for _, ch := range c.Contract.Changes {
		if ch.From != results.Failed || ch.Regression {
			t.Errorf("fix %+v", ch)
		}
	}

	c = compareDirs(t, "../reports/testdata/conformance", "../reports/testdata/conformance")
	if len(c.Contract.Changes) != 0 || c.Regressed() {
		t.Errorf("a run against itself: %+v", c.Contract.Changes)
	}
}

func TestCompareContractCasesOnOneSide(t *testing.T) {
	b := &results.Conformance{Cases: []results.Case{
		{Operation: "toSession", Status: 200, Client: "native", Name: "a", Outcome: results.Passed},
		{Operation: "toSession", Status: 401, Client: "native", Name: "gone", Outcome: results.Passed},
		{Operation: "toSession", Status: 401, Client: "native", Name: "twice", Outcome: results.Passed},
		{Operation: "toSession", Status: 401, Client: "native", Name: "twice", Outcome: results.Passed},
	}}
	c := &results.Conformance{Cases: []results.Case{
		{Operation: "toSession", Status: 200, Client: "native", Name: "a", Outcome: results.Skipped, Reason: "requires:password"},
		{Operation: "toSession", Status: 401, Client: "native", Name: "twice", Outcome: results.Passed},
		{Operation: "toSession", Status: 401, Client: "native", Name: "twice", Outcome: results.Failed},
		{Operation: "toSession", Status: 403, Client: "native", Name: "new", Outcome: results.Failed},
	}}
	d := diffContract(b, c)
	got := map[string]string{}
	for _, ch := range d.Changes {
		got[fmt.Sprintf("%d %s", ch.Status, ch.Name)] = fmt.Sprintf("%s→%s %v", ch.From, ch.To, ch.Regression)
	}
	want := map[string]string{
		"200 a":     "passed→skipped false",
		"401 gone":  "passed→absent false",
		"401 twice": "passed→failed true",
		"403 new":   "absent→failed true",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes %v, want %v", got, want)
	}
}

func TestCompareLatency(t *testing.T) {
	dir := t.TempDir()
	run := func(name string, seed uint64, median float64, rate float64) string {
		p := filepath.Join(dir, name)
		synthLoad{scenario: "whoami", rate: rate, seconds: 20, medians: map[string]float64{"whoami": median}, seed: seed}.write(t, p)
		return p
	}
	base := run("base", 1, 20, 200)
	for _, tc := range []struct {
		name           string
		cand           string
		wantP50        string
		wantRegressed  bool
		wantNotJudged  bool
		wantComparable bool
	}{
		{"same", run("same", 2, 20, 200), results.NotSignificant, false, false, true},
		{"slower", run("slower", 3, 26, 200), results.Regressed, true, false, true},
		{"faster", run("faster", 4, 14, 200), results.Improved, false, false, true},
		{"slightly", run("slightly", 5, 21, 200), "", false, false, true},
		{"other rate", run("other-rate", 6, 20, 100), "", false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Dirs(base, tc.cand, Options{})
			if !tc.wantComparable {
				if !errors.Is(err, ErrNothingComparable) || !strings.Contains(err.Error(), "requested rates differ") {
					t.Errorf("err = %v, want %v naming the rates", err, ErrNothingComparable)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			v := verdictsOf(c)
			if tc.wantP50 != "" && v["whoami p50"] != tc.wantP50 {
				t.Errorf("p50 %q, want %q (%v)", v["whoami p50"], tc.wantP50, c.Steps[0].Metrics)
			}
			if v["whoami p50"] == results.Regressed && tc.name == "slightly" {
				t.Errorf("a 5 %% change is flagged at a 10 %% tolerance")
			}
			if c.Regressed() != tc.wantRegressed {
				t.Errorf("regressed %v, want %v: %v", c.Regressed(), tc.wantRegressed, v)
			}
			s := c.Steps[0]
			if s.Step != "whoami" || s.Source != results.SeriesFile || c.Verdict.JudgedSteps != 1 {
				t.Errorf("step %q from %q, judged %d", s.Step, s.Source, c.Verdict.JudgedSteps)
			}
			// The last second is complete in these runs; every second counts.
			if m := s.Metrics[0]; m.Points != [2]int{20, 20} {
				t.Errorf("points %v, want 20 each", m.Points)
			}
		})
	}
}

func TestCompareNotesErrors(t *testing.T) {
	dir := t.TempDir()
	base, cand := filepath.Join(dir, "base"), filepath.Join(dir, "cand")
	synthLoad{scenario: "whoami", rate: 100, seconds: 10, medians: map[string]float64{"whoami": 20}, seed: 1}.write(t, base)
	synthLoad{scenario: "whoami", rate: 100, seconds: 10, medians: map[string]float64{"whoami": 20}, seed: 2, errors: 0.3}.write(t, cand)
	c := compareDirs(t, base, cand)
	if notes := strings.Join(c.Steps[0].Notes, "\n"); !strings.Contains(notes, "the candidate's error rate is 30% (the baseline's 0%)") {
		t.Errorf("no note of the errors:\n%s", notes)
	}
}

func TestCompareStepsFromResults(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, seed uint64, slow float64, results bool) string {
		p := filepath.Join(dir, name, "load-mixed")
		synthLoad{scenario: "mixed", rate: 300, seconds: 12, medians: map[string]float64{"fast": 5, "slow": slow},
			seed: seed, results: results}.write(t, p)
		return filepath.Dir(p)
	}
	base := write("base", 1, 50, true)
	cand := write("cand", 2, 65, true)
	c := compareDirs(t, base, cand)
	v := verdictsOf(c)
	for key, want := range map[string]string{"slow p50": results.Regressed, "slow p99": results.Regressed, "fast p50": results.NotSignificant} {
		if v[key] != want {
			t.Errorf("%s: %q, want %q (all: %v)", key, v[key], want, v)
		}
	}
	if _, ok := v[results.AllSteps+" p50"]; !ok {
		t.Errorf("no overall comparison: %v", v)
	}
	if c.Verdict.JudgedSteps != 3 {
		t.Errorf("judged %d steps, want 3 (fast, slow, all)", c.Verdict.JudgedSteps)
	}

	// Without results.bin the steps are named, not judged; the run as a
	// whole still is.
	c = compareDirs(t, base, write("cand-without", 2, 65, false))
	v = verdictsOf(c)
	if !strings.Contains(v["slow"], "candidate run kept no results.bin") || v[results.AllSteps+" p50"] == "" {
		t.Errorf("verdicts %v", v)
	}
}

func TestComparePairsByDirectory(t *testing.T) {
	dir := t.TempDir()
	for _, side := range []string{"a", "b"} {
		for i, name := range []string{"whoami-100", "whoami-200", "only-" + side} {
			synthLoad{scenario: "whoami", rate: 100, seconds: 8, medians: map[string]float64{"whoami": 10}, seed: uint64(i)}.
				write(t, filepath.Join(dir, side, name))
		}
	}
	c := compareDirs(t, filepath.Join(dir, "a"), filepath.Join(dir, "b"))
	var runs []string
	for _, s := range c.Steps {
		runs = append(runs, s.Run)
	}
	if got := strings.Join(runs, ", "); got != "whoami (whoami-100), whoami (whoami-200)" {
		t.Errorf("pairs %s", got)
	}
	notes := strings.Join(c.Notes, "\n")
	for _, want := range []string{"(only-a) is only in the baseline", "(only-b) is only in the candidate"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
}

func TestCompareBadInput(t *testing.T) {
	if _, err := Dirs(filepath.Join(t.TempDir(), "missing"), "../reports/testdata/load-whoami", Options{}); err == nil || !strings.HasPrefix(err.Error(), "baseline: ") {
		t.Errorf("missing baseline: %v", err)
	}
	if _, err := Dirs("../reports/testdata/load-whoami", t.TempDir(), Options{}); !errors.Is(err, results.ErrNoResults) || !strings.HasPrefix(err.Error(), "candidate: ") {
		t.Errorf("empty candidate: %v", err)
	}
	_, err := Dirs("../reports/testdata/conformance", "../reports/testdata/load-whoami", Options{})
	if !errors.Is(err, ErrNothingComparable) {
		t.Errorf("conformance against load: %v", err)
	}
}

// withContract copies the conformance run in dir into a new directory,
// recorded as judged against c.
func withContract(t *testing.T, dir string, c *results.Contract) string {
	t.Helper()
	conf, err := results.ReadConformance(filepath.Join(dir, results.ConformanceFile))
	if err != nil {
		t.Fatal(err)
	}
	conf.Contract = c
	out := t.TempDir()
	if _, err := conf.Write(out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCompareContracts(t *testing.T) {
	kratos := &results.Contract{Name: "kratos-v1.3.1", SHA256: "aa"}
	network := &results.Contract{Name: "network-v1.22.92", SHA256: "bb"}
	base := withContract(t, "../reports/testdata/conformance", kratos)
	cand := withContract(t, "../reports/testdata/conformance", network)

	c := compareDirs(t, base, cand)
	if c.Baseline.Contract.Name != "kratos-v1.3.1" || c.Candidate.Contract.Name != "network-v1.22.92" {
		t.Errorf("sides' contracts: %v, %v", c.Baseline.Contract, c.Candidate.Contract)
	}
	if !slices.ContainsFunc(c.Notes, func(n string) bool {
		return strings.HasPrefix(n, "the sides were judged against different contracts (baseline kratos-v1.3.1, candidate network-v1.22.92)")
	}) {
		t.Errorf("no note of the different contracts: %q", c.Notes)
	}

	_, err := Dirs(base, cand, Options{Contract: kratos})
	if !errors.Is(err, results.ErrOtherContract) || !strings.Contains(err.Error(), "network-v1.22.92, not kratos-v1.3.1") {
		t.Errorf("--contract kratos with a network candidate: %v", err)
	}
	if _, err := Dirs(base, base, Options{Contract: kratos}); err != nil {
		t.Errorf("both sides judged against kratos: %v", err)
	}
}

// A candidate that did not check what the baseline did gives no verdict:
// an interrupted conformance run, one filtered otherwise than the
// baseline, a load run stopped early. A filter both sides share, and a
// load run stopped by a breached threshold, are judged.
func TestCompareIncompleteCandidate(t *testing.T) {
	side := func(comp *results.Completeness, stopped string) string {
		dir := t.TempDir()
		c := &results.Conformance{Completeness: comp, Pairs: []results.Pair{{Operation: "toSession", Status: 200, Outcome: results.Passed}},
			Cases: []results.Case{{Operation: "toSession", Status: 200, Client: "native", Name: "a", Outcome: results.Passed}}}
		if _, err := c.Write(dir); err != nil {
			t.Fatal(err)
		}
		if stopped != "" {
			s := &results.LoadSummary{Scenario: "whoami", Passed: stopped != results.StoppedBreached, Stopped: stopped}
			if _, err := s.Write(dir); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	full := &results.Completeness{CasesTotal: 3, CasesSelected: 3, CasesRun: 3}
	filtered := func(f string) *results.Completeness {
		return &results.Completeness{LabelFilter: f, CasesTotal: 3, CasesSelected: 1, CasesRun: 1}
	}
	for _, tc := range []struct {
		name            string
		base, candidate string
		want            string // in the error; "" for a verdict
	}{
		{"complete", side(full, ""), side(full, ""), ""},
		{"interrupted", side(full, ""), side(&results.Completeness{Interrupted: "Interrupted by User", CasesTotal: 3, CasesSelected: 3, CasesRun: 1}, ""),
			"conformance interrupted (Interrupted by User); 2 of 3 selected cases not run"},
		{"filtered, baseline not", side(full, ""), side(filtered("op:toSession"), ""), `label-filtered by "op:toSession", the baseline by ""`},
		{"filtered otherwise", side(filtered("op:a"), ""), side(filtered("op:toSession"), ""), `label-filtered by "op:toSession", the baseline by "op:a"`},
		{"filtered alike", side(filtered("op:toSession"), ""), side(filtered("op:toSession"), ""), ""},
		{"load interrupted", side(full, ""), side(full, results.StoppedInterrupted), "load whoami"},
		{"load stopped by a breach", side(full, ""), side(full, results.StoppedBreached), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Dirs(tc.base, tc.candidate, Options{})
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("no verdict: %v", err)
			case tc.want != "" && (!errors.Is(err, ErrIncompleteCandidate) || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want ErrIncompleteCandidate saying %q", err, tc.want)
			}
		})
	}
}
