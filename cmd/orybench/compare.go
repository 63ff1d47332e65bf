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
		out, contract string
		tolerance     string
	)
	cmd := command("compare", "compare BASELINE_DIR CANDIDATE_DIR", func(cmd *cobra.Command, args []string) error {
		tol, err := parseTolerance(tolerance)
		if err != nil {
			return err
		}
		asked, err := askedContract(contract)
		if err != nil {
			return err
		}
		c, err := compare.Dirs(args[0], args[1], compare.Options{Tolerance: tol, Contract: asked})
		if err != nil {
			return err
		}
		c.Orybench = versionText()
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
			return fmt.Errorf("%w: contract cases newly failing: %d, pairs no longer judged: %d, latency regressions: %d",
				errFailed, c.Verdict.ContractRegressions, c.Verdict.LostPairs, c.Verdict.LatencyRegressions)
		}
		return nil
	})
	cmd.Args = func(cmd *cobra.Command, args []string) error {
		if len(args) != 2 {
			return fmt.Errorf("give two directories, BASELINE_DIR and CANDIDATE_DIR (got %d arguments)", len(args))
		}
		return nil
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "directory for compare.md, compare.html and compare.json")
	f.StringVar(&tolerance, "tolerance", "10%", "smallest latency change flagged, like 10% or 0.1")
	f.StringVar(&contract, "contract", "", "refuse sides judged against another contract than this one (a name or an OpenAPI document)")
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
