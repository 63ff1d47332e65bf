package loadtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Summary is the outcome of a run, written as summary.json. Latencies are in
// milliseconds; latency_ms is measured from each hit's intended send time
// (corrected for coordinated omission), latency_uncorrected_ms from when it
// was actually sent.
type Summary struct {
	Scenario           string            `json:"scenario"`
	Target             string            `json:"target"`
	DurationS          float64           `json:"duration_s"`
	Requests           uint64            `json:"requests"`
	Rate               RateSummary       `json:"rate"`
	Latency            Latency           `json:"latency_ms"`
	LatencyUncorrected Latency           `json:"latency_uncorrected_ms"`
	StatusCodes        map[string]uint64 `json:"status_codes"`
	RateLimited        uint64            `json:"rate_limited"`
	Errors             ErrorSummary      `json:"errors"`
	Steps              []StepSummary     `json:"steps"`
	Thresholds         []ThresholdResult `json:"thresholds"`
	Passed             bool              `json:"passed"`

	// Unsent counts hits due before the end that were never sent (the
	// workers were all busy); Canceled counts requests still in flight when
	// an interrupted run closed their connections (not judged).
	Unsent   uint64 `json:"unsent"`
	Canceled uint64 `json:"canceled"`
	// Stopped says why a run ended early: "interrupted", "target down",
	// "threshold breached"; empty when it ran its course.
	Stopped string `json:"stopped,omitempty"`
	// WarmupRequests were sent before the clock started and not measured.
	WarmupRequests uint64 `json:"warmup_requests"`
	// CleanupError says what could not be removed after the run.
	CleanupError string `json:"cleanup_error,omitempty"`
	// Files written, relative to the output directory.
	Files []string `json:"files,omitempty"`
	// StartedAt is when the measured attack began, RFC 3339 with
	// nanoseconds: hit n was due StartedAt + Profile.Due(n). Merge aligns
	// the time series of shards by it.
	StartedAt string `json:"started_at,omitempty"`
	// Shard is set on a shard's summary (WithShard), and on a merge, whose
	// Index is 0.
	Shard *ShardSummary `json:"shard,omitempty"`
}

// ShardSummary says which share of a sharded run a summary holds, and what
// the whole run was, so that Merge can tell whether shards belong together.
type ShardSummary struct {
	Shard
	// Rate is the whole run's rate profile (RateSpec.String), DurationS its
	// planned duration and MaxHits its cap on hits, before sharing.
	Rate      string  `json:"rate"`
	DurationS float64 `json:"planned_duration_s"`
	MaxHits   uint64  `json:"max_hits"`
}

// RateSummary is the requested and achieved rate in hits per second over
// the measured duration: Requested is the mean rate the profile asked for
// (a constant profile's rate, exactly), Achieved the requests sent, answered
// or not, over the same time.
type RateSummary struct {
	Requested float64 `json:"requested"`
	Achieved  float64 `json:"achieved"`
}

// ErrorSummary counts failed requests: unexpected statuses and transport
// errors, by kind (unexpected_status, timeout, connection_refused,
// connection_reset, tls, other).
type ErrorSummary struct {
	Total  uint64            `json:"total"`
	ByKind map[string]uint64 `json:"by_kind"`
}

// StepSummary is the outcome of one step.
type StepSummary struct {
	Name               string            `json:"name"`
	Requests           uint64            `json:"requests"`
	Latency            Latency           `json:"latency_ms"`
	LatencyUncorrected Latency           `json:"latency_uncorrected_ms"`
	StatusCodes        map[string]uint64 `json:"status_codes"`
	RateLimited        uint64            `json:"rate_limited"`
	Errors             ErrorSummary      `json:"errors"`
	// Weight is the step's share of hits relative to the other steps'.
	Weight int `json:"weight,omitempty"`
}

// breached returns an error wrapping ErrThresholdsFailed that names the
// thresholds breached, or nil when all held.
func (s *Summary) breached() error {
	if s.Passed {
		return nil
	}
	var failed []string
	for _, t := range s.Thresholds {
		if !t.OK {
			failed = append(failed, t.Expr)
		}
	}
	return fmt.Errorf("%w: %s", ErrThresholdsFailed, strings.Join(failed, ", "))
}

// describe adds to a run's summary what the plan knows: when the measured
// attack began, the steps' weights and, for a shard, which one.
func (p *plan) describe(s *Summary, began time.Time) {
	if !began.IsZero() {
		s.StartedAt = began.UTC().Format(time.RFC3339Nano)
	}
	for i := range s.Steps {
		s.Steps[i].Weight = p.sc.Steps[i].Weight
	}
	if !p.shard.IsZero() {
		s.Shard = &ShardSummary{Shard: p.shard, Rate: p.sc.Rate.String(), DurationS: p.sc.Duration.Seconds(),
			MaxHits: p.wholeMaxHits}
	}
}

// ThresholdResult is one judged threshold; Actual is in the threshold's
// unit (ms, a fraction, hits per second).
type ThresholdResult struct {
	Expr   string  `json:"expr"`
	Step   string  `json:"step"`
	Actual float64 `json:"actual"`
	OK     bool    `json:"ok"`
}

// ErrThresholdsFailed is returned, wrapped, by Run when a threshold is
// breached. Callers map it to exit code 1.
var ErrThresholdsFailed = errors.New("thresholds failed")

// ErrTargetDown is returned, wrapped, by Run when the target stopped
// accepting connections during the run.
var ErrTargetDown = errors.New("target down")

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

// writeFileAtomic writes through a temporary file, so that an interrupted
// write never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
