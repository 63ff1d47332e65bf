package reports

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// matrixMark is how a pair's outcome reads in a terminal: text, not colour.
var matrixMark = map[string]string{
	Passed:        "pass",
	Deviating:     "dev",
	Failed:        "FAIL",
	Skipped:       "skip",
	Untriggerable: "n/a",
}

// WriteMatrix prints the operation × status coverage matrix, then every pair
// that did not pass with its reason, then the totals.
func WriteMatrix(w io.Writer, c *Conformance) error {
	statusSet := map[int]bool{}
	ops := map[string]map[int]Pair{}
	for _, p := range c.Pairs {
		statusSet[p.Status] = true
		if ops[p.Operation] == nil {
			ops[p.Operation] = map[int]Pair{}
		}
		ops[p.Operation][p.Status] = p
	}
	var statuses []int
	for s := range statusSet {
		statuses = append(statuses, s)
	}
	sort.Ints(statuses)
	var names []string
	for op := range ops {
		names = append(names, op)
	}
	sort.Strings(names)

	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	header := []string{"operation"}
	for _, s := range statuses {
		header = append(header, strconv.Itoa(s))
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, op := range names {
		row := []string{op}
		for _, s := range statuses {
			if p, ok := ops[op][s]; ok {
				row = append(row, matrixMark[p.Outcome])
			} else {
				row = append(row, ".")
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\npass = passed, dev = passed but for a known spec deviation, FAIL = failed, skip = not run here, n/a = untriggerable, . = not documented")

	var notes []string
	for _, p := range c.Pairs {
		if p.Outcome != Passed {
			notes = append(notes, fmt.Sprintf("  %-4s %s %d: %s", matrixMark[p.Outcome], p.Operation, p.Status, p.Reason))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(notes, "\n"))
	}
	cov := c.Coverage
	_, err := fmt.Fprintf(w, "\n%d documented pairs: %d passed, %d deviating, %d failed, %d skipped, %d untriggerable (%d cases, %.1fs)\n",
		cov.DocumentedPairs, cov.PassedPairs, cov.DeviatingPairs, cov.FailedPairs, cov.SkippedPairs, cov.UntriggerablePairs, len(c.Cases), c.DurationS)
	return err
}
