package capacity

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/orybench/orybench/results"
)

// File is the name of the result file in the output directory.
const File = "capacity.json"

// Result is the outcome of a search, written as capacity.json. Rates are in
// requests per second, latencies in milliseconds, corrected for coordinated
// omission (from each request's intended send time).
type Result struct {
	Scenario string `json:"scenario"`
	Target   string `json:"target"`
	// SLO is what every run at a rate must hold for the rate to count as
	// sustainable, including the achieved-rate rule.
	SLO []string `json:"slo"`
	// SustainableRate is the highest rate at which every measured run held
	// the SLO; 0 when none did (Found is false).
	SustainableRate float64    `json:"sustainable_rate"`
	Found           bool       `json:"found"`
	Confidence      Confidence `json:"confidence"`
	// Ended says why the search stopped: see the End constants.
	Ended     End      `json:"ended"`
	Settings  Settings `json:"settings"`
	StartedAt string   `json:"started_at"`
	DurationS float64  `json:"duration_s"`
	// Steps are the runs in the order they ran.
	Steps []Step `json:"steps"`
}

// End is why a search stopped.
type End string

// The ways a search ends.
const (
	// EndBracketed: the sustainable rate and the lowest failing rate are
	// within the precision, and the sustainable rate was confirmed.
	EndBracketed End = "bracketed"
	// EndMaxRate: the maximum rate held; the sustainable rate is a lower
	// bound.
	EndMaxRate End = "max-rate"
	// EndMinRate: no rate down to the minimum rate held.
	EndMinRate End = "min-rate"
	// EndMaxDuration: the next run would not have fit in the time allowed.
	EndMaxDuration End = "max-duration"
	// EndMaxSteps: the search ran its maximum number of runs.
	EndMaxSteps End = "max-steps"
	// EndUnconfirmed: the confirmation run failed too often.
	EndUnconfirmed End = "unconfirmed"
	// EndInterrupted: the context was done, or a run could not be judged
	// (the target went down); the result holds what was measured.
	EndInterrupted End = "interrupted"
)

// Confidence says how much the sustainable rate can be trusted: how often
// it was measured to hold, and how close above it a rate failed.
type Confidence struct {
	// Level is "high" (held on every one of at least two runs, and a rate
	// within the precision above it failed), "medium" (held on every one of
	// at least two runs, but the failing rate above it is farther than the
	// precision, or no rate failed: a lower bound), "low" (held on the one
	// run there was time for) or "none" (no sustainable rate).
	Level  string `json:"level"`
	Reason string `json:"reason"`
	// Runs is the number of measured runs at the sustainable rate, all held.
	Runs int `json:"runs"`
	// LowestFailingRate is the lowest rate above the sustainable one at
	// which a run failed; 0 when none failed.
	LowestFailingRate float64 `json:"lowest_failing_rate,omitempty"`
	// Precision is (LowestFailingRate - SustainableRate) / SustainableRate:
	// the capacity lies in between.
	Precision float64 `json:"precision,omitempty"`
}

// Settings are the search's bounds and rules, as used.
type Settings struct {
	StartRate     float64 `json:"start_rate"`
	MinRate       float64 `json:"min_rate"`
	MaxRate       float64 `json:"max_rate"`
	Precision     float64 `json:"precision"`
	StepDurationS float64 `json:"step_duration_s"`
	WarmupS       float64 `json:"warmup_s"`
	MaxDurationS  float64 `json:"max_duration_s"`
	MaxConfirms   int     `json:"max_confirmations"`
}

// Phase says why a step ran.
type Phase string

// The phases of a search.
const (
	PhaseStart   Phase = "start"   // the start rate
	PhaseDown    Phase = "down"    // halving: the start rate failed
	PhaseUp      Phase = "up"      // doubling until a rate fails
	PhaseBisect  Phase = "bisect"  // between the highest held and the lowest failed rate
	PhaseConfirm Phase = "confirm" // the winner run again
)

// Step is one measured run at a constant rate.
type Step struct {
	N     int     `json:"n"`
	Phase Phase   `json:"phase"`
	Rate  float64 `json:"rate"` // requested
	// Achieved is the rate of requests sent over the measured time.
	Achieved  float64 `json:"achieved"`
	P50       float64 `json:"p50_ms"`
	P99       float64 `json:"p99_ms"`
	ErrorRate float64 `json:"error_rate"`
	Held      bool    `json:"held"`
	// Breached are the SLO expressions the run did not hold.
	Breached []string `json:"breached,omitempty"`
	// Error is why the run could not be judged, if it could not.
	Error string `json:"error,omitempty"`
	// Dir holds the run's files (summary.json, .hgrm, timeseries.jsonl,
	// results.bin), relative to the search's output directory.
	Dir       string `json:"dir,omitempty"`
	StartedAt string `json:"started_at"`
	// WallS is how long the step took, set-up and warm-up included.
	WallS   float64              `json:"wall_s"`
	Summary *results.LoadSummary `json:"summary,omitempty"`
}

// Read reads capacity.json from dir. Its error matches fs.ErrNotExist when
// there is none.
func Read(dir string) (*Result, error) {
	path := filepath.Join(dir, File)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &r, nil
}

// write writes r as capacity.json into dir, through a temporary file so
// that a reader never sees half of it.
func (r *Result) write(dir string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+File+".*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(append(data, '\n'))
	if err := errors.Join(werr, tmp.Chmod(0o644), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, File))
}
