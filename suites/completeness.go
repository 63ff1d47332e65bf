package suites

import (
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/orybench/orybench/results"
)

// completeness is what Ginkgo's report says of how complete the run was:
// why it ended early, if it did (Ctrl-C, SIGTERM, the suite's timeout: the
// suite's special failure reasons), its label filter and how many specs
// that selected. The cases run are counted as they are read.
func completeness(r types.Report) results.Completeness {
	return results.Completeness{
		Interrupted:   strings.Join(r.SpecialSuiteFailureReasons, "; "),
		LabelFilter:   r.SuiteConfig.LabelFilter,
		CasesTotal:    r.PreRunStats.TotalSpecs,
		CasesSelected: r.PreRunStats.SpecsThatWillRun,
	}
}

// labelSelector reports whether the run's label filter selected a spec, as
// Ginkgo decided it: Ginkgo skips the specs it leaves out and those an
// ended run never reached alike, with no message.
func labelSelector(labelFilter string) func(types.SpecReport) bool {
	filter, err := types.ParseLabelFilter(labelFilter)
	if err != nil || labelFilter == "" {
		// Run checked the filter before it ran; none selects every spec.
		return func(types.SpecReport) bool { return true }
	}
	return func(s types.SpecReport) bool { return filter(s.Labels()) }
}

// notRunReason is the reason of a case Ginkgo skipped without a message:
// filtered out, or selected but not reached.
func notRunReason(selected bool, c results.Completeness) string {
	switch {
	case !selected:
		return results.FilteredOut
	case c.Interrupted != "":
		return results.NotReached + " (" + c.Interrupted + ")"
	}
	return results.NotReached
}

// cutShort reports whether a spec did not run to a verdict of its own:
// the label filter left it out, the run ended before it or during it
// (Ginkgo's skip without a message, its interrupted or aborted states, or
// the suite's skip of a case it stopped).
func cutShort(s types.SpecReport) bool {
	switch {
	case s.State.Is(types.SpecStateInterrupted | types.SpecStateAborted):
		return true
	case s.State == types.SpecStateSkipped:
		msg := strings.TrimSpace(s.Failure.Message)
		return msg == "" || strings.HasPrefix(msg, "interrupted before it finished") || strings.HasPrefix(msg, "not run: the run was interrupted")
	}
	return false
}
