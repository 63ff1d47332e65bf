package results

import (
	"fmt"
	"strings"
)

// Completeness says how much of what a conformance run set out to check it
// checked: whether it ran to its end, which cases its label filter
// selected, and how many of those it ran. conformance.json carries it as
// "completeness"; a file written before it existed has none and reads as
// complete (as far as anyone knows).
type Completeness struct {
	// Interrupted says why the run ended before its last case (Ctrl-C,
	// SIGTERM, the suite's timeout); empty when it ran to its end.
	Interrupted string `json:"interrupted,omitempty"`
	// LabelFilter is the label filter that selected the cases; empty for
	// all of them.
	LabelFilter string `json:"label_filter,omitempty"`
	// CasesTotal counts the suite's cases, CasesSelected those the filter
	// selected and CasesRun those of them that ran to a verdict (passed,
	// failed, or skipped for a reason of their own).
	CasesTotal    int `json:"cases_total"`
	CasesSelected int `json:"cases_selected"`
	CasesRun      int `json:"cases_run"`
}

// Reasons of cases a run did not judge, for reasons of the run rather than
// of the case.
const (
	// FilteredOut is the reason of a case (and of a pair whose every case
	// was) that the label filter left out.
	FilteredOut = "filtered out by --label-filter"
	// NotReached begins the reason of a selected case the run ended
	// before.
	NotReached = "not reached: the run ended first"
)

// Filtered reports whether the label filter left cases out.
func (c Completeness) Filtered() bool {
	return c.LabelFilter != "" && c.CasesSelected < c.CasesTotal
}

// Incomplete says in one line why the run did not check everything it
// could have, "" when it did: it was interrupted, cases it selected did not
// run, or its label filter left cases out.
func (c Completeness) Incomplete() string {
	var why []string
	if c.Interrupted != "" {
		why = append(why, "interrupted ("+c.Interrupted+")")
	}
	if c.CasesRun < c.CasesSelected {
		why = append(why, fmt.Sprintf("%d of %d selected cases not run", c.CasesSelected-c.CasesRun, c.CasesSelected))
	}
	if c.Filtered() {
		why = append(why, fmt.Sprintf("%d of %d cases selected by --label-filter %q", c.CasesSelected, c.CasesTotal, c.LabelFilter))
	}
	return strings.Join(why, "; ")
}

// Incomplete says why the run did not check everything it could have, ""
// when it did or the file does not say (written before it could).
func (c *Conformance) Incomplete() string {
	if c.Completeness == nil {
		return ""
	}
	return c.Completeness.Incomplete()
}

// Ways a load run stops early (LoadSummary.Stopped).
const (
	StoppedInterrupted = "interrupted"
	StoppedTargetDown  = "target down"
	// StoppedBreached: a threshold was breached and the run was told to
	// stop on that (a verdict, not an incomplete run).
	StoppedBreached = "threshold breached"
)

// Incomplete says why the load run did not run its course, "" when it did
// or when only a breached threshold stopped it (a verdict: the run failed).
// A merge's Stopped names each shard that stopped ("shard 1/2
// interrupted; shard 2/2 threshold breached"): it is incomplete when any
// shard stopped for another reason than a breach.
func (s *LoadSummary) Incomplete() string {
	if s.Stopped == "" {
		return ""
	}
	for _, part := range strings.Split(s.Stopped, "; ") {
		if !strings.HasSuffix(part, StoppedBreached) {
			return "stopped early: " + s.Stopped
		}
	}
	return ""
}

// Incomplete says why the capacity search did not end on a verdict of its
// own, "" when it did: it was interrupted, or a run could not be judged.
func (r *CapacityResult) Incomplete() string {
	if r.Ended == EndInterrupted {
		return "the search ended interrupted: the sustainable rate is of what was measured before"
	}
	return ""
}

// Verdict is a run's overall result: passed, failed or incomplete.
type Verdict string

// The verdicts. A failure found outweighs an incomplete run: what failed,
// failed; an incomplete run that found none is not a pass.
const (
	VerdictPassed     Verdict = "passed"
	VerdictFailed     Verdict = "failed"
	VerdictIncomplete Verdict = "incomplete"
)

// Judge is the verdict of a run that failed or not, and is incomplete for
// the reason given or not ("").
func Judge(failed bool, incomplete string) Verdict {
	switch {
	case failed:
		return VerdictFailed
	case incomplete != "":
		return VerdictIncomplete
	}
	return VerdictPassed
}

// Worst is the worst of verdicts: failed, then incomplete, then passed
// (also for none).
func Worst(verdicts ...Verdict) Verdict {
	out := VerdictPassed
	for _, v := range verdicts {
		if v == VerdictFailed {
			return v
		}
		if v == VerdictIncomplete {
			out = v
		}
	}
	return out
}

// Verdict is the conformance run's verdict: failed when a case failed,
// incomplete when it did not check everything (Incomplete), else passed.
func (c *Conformance) Verdict() Verdict { return Judge(c.Failed(), c.Incomplete()) }

// Verdict is the load run's verdict: failed when a threshold was breached,
// incomplete when it stopped early otherwise, else passed.
func (s *LoadSummary) Verdict() Verdict { return Judge(!s.Passed, s.Incomplete()) }

// Verdict is the capacity search's verdict: incomplete when interrupted,
// failed when no rate held the SLO, else passed.
func (r *CapacityResult) Verdict() Verdict {
	// An interrupted search that found nothing did not fail: it stopped.
	return Judge(!r.Found && r.Incomplete() == "", r.Incomplete())
}

// Ways a fuzz run stops (Fuzz.Stopped): the two that end its budget, after
// which it is complete; any other ("interrupted", "target-unreachable: ...")
// ended it early.
const (
	FuzzStoppedDuration    = "duration"
	FuzzStoppedMaxRequests = "max-requests"
)

// Incomplete says why the fuzz run did not send its whole budget, "" when
// it did: it was interrupted or its target stopped answering.
func (f *Fuzz) Incomplete() string {
	if f.Stopped == FuzzStoppedDuration || f.Stopped == FuzzStoppedMaxRequests {
		return ""
	}
	return "stopped: " + orUnrecorded(f.Stopped)
}

// Verdict is the fuzz run's verdict: failed on a finding the allow-list
// does not accept or a stale allow-list entry (Failed), incomplete when it
// stopped before its budget, else passed.
func (f *Fuzz) Verdict() Verdict { return Judge(f.Failed(), f.Incomplete()) }

func orUnrecorded(s string) string {
	if s == "" {
		return "not recorded"
	}
	return s
}
