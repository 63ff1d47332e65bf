package results

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestVerdicts(t *testing.T) {
	passed := []Case{{Operation: "toSession", Status: 200, Outcome: Passed}}
	failed := []Case{{Operation: "toSession", Status: 200, Outcome: Failed}}
	for _, tc := range []struct {
		name string
		run  interface {
			Verdict() Verdict
			Incomplete() string
		}
		want           Verdict
		wantIncomplete string // a part of the reason, "" for none
	}{
		{"conformance of an old file", conf(passed, nil), VerdictPassed, ""},
		{"conformance complete", conf(passed, &Completeness{CasesTotal: 3, CasesSelected: 3, CasesRun: 3}), VerdictPassed, ""},
		{"conformance interrupted", conf(passed, &Completeness{Interrupted: "interrupted: context canceled", CasesTotal: 3, CasesSelected: 3, CasesRun: 1}), VerdictIncomplete, "interrupted (interrupted: context canceled); 2 of 3 selected cases not run"},
		{"conformance filtered", conf(passed, &Completeness{LabelFilter: "op:toSession", CasesTotal: 3, CasesSelected: 1, CasesRun: 1}), VerdictIncomplete, `1 of 3 cases selected by --label-filter "op:toSession"`},
		{"conformance filtered that selects all", conf(passed, &Completeness{LabelFilter: "op:toSession", CasesTotal: 1, CasesSelected: 1, CasesRun: 1}), VerdictPassed, ""},
		{"conformance interrupted with a failure", conf(failed, &Completeness{Interrupted: "x", CasesSelected: 3, CasesRun: 1}), VerdictFailed, "interrupted (x)"},
		{"load ran its course", (&LoadSummary{Passed: true}), VerdictPassed, ""},
		{"load interrupted", (&LoadSummary{Passed: true, Stopped: StoppedInterrupted}), VerdictIncomplete, "stopped early: interrupted"},
		{"load target down", (&LoadSummary{Passed: true, Stopped: StoppedTargetDown}), VerdictIncomplete, "target down"},
		{"load stopped by a breach", (&LoadSummary{Passed: false, Stopped: StoppedBreached}), VerdictFailed, ""},
		{"merge of a breached and an interrupted shard", (&LoadSummary{Passed: true, Stopped: "shard 1/2 threshold breached; shard 2/2 interrupted"}), VerdictIncomplete, "shard 2/2 interrupted"},
		{"merge of breached shards", (&LoadSummary{Stopped: "shard 1/2 threshold breached; shard 2/2 threshold breached"}), VerdictFailed, ""},
		{"capacity found", (&CapacityResult{Found: true, Ended: EndBracketed}), VerdictPassed, ""},
		{"capacity none found", (&CapacityResult{Ended: EndMinRate}), VerdictFailed, ""},
		{"capacity interrupted, found", (&CapacityResult{Found: true, Ended: EndInterrupted}), VerdictIncomplete, "interrupted"},
		{"capacity interrupted, none found", (&CapacityResult{Ended: EndInterrupted}), VerdictIncomplete, "interrupted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.run.Verdict(); got != tc.want {
				t.Errorf("verdict %q, want %q", got, tc.want)
			}
			got := tc.run.Incomplete()
			if (got == "") != (tc.wantIncomplete == "") || !strings.Contains(got, tc.wantIncomplete) {
				t.Errorf("incomplete %q, want it to say %q", got, tc.wantIncomplete)
			}
		})
	}
}

func conf(cases []Case, c *Completeness) *Conformance {
	k := &Conformance{Cases: cases, Completeness: c}
	k.Pairs, k.Coverage = JudgePairs([]Pair{{Operation: "toSession", Status: 200}}, cases)
	return k
}

func TestWorst(t *testing.T) {
	for _, tc := range []struct {
		in   []Verdict
		want Verdict
	}{
		{nil, VerdictPassed},
		{[]Verdict{VerdictPassed, VerdictIncomplete}, VerdictIncomplete},
		{[]Verdict{VerdictIncomplete, VerdictFailed, VerdictPassed}, VerdictFailed},
	} {
		if got := Worst(tc.in...); got != tc.want {
			t.Errorf("Worst(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A pair whose every case the filter left out says so; a pair with a case
// skipped for a reason of its own says that reason, not the filter.
func TestJudgePairsFilteredOut(t *testing.T) {
	pairs, cov := JudgePairs([]Pair{{Operation: "a", Status: 200}, {Operation: "b", Status: 200}}, []Case{
		{Operation: "a", Status: 200, Outcome: Skipped, Reason: FilteredOut},
		{Operation: "a", Status: 200, Outcome: Skipped, Reason: FilteredOut},
		{Operation: "b", Status: 200, Outcome: Skipped, Reason: FilteredOut},
		{Operation: "b", Status: 200, Outcome: Skipped, Reason: "target lacks capability totp: declared absent"},
	})
	if pairs[0].Reason != FilteredOut || pairs[1].Reason != "target lacks capability totp: declared absent" || cov.SkippedPairs != 2 {
		t.Errorf("pairs %+v, coverage %+v", pairs, cov)
	}
}

func TestLostPairsAndGate(t *testing.T) {
	baseline := &Conformance{Pairs: []Pair{
		{Operation: "a", Status: 200, Outcome: Passed},
		{Operation: "b", Status: 200, Outcome: Deviating},
		{Operation: "c", Status: 200, Outcome: Passed},
		{Operation: "d", Status: 200, Outcome: Passed},
		{Operation: "e", Status: 200, Outcome: Skipped},
		{Operation: "f", Status: 200, Outcome: Passed},
	}}
	now := &Conformance{Pairs: []Pair{
		{Operation: "a", Status: 200, Outcome: Passed},
		{Operation: "b", Status: 200, Outcome: Skipped, Reason: "the target rate-limited orybench"},
		{Operation: "c", Status: 200, Outcome: Skipped, Reason: FilteredOut},
		{Operation: "d", Status: 200, Outcome: Failed, Reason: "a failure, not a loss"},
		{Operation: "e", Status: 200, Outcome: Skipped},
	}, Coverage: Coverage{PassedPairs: 1}}
	lost := LostPairs(baseline.Pairs, now.Pairs)
	var got []string
	for _, p := range lost {
		got = append(got, p.String())
	}
	want := []string{
		"b 200 (skipped, was deviating: the target rate-limited orybench)",
		"c 200 (skipped, was passed: " + FilteredOut + ")",
		"f 200 (absent, was passed: not a pair of the candidate's contract)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lost pairs\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	for _, tc := range []struct {
		name string
		gate CoverageGate
		want []string // parts of the error; none for no error
	}{
		{"no gate", CoverageGate{}, nil},
		{"baseline", CoverageGate{Baseline: baseline}, append([]string{"3 pairs judged in the baseline are not now"}, want...)},
		{"enough pairs", CoverageGate{RequirePairs: 1}, nil},
		{"too few pairs", CoverageGate{RequirePairs: 2}, []string{"1 pairs passed or deviated, fewer than the 2 required", "1 pairs " + FilteredOut, "2 skipped: b 200 (the target rate-limited orybench); e 200 ()"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.gate.Check(now)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrCoverage) {
				t.Fatalf("error %v, want ErrCoverage", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is more than one line: %q", err)
			}
		})
	}

	// A run that checked nothing never passes, gate or no gate.
	skipped := &Conformance{Pairs: []Pair{{Operation: "b", Status: 200, Outcome: Skipped, Reason: "the target rate-limited orybench"}}}
	if err := (CoverageGate{}).Check(skipped); !errors.Is(err, ErrCoverage) || !strings.Contains(err.Error(), "no pair passed or deviated: the run checked nothing; 1 skipped: b 200 (the target rate-limited orybench)") {
		t.Errorf("a run whose every case was skipped: %v, want the coverage gate to fail it", err)
	}
}

// A conformance.json written before completeness was recorded reads, and
// counts as complete.
func TestOldConformanceIsComplete(t *testing.T) {
	c, err := ReadConformance(filepath.Join("testdata", "unversioned", "conformance", ConformanceFile))
	if err != nil {
		t.Fatal(err)
	}
	if c.Completeness != nil || c.Incomplete() != "" {
		t.Errorf("completeness %+v, incomplete %q", c.Completeness, c.Incomplete())
	}
}
