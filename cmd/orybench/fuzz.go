package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/fuzz"
	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/target"
)

func newFuzzCmd() *cobra.Command {
	var (
		t                   targetFlags
		out, allow, logFile string
		kratosBin           string
		duration            time.Duration
		maxRequests         int
		maxRPS              float64
		seed                uint64
		operations          []string
		format              outputFormat
	)
	cmd := command("fuzz", "fuzz", func(cmd *cobra.Command, _ []string) error {
		if err := format.start(cmd); err != nil {
			return err
		}
		if err := t.resolve(false); err != nil {
			return err
		}
		contract, err := t.openContract(t.target)
		if err != nil {
			return err
		}
		switch {
		case duration < 0:
			return fmt.Errorf("--duration must not be negative, got %s", duration)
		case maxRequests < 0:
			return fmt.Errorf("--max-requests must not be negative, got %d", maxRequests)
		case duration == 0 && maxRequests == 0:
			return fmt.Errorf("--duration 0 and --max-requests 0 would never end: give one of them")
		case maxRPS < 0:
			return fmt.Errorf("--max-rps must not be negative")
		}
		if !cmd.Flags().Changed("max-rps") {
			maxRPS = target.DefaultMaxRPS(t.target, t.adminURL)
		}
		if !target.OnLoopback(t.target, t.adminURL) && (maxRPS == 0 || maxRPS > loadtest.RemoteRateCap) {
			return fmt.Errorf("--max-rps %g: a target (or admin API) that is not on loopback is fuzzed at most %d requests/s", maxRPS, loadtest.RemoteRateCap)
		}
		for _, op := range operations {
			if _, ok := contract.Operation(op); !ok {
				return fmt.Errorf("--operation: %s documents no operation %q", contract.Contract().Name, op)
			}
		}
		var allowed []string
		if allow != "" {
			if allowed, err = fuzz.ReadAllowList(allow); err != nil {
				return fmt.Errorf("--allow: %w", err)
			}
		}
		if !cmd.Flags().Changed("seed") {
			seed = uint64(time.Now().UnixNano())
		}
		if err := checkOutDir(out); err != nil {
			return err
		}
		opts := t.options(setupTimeout)
		opts.KratosBin, opts.MaxRPS = kratosBin, maxRPS
		if t.target == "" {
			opts.Profiles = []string{"default"}
		} else if err := t.check(cmd.Context(), t.target, setupTimeout); err != nil {
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "target: %s; %s; seed %d\n", t.origin(nil, []string{"default"}), pacing(maxRPS, t.target, cmd.Flags().Changed("max-rps")), seed)
		set, err := target.Open(cmd.Context(), opts)
		if err != nil {
			return err
		}
		doc, runErr := runFuzz(cmd.Context(), set, fuzz.Options{Contract: contract, Operations: operations, Seed: seed,
			Duration: duration, MaxRequests: maxRequests, Allow: allowed}, logFile)
		t.noteLeftovers(cmd.ErrOrStderr())
		if cerr := set.Close(context.WithoutCancel(cmd.Context())); cerr != nil {
			runErr = errors.Join(runErr, fmt.Errorf("clean-up: %w", cerr))
		}
		if doc == nil {
			return runErr
		}
		doc.Target = results.TargetInfo{URL: set.Targets()[0].PublicURL(), Local: t.target == "", Source: t.source, Hasher: set.Targets()[0].Hasher(), Discovered: set.Facts()}
		if t.target == "" {
			doc.Target.Profiles = []string{"default"}
		}
		doc.Orybench, doc.Command = versionText(), commandLine()
		path, err := doc.Write(out)
		if err != nil {
			return errors.Join(runErr, err)
		}
		printFuzz(cmd, doc, path, filepath.Join(out, reports.JUnitFile))
		if err := format.emit(out, results.FuzzFile); err != nil {
			return errors.Join(runErr, err)
		}
		// junit.xml is the report's, written by an interrupted run too.
		reportErr := writeRunReport(cmd, out, results.RunInfo{})
		switch {
		case errors.Is(runErr, fuzz.ErrTargetUnreachable):
			return fmt.Errorf("%w: %w", errFailed, runErr)
		case runErr != nil:
			return runErr
		case reportErr != nil:
			return reportErr
		case doc.Failed():
			return fmt.Errorf("%w: %d findings, %d not in the allow-list, %d allow-list entries stale", errFailed, len(doc.Findings), notAllowed(doc), len(doc.Stale))
		case cmd.Context().Err() != nil:
			return fmt.Errorf("interrupted: %w", context.Cause(cmd.Context()))
		}
		return nil
	})
	f := cmd.Flags()
	t.register(f)
	format.register(f, results.FuzzFile)
	f.DurationVar(&duration, "duration", time.Minute, "how long to send generated requests (0: until --max-requests)")
	f.IntVar(&maxRequests, "max-requests", 0, "stop after this many requests, shrinking's included (0: until --duration)")
	f.Float64Var(&maxRPS, "max-rps", 0, fmt.Sprintf("pace every request to at most this many a second (default: none for local Kratos and a --target (and --admin-url) on loopback, %g for any other --target, which is refused unpaced or above %d)", target.DefaultRemoteRPS, loadtest.RemoteRateCap))
	f.Uint64Var(&seed, "seed", 0, "seed of the generated requests: the same seed sends the same requests (default: from the clock, printed)")
	f.StringVar(&out, "out", "out/fuzz", "directory for fuzz.json, junit.xml and the report (report.html, summary.md)")
	f.StringVar(&allow, "allow", "", "file of accepted findings, one key a line as fuzz.json writes them ('operation status check detail'); a listed finding that no longer occurs fails the run as stale")
	f.StringVar(&logFile, "request-log", "", "write every generated request to this file, one JSON line each (live values as placeholders)")
	f.StringSliceVar(&operations, "operation", nil, "fuzz only these operations (operationIds, repeatable; default: every one of the contract)")
	f.StringVar(&kratosBin, "kratos-bin", "", "kratos binary for the local target (default bin/kratos, then $PATH)")
	return cmd
}

// runFuzz runs the fuzzer against the set's first target, logging the
// generated requests to logFile when given.
func runFuzz(ctx context.Context, set *target.Set, opts fuzz.Options, logFile string) (*results.Fuzz, error) {
	opts.Target = set.Targets()[0]
	if logFile != "" {
		f, err := os.Create(logFile)
		if err != nil {
			return nil, fmt.Errorf("--request-log: %w", err)
		}
		defer f.Close()
		opts.Log = f
	}
	return fuzz.Run(ctx, opts)
}

func notAllowed(doc *results.Fuzz) int {
	n := 0
	for _, f := range doc.Findings {
		if !f.Allowed {
			n++
		}
	}
	return n
}

// printFuzz prints what a run sent and found.
func printFuzz(cmd *cobra.Command, doc *results.Fuzz, paths ...string) {
	w := cmd.OutOrStdout()
	fmt.Fprintf(w, "sent %d generated requests (+%d shrinking, %d not sent: set-up failed) in %.0fs; stopped: %s\n",
		doc.Cases, doc.ShrinkRequests, doc.SetupErrors, doc.DurationS, doc.Stopped)
	for _, f := range doc.Findings {
		mark := "FINDING"
		if f.Allowed {
			mark = "allowed"
		}
		fmt.Fprintf(w, "%s %s (%d×, case %d, %s): %s\n  %s\n", mark, f.Key, f.Count, f.Case, f.Mode, f.Message, f.Curl)
	}
	for _, k := range doc.Stale {
		fmt.Fprintf(w, "STALE allow-list entry %s: no longer found\n", k)
	}
	fmt.Fprintf(w, "wrote %s\n", strings.Join(paths, " and "))
}
