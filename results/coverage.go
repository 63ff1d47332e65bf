package results

import (
	"errors"
	"fmt"
	"strings"
)

// PairChange is a documented pair whose verdict got worse from a baseline
// to a candidate: it passed or deviated there, and is skipped, filtered
// out or missing (To is Absent) in the candidate.
type PairChange struct {
	Operation string `json:"operation"`
	Status    int    `json:"status"`
	From      string `json:"from"`
	To        string `json:"to"`
	// Reason is why the candidate did not judge it (its skip reason).
	Reason string `json:"reason,omitempty"`
}

func (p PairChange) String() string {
	s := fmt.Sprintf("%s %d (%s, was %s", p.Operation, p.Status, p.To, p.From)
	if p.Reason != "" {
		s += ": " + p.Reason
	}
	return s + ")"
}

// Judged reports whether a pair's outcome is a verdict on the contract that
// the pair holds: passed, or passed but for a known deviation.
func Judged(outcome string) bool { return outcome == Passed || outcome == Deviating }

// LostPairs are the pairs that passed or deviated in baseline and are
// neither judged (passed, deviating) nor failed in candidate: skipped,
// filtered out, not reached, or not documented at all. A pair that fails
// in the candidate (its check or its set-up) is a failure, not a loss of
// coverage.
func LostPairs(baseline, candidate []Pair) []PairChange {
	now := make(map[[2]any]Pair, len(candidate))
	for _, p := range candidate {
		now[[2]any{p.Operation, p.Status}] = p
	}
	var out []PairChange
	for _, b := range baseline {
		if !Judged(b.Outcome) {
			continue
		}
		c, ok := now[[2]any{b.Operation, b.Status}]
		switch {
		case !ok:
			out = append(out, PairChange{Operation: b.Operation, Status: b.Status, From: b.Outcome, To: Absent,
				Reason: "not a pair of the candidate's contract"})
		case !Judged(c.Outcome) && c.Outcome != Failed && c.Outcome != SetupFailed:
			out = append(out, PairChange{Operation: b.Operation, Status: b.Status, From: b.Outcome, To: c.Outcome, Reason: c.Reason})
		}
	}
	return out
}

// ErrCoverage is returned, wrapped, by CheckCoverage when a run judged
// less than its gate asks.
var ErrCoverage = errors.New("coverage gate")

// CoverageGate is what a conformance run must judge to pass a CI gate,
// besides failing no case.
type CoverageGate struct {
	// Baseline, when set, is an earlier run of the same target: every pair
	// that passed or deviated there must pass or deviate (or fail) again.
	Baseline *Conformance
	// RequirePairs is how many pairs at least must pass or deviate. A run
	// that judged no pair at all (every case skipped) never passes, whatever
	// RequirePairs says.
	RequirePairs int
}

// Check returns an error wrapping ErrCoverage, in one line naming each pair
// and why, when c lost pairs the baseline judged or judged fewer than
// RequirePairs; nil when it passes the gate.
func (g CoverageGate) Check(c *Conformance) error {
	var errs []string
	if g.Baseline != nil {
		if lost := LostPairs(g.Baseline.Pairs, c.Pairs); len(lost) > 0 {
			names := make([]string, len(lost))
			for i, p := range lost {
				names[i] = p.String()
			}
			errs = append(errs, fmt.Sprintf("%d pairs judged in the baseline are not now: %s", len(lost), strings.Join(names, "; ")))
		}
	}
	if judged := c.Coverage.PassedPairs + c.Coverage.DeviatingPairs; judged < max(g.RequirePairs, 1) {
		var skipped []string
		filtered := 0
		for _, p := range c.Pairs {
			switch {
			case p.Outcome == Skipped && p.Reason == FilteredOut:
				filtered++
			case p.Outcome == Skipped:
				skipped = append(skipped, fmt.Sprintf("%s %d (%s)", p.Operation, p.Status, p.Reason))
			}
		}
		msg := fmt.Sprintf("%d pairs passed or deviated, fewer than the %d required", judged, g.RequirePairs)
		if judged == 0 {
			msg = "no pair passed or deviated: the run checked nothing"
		}
		if filtered > 0 {
			msg += fmt.Sprintf("; %d pairs %s", filtered, FilteredOut)
		}
		if len(skipped) > 0 {
			msg += fmt.Sprintf("; %d skipped: %s", len(skipped), strings.Join(skipped, "; "))
		}
		errs = append(errs, msg)
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrCoverage, strings.Join(errs, "; and "))
}
