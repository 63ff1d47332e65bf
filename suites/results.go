package suites

import (
	"encoding/json"
	"fmt"
	"github.com/orybench/orybench/results"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/schemas"
)

// untriggerable are the documented pairs no code path of Kratos v1.3.1 emits
// (../shared/kratos/TRIGGER-MAP.md, confirmed in the source). They are
// reported as such, never as passed. The last four are pairs only newer
// contracts (Ory Network's) document: statuses new on old operations.
func untriggerable() map[schemas.Pair]string {
	return map[schemas.Pair]string{
		{Operation: "getFlowError", Status: 403}:           "v1.3.1's errorx handler reads the error without any CSRF or owner check, so no answer is 403",
		{Operation: "disableMyOtherSessions", Status: 400}: "v1.3.1 maps every failure of DELETE /sessions to 401 or 500; no path answers 400",
		{Operation: "listMySessions", Status: 400}:         "v1.3.1's GET /sessions parses no input that can be rejected with 400",
		{Operation: "exchangeSessionToken", Status: 403}:   "v1.3.1's token exchange has no code path that answers 403",
		{Operation: "exchangeSessionToken", Status: 410}:   "v1.3.1's token exchange has no code path that answers 410 (expired codes are 404)",

		{Operation: "createBrowserLoginFlow", Status: 403}: "v1.3.1's login flow initialisation answers a failure with 400, 401, 500 or a 303 to the error page, never 403",
		{Operation: "createNativeLoginFlow", Status: 403}:  "v1.3.1's login flow initialisation answers a failure with 400, 401 or 500, never 403",
		{Operation: "exchangeSessionToken", Status: 422}:   "v1.3.1's token exchange has no code path that answers 422 (it answers 400, 404 or 500)",
		{Operation: "listMySessions", Status: 403}:         "v1.3.1's GET /sessions maps every failure to look the session up to 401; no path answers 403",
	}
}

// Conformance turns Ginkgo's report of a run into conformance.json's cases
// and pair verdicts.
func Conformance(r types.Report, set *schemas.Set) *results.Conformance {
	c := &results.Conformance{
		Contract:  new(set.Contract()),
		StartedAt: r.StartTime.UTC().Format("2006-01-02T15:04:05Z"),
		DurationS: r.RunTime.Seconds(),
	}
	comp := completeness(r)
	selected := labelSelector(r.SuiteConfig.LabelFilter)
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			continue
		}
		if !cutShort(s) {
			comp.CasesRun++
		}
		l := parseLabels(s.Labels())
		if l.op == "" {
			continue
		}
		k := results.Case{
			Operation:  l.op,
			Status:     l.status,
			Client:     l.client,
			Name:       strings.TrimSpace(strings.Join(s.ContainerHierarchyTexts, " ") + " " + s.LeafNodeText),
			DurationMS: float64(s.RunTime.Microseconds()) / 1000,
		}
		if op, ok := set.Operation(l.op); ok {
			k.Method, k.Path = op.Method, op.Path
		}
		switch {
		case s.State == types.SpecStatePassed && creditError(s, l) != "":
			k.Outcome, k.Reason = results.Failed, creditError(s, l)
		case s.State == types.SpecStatePassed && hasEntry(s, entryExpectedFailure) != "":
			k.Outcome, k.Reason = results.ExpectedFailure, hasEntry(s, entryExpectedFailure)
		case s.State == types.SpecStatePassed:
			k.Outcome = results.Passed
		case s.State == types.SpecStateSkipped || s.State == types.SpecStatePending:
			k.Outcome, k.Reason = results.Skipped, firstLine(s.Failure.Message)
			if k.Reason == "" {
				k.Reason = notRunReason(selected(s), comp)
			}
		case s.State == types.SpecStateInterrupted:
			// Stopped by Ctrl-C or SIGTERM: not judged, not failed.
			k.Outcome, k.Reason = results.Skipped, "interrupted before it finished: "+firstLine(s.Failure.Message)
		default:
			k.Outcome, k.Reason = results.Failed, s.State.String()+": "+redact.Text(failureLine(s.Failure.Message))
			if why := hasEntry(s, entrySetupFailure); why != "" {
				// A step before the contract request broke: the pair's
				// contract was not checked.
				k.Outcome, k.Reason = results.SetupFailed, "set-up failed: "+redact.Text(why)
			}
			k.Failure = redact.Text(s.Failure.Message)
			if loc := s.Failure.Location; loc.FileName != "" {
				k.Location = fmt.Sprintf("%s:%d", filepath.Base(loc.FileName), loc.LineNumber)
			}
		}
		caseDetail(&k, s)
		c.Cases = append(c.Cases, k)
	}
	var documented []results.Pair
	untriggerable := untriggerable()
	for _, p := range set.Pairs() {
		d := results.Pair{Operation: p.Operation, Status: p.Status}
		if why, ok := untriggerable[p]; ok {
			d.Outcome, d.Reason = results.Untriggerable, why
		}
		documented = append(documented, d)
	}
	c.Pairs, c.Coverage = results.JudgePairs(documented, c.Cases)
	c.Completeness = &comp
	return c
}

func hasEntry(s types.SpecReport, name string) string {
	for _, e := range s.ReportEntries {
		if e.Name == name {
			return e.StringRepresentation()
		}
	}
	return ""
}

// failureLine is the line of a failure message that says what went wrong:
// the first, but for Gomega's "Unexpected error:", whose next lines are the
// error's type and then its text ("Unexpected error: GET http://...:
// connection refused").
func failureLine(msg string) string {
	lines := strings.Split(strings.TrimSpace(msg), "\n")
	if len(lines) < 2 || strings.TrimSpace(lines[0]) != "Unexpected error:" {
		return firstLine(msg)
	}
	// "<*T | 0x...>: text" or "<*T | 0x...>: " with the text on the next line.
	_, text, _ := strings.Cut(lines[1], ">: ")
	if text = strings.TrimSpace(text); text == "" && len(lines) > 2 {
		text = strings.TrimSpace(lines[2])
	}
	if text == "" {
		return firstLine(msg)
	}
	return "Unexpected error: " + text
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return first
}

// requestEntry is the orybench.request report entry of an answer judged
// against status: "METHOD URL -> actual, expected status", URL redacted.
func requestEntry(r *kratosclient.Response, status int) string {
	return fmt.Sprintf("%s %s -> %d, expected %d", r.Method, redact.URL(r.URL), r.Status, status)
}

// verdictEntry is the orybench.verdict report entry of a judged body: its
// schema, violations and deviations as JSON, found values redacted.
func verdictEntry(v schemas.Verdict) string {
	e := verdict{Schema: v.Schema}
	for _, u := range v.Violations {
		rv := results.Violation{Pointer: u.Pointer, Rule: u.Rule, Expected: u.Expected, Found: redact.Text(u.Found)}
		if last := u.Pointer[strings.LastIndex(u.Pointer, "/")+1:]; redact.IsSecretKey(last) {
			rv.Found = redact.Placeholder
		}
		for _, d := range v.Deviations {
			if d.Explains(u) {
				rv.Deviation = d.ID
				break
			}
		}
		e.Violations = append(e.Violations, rv)
	}
	for _, d := range v.Deviations {
		e.Deviations = append(e.Deviations, results.Deviation{ID: d.ID, Summary: d.Summary, Upstream: d.Upstream})
	}
	b, err := json.Marshal(e)
	if err != nil {
		return ""
	}
	return string(b)
}

type verdict struct {
	Schema     string              `json:"schema,omitempty"`
	Violations []results.Violation `json:"violations,omitempty"`
	Deviations []results.Deviation `json:"deviations,omitempty"`
}

// caseDetail fills what a case saw from its report entries: the last
// request, its statuses, and the violations and deviations of every body
// judged (each once).
func caseDetail(k *results.Case, s types.SpecReport) {
	seenV, seenD := map[results.Violation]bool{}, map[string]bool{}
	for _, e := range s.ReportEntries {
		switch e.Name {
		case entryRequest:
			k.Request, k.ActualStatus, k.ExpectedStatus = parseRequestEntry(e.StringRepresentation())
		case entryVerdict:
			var v verdict
			if json.Unmarshal([]byte(e.StringRepresentation()), &v) != nil {
				continue
			}
			k.Schema = v.Schema
			for _, x := range v.Violations {
				if !seenV[x] {
					seenV[x] = true
					k.Violations = append(k.Violations, x)
				}
			}
			for _, d := range v.Deviations {
				if !seenD[d.ID] {
					seenD[d.ID] = true
					k.Deviations = append(k.Deviations, d)
				}
			}
		}
	}
}

// parseRequestEntry splits "METHOD URL -> 200, expected 201" (the
// expectation is absent from older entries).
func parseRequestEntry(s string) (request string, actual, expected int) {
	request, rest, ok := strings.Cut(s, " -> ")
	if !ok {
		return s, 0, 0
	}
	got, want, _ := strings.Cut(rest, ", expected ")
	actual, _ = strconv.Atoi(strings.TrimSpace(got))
	expected, _ = strconv.Atoi(strings.TrimSpace(want))
	return request, actual, expected
}
