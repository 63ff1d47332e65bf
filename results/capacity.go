package results

// CapacityFile is the name of a capacity search's result document.
const CapacityFile = "capacity.json"

// CapacityResult is the outcome of a capacity search (the highest constant
// rate at which a target meets an SLO), written as capacity.json. Rates are
// in requests per second, latencies in milliseconds, corrected for
// coordinated omission (from each request's intended send time).
type CapacityResult struct {
	Format
	Scenario string `json:"scenario"`
	Target   string `json:"target"`
	// Hasher is how the target hashed passwords, as LoadSummary.Hasher.
	Hasher string `json:"hasher,omitempty"`
	// SLO is what every run at a rate must hold for the rate to count as
	// sustainable, including the achieved-rate rule.
	SLO []string `json:"slo"`
	// SustainableRate is the highest rate at which every measured run held
	// the SLO; 0 when none did (Found is false).
	SustainableRate float64            `json:"sustainable_rate"`
	Found           bool               `json:"found"`
	Confidence      CapacityConfidence `json:"confidence"`
	// Ended says why the search stopped: see the CapacityEnd constants.
	Ended     CapacityEnd      `json:"ended"`
	Settings  CapacitySettings `json:"settings"`
	StartedAt string           `json:"started_at"`
	DurationS float64          `json:"duration_s"`
	// Steps are the runs in the order they ran.
	Steps []CapacityStep `json:"steps"`
	// Limit names what was closest to its limit at the lowest rate that
	// failed, from the server's figures; absent without a failing rate or
	// server figures.
	Limit *CapacityLimit `json:"limit,omitempty"`
}

// CapacityEnd is why a capacity search stopped.
type CapacityEnd string

// The ways a capacity search ends.
const (
	// EndBracketed: the sustainable rate and the lowest failing rate are
	// within the precision, and the sustainable rate was confirmed.
	EndBracketed CapacityEnd = "bracketed"
	// EndMaxRate: the maximum rate held; the sustainable rate is a lower
	// bound.
	EndMaxRate CapacityEnd = "max-rate"
	// EndMinRate: no rate down to the minimum rate held.
	EndMinRate CapacityEnd = "min-rate"
	// EndMaxDuration: the next run would not have fit in the time allowed.
	EndMaxDuration CapacityEnd = "max-duration"
	// EndMaxSteps: the search ran its maximum number of runs.
	EndMaxSteps CapacityEnd = "max-steps"
	// EndUnconfirmed: the confirmation run failed too often.
	EndUnconfirmed CapacityEnd = "unconfirmed"
	// EndInterrupted: the context was done, or a run could not be judged
	// (the target went down); the result holds what was measured.
	EndInterrupted CapacityEnd = "interrupted"
)

// CapacityConfidence says how much the sustainable rate can be trusted: how
// often it was measured to hold, and how close above it a rate failed.
type CapacityConfidence struct {
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

// CapacitySettings are the search's bounds and rules, as used.
type CapacitySettings struct {
	StartRate     float64 `json:"start_rate"`
	MinRate       float64 `json:"min_rate"`
	MaxRate       float64 `json:"max_rate"`
	Precision     float64 `json:"precision"`
	StepDurationS float64 `json:"step_duration_s"`
	WarmupS       float64 `json:"warmup_s"`
	MaxDurationS  float64 `json:"max_duration_s"`
	MaxConfirms   int     `json:"max_confirmations"`
}

// CapacityPhase says why a step of a capacity search ran.
type CapacityPhase string

// The phases of a capacity search.
const (
	PhaseStart   CapacityPhase = "start"   // the start rate
	PhaseDown    CapacityPhase = "down"    // halving: the start rate failed
	PhaseUp      CapacityPhase = "up"      // doubling until a rate fails
	PhaseBisect  CapacityPhase = "bisect"  // between the highest held and the lowest failed rate
	PhaseConfirm CapacityPhase = "confirm" // the winner run again
)

// CapacityStep is one measured run of a capacity search, at a constant
// rate.
type CapacityStep struct {
	N     int           `json:"n"`
	Phase CapacityPhase `json:"phase"`
	Rate  float64       `json:"rate"` // requested
	// Achieved is the rate of requests sent over the measured time. For a
	// journey scenario, Rate and Achieved are journeys per second, the
	// latencies the journey's and ErrorRate its stopped journeys'.
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
	WallS   float64      `json:"wall_s"`
	Summary *LoadSummary `json:"summary,omitempty"`
}

// Write writes capacity.json into dir, at FormatVersion, and returns its
// path.
func (r *CapacityResult) Write(dir string) (string, error) {
	return writeDocumentIn(dir, CapacityFile, r)
}

// ReadCapacity reads a capacity.json. Its error matches fs.ErrNotExist when
// there is none, and ErrNewerFormat when a newer orybench wrote it.
func ReadCapacity(path string) (*CapacityResult, error) { return readAs[CapacityResult](path) }
