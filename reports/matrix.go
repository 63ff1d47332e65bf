package reports

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/orybench/orybench/results"
)

// matrixMark is how a pair's outcome reads in a terminal: text, not colour.
var matrixMark = map[string]string{
	results.Passed:        "pass",
	results.Deviating:     "dev",
	results.Failed:        "FAIL",
	results.SetupFailed:   "SETUP",
	results.Skipped:       "skip",
	results.Untriggerable: "n/a",
}

// matrix is the operation × status grid of a conformance run's pairs.
type matrix struct {
	statuses []int
	ops      []string
	pairs    map[string]map[int]results.Pair
}

func newMatrix(c *results.Conformance) matrix {
	m := matrix{pairs: map[string]map[int]results.Pair{}}
	statusSet := map[int]bool{}
	for _, p := range c.Pairs {
		statusSet[p.Status] = true
		if m.pairs[p.Operation] == nil {
			m.pairs[p.Operation] = map[int]results.Pair{}
			m.ops = append(m.ops, p.Operation)
		}
		m.pairs[p.Operation][p.Status] = p
	}
	for s := range statusSet {
		m.statuses = append(m.statuses, s)
	}
	sort.Ints(m.statuses)
	sort.Strings(m.ops)
	return m
}

// cell returns the pair of (op, status) and whether the operation
// documents that status.
func (m matrix) cell(op string, status int) (results.Pair, bool) {
	p, ok := m.pairs[op][status]
	return p, ok
}

// matrixLegend explains the marks.
const matrixLegend = "pass = passed, dev = passed but for a known spec deviation, FAIL = failed, SETUP = a case's set-up failed (contract not checked), skip = not run here, n/a = untriggerable, . = not documented"

// WriteMatrix prints the operation × status coverage matrix, then every pair
// that did not pass with its reason, but for the deviating ones: each known
// deviation is printed once, with the pairs it covers. Then the totals.
func WriteMatrix(w io.Writer, c *results.Conformance) error {
	m := newMatrix(c)
	statuses, names := m.statuses, m.ops

	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	header := []string{"operation"}
	for _, s := range statuses {
		header = append(header, strconv.Itoa(s))
	}
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, op := range names {
		row := []string{op}
		for _, s := range statuses {
			if p, ok := m.cell(op, s); ok {
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
	fmt.Fprintln(w, "\n"+matrixLegend)

	devs := deviatingPairsOf(c)
	grouped := map[string]bool{}
	for _, d := range devs {
		for _, p := range d.Pairs {
			grouped[p] = true
		}
	}
	var notes []string
	filtered := 0
	for _, p := range c.Pairs {
		switch {
		case p.Outcome == results.Skipped && p.Reason == results.FilteredOut:
			filtered++
		case p.Outcome == results.Deviating && grouped[pairName(p.Operation, p.Status)]:
			// printed with its deviation below
		case p.Outcome != results.Passed:
			notes = append(notes, fmt.Sprintf("  %-4s %s %d: %s", matrixMark[p.Outcome], p.Operation, p.Status, p.Reason))
		}
	}
	if line := filteredLine(c, filtered); line != "" {
		notes = append(notes, "  "+line)
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, strings.Join(notes, "\n"))
	}
	if len(devs) > 0 {
		fmt.Fprintf(w, "\nknown spec deviations (%d), each with the pairs it covers:\n", len(devs))
		for _, d := range devs {
			fmt.Fprintf(w, "  dev  %s: %s", d.ID, d.Summary)
			if d.Upstream != "" {
				fmt.Fprintf(w, " (%s)", d.Upstream)
			}
			fmt.Fprintln(w)
			for _, line := range wrapList(d.Pairs, 100) {
				fmt.Fprintf(w, "       %s\n", line)
			}
		}
	}
	cov := c.Coverage
	if why := c.Incomplete(); why != "" {
		fmt.Fprintf(w, "\nINCOMPLETE: %s\n", why)
	}
	_, err := fmt.Fprintf(w, "\n%d documented pairs: %d passed, %d deviating, %d failed, %s%d skipped, %d untriggerable (%d cases, %.1fs)\n",
		cov.DocumentedPairs, cov.PassedPairs, cov.DeviatingPairs, cov.FailedPairs, setupFailedCount(cov), cov.SkippedPairs, cov.UntriggerablePairs, len(c.Cases), c.DurationS)
	return err
}

// deviatingPairsOf returns the known deviations of the run's deviating
// pairs, each with those of its pairs that deviate (a pair that failed is
// a failure, whatever else its cases showed).
func deviatingPairsOf(c *results.Conformance) []deviationUse {
	deviating := map[string]bool{}
	for _, p := range c.Pairs {
		if p.Outcome == results.Deviating {
			deviating[pairName(p.Operation, p.Status)] = true
		}
	}
	var out []deviationUse
	for _, d := range deviationsOf(c) {
		pairs := slices.DeleteFunc(d.Pairs, func(p string) bool { return !deviating[p] })
		if len(pairs) > 0 {
			d.Pairs = pairs
			out = append(out, d)
		}
	}
	return out
}

// wrapList joins items with ", " into lines of at most width characters
// (an item longer than that has a line of its own).
func wrapList(items []string, width int) []string {
	var lines []string
	line := ""
	for i, it := range items {
		sep := ","
		if i == len(items)-1 {
			sep = ""
		}
		switch {
		case line == "":
			line = it + sep
		case len(line)+1+len(it)+len(sep) > width:
			lines = append(lines, line)
			line = it + sep
		default:
			line += " " + it + sep
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// WriteFailures prints each case that failed, in its contract check or
// in set-up: its name, client and where it failed, then its whole
// (redacted) failure message, indented. It prints nothing for a run with
// no failed case.
func WriteFailures(w io.Writer, c *results.Conformance) error {
	var failed []results.Case
	for _, k := range c.Cases {
		if k.Outcome == results.Failed || k.Outcome == results.SetupFailed {
			failed = append(failed, k)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\n%d failed cases:\n", len(failed))
	for _, k := range failed {
		fmt.Fprintf(w, "\n  %s %s [%s]", matrixMark[k.Outcome], k.Name, k.Client)
		if k.Location != "" {
			fmt.Fprintf(w, " at %s", k.Location)
		}
		fmt.Fprintln(w)
		msg := cmp.Or(k.Failure, k.Reason)
		for line := range strings.Lines(strings.TrimRight(msg, "\n")) {
			if _, err := fmt.Fprintf(w, "      %s", line); err != nil {
				return err
			}
		}
		fmt.Fprintln(w)
	}
	return nil
}

// setupFailedCount is ", N set-up failed" of a run whose cases failed in
// set-up, to follow the failed count; nothing otherwise.
func setupFailedCount(cov results.Coverage) string {
	if cov.SetupFailedPairs == 0 {
		return ""
	}
	return fmt.Sprintf("%d set-up failed, ", cov.SetupFailedPairs)
}

// filteredLine sums up, in one line, the cases and pairs the label filter
// left out, "" when it left none out.
func filteredLine(c *results.Conformance, pairs int) string {
	cases := 0
	for _, k := range c.Cases {
		if k.Outcome == results.Skipped && k.Reason == results.FilteredOut {
			cases++
		}
	}
	if cases == 0 {
		return ""
	}
	filter := ""
	if c.Completeness != nil {
		filter = fmt.Sprintf(" %q", c.Completeness.LabelFilter)
	}
	return fmt.Sprintf("%d cases %s%s (%d pairs none of whose cases it selected)", cases, results.FilteredOut, filter, pairs)
}
