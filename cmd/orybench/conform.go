package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/schemas"
	"github.com/orybench/orybench/suites"
)

func newConformCmd(logger *slog.Logger) *cobra.Command {
	var (
		t           targetFlags
		caps        []string
		labelFilter string
		out         string
		kratosBin   string
		verbose     bool
		timeout     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "conform",
		Short: "Drive every FrontendApi operation through its documented statuses and check each answer",
		Long: `Run the conformance suites: every FrontendApi operation through every
documented status, as a native app, a browser and a single page app where
they differ, each body validated against the JSON Schemas generated from
Kratos's OpenAPI document.

With no --target, orybench starts its local Kratos profiles and checks them.
Against a remote target, declare what it is configured for with
--capabilities; cases that need anything else are skipped with the reason.

Writes conformance.json and junit.xml into --out and prints the operation x
status matrix. Exit 0 when no case failed, 1 when one did, 2 on bad input.`,
		Example: `  orybench conform --out out/
  orybench conform --target http://127.0.0.1:4433 --admin-url http://127.0.0.1:4434
  ORY_SDK_URL=https://$PROJECT.projects.oryapis.com ORY_API_KEY=... orybench conform
  orybench conform --label-filter 'op:toSession || op:updateLoginFlow'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := t.suiteOptions()
			if err != nil {
				return err
			}
			for _, c := range caps {
				capability, err := suites.ParseCapability(c)
				if err != nil {
					return fmt.Errorf("--capabilities: %w", err)
				}
				opts.Capabilities = append(opts.Capabilities, capability)
			}
			opts.KratosBin = kratosBin
			opts.Log = cmd.ErrOrStderr()
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("--out: %w", err)
			}
			set, err := schemas.ForVersion(schemas.DefaultVersion)
			if err != nil {
				return err
			}
			report, err := suites.Run(cmd.Context(), opts, suites.RunConfig{
				LabelFilter: labelFilter,
				Timeout:     timeout,
				Verbose:     verbose,
				NoColor:     true,
				JUnitReport: filepath.Join(out, "junit.xml"),
			})
			if err != nil {
				return err
			}
			result := suites.Conformance(report, set)
			result.Target = t.info(opts)
			result.Orybench = versionText
			result.Command = "orybench " + strings.Join(os.Args[1:], " ")
			path, err := result.Write(out)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout())
			if err := reports.WriteMatrix(cmd.OutOrStdout(), result); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "\nwrote %s and %s\n", path, filepath.Join(out, "junit.xml"))
			if !report.SuiteSucceeded && !result.Failed() {
				return fmt.Errorf("%w: the suite did not complete: %s", errFailed, firstFailure(report.SpecialSuiteFailureReasons))
			}
			if result.Failed() {
				return fmt.Errorf("%w: %d of %d documented pairs failed", errFailed, result.Coverage.FailedPairs, result.Coverage.DocumentedPairs)
			}
			return nil
		},
	}
	f := cmd.Flags()
	t.register(f)
	f.StringSliceVar(&caps, "capabilities", nil, "what a remote --target is configured for, comma separated ("+capabilityList()+")")
	f.StringVar(&labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'op:toSession && client:native'")
	f.StringVar(&out, "out", "out/conformance", "directory for conformance.json and junit.xml")
	f.StringVar(&kratosBin, "kratos-bin", "", "kratos binary for the local target (default bin/kratos, then $PATH)")
	f.BoolVarP(&verbose, "verbose", "v", false, "print every spec as it runs")
	f.DurationVar(&timeout, "timeout", 10*time.Minute, "bound on the whole run")
	return cmd
}

func capabilityList() string {
	var names []string
	for _, c := range suites.Capabilities() {
		names = append(names, string(c))
	}
	return strings.Join(names, ", ")
}

func firstFailure(reasons []string) string {
	if len(reasons) == 0 {
		return "see the output above"
	}
	return reasons[0]
}
