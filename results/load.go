package results

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

// File names of a load run's results.
const (
	// LoadSummaryFile is a load run's result document (LoadSummary).
	LoadSummaryFile = "summary.json"
	// SeriesFile is its time series, one SeriesPoint a line.
	SeriesFile = "timeseries.jsonl"
	// RequestsFile is vegeta's encoding of every request of the run: its
	// step (Attack), intended send time (Timestamp) and corrected latency.
	RequestsFile = "results.bin"
)

// LoadSummary is the outcome of a load run, written as summary.json.
// Latencies are in milliseconds; latency_ms is measured from each hit's
// intended send time (corrected for coordinated omission),
// latency_uncorrected_ms from when it was actually sent.
type LoadSummary struct {
	Format
	Scenario string `json:"scenario"`
	Target   string `json:"target"`
	// Hasher is how the target hashed passwords: a local Kratos's hasher
	// ("bcrypt cost 12 (Kratos default)"), or "the target's own" for one
	// orybench did not start. Absent from files written before it was
	// recorded.
	Hasher             string            `json:"hasher,omitempty"`
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
	// nanoseconds: hit n was due StartedAt plus the rate profile's due time
	// of n. A merge of shards aligns their time series by it.
	StartedAt string `json:"started_at,omitempty"`
	// Shard is set on a shard's summary, and on a merge of shards, whose
	// Index is 0.
	Shard *ShardSummary `json:"shard,omitempty"`
	// Journey is set for a journey scenario: each arrival ran the steps in
	// order. Steps then are its steps, the fields above its requests.
	Journey *JourneySummary `json:"journey,omitempty"`
	// Server is what the target's own metrics said over the measured run;
	// absent when none were asked for (--metrics-url=) and from files
	// written before they were read.
	Server *ServerView `json:"server,omitempty"`
}

// JourneySummary is the outcome of a journey scenario, whose arrivals each
// ran its steps in order as one virtual user. Latencies are in
// milliseconds, of the completed journeys: latency_ms from each arrival's
// intended start (due) to the end of its last answer, less the think time
// (and mail wait) between its steps; latency_uncorrected_ms the sum of its
// requests' own latencies.
type JourneySummary struct {
	// Client is the kind of caller: native, browser or spa.
	Client string `json:"client"`
	// ThinkMs is the pause between two requests of a journey.
	ThinkMs float64 `json:"think_ms"`
	// Rate is in journeys per second: Requested the mean rate the profile
	// asked for, Achieved the journeys started over the same time.
	Rate RateSummary `json:"rate"`
	// CompletedPerS is the journeys completed per second.
	CompletedPerS      float64 `json:"completed_per_s"`
	Started            uint64  `json:"started"`
	Completed          uint64  `json:"completed"`
	Stopped            uint64  `json:"stopped"`
	Canceled           uint64  `json:"canceled"`
	Latency            Latency `json:"latency_ms"`
	LatencyUncorrected Latency `json:"latency_uncorrected_ms"`
	// StoppedBy counts the journeys stopped by a step whose answer was not
	// expected, by the step and the kind of error (unexpected_status,
	// timeout, …, rate_limited; missing_value: an earlier answer lacked
	// a value the step takes; mail: the mail it takes a code from did not
	// come; identity: no test identity could be made for the user).
	StoppedBy []JourneyStop `json:"stopped_by"`
	// IdentitiesRegistered counts the identities registration journeys
	// made (warm-up included); IdentitiesRemoved those removed after the
	// run through the admin API. Without one, the rest are left for
	// `orybench cleanup`, which recognises their addresses.
	IdentitiesRegistered uint64 `json:"identities_registered"`
	IdentitiesRemoved    uint64 `json:"identities_removed"`
}

// JourneyStop counts the journeys a step stopped with one kind of error.
type JourneyStop struct {
	Step  string `json:"step"`
	Kind  string `json:"kind"`
	Count uint64 `json:"count"`
}

// Shard says which of Count processes that share one run wrote a result:
// Index counts from 1 to Count, 0 for a merge. The zero Shard is a whole
// run.
type Shard struct {
	Index int `json:"index"`
	Count int `json:"count"`
}

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// ShardSummary says which share of a sharded run a summary holds, and what
// the whole run was, so that a merge can tell whether shards belong
// together.
type ShardSummary struct {
	Shard
	// Rate is the whole run's rate profile, DurationS its planned duration
	// and MaxHits its cap on hits, before sharing.
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

// Latency is a latency distribution in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
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

// ThresholdResult is one judged threshold; Actual is in the threshold's
// unit (ms, a fraction, hits per second).
type ThresholdResult struct {
	Expr   string  `json:"expr"`
	Step   string  `json:"step"`
	Actual float64 `json:"actual"`
	OK     bool    `json:"ok"`
}

// Write writes summary.json into dir, at FormatVersion, and returns its
// path.
func (s *LoadSummary) Write(dir string) (string, error) {
	return writeDocumentIn(dir, LoadSummaryFile, s)
}

// ReadLoadSummary reads a summary.json. Its error matches fs.ErrNotExist
// when there is none, and ErrNewerFormat when a newer orybench wrote it.
func ReadLoadSummary(path string) (*LoadSummary, error) { return readAs[LoadSummary](path) }

// SeriesPoint is one second of a load run's time series (timeseries.jsonl),
// by the time answers arrived. Latencies are in milliseconds: p50_ms …
// max_ms from each hit's intended send time (corrected for coordinated
// omission), the *_uncorrected_ms ones from when it was actually sent. A
// second with no measured answer has zero latencies.
//
// P90 and the uncorrected percentiles were recorded per second later than
// the others: they are nil in points read from runs saved before, and set
// in every point written since.
type SeriesPoint struct {
	T              int64             `json:"t"`
	Requests       uint64            `json:"requests"`
	Errors         uint64            `json:"errors"`
	RateLimited    uint64            `json:"rate_limited"`
	P50            float64           `json:"p50_ms"`
	P90            *float64          `json:"p90_ms,omitempty"`
	P99            float64           `json:"p99_ms"`
	Max            float64           `json:"max_ms"`
	P50Uncorrected *float64          `json:"p50_uncorrected_ms,omitempty"`
	P90Uncorrected *float64          `json:"p90_uncorrected_ms,omitempty"`
	P99Uncorrected *float64          `json:"p99_uncorrected_ms,omitempty"`
	MaxUncorrected *float64          `json:"max_uncorrected_ms,omitempty"`
	StatusCodes    map[string]uint64 `json:"status_codes"`
}

// ReadSeries reads a timeseries.jsonl, in the order of its seconds. A line
// that does not parse (an interrupted run can leave half a last line) ends
// the reading with an error naming it, and the points before it.
func ReadSeries(path string) ([]SeriesPoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []SeriesPoint
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var p SeriesPoint
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			return out, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("%s: %w", path, err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].T < out[j].T })
	return out, nil
}
