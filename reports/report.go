package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/orybench/orybench/results"
)

// Report is what one rendering shows: a conformance run, load runs, or
// both, read from the directories the runs wrote.
type Report struct {
	Conformance    *results.Conformance
	ConformanceDir string
	Loads          []*results.LoadRun
	Capacities     []*results.CapacityRun
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

// ErrNoResults is returned, wrapped, by Read when a directory holds no
// saved results.
var ErrNoResults = errors.New("no results")

// Read finds saved results in dirs by the files present: conformance.json
// for a conformance run, summary.json for a load run, capacity.json for a
// capacity search. A directory that holds none is searched one level down,
// so a run's parent directory works too. A report takes at most one
// conformance run.
func Read(dirs ...string) (*Report, error) {
	r := &Report{GeneratedAt: time.Now().UTC()}
	for _, dir := range dirs {
		found, err := r.readDir(dir)
		if err != nil {
			return nil, err
		}
		if found {
			continue
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			f, err := r.readDir(filepath.Join(dir, e.Name()))
			if err != nil {
				return nil, err
			}
			found = found || f
		}
		if !found {
			return nil, fmt.Errorf("%w in %s: no %s, %s or %s, here or one level down", ErrNoResults, dir, results.ConformanceFile, results.LoadSummaryFile, results.CapacityFile)
		}
	}
	if r.Conformance == nil && len(r.Loads) == 0 && len(r.Capacities) == 0 {
		return nil, fmt.Errorf("%w: no directory given", ErrNoResults)
	}
	return r, nil
}

func (r *Report) readDir(dir string) (bool, error) {
	found := false
	c, err := results.ReadConformance(filepath.Join(dir, results.ConformanceFile))
	switch {
	case err == nil:
		if r.Conformance != nil {
			return false, fmt.Errorf("%s and %s: a report takes one conformance run", r.ConformanceDir, dir)
		}
		r.Conformance, r.ConformanceDir, found = c, dir, true
	case !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	l, err := results.ReadLoadRun(dir)
	switch {
	case err == nil:
		r.Loads, found = append(r.Loads, l), true
	case !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	cp, err := results.ReadCapacityRun(dir)
	switch {
	case err == nil:
		r.Capacities, found = append(r.Capacities, cp), true
	case !errors.Is(err, fs.ErrNotExist):
		return false, err
	}
	return found, nil
}

// Passed reports whether no conformance case failed, every load run held
// its thresholds and every capacity search found a sustainable rate.
func (r *Report) Passed() bool {
	if r.Conformance != nil && r.Conformance.Failed() {
		return false
	}
	for _, l := range r.Loads {
		if !l.Summary.Passed {
			return false
		}
	}
	for _, c := range r.Capacities {
		if !c.Result.Found {
			return false
		}
	}
	return true
}

// Write renders report.html, summary.md and junit.xml into dir and returns
// their paths.
func (r *Report) Write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	type file struct {
		name   string
		render func(*os.File) error
	}
	var paths []string
	for _, f := range []file{
		{HTMLFile, func(w *os.File) error { return r.WriteHTML(w) }},
		{MarkdownFile, func(w *os.File) error { return r.WriteMarkdown(w) }},
		{JUnitFile, func(w *os.File) error { return r.WriteJUnit(w) }},
	} {
		path := filepath.Join(dir, f.name)
		if err := writeAtomic(path, f.render); err != nil {
			return paths, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// writeAtomic writes through a temporary file, so that a reader never sees
// half a report.
func writeAtomic(path string, render func(*os.File) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := render(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("render %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// failures returns the failed cases, by operation and status.
func failuresOf(c *results.Conformance) []results.Case {
	var out []results.Case
	for _, k := range c.Cases {
		if k.Outcome == results.Failed {
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
