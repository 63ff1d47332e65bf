package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orybench/orybench/results"
)

// WriteLoadText writes a load run's summary for a terminal, a fact a line
// with its label aligned: the scenario, shard, rate, latency corrected and
// uncorrected, the server's view of it when one was asked for, a journey
// scenario's journeys, statuses, errors, each step,
// each threshold's verdict, the directory of its files (dir) and the
// result.
func WriteLoadText(w io.Writer, s *results.LoadSummary, dir string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "scenario\t%s → %s, %.1fs, %d requests", s.Scenario, s.Target, s.DurationS, s.Requests)
	if s.Stopped != "" {
		fmt.Fprintf(tw, " (stopped: %s)", s.Stopped)
	}
	fmt.Fprintln(tw)
	if sh := s.Shard; sh != nil && sh.Index > 0 {
		fmt.Fprintf(tw, "shard\t%s of a run at %s for %gs\n", sh.Shard, sh.Rate, sh.DurationS)
	} else if sh != nil {
		fmt.Fprintf(tw, "shards\t%d merged, of a run at %s for %gs\n", sh.Count, sh.Rate, sh.DurationS)
	}
	fmt.Fprintf(tw, "rate\trequested %.1f/s, achieved %.1f/s, unsent %d", s.Rate.Requested, s.Rate.Achieved, s.Unsent)
	if s.Canceled > 0 {
		fmt.Fprintf(tw, ", canceled in flight %d", s.Canceled)
	}
	fmt.Fprintln(tw)
	lat := func(l results.Latency) string {
		return fmt.Sprintf("p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms", l.P50, l.P90, l.P99, l.P999, l.Max)
	}
	fmt.Fprintf(tw, "latency\t%s (from intended send)\n", lat(s.Latency))
	fmt.Fprintf(tw, "uncorrected\t%s (from actual send)\n", lat(s.LatencyUncorrected))
	writeServerText(tw, s.Server)
	if s.Journey != nil {
		writeJourneyText(tw, s.Journey, lat)
	}
	fmt.Fprintf(tw, "statuses\t%s, rate limited %d\n", countsText(s.StatusCodes), s.RateLimited)
	fmt.Fprintf(tw, "errors\t%d %s\n", s.Errors.Total, countsText(s.Errors.ByKind))
	for _, st := range s.Steps {
		fmt.Fprintf(tw, "step %s\t%d requests, p50 %.3f p99 %.3f ms, %s, errors %d\n",
			st.Name, st.Requests, st.Latency.P50, st.Latency.P99, countsText(st.StatusCodes), st.Errors.Total)
	}
	for _, t := range s.Thresholds {
		verdict := "ok"
		if !t.OK {
			verdict = "BREACHED"
		}
		fmt.Fprintf(tw, "threshold\t%-8s %s (actual %g)\n", verdict, t.Expr, t.Actual)
	}
	if s.CleanupError != "" {
		fmt.Fprintf(tw, "cleanup\t%s\n", s.CleanupError)
	}
	fmt.Fprintf(tw, "files\t%s\n", dir)
	fmt.Fprintf(tw, "result\t%s\n", resultText(s.Verdict(), s.Incomplete()))
	return tw.Flush()
}

// countsText formats counts by key, in key order: "200:1990 429:10".
func countsText(m map[string]uint64) string {
	if len(m) == 0 {
		return "none"
	}
	return joinCounts(m, " ", func(k string, n uint64) string { return fmt.Sprintf("%s:%d", k, n) })
}

// WriteCapacityStepText writes one step of a capacity search as a line, as
// the search goes: its rate, what it achieved, its latency and errors (of
// a journey scenario: its journeys' latency and the share stopped),
// whether it held the SLO, and the server's p50, p99 and CPU per request
// when it read them.
func WriteCapacityStepText(w io.Writer, st results.CapacityStep) error {
	verdict := "held"
	switch {
	case st.Error != "":
		verdict = "not judged: " + firstLineOf(st.Error)
	case !st.Held:
		verdict = "FAILED " + strings.Join(st.Breached, ", ")
	}
	failed := "errors" // a journey's: the journeys stopped
	if st.Summary != nil && st.Summary.Journey != nil {
		failed = "stopped"
	}
	_, err := fmt.Fprintf(w, "step %2d  %-7s %8s/s  achieved %8.1f/s  p50 %8.2fms  p99 %8.2fms  %s %6.2f%%  %s%s\n",
		st.N, st.Phase, strconv.FormatFloat(st.Rate, 'f', -1, 64), st.Achieved, st.P50, st.P99, failed, 100*st.ErrorRate, verdict, serverStepText(st))
	return err
}

// WriteCapacityText writes a capacity search's outcome for a terminal: the
// sustainable rate, the SLO, the confidence, the search, what was closest
// to its limit at the lowest failing rate (with the server's figures), the
// warnings of the server's scrapes, the directory of its files (dir), and
// INCOMPLETE when it was interrupted.
func WriteCapacityText(w io.Writer, r *results.CapacityResult, dir string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if r.Found {
		fmt.Fprintf(tw, "sustainable rate\t%g %s\n", r.SustainableRate, capacityUnit(r))
	} else {
		fmt.Fprintln(tw, "sustainable rate\tnone")
	}
	fmt.Fprintf(tw, "slo\t%s\n", strings.Join(r.SLO, ", "))
	fmt.Fprintf(tw, "confidence\t%s: %s\n", r.Confidence.Level, r.Confidence.Reason)
	fmt.Fprintf(tw, "search\t%s → %s, %d steps in %s, ended: %s\n", r.Scenario, r.Target, len(r.Steps),
		time.Duration(r.DurationS*float64(time.Second)).Round(time.Second), r.Ended)
	writeCapacityServerText(tw, r)
	fmt.Fprintf(tw, "files\t%s\n", dir)
	if r.Verdict() == results.VerdictIncomplete {
		fmt.Fprintf(tw, "result\t%s\n", resultText(r.Verdict(), r.Incomplete()))
	}
	return tw.Flush()
}

// resultText is a run's verdict for a terminal: passed, FAILED, or
// INCOMPLETE and why.
func resultText(v results.Verdict, incomplete string) string {
	switch v {
	case results.VerdictPassed:
		return "passed"
	case results.VerdictIncomplete:
		return "INCOMPLETE: " + incomplete
	}
	return "FAILED"
}
