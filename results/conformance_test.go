package results

import "testing"

func TestJudgePairsRanksSetupFailures(t *testing.T) {
	c := func(outcome string) Case {
		return Case{Operation: "updateLoginFlow", Status: 303, Name: "case " + outcome, Outcome: outcome, Reason: "why " + outcome}
	}
	for _, tc := range []struct {
		name   string
		cases  []Case
		want   string
		reason string
	}{
		{"a contract failure outranks a set-up failure", []Case{c(SetupFailed), c(Failed)}, Failed, "case failed: why failed"},
		{"a set-up failure outranks a pass", []Case{c(Passed), c(SetupFailed)}, SetupFailed, "case setup-failed: why setup-failed"},
		{"a set-up failure outranks a deviation", []Case{c(ExpectedFailure), c(SetupFailed)}, SetupFailed, "case setup-failed: why setup-failed"},
		{"a set-up failure outranks a skip", []Case{c(Skipped), c(SetupFailed)}, SetupFailed, "case setup-failed: why setup-failed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pairs, cov := JudgePairs([]Pair{{Operation: "updateLoginFlow", Status: 303}}, tc.cases)
			if got := pairs[0]; got.Outcome != tc.want || got.Reason != tc.reason {
				t.Errorf("pair %s (%q), want %s (%q)", got.Outcome, got.Reason, tc.want, tc.reason)
			}
			want := Coverage{DocumentedPairs: 1}
			if tc.want == Failed {
				want.FailedPairs = 1
			} else {
				want.SetupFailedPairs = 1
			}
			if cov != want {
				t.Errorf("coverage %+v, want %+v", cov, want)
			}
			conf := &Conformance{Cases: tc.cases, Pairs: pairs, Coverage: cov}
			if !conf.Failed() {
				t.Error("Failed() = false for a run with a failed case")
			}
		})
	}
}

func TestSetupFailedCaseFailsTheRun(t *testing.T) {
	conf := &Conformance{Cases: []Case{{Outcome: Passed}, {Outcome: SetupFailed}, {Outcome: SetupFailed}}}
	if !conf.Failed() || conf.SetupFailedCases() != 2 || conf.FailedCases() != 0 {
		t.Errorf("Failed() %t, %d set-up failed, %d failed; want true, 2, 0", conf.Failed(), conf.SetupFailedCases(), conf.FailedCases())
	}
	if (&Conformance{Cases: []Case{{Outcome: Passed}, {Outcome: ExpectedFailure}}}).Failed() {
		t.Error("a run with no failure Failed()")
	}
}
