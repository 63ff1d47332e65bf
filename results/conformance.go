package results

import "sort"

// Case outcomes.
const (
	Passed          = "passed"
	Failed          = "failed"
	Skipped         = "skipped"
	ExpectedFailure = "expected-failure"
	// SetupFailed: a step the case needed before its contract request
	// (making an identity, signing in, enrolling TOTP, starting a flow)
	// did not work; Reason says which and the answer that broke it. The
	// contract was not checked, and the run fails.
	SetupFailed = "setup-failed"
)

// ConformanceFile is the name of a conformance run's result document.
const ConformanceFile = "conformance.json"

// Conformance is conformance.json: every case of a run and what they cover.
type Conformance struct {
	Format
	Target TargetInfo `json:"target"`
	// Contract is what the cases were judged against; KratosVersion the
	// Kratos release the target runs, when orybench knows it (a local
	// target).
	Contract      *Contract `json:"contract,omitempty"`
	KratosVersion string    `json:"kratos_version"`
	Orybench      string    `json:"orybench_version"`
	StartedAt     string    `json:"started_at"`
	DurationS     float64   `json:"duration_s"`
	Command       string    `json:"command,omitempty"`
	// Completeness says whether the run was interrupted or label-filtered,
	// and how many cases it selected and ran; nil in a file written before
	// it was recorded.
	Completeness *Completeness `json:"completeness,omitempty"`
	Cases        []Case        `json:"cases"`
	Pairs        []Pair        `json:"pairs"`
	Coverage     Coverage      `json:"coverage"`
}

// TargetInfo says what was checked. It never carries credentials.
type TargetInfo struct {
	URL      string   `json:"url"`
	AdminURL string   `json:"admin_url,omitempty"`
	Local    bool     `json:"local"`
	Profiles []string `json:"profiles,omitempty"`
	// Hasher is how the target hashed passwords, as LoadSummary.Hasher.
	Hasher       string   `json:"hasher,omitempty"`
	Capabilities []string `json:"capabilities"`
	// Discovered is what each target was found to be configured for.
	Discovered []DiscoveredTarget `json:"discovered,omitempty"`
	// RateLimits says how often the target limited the run.
	RateLimits *RateLimits `json:"rate_limits,omitempty"`
	// Source says where the target came from: "--target", "$ORY_SDK_URL",
	// or, for local Kratos, "--profile" or "default" (the standard
	// profiles). Absent from files written before it existed.
	Source string `json:"source,omitempty"`
}

// Case is one spec.
type Case struct {
	Operation  string  `json:"operation"`
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Status     int     `json:"status"`
	Client     string  `json:"client"`
	Name       string  `json:"name"`
	Outcome    string  `json:"outcome"`
	Reason     string  `json:"reason,omitempty"`
	DurationMS float64 `json:"duration_ms"`

	// What the case saw, when it judged an answer: filled from the spec's
	// report entries, absent from files written before they existed. Every
	// string is redacted.

	// Request is the last request judged, "METHOD URL".
	Request string `json:"request,omitempty"`
	// ExpectedStatus is the status that request was meant to get and
	// ActualStatus the one it got.
	ExpectedStatus int `json:"expected_status,omitempty"`
	ActualStatus   int `json:"actual_status,omitempty"`
	// Schema is the component the body was judged against.
	Schema string `json:"schema,omitempty"`
	// Violations are the body's departures from Schema, explained by a
	// known deviation or not.
	Violations []Violation `json:"violations,omitempty"`
	// Deviations are the known spec deviations the answers showed.
	Deviations []Deviation `json:"deviations,omitempty"`
	// Failure is the whole failure message and Location where it was
	// raised (file:line), for a failed case.
	Failure  string `json:"failure,omitempty"`
	Location string `json:"location,omitempty"`
}

// Violation is one departure of a body from its schema.
type Violation struct {
	// Pointer is the RFC 6901 JSON pointer of the member, "" for the body.
	Pointer  string `json:"pointer"`
	Rule     string `json:"rule"`
	Expected string `json:"expected,omitempty"`
	Found    string `json:"found,omitempty"`
	// Deviation is the ID of the known deviation that explains it; empty
	// when none does (the case failed on it).
	Deviation string `json:"deviation,omitempty"`
}

// Deviation is a known departure of Kratos from its OpenAPI document
// (schemas/known_deviations.yaml).
type Deviation struct {
	ID       string `json:"id"`
	Summary  string `json:"summary"`
	Upstream string `json:"upstream,omitempty"`
}

// Pair is the verdict on one documented (operation, status) pair.
type Pair struct {
	Operation string `json:"operation"`
	Status    int    `json:"status"`
	// Outcome is passed, deviating, failed, setup-failed, skipped or
	// untriggerable.
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
}

// Pair outcomes beyond the case outcomes.
const (
	Deviating     = "deviating"
	Untriggerable = "untriggerable"
)

// Coverage counts the documented pairs by verdict.
type Coverage struct {
	DocumentedPairs int `json:"documented_pairs"`
	PassedPairs     int `json:"passed_pairs"`
	DeviatingPairs  int `json:"deviating_pairs"`
	FailedPairs     int `json:"failed_pairs"`
	// SetupFailedPairs did not fail, but a case of theirs failed in
	// set-up.
	SetupFailedPairs   int `json:"setup_failed_pairs,omitempty"`
	SkippedPairs       int `json:"skipped_pairs"`
	UntriggerablePairs int `json:"untriggerable_pairs"`
}

// JudgePairs decides each documented pair from its cases: failed if any case
// failed; setup-failed if a case failed in set-up; deviating if the only
// non-passing cases are expected failures;
// passed if a case passed; untriggerable or skipped otherwise (a pair with no
// case at all is skipped, and says so).
func JudgePairs(documented []Pair, cases []Case) ([]Pair, Coverage) {
	byPair := map[[2]any][]Case{}
	for _, c := range cases {
		k := [2]any{c.Operation, c.Status}
		byPair[k] = append(byPair[k], c)
	}
	out := make([]Pair, 0, len(documented))
	cov := Coverage{DocumentedPairs: len(documented)}
	for _, d := range documented {
		p := Pair{Operation: d.Operation, Status: d.Status}
		var passed, failed, setupFailed, expected, skipped []Case
		for _, c := range byPair[[2]any{d.Operation, d.Status}] {
			switch c.Outcome {
			case Passed:
				passed = append(passed, c)
			case Failed:
				failed = append(failed, c)
			case SetupFailed:
				setupFailed = append(setupFailed, c)
			case ExpectedFailure:
				expected = append(expected, c)
			default:
				skipped = append(skipped, c)
			}
		}
		switch {
		case len(failed) > 0:
			p.Outcome, p.Reason = Failed, failed[0].Name+": "+failed[0].Reason
			cov.FailedPairs++
		case len(setupFailed) > 0:
			p.Outcome, p.Reason = SetupFailed, setupFailed[0].Name+": "+setupFailed[0].Reason
			cov.SetupFailedPairs++
		case len(expected) > 0:
			p.Outcome, p.Reason = Deviating, expected[0].Reason
			cov.DeviatingPairs++
		case len(passed) > 0:
			p.Outcome = Passed
			cov.PassedPairs++
		case d.Outcome == Untriggerable:
			p.Outcome, p.Reason = Untriggerable, d.Reason
			cov.UntriggerablePairs++
		case len(skipped) > 0:
			p.Outcome, p.Reason = Skipped, skipReason(skipped)
			cov.SkippedPairs++
		default:
			p.Outcome, p.Reason = Skipped, "no case reaches this status yet"
			cov.SkippedPairs++
		}
		out = append(out, p)
	}
	return out, cov
}

// skipReason is the reason of a pair whose cases were all skipped: the
// first that is the cases' own, FilteredOut only when the label filter left
// every one out.
func skipReason(skipped []Case) string {
	for _, c := range skipped {
		if c.Reason != FilteredOut {
			return c.Reason
		}
	}
	return skipped[0].Reason
}

// Failed reports whether any case failed, in its contract check or in
// set-up.
func (c *Conformance) Failed() bool {
	return c.Coverage.FailedPairs > 0 || c.Coverage.SetupFailedPairs > 0 || c.FailedCases() > 0 || c.SetupFailedCases() > 0
}

// FailedCases counts the cases that failed their contract check.
func (c *Conformance) FailedCases() int { return c.countCases(Failed) }

// SetupFailedCases counts the cases that failed in set-up.
func (c *Conformance) SetupFailedCases() int { return c.countCases(SetupFailed) }

func (c *Conformance) countCases(outcome string) int {
	n := 0
	for _, k := range c.Cases {
		if k.Outcome == outcome {
			n++
		}
	}
	return n
}

// Write writes conformance.json into dir, at FormatVersion, and returns its
// path.
func (c *Conformance) Write(dir string) (string, error) {
	sort.SliceStable(c.Cases, func(i, j int) bool {
		a, b := c.Cases[i], c.Cases[j]
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		return a.Status < b.Status
	})
	return writeDocumentIn(dir, ConformanceFile, c)
}

// ReadConformance reads a conformance.json. Its error matches
// fs.ErrNotExist when there is none, and ErrNewerFormat when a newer
// orybench wrote it.
func ReadConformance(path string) (*Conformance, error) { return readAs[Conformance](path) }
