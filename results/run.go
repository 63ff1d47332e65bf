package results

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// RunInfoFile is the name of a run's metadata (RunInfo).
const RunInfoFile = "run.json"

// RunInfo is what a result document may not say about its run: how it was
// started and against what. The CLI writes it as run.json next to a load
// run's or a capacity search's files; conformance.json carries the same
// facts itself.
type RunInfo struct {
	Format
	Target        string  `json:"target,omitempty"`
	KratosVersion string  `json:"kratos_version,omitempty"`
	Orybench      string  `json:"orybench_version,omitempty"`
	StartedAt     string  `json:"started_at,omitempty"`
	DurationS     float64 `json:"duration_s,omitempty"`
	Command       string  `json:"command,omitempty"`
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
