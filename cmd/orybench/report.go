package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/results"
)

func newReportCmd() *cobra.Command {
	var (
		in            []string
		out, contract string
	)
	cmd := command("report", "report", func(cmd *cobra.Command, _ []string) error {
		if err := inOut(in, out, "at least one results directory", "the directory to write into"); err != nil {
			return err
		}
		c, err := askedContract(contract)
		if err != nil {
			return err
		}
		r, err := reports.Read(in...)
		if err == nil && c != nil {
			err = r.CheckContract(c)
		}
		if err != nil {
			return err
		}
		r.Orybench = versionText()
		paths, err := r.Write(out)
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "wrote %s\n", strings.Join(paths, ", "))
		switch r.Verdict() {
		case results.VerdictFailed:
			return fmt.Errorf("%w: the report shows failures", errFailed)
		case results.VerdictIncomplete:
			return fmt.Errorf("%w: the report is INCOMPLETE, not a pass: %s", errFailed, strings.Join(r.Incomplete(), "; "))
		}
		return nil
	})
	f := cmd.Flags()
	f.StringArrayVar(&in, "in", nil, "results directory (repeatable)")
	f.StringVar(&out, "out", "", "directory for report.html, summary.md and junit.xml")
	f.StringVar(&contract, "contract", "", "refuse runs judged against another contract than this one (a name or an OpenAPI document)")
	cmd.AddCommand(newReportMergeCmd())
	return cmd
}

func newReportMergeCmd() *cobra.Command {
	var (
		in, thresholds []string
		out            string
	)
	cmd := command("report-merge", "merge", func(cmd *cobra.Command, _ []string) error {
		if err := inOut(in, out, "the shards' directories, or one directory that holds them", "the directory to write the merge into"); err != nil {
			return err
		}
		ts, err := loadtest.ParseThresholds(thresholds...)
		if err != nil {
			return err
		}
		dirs, err := loadtest.ShardDirs(in...)
		if err != nil {
			return err
		}
		sum, err := loadtest.Merge(dirs, out, ts...)
		if sum == nil {
			return err
		}
		rerr := errors.Join(reports.WriteLoadText(cmd.OutOrStdout(), sum, out), writeRunReport(cmd, out, results.RunInfo{}))
		if rerr != nil && err == nil {
			err = rerr
		}
		if errors.Is(err, loadtest.ErrThresholdsFailed) && !errors.Is(err, loadtest.ErrShardStopped) {
			return fmt.Errorf("%w: %w", errFailed, err)
		}
		return err
	})
	f := cmd.Flags()
	f.StringArrayVar(&in, "in", nil, "a shard's results directory, or a directory of them (repeatable)")
	f.StringVar(&out, "out", "", "directory for the merged results and report")
	f.StringArrayVar(&thresholds, "threshold", nil, "judge the merge by this threshold instead of the shards' (repeatable)")
	return cmd
}

// inOut says which of --in and --out is missing, and what to give.
func inOut(in []string, out, giveIn, giveOut string) error {
	switch {
	case len(in) == 0:
		return fmt.Errorf("--in: give %s", giveIn)
	case out == "":
		return fmt.Errorf("--out: give %s", giveOut)
	}
	return nil
}

// writeRunReport records the run that just wrote dir (run.json, for a
// load run or a capacity search) and renders its report into dir.
//
// An interrupted run gets run.json and junit.xml, the one its report would
// hold, but no report.html or summary.md: Ctrl-C exits at once, and
// orybench report renders the saved results later.
func writeRunReport(cmd *cobra.Command, dir string, info results.RunInfo) error {
	info.Orybench, info.Command = versionText(), commandLine()
	err := results.RecordRun(dir, info)
	if err == nil && cmd.Context().Err() != nil {
		if _, err := reports.RenderJUnit(dir); err != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "orybench: junit.xml: %v\n", err)
			return err
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "orybench: interrupted, junit.xml written, no report (orybench report --in %s --out %s renders it)\n", dir, dir)
		return nil
	}
	path := ""
	if err == nil {
		path, err = reports.Render(dir, versionText())
	}
	if err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "orybench: report: %v\n", err)
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "report: %s\n", path)
	if err := appendStepSummary(os.Getenv("GITHUB_STEP_SUMMARY"), dir); err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "orybench: $GITHUB_STEP_SUMMARY: %v\n", err)
		return err
	}
	return nil
}

// appendStepSummary appends the run's summary.md to a GitHub Actions job
// summary file (the $GITHUB_STEP_SUMMARY the runner sets; "": none), so
// that the job's page shows it without a step of its own.
func appendStepSummary(file, dir string) error {
	if file == "" {
		return nil
	}
	md, err := os.ReadFile(filepath.Join(dir, reports.MarkdownFile))
	if err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(append(md, '\n'))
	return errors.Join(err, f.Close())
}

// commandLine is this process's command line, its secrets redacted.
func commandLine() string { return reports.CommandLine(append([]string{"orybench"}, os.Args[1:]...)) }

// checkOutDir makes --out's directory and checks it can be written, before
// anything is sent.
func checkOutDir(dir string) error {
	if err := results.PrepareDir(dir); err != nil {
		return fmt.Errorf("--out %s: %w", dir, err)
	}
	return nil
}
