package reports

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/orybench/orybench/results"
)

// Report is what one rendering shows: a conformance run, load runs,
// capacity searches, fuzz runs, or all of them, read from the directories the runs
// wrote.
type Report struct {
	results.Runs
	// Orybench is the version that renders the report; GeneratedAt when.
	Orybench    string
	GeneratedAt time.Time
}

// Files a report writes.
const (
	HTMLFile     = "report.html"
	MarkdownFile = "summary.md"
	JUnitFile    = "junit.xml"
)

// Read reads the runs saved in dirs (results.ReadRuns: a run's directory
// or a directory of runs; at most one conformance run) for a report. Its
// error matches results.ErrNoResults when a directory holds no results.
func Read(dirs ...string) (*Report, error) {
	runs, err := results.ReadRuns(dirs...)
	if err != nil {
		return nil, err
	}
	return &Report{Runs: *runs, GeneratedAt: time.Now().UTC()}, nil
}

// Render renders the report of the results in dir into dir and returns
// the path of its report.html. orybench is the version that renders it.
func Render(dir, orybench string) (string, error) {
	r, err := Read(dir)
	if err != nil {
		return "", err
	}
	r.Orybench = orybench
	if _, err := r.Write(dir); err != nil {
		return "", err
	}
	return filepath.Join(dir, HTMLFile), nil
}

// RenderJUnit writes into dir the junit.xml of the results in dir, the
// one Render writes, alone, and returns its path: for a run interrupted
// before its whole report, so that CI still reads its verdict.
func RenderJUnit(dir string) (string, error) {
	r, err := Read(dir)
	if err != nil {
		return "", err
	}
	paths, err := writeRenderings(dir, []rendering{{JUnitFile, r.WriteJUnit}})
	if err != nil {
		return "", err
	}
	return paths[0], nil
}

// Verdict is the report's result, the worst of its runs': failed when a
// conformance case failed, a load run breached a threshold, a capacity
// search found no sustainable rate or a fuzz run found what its allow-list
// does not accept or left an entry of it stale; else incomplete when a run did not
// check everything (Incomplete); else passed.
func (r *Report) Verdict() results.Verdict {
	var vs []results.Verdict
	if r.Conformance != nil {
		vs = append(vs, r.Conformance.Verdict())
	}
	for _, l := range r.Loads {
		vs = append(vs, l.Summary.Verdict())
	}
	for _, c := range r.Capacities {
		vs = append(vs, c.Result.Verdict())
	}
	for _, f := range r.Fuzzes {
		vs = append(vs, f.Result.Verdict())
	}
	return results.Worst(vs...)
}

// Incomplete says, a line a run, which runs did not check everything and
// why: an interrupted or label-filtered conformance run, a load run stopped
// early other than by a breached threshold, an interrupted capacity
// search, a fuzz run stopped before its budget.
func (r *Report) Incomplete() []string {
	var out []string
	if c := r.Conformance; c != nil && c.Incomplete() != "" {
		out = append(out, "conformance: "+c.Incomplete())
	}
	for _, l := range r.Loads {
		if why := l.Summary.Incomplete(); why != "" {
			out = append(out, "load "+l.Summary.Scenario+": "+why)
		}
	}
	for _, c := range r.Capacities {
		if why := c.Result.Incomplete(); why != "" {
			out = append(out, "capacity "+c.Result.Scenario+": "+why)
		}
	}
	for _, f := range r.Fuzzes {
		if why := f.Result.Incomplete(); why != "" {
			out = append(out, fmt.Sprintf("fuzz (seed %d): %s", f.Result.Seed, why))
		}
	}
	return out
}

// Write renders report.html, summary.md and junit.xml into dir and returns
// their paths.
func (r *Report) Write(dir string) ([]string, error) {
	return writeRenderings(dir, []rendering{
		{HTMLFile, r.WriteHTML},
		{MarkdownFile, r.WriteMarkdown},
		{JUnitFile, r.WriteJUnit},
	})
}

// rendering is a file a report writes and how it renders it.
type rendering struct {
	name   string
	render func(io.Writer) error
}

// writeRenderings writes each file into dir, made if need be, through a
// temporary file (results.WriteFile), so that a reader never sees half a
// report, and returns their paths.
func writeRenderings(dir string, files []rendering) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, f := range files {
		path := filepath.Join(dir, f.name)
		err := results.WriteFile(path, func(w io.Writer) error {
			if err := f.render(w); err != nil {
				return fmt.Errorf("render %s: %w", f.name, err)
			}
			return nil
		})
		if err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// failuresOf returns the cases that failed, in their contract check or in
// set-up, by operation and status.
func failuresOf(c *results.Conformance) []results.Case {
	var out []results.Case
	for _, k := range c.Cases {
		if k.Outcome == results.Failed || k.Outcome == results.SetupFailed {
			out = append(out, k)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Operation != out[j].Operation {
			return out[i].Operation < out[j].Operation
		}
		return out[i].Status < out[j].Status
	})
	return out
}
