package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/compare"
	"github.com/orybench/orybench/reports"
)

func newCompareCmd() *cobra.Command {
	var (
		out       string
		tolerance string
	)
	cmd := &cobra.Command{
		Use:   "compare BASELINE_DIR CANDIDATE_DIR",
		Short: "Compare a candidate release's saved runs with a baseline's: contract changes and latency regressions",
		Long: `Compare the runs saved under CANDIDATE_DIR with those under BASELINE_DIR, as
release validation: is the new Kratos worse than the old one?

Each directory is what orybench conform --out or orybench load --out wrote,
or a directory of such runs (make run's out/<run>/). Load runs are matched
by scenario, and by directory name when a side holds several runs of one
scenario; steps by name.

  contract  every conformance case whose outcome changed (passed, failed,
            skipped, deviating), by operation and status; a case the
            candidate fails and the baseline did not is a regression
  latency   per step, the change of p50 and p99 (the median over the run's
            seconds of that second's percentile) with a confidence interval
            from a circular moving-block bootstrap of the per-second series;
            flagged only when the interval excludes no change and the change
            is above --tolerance

Runs compared should be alike: the same scenario, rate and duration, on the
same machine; a minute or more per run for release decisions.

Prints the comparison as Markdown; --out also writes compare.md,
compare.html (self-contained) and compare.json.

Exit 0 no regression, 1 a regression, 2 bad input or nothing comparable.`,
		Example: `  orybench compare out/20260101T000000Z out/20260102T000000Z
  orybench compare --tolerance 5% --out out/compare out/v1.3.1 out/v1.4.0
  orybench compare out/load/whoami-old out/load/whoami-new >> "$GITHUB_STEP_SUMMARY"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return fmt.Errorf("give two directories, BASELINE_DIR and CANDIDATE_DIR (got %d arguments)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			tol, err := parseTolerance(tolerance)
			if err != nil {
				return err
			}
			c, err := compare.Dirs(args[0], args[1], compare.Options{Tolerance: tol})
			if err != nil {
				return err
			}
			c.Orybench = versionText
			if out != "" {
				paths, err := reports.WriteComparison(out, c)
				if err != nil {
					return err
				}
				path, err := c.Write(out)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s\n", strings.Join(append(paths, path), ", "))
			}
			if err := reports.WriteComparisonMarkdown(cmd.OutOrStdout(), c); err != nil {
				return err
			}
			if c.Regressed() {
				return fmt.Errorf("%w: contract cases newly failing: %d, latency regressions: %d",
					errFailed, c.Verdict.ContractRegressions, c.Verdict.LatencyRegressions)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "directory for compare.md, compare.html and compare.json")
	f.StringVar(&tolerance, "tolerance", "10%", "smallest latency change flagged, like 10% or 0.1")
	return cmd
}

// parseTolerance reads "10%" or "0.1".
func parseTolerance(s string) (float64, error) {
	v, err := parseFraction(s)
	if err != nil || !(v > 0 && v < 10) {
		return 0, fmt.Errorf("--tolerance %q: want a relative change above 0, like 10%% or 0.1", s)
	}
	return v, nil
}
