package reports

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/orybench/orybench/results"
)

// Load is one saved load run, as orybench load leaves it in its output
// directory: summary.json, timeseries.jsonl, the .hgrm percentile
// distributions and, when the CLI wrote it, run.json.
type Load struct {
	Dir     string
	Run     RunInfo
	Summary results.LoadSummary
	Series  []results.SeriesPoint
	// Distributions are the .hgrm files: the overall ones first, then each
	// step's in the order of Summary.Steps.
	Distributions []Distribution
}

// RunInfo is what a result file may not say about its run: how it was
// started and against what. The CLI writes it as run.json next to a load
// run's files; conformance.json carries the same facts itself.
type RunInfo struct {
	Target        string  `json:"target,omitempty"`
	KratosVersion string  `json:"kratos_version,omitempty"`
	Orybench      string  `json:"orybench_version,omitempty"`
	StartedAt     string  `json:"started_at,omitempty"`
	DurationS     float64 `json:"duration_s,omitempty"`
	Command       string  `json:"command,omitempty"`
}

// File names of saved results.
const (
	conformanceFile = "conformance.json"
	summaryFile     = "summary.json"
	seriesFile      = "timeseries.jsonl"
	runInfoFile     = "run.json"
)

// WriteRunInfo writes run.json into dir.
func WriteRunInfo(dir string, info RunInfo) error {
	data, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, runInfoFile)
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ReadLoad reads the load run saved in dir. summary.json is required; the
// time series, the distributions and run.json are read when present.
func ReadLoad(dir string) (*Load, error) {
	l := &Load{Dir: dir}
	if err := readJSON(filepath.Join(dir, summaryFile), &l.Summary); err != nil {
		return nil, err
	}
	if err := readJSON(filepath.Join(dir, runInfoFile), &l.Run); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if l.Run.Target == "" {
		l.Run.Target = l.Summary.Target
	}
	if l.Run.DurationS == 0 {
		l.Run.DurationS = l.Summary.DurationS
	}
	if l.Run.StartedAt == "" {
		// Not recorded: the summary is written when the run ends.
		if st, err := os.Stat(filepath.Join(dir, summaryFile)); err == nil {
			l.Run.StartedAt = st.ModTime().Add(-secondsDur(l.Summary.DurationS)).UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	series, err := results.ReadSeries(filepath.Join(dir, seriesFile))
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
		d.Name, d.Step, d.Uncorrected = name.label, name.step, name.uncorrected
		l.Distributions = append(l.Distributions, *d)
	}
	return l, nil
}

type hgrmName struct {
	file, label, step string
	uncorrected       bool
}

// hgrmNames are the .hgrm files loadtest writes for a run's steps.
func hgrmNames(s results.LoadSummary) []hgrmName {
	names := []hgrmName{
		{file: "overall.hgrm", label: "all steps"},
		{file: "overall.uncorrected.hgrm", label: "all steps, uncorrected", uncorrected: true},
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

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ThresholdUnit says what a threshold's actual value is measured in, from
// its expression: "%" for error_rate and rate_limited (a fraction), "/s" for
// rate, "ms" for latencies.
func ThresholdUnit(expr string) string {
	m := expr
	if _, rest, ok := strings.Cut(expr, ":"); ok {
		m = rest
	}
	m = strings.TrimSpace(m)
	switch {
	case strings.HasPrefix(m, "error_rate"), strings.HasPrefix(m, "rate_limited"):
		return "%"
	case strings.HasPrefix(m, "rate"):
		return "/s"
	}
	return "ms"
}

// FormatThresholdActual formats a threshold's actual value in its unit.
func FormatThresholdActual(expr string, v float64) string {
	switch ThresholdUnit(expr) {
	case "%":
		return trimFloat(v*100, 3) + "%"
	case "/s":
		return trimFloat(v, 1) + "/s"
	}
	return trimFloat(v, 3) + " ms"
}
