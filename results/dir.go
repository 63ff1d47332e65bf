package results

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Runs is what results directories hold: a conformance run, load runs,
// capacity searches and fuzz runs.
type Runs struct {
	Conformance    *Conformance
	ConformanceDir string
	Loads          []*LoadRun
	Capacities     []*CapacityRun
	Fuzzes         []*FuzzRun
}

// ErrNoResults is returned, wrapped, by ReadRuns when a directory holds no
// saved results.
var ErrNoResults = errors.New("no results")

// ReadRuns finds saved results in dirs by the files present:
// conformance.json for a conformance run, summary.json for a load run,
// capacity.json for a capacity search, fuzz.json for a fuzz run. A directory that holds none is
// searched one level down, so a run's parent directory works too (a
// capacity search's steps, two levels down, are not runs of their own).
// The directories hold at most one conformance run between them.
func ReadRuns(dirs ...string) (*Runs, error) {
	r := &Runs{}
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
			return nil, fmt.Errorf("%w in %s: no %s, %s, %s or %s, here or one level down", ErrNoResults, dir, ConformanceFile, LoadSummaryFile, CapacityFile, FuzzFile)
		}
	}
	if r.Conformance == nil && len(r.Loads) == 0 && len(r.Capacities) == 0 && len(r.Fuzzes) == 0 {
		return nil, fmt.Errorf("%w: no directory given", ErrNoResults)
	}
	return r, nil
}

// readDir reads the runs saved in dir itself and reports whether there
// were any.
func (r *Runs) readDir(dir string) (bool, error) {
	c, cerr := ReadConformance(filepath.Join(dir, ConformanceFile))
	l, lerr := ReadLoadRun(dir)
	cp, perr := ReadCapacityRun(dir)
	fz, ferr := ReadFuzzRun(dir)
	for _, err := range []error{cerr, lerr, perr, ferr} {
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
	}
	if c != nil {
		if r.Conformance != nil {
			return false, fmt.Errorf("%s and %s: one conformance run at a time", r.ConformanceDir, dir)
		}
		r.Conformance, r.ConformanceDir = c, dir
	}
	if l != nil {
		r.Loads = append(r.Loads, l)
	}
	if cp != nil {
		r.Capacities = append(r.Capacities, cp)
	}
	if fz != nil {
		r.Fuzzes = append(r.Fuzzes, fz)
	}
	return c != nil || l != nil || cp != nil || fz != nil, nil
}

// LoadRun is one saved load run, as orybench load leaves it in its output
// directory: summary.json, timeseries.jsonl, the .hgrm percentile
// distributions and, when the CLI wrote it, run.json.
type LoadRun struct {
	Dir     string
	Run     RunInfo
	Summary LoadSummary
	Series  []SeriesPoint
	// Distributions are the .hgrm files: the overall ones first, then a
	// journey scenario's whole journeys, then each step's in the order of
	// Summary.Steps.
	Distributions []Distribution
}

// ReadLoadRun reads the load run saved in dir. summary.json is required
// (the error matches fs.ErrNotExist when there is none); the time series,
// the distributions and run.json are read when present. What run.json does
// not say is taken from the summary: the target, the duration and, when
// not recorded, the start (the summary is written when the run ends).
func ReadLoadRun(dir string) (*LoadRun, error) {
	sum, err := ReadLoadSummary(filepath.Join(dir, LoadSummaryFile))
	if err != nil {
		return nil, err
	}
	l := &LoadRun{Dir: dir, Summary: *sum}
	known := RunInfo{Target: sum.Target, DurationS: sum.DurationS}
	if st, err := os.Stat(filepath.Join(dir, LoadSummaryFile)); err == nil {
		took := time.Duration(sum.DurationS * float64(time.Second))
		known.StartedAt = st.ModTime().Add(-took).UTC().Format("2006-01-02T15:04:05Z")
	}
	if l.Run, err = readRunInfoIn(dir, known); err != nil {
		return nil, err
	}
	series, err := ReadSeries(filepath.Join(dir, SeriesFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	l.Series = series
	for _, name := range hgrmNames(l.Summary) {
		d, err := ReadHgrm(filepath.Join(dir, name.file))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		d.Name, d.Step, d.Uncorrected, d.Journey = name.label, name.step, name.uncorrected, name.journey
		l.Distributions = append(l.Distributions, *d)
	}
	return l, nil
}

// CapacityRun is one saved capacity search, as orybench capacity leaves it
// in its output directory: capacity.json and, when the CLI wrote it,
// run.json. Each step's own files are in the directories the steps name.
type CapacityRun struct {
	Dir    string
	Run    RunInfo
	Result CapacityResult
}

// ReadCapacityRun reads the capacity search saved in dir. Its error
// matches fs.ErrNotExist when dir holds no capacity.json. What run.json
// does not say (the target, the start) is taken from capacity.json.
func ReadCapacityRun(dir string) (*CapacityRun, error) {
	res, err := ReadCapacity(filepath.Join(dir, CapacityFile))
	if err != nil {
		return nil, err
	}
	c := &CapacityRun{Dir: dir, Result: *res}
	if c.Run, err = readRunInfoIn(dir, RunInfo{Target: res.Target, StartedAt: res.StartedAt}); err != nil {
		return nil, err
	}
	return c, nil
}

// readRunInfoIn reads dir's run.json, if there is one, and takes the
// target, duration and start it does not say from known.
func readRunInfoIn(dir string, known RunInfo) (RunInfo, error) {
	run, err := ReadRunInfo(filepath.Join(dir, RunInfoFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		run = &RunInfo{}
	case err != nil:
		return RunInfo{}, err
	}
	if run.Target == "" {
		run.Target = known.Target
	}
	if run.DurationS == 0 {
		run.DurationS = known.DurationS
	}
	if run.StartedAt == "" {
		run.StartedAt = known.StartedAt
	}
	return *run, nil
}

type hgrmName struct {
	file, label, step    string
	uncorrected, journey bool
}

// hgrmNames are the .hgrm files loadtest writes for a run's steps.
func hgrmNames(s LoadSummary) []hgrmName {
	names := []hgrmName{
		{file: "overall.hgrm", label: "all steps"},
		{file: "overall.uncorrected.hgrm", label: "all steps, uncorrected", uncorrected: true},
	}
	if s.Journey != nil {
		names = append(names,
			hgrmName{file: "journey.hgrm", label: "journey", journey: true},
			hgrmName{file: "journey.uncorrected.hgrm", label: "journey, uncorrected", uncorrected: true, journey: true})
	}
	if len(s.Steps) < 2 {
		return names // one step: its distributions are the overall ones
	}
	for _, st := range s.Steps {
		names = append(names,
			hgrmName{file: "step-" + st.Name + ".hgrm", label: st.Name, step: st.Name},
			hgrmName{file: "step-" + st.Name + ".uncorrected.hgrm", label: st.Name + ", uncorrected", step: st.Name, uncorrected: true})
	}
	return names
}

// RunInfoFile is the name of a run's metadata (RunInfo).
const RunInfoFile = "run.json"

// RunInfo is what a result document may not say about its run: how it was
// started and against what. The CLI writes it as run.json next to a load
// run's or a capacity search's files; conformance.json carries the same
// facts itself.
type RunInfo struct {
	Format
	Target string `json:"target,omitempty"`
	// TargetSource says where Target came from: "--target",
	// "$ORY_SDK_URL", "--url", "scenario" (the scenario's target),
	// "--profile" or "default" (local Kratos).
	TargetSource string `json:"target_source,omitempty"`
	// Contract is what the run's steps expected answers by.
	Contract      *Contract `json:"contract,omitempty"`
	KratosVersion string    `json:"kratos_version,omitempty"`
	Orybench      string    `json:"orybench_version,omitempty"`
	StartedAt     string    `json:"started_at,omitempty"`
	DurationS     float64   `json:"duration_s,omitempty"`
	Command       string    `json:"command,omitempty"`
}

// Write writes run.json into dir, at FormatVersion, and returns its path.
func (r *RunInfo) Write(dir string) (string, error) { return writeDocumentIn(dir, RunInfoFile, r) }

// ReadRunInfo reads a run.json. Its error matches fs.ErrNotExist when there
// is none, and ErrNewerFormat when a newer orybench wrote it.
func ReadRunInfo(path string) (*RunInfo, error) { return readAs[RunInfo](path) }

// RecordRun writes run.json into dir when dir holds a load run or a
// capacity search (a conformance run's document carries the same facts
// itself): info, with a load run's start from its summary.json where info
// gives none.
func RecordRun(dir string, info RunInfo) error {
	sum, err := ReadLoadSummary(filepath.Join(dir, LoadSummaryFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, err := os.Stat(filepath.Join(dir, CapacityFile)); err != nil {
			return nil // neither
		}
	case err != nil:
		return err
	case info.StartedAt == "":
		started, perr := time.Parse(time.RFC3339Nano, sum.StartedAt)
		if perr != nil {
			// Not recorded: summary.json was written as the run ended.
			started = time.Now().Add(-time.Duration(sum.DurationS * float64(time.Second)))
		}
		info.StartedAt = started.UTC().Format(time.RFC3339)
	}
	_, err = info.Write(dir)
	return err
}

// PrepareDir makes dir, where a run will write its results, and writes a
// file into it, so that a run whose results could not be saved stops at
// once, before it sends anything. Its error says why in one line.
func PrepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create the directory: %w", pathErrCause(err))
	}
	f, err := os.CreateTemp(dir, ".orybench-write-check-*")
	if err != nil {
		return fmt.Errorf("cannot write into it: %w", pathErrCause(err))
	}
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}

// pathErrCause is the system's reason inside a path error ("not a
// directory"), with the path of the failing call.
func pathErrCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s %s: %w", pe.Op, pe.Path, pe.Err)
	}
	return err
}
