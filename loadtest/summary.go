package loadtest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/orybench/orybench/results"
)

// breached returns an error wrapping ErrThresholdsFailed that names the
// thresholds of s breached, or nil when all held.
func breached(s *results.LoadSummary) error {
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
func (p *plan) describe(s *results.LoadSummary, began time.Time) {
	if !began.IsZero() {
		s.StartedAt = began.UTC().Format(time.RFC3339Nano)
	}
	for i := range s.Steps {
		s.Steps[i].Weight = p.sc.Steps[i].Weight
	}
	if !p.shard.IsZero() {
		s.Shard = &results.ShardSummary{Shard: results.Shard(p.shard), Rate: p.sc.Rate.String(), DurationS: p.sc.Duration.Seconds(),
			MaxHits: p.wholeMaxHits}
	}
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

// writeFileAtomic writes data through a temporary file (results.WriteFile),
// so that an interrupted write never leaves half a file.
func writeFileAtomic(path string, data []byte) error {
	return results.WriteFile(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
