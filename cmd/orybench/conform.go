package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/suites"
	"github.com/orybench/orybench/target"
)

func newConformCmd() *cobra.Command {
	var (
		t                                      targetFlags
		caps, profiles                         []string
		labelFilter, out, traitsFile, schemaID string
		kratosBin, baseline                    string
		hasher                                 hasherFlag
		verbose                                bool
		format                                 outputFormat
		timeout, maxDuration                   time.Duration
		maxRPS                                 float64
		requirePairs                           int
	)
	cmd := command("conform", "conform", func(cmd *cobra.Command, _ []string) error {
		if err := format.start(cmd); err != nil {
			return err
		}
		// junit.xml is the report's (writeRunReport), not Ginkgo's.
		opts := suites.Options{LabelFilter: labelFilter, Timeout: maxDuration, Verbose: verbose, NoColor: true,
			Output: cmd.OutOrStdout(), Log: cmd.ErrOrStderr()}
		if err := t.resolve(len(profiles) > 0); err != nil {
			return err
		}
		opts.Target = t.options(timeout)
		var err error
		if opts.Contract, err = t.openContract(t.target); err != nil {
			return err
		}
		if opts.Target.Capabilities, opts.Target.Without, err = target.ParseDeclared(caps); err != nil {
			return fmt.Errorf("--capabilities: %w", err)
		}
		switch {
		case len(profiles) > 0 && t.target != "":
			return fmt.Errorf("--profile starts local Kratos instances: it cannot be combined with --target")
		case maxRPS < 0:
			return fmt.Errorf("--max-rps must not be negative")
		case timeout <= 0:
			return fmt.Errorf("--timeout must be positive, got %s", timeout)
		case maxDuration <= 0:
			return fmt.Errorf("--max-duration must be positive, got %s", maxDuration)
		}
		for _, p := range profiles {
			if !slices.Contains(target.LocalProfiles(), p) {
				return fmt.Errorf("--profile: unknown profile %q (known: %s)", p, strings.Join(target.LocalProfiles(), ", "))
			}
		}
		if err := hasher.resolve(t.target == ""); err != nil {
			return err
		}
		opts.Target.Profiles, opts.Target.SchemaID, opts.Target.KratosBin, opts.Target.Hasher = profiles, schemaID, kratosBin, hasher.hasher
		opts.Target.MaxRPS = maxRPS
		if !cmd.Flags().Changed("max-rps") {
			opts.Target.MaxRPS = target.DefaultMaxRPS(t.target, t.adminURL)
		}
		if traitsFile != "" {
			if opts.Target.Traits, err = os.ReadFile(traitsFile); err != nil {
				return fmt.Errorf("--traits: %w", err)
			}
		}
		if err := suites.CheckLabelFilter(labelFilter); err != nil {
			return fmt.Errorf("--label-filter: %w", err)
		}
		if labelFilter != "" {
			if selected, total, err := suites.Selected(opts); err != nil {
				return err
			} else if selected == 0 {
				return fmt.Errorf("--label-filter %q selects none of the %d cases", labelFilter, total)
			}
		}
		gate, err := coverageGate(baseline, requirePairs)
		if err != nil {
			return err
		}
		if err := checkOutDir(out); err != nil {
			return err
		}
		if t.target != "" {
			// A target that cannot be checked at all is one clear error
			// now, not a failed set-up inside the suite.
			if err := t.check(cmd.Context(), t.target, timeout); err != nil {
				return err
			}
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "target: %s; %s; %s\n", t.origin(profiles, suites.StandardProfiles()), hasher.describe(t.target == ""),
			pacing(opts.Target.MaxRPS, t.target, cmd.Flags().Changed("max-rps")))
		progress := newCaseProgress(cmd.ErrOrStderr())
		if !verbose {
			opts.Progress = progress.update
		}
		result, setupErr := suites.Run(cmd.Context(), opts)
		progress.end()
		t.noteLeftovers(cmd.ErrOrStderr())
		if result == nil {
			return setupErr
		}
		result.Target.Source, result.Target.Hasher = t.source, hasher.record(t.target == "")
		if err := writeConformance(cmd, result, out, !verbose); err != nil {
			return err
		}
		if err := format.emit(out, results.ConformanceFile); err != nil {
			return err
		}
		switch {
		case cmd.Context().Err() != nil: // Ctrl-C: what ran is saved, but the run is not judged (exit 2)
			return fmt.Errorf("interrupted: %w", context.Cause(cmd.Context()))
		case errors.Is(setupErr, suites.ErrIncomplete):
			return fmt.Errorf("%w: %w", errFailed, setupErr)
		case setupErr != nil: // the target could not be checked at all (exit 2)
			return setupErr
		case result.Failed():
			cov := result.Coverage
			if cov.SetupFailedPairs > 0 {
				return fmt.Errorf("%w: %d of %d documented pairs failed, %d more unchecked: a case's set-up failed (%d cases)",
					errFailed, cov.FailedPairs, cov.DocumentedPairs, cov.SetupFailedPairs, result.SetupFailedCases())
			}
			return fmt.Errorf("%w: %d of %d documented pairs failed", errFailed, cov.FailedPairs, cov.DocumentedPairs)
		}
		if err := gate.Check(result); err != nil {
			return fmt.Errorf("%w: %w", errFailed, err)
		}
		return nil
	})
	f := cmd.Flags()
	t.register(f)
	f.StringSliceVar(&caps, "capabilities", nil, "capabilities to declare present (name) or absent (-name), comma separated; declared wins over discovered ("+helpData()["Capabilities"]+")")
	hasher.register(f, target.FastHasher(), "right for conformance, which checks answers, not speed")
	f.StringSliceVar(&profiles, "profile", nil, "local profile to start and check, repeatable, the first picked first (default: "+strings.Join(suites.StandardProfiles(), ", ")+"; also "+helpData()["ExtraProfiles"]+")")
	f.StringVar(&traitsFile, "traits", "", "JSON template of test identities' traits with {{email}}, {{username}}, {{n}} placeholders, instead of traits made from the identity schema")
	f.StringVar(&schemaID, "schema-id", "", "identity schema test identities follow (default: the one registration uses)")
	f.Float64Var(&maxRPS, "max-rps", 0, fmt.Sprintf("pace every request of the run to at most this many a second (default: none for local Kratos and a --target (and --admin-url) on loopback, %g for any other --target)", target.DefaultRemoteRPS))
	f.StringVar(&labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'op:toSession && client:native'")
	f.StringVar(&out, "out", "out/conformance", "directory for conformance.json and junit.xml")
	f.StringVar(&kratosBin, "kratos-bin", "", "kratos binary for the local target (default bin/kratos, then $PATH)")
	f.BoolVarP(&verbose, "verbose", "v", false, "print Ginkgo's report of every case as it runs, in place of the progress line")
	format.register(f, results.ConformanceFile)
	f.DurationVar(&maxDuration, "max-duration", 10*time.Minute, "wall-clock bound on the whole run (as capacity's --max-duration)")
	f.DurationVar(&timeout, "timeout", setupTimeout, "bound on each request (as load's --timeout)")
	f.StringVar(&baseline, "baseline", "", "an earlier conformance.json of the same target: exit 1 when a pair that passed or deviated there is now skipped or missing")
	f.IntVar(&requirePairs, "require-pairs", 0, "exit 1 when fewer than this many documented pairs passed or deviated")
	return cmd
}

// coverageGate is the gate --baseline and --require-pairs ask for, the
// baseline read before anything is sent.
func coverageGate(baseline string, requirePairs int) (results.CoverageGate, error) {
	g := results.CoverageGate{RequirePairs: requirePairs}
	if requirePairs < 0 {
		return g, fmt.Errorf("--require-pairs must not be negative, got %d", requirePairs)
	}
	if baseline == "" {
		return g, nil
	}
	var err error
	if g.Baseline, err = results.ReadConformance(baseline); err != nil {
		return g, fmt.Errorf("--baseline: %w", err)
	}
	if len(g.Baseline.Pairs) == 0 {
		return g, fmt.Errorf("--baseline %s: no documented pairs: not a conformance.json", baseline)
	}
	return g, nil
}

// writeConformance writes conformance.json and the run's report into out,
// and prints the operation x status matrix, then, with failures, each
// failed case and why (which Ginkgo printed as it ran in a verbose run).
func writeConformance(cmd *cobra.Command, result *results.Conformance, out string, failures bool) error {
	if rl := result.Target.RateLimits; rl != nil && rl.Limited > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "the target rate-limited %d of %d requests (%d retried, %d still limited after retries: their cases skipped); waited %.1fs\n",
			rl.Limited, rl.Requests, rl.Retried, rl.GaveUp, rl.WaitedS)
	}
	result.Orybench, result.Command = versionText(), commandLine()
	path, err := result.Write(out)
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout())
	if err := reports.WriteMatrix(cmd.OutOrStdout(), result); err != nil {
		return err
	}
	if failures {
		if err := reports.WriteFailures(cmd.OutOrStdout(), result); err != nil {
			return err
		}
	}
	fmt.Fprintf(cmd.OutOrStdout(), "\nwrote %s and %s\n", path, filepath.Join(out, reports.JUnitFile))
	return writeRunReport(cmd, out, results.RunInfo{})
}
