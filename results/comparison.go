package results

import "time"

// ComparisonFile is the name of a release comparison's result document.
const ComparisonFile = "compare.json"

// A Comparison is a release comparison, written as compare.json: what
// changed from a baseline's saved runs to a candidate's. The contract part
// lists the conformance cases whose outcome changed; the latency part
// judges each load step's p50 and p99 with a bootstrap confidence interval.
type Comparison struct {
	Format
	Baseline  CompareSide `json:"baseline"`
	Candidate CompareSide `json:"candidate"`
	// Tolerance is the smallest relative latency change that counts:
	// 0.1 is 10 %.
	Tolerance float64 `json:"tolerance"`
	// Level is the confidence level of the intervals.
	Level    float64        `json:"level"`
	Contract *ContractDiff  `json:"contract,omitempty"`
	Steps    []StepDiff     `json:"steps"`
	Notes    []string       `json:"notes,omitempty"`
	Verdict  CompareVerdict `json:"verdict"`
	// Orybench is the version that compares; GeneratedAt when.
	Orybench    string    `json:"orybench_version"`
	GeneratedAt time.Time `json:"generated_at"`
}

// CompareSide is what one side of a comparison holds.
type CompareSide struct {
	Dir           string    `json:"dir"`
	KratosVersion string    `json:"kratos_version,omitempty"`
	Contract      *Contract `json:"contract,omitempty"`
	Conformance   bool      `json:"conformance"`
	Loads         []string  `json:"loads,omitempty"` // "scenario (directory)"
}

// CompareVerdict counts what the comparison found.
type CompareVerdict struct {
	ContractRegressions int `json:"contract_regressions"`
	// LostPairs counts the pairs that passed or deviated in the baseline
	// and are skipped, filtered out or missing in the candidate.
	LostPairs          int `json:"lost_pairs"`
	LatencyRegressions int `json:"latency_regressions"`
	JudgedSteps        int `json:"judged_steps"`
}

// Regressed reports whether anything got worse.
func (c *Comparison) Regressed() bool {
	return c.Verdict.ContractRegressions+c.Verdict.LostPairs+c.Verdict.LatencyRegressions > 0
}

// ContractDiff is the change of a conformance run's outcomes.
type ContractDiff struct {
	Baseline  Coverage     `json:"baseline_coverage"`
	Candidate Coverage     `json:"candidate_coverage"`
	Cases     [2]int       `json:"cases"`
	Changes   []CaseChange `json:"changes"`
	// LostPairs are the pairs the baseline judged (passed or deviating)
	// that the candidate skipped, filtered out or does not have: each a
	// regression.
	LostPairs []PairChange `json:"lost_pairs,omitempty"`
}

// CaseChange is one case whose outcome changed, by operation and status.
// From or To is Absent when the case ran on one side only.
type CaseChange struct {
	Operation string `json:"operation"`
	Status    int    `json:"status"`
	Client    string `json:"client"`
	Name      string `json:"name"`
	From      string `json:"from"`
	To        string `json:"to"`
	// Reason is the candidate's reason (or the baseline's, for a case the
	// candidate did not run), redacted.
	Reason string `json:"reason,omitempty"`
	// Regression: the candidate fails a case the baseline did not.
	Regression bool `json:"regression"`
}

// Absent is the outcome of a case that one side did not run.
const Absent = "absent"

// StepDiff compares one load step of a run on both sides.
type StepDiff struct {
	// Run names the pair of runs: their scenario, and their directory when
	// one side holds several runs of it.
	Run      string `json:"run"`
	Scenario string `json:"scenario"`
	// Step is the step's name; AllSteps for a run's overall series.
	Step string `json:"step"`
	// Source says where the per-second series came from: SeriesFile or
	// RequestsFile.
	Source   string       `json:"source,omitempty"`
	Requests [2]uint64    `json:"requests"`
	Errors   [2]uint64    `json:"errors"`
	WholeRun [2]Latency   `json:"whole_run_ms"`
	Metrics  []MetricDiff `json:"metrics,omitempty"`
	// NotJudged says why the step's latency was not judged.
	NotJudged string   `json:"not_judged,omitempty"`
	Notes     []string `json:"notes,omitempty"`
	// Server compares the server's own figures of the whole runs; set on
	// a run's overall step when either side asked for them.
	Server *ServerDiff `json:"server,omitempty"`

	// Seconds are the seconds judged, the baseline's and the candidate's,
	// for a chart. They are not written to compare.json: a comparison read
	// back has none.
	Seconds [2][]SecondLatency `json:"-"`
}

// AllSteps names a run's overall series in a StepDiff.
const AllSteps = "all steps"

// SecondLatency is one second of a run as a comparison judges it: its
// answers and their latency percentiles in milliseconds (corrected, from
// intended send), by the time the answers arrived. T counts seconds from
// the run's start.
type SecondLatency struct {
	T        int64
	Requests uint64
	P50, P99 float64
}

// MetricDiff is the judged change of one per-second percentile: the
// change's statistic is the median over the run's seconds.
type MetricDiff struct {
	Name string `json:"name"` // p50, p99
	RelativeChange
	Verdict string `json:"verdict"`
}

// RelativeChange is a statistic's relative change from a baseline series
// to a candidate series, with its bootstrap confidence interval.
type RelativeChange struct {
	Baseline  float64 `json:"baseline"`  // the statistic of the baseline series
	Candidate float64 `json:"candidate"` // the statistic of the candidate series
	// Rel is Candidate/Baseline − 1: +0.2 is 20 % higher.
	Rel float64 `json:"rel"`
	// Lo and Hi bound Rel's confidence interval at Level.
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	Level float64 `json:"level"`
	// Points and BlockLen are each series' length and block length.
	Points    [2]int `json:"points"`
	BlockLen  [2]int `json:"block_len"`
	Resamples int    `json:"resamples"`
}

// Significant reports whether the interval excludes no change.
func (c RelativeChange) Significant() bool { return c.Lo > 0 || c.Hi < 0 }

// Latency verdicts of a MetricDiff.
const (
	Regressed       = "regressed"        // significant and above the tolerance
	Improved        = "improved"         // significant and below minus the tolerance
	WithinTolerance = "within tolerance" // significant, but smaller than the tolerance
	NotSignificant  = "not significant"  // the interval holds no change
)

// Write writes compare.json into dir, at FormatVersion, and returns its
// path.
func (c *Comparison) Write(dir string) (string, error) {
	return writeDocumentIn(dir, ComparisonFile, c)
}

// ReadComparison reads a compare.json. Its error matches fs.ErrNotExist
// when there is none, and ErrNewerFormat when a newer orybench wrote it.
func ReadComparison(path string) (*Comparison, error) { return readAs[Comparison](path) }

// ServerDiff compares what the target's own metrics said over a pair of
// runs (LoadSummary.Server). Its figures come from histogram buckets and
// counters, not per-request samples: they have no confidence interval and
// no verdict, only their change.
type ServerDiff struct {
	// NotMeasured says which side has no server figures, and why; the
	// metrics are then empty.
	NotMeasured string             `json:"not_measured,omitempty"`
	Metrics     []ServerMetricDiff `json:"metrics,omitempty"`
}

// ServerMetricDiff is one server figure on both sides: "server p50",
// "server p99" (ms, from the duration histogram's buckets), "cpu per
// request" (ms of CPU).
type ServerMetricDiff struct {
	Name      string  `json:"name"`
	Unit      string  `json:"unit"`
	Baseline  float64 `json:"baseline"`
	Candidate float64 `json:"candidate"`
	// Rel is Candidate/Baseline − 1; 0 when Baseline is 0.
	Rel float64 `json:"rel"`
}
