package suites

import (
	"encoding/json"
	"fmt"
	"github.com/orybench/orybench/results"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/schemas"
)

func TestRequestEntryRoundTrip(t *testing.T) {
	r := &kratosclient.Response{Method: "GET", URL: "http://127.0.0.1:4433/self-service/login/browser?return_to_code=abc&x=1", Status: 401}
	entry := requestEntry(r, 200)
	if strings.Contains(entry, "abc") {
		t.Errorf("entry shows a secret: %s", entry)
	}
	req, actual, expected := parseRequestEntry(entry)
	if !strings.HasPrefix(req, "GET http://127.0.0.1:4433/self-service/login/browser?") || actual != 401 || expected != 200 {
		t.Errorf("parseRequestEntry(%q) = %q, %d, %d", entry, req, actual, expected)
	}
	// Entries written without the expectation (expectUndocumentedRedirect).
	if req, actual, expected := parseRequestEntry("POST http://x/y -> 302"); req != "POST http://x/y" || actual != 302 || expected != 0 {
		t.Errorf("old entry: %q, %d, %d", req, actual, expected)
	}
}

func TestVerdictEntry(t *testing.T) {
	dev := schemas.Deviation{ID: "d1", Summary: "s", Upstream: "https://example.org/1",
		Violations: []schemas.ViolationPattern{{Pointer: "/a", Rule: "type"}}}
	v := schemas.Verdict{Schema: "thing", Deviations: []schemas.Deviation{dev}, Violations: []schemas.Violation{
		{Pointer: "/a", Rule: "type", Expected: "array", Found: "null"},
		{Pointer: "/session_token", Rule: "type", Expected: "string", Found: `"ory_st_abcdef"`},
	}}
	var got verdict
	if err := json.Unmarshal([]byte(verdictEntry(v)), &got); err != nil {
		t.Fatal(err)
	}
	want := []results.Violation{
		{Pointer: "/a", Rule: "type", Expected: "array", Found: "null", Deviation: "d1"},
		{Pointer: "/session_token", Rule: "type", Expected: "string", Found: "[REDACTED]"},
	}
	if got.Schema != "thing" || len(got.Violations) != 2 || got.Violations[0] != want[0] || got.Violations[1] != want[1] {
		t.Errorf("violations %+v, want %+v", got.Violations, want)
	}
	if len(got.Deviations) != 1 || got.Deviations[0] != (results.Deviation{ID: "d1", Summary: "s", Upstream: "https://example.org/1"}) {
		t.Errorf("deviations %+v", got.Deviations)
	}
}

// An interrupted run: the spec Ctrl-C stopped is not judged, and the specs
// it never reached say so rather than "not selected".
func TestConformanceOfAnInterruptedRun(t *testing.T) {
	set, err := schemas.Open(schemas.DefaultContract)
	if err != nil {
		t.Fatal(err)
	}
	spec := func(status string, state types.SpecState, msg string) types.SpecReport {
		return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "answers " + status, State: state,
			LeafNodeLabels: []string{"op:toSession", "status:" + status, "client:native"},
			Failure:        types.Failure{Message: msg}}
	}
	r := types.Report{SpecialSuiteFailureReasons: []string{"Interrupted by User"}, SpecReports: []types.SpecReport{
		spec("200", types.SpecStatePassed, ""),
		spec("401", types.SpecStateInterrupted, "Interrupted by User"),
		spec("403", types.SpecStateSkipped, ""),
	}}
	c := Conformance(r, set)
	got := map[int]results.Case{}
	for _, k := range c.Cases {
		got[k.Status] = k
	}
	if k := got[200]; k.Outcome != results.Passed {
		t.Errorf("200: %s, want passed", k.Outcome)
	}
	if k := got[401]; k.Outcome != results.Skipped || k.Reason != "interrupted before it finished: Interrupted by User" {
		t.Errorf("401: %s %q, want skipped, interrupted", k.Outcome, k.Reason)
	}
	if k := got[403]; k.Outcome != results.Skipped || !strings.Contains(k.Reason, "the run ended first (Interrupted by User)") {
		t.Errorf("403: %s %q, want skipped, not run", k.Outcome, k.Reason)
	}
	if c.Failed() {
		t.Errorf("an interrupted run counts as failed: %+v", c.Coverage)
	}
	if comp := c.Completeness; comp == nil || comp.Interrupted != "Interrupted by User" || comp.CasesRun != 1 || c.Verdict() != results.VerdictIncomplete {
		t.Errorf("completeness %+v, verdict %s: want interrupted, 1 case run, incomplete", comp, c.Verdict())
	}
}

// A label-filtered run: the cases the filter left out say so, a pair none
// of whose cases was selected too, and the run is incomplete without being
// interrupted.
func TestConformanceOfAFilteredRun(t *testing.T) {
	set, err := schemas.Open(schemas.DefaultContract)
	if err != nil {
		t.Fatal(err)
	}
	spec := func(op, status string, state types.SpecState, msg string) types.SpecReport {
		return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "answers " + status, State: state,
			LeafNodeLabels: []string{"op:" + op, "status:" + status, "client:native"}, Failure: types.Failure{Message: msg}}
	}
	r := types.Report{SuiteConfig: types.SuiteConfig{LabelFilter: "op:toSession"}, PreRunStats: types.PreRunStats{TotalSpecs: 4, SpecsThatWillRun: 3},
		SpecReports: []types.SpecReport{
			spec("toSession", "200", types.SpecStatePassed, ""),
			spec("toSession", "401", types.SpecStateSkipped, "target lacks capability totp: declared absent"),
			spec("toSession", "403", types.SpecStatePassed, ""),
			spec("createNativeLoginFlow", "200", types.SpecStateSkipped, ""),
		}}
	c := Conformance(r, set)
	want := results.Completeness{LabelFilter: "op:toSession", CasesTotal: 4, CasesSelected: 3, CasesRun: 3}
	if c.Completeness == nil || *c.Completeness != want {
		t.Errorf("completeness %+v, want %+v", c.Completeness, want)
	}
	if why := c.Incomplete(); c.Verdict() != results.VerdictIncomplete || !strings.Contains(why, `3 of 4 cases selected by --label-filter "op:toSession"`) {
		t.Errorf("verdict %s, incomplete %q", c.Verdict(), why)
	}
	pairs := map[string]results.Pair{}
	for _, p := range c.Pairs {
		pairs[fmt.Sprintf("%s %d", p.Operation, p.Status)] = p
	}
	for pair, reason := range map[string]string{
		"createNativeLoginFlow 200": results.FilteredOut,
		"toSession 401":             "target lacks capability totp: declared absent",
	} {
		if p := pairs[pair]; p.Outcome != results.Skipped || p.Reason != reason {
			t.Errorf("%s: %s %q, want skipped %q", pair, p.Outcome, p.Reason, reason)
		}
	}
}

func TestFailureLine(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{"Expected\n    <int>: 500\nto equal\n    <int>: 200", "Expected"},
		{"Unexpected error:\n    <*fmt.wrapError | 0xc000>: \n    GET http://127.0.0.1:1/x: dial tcp 127.0.0.1:1: connect: connection refused\n    {\n        msg: \"...\",\n    }\noccurred",
			"Unexpected error: GET http://127.0.0.1:1/x: dial tcp 127.0.0.1:1: connect: connection refused"},
		{"Unexpected error:\n    <*errors.errorString | 0xc000>: boom\n    {s: \"boom\"}\noccurred", "Unexpected error: boom"},
		{"Unexpected error:", "Unexpected error:"},
	} {
		if got := failureLine(tc.msg); got != tc.want {
			t.Errorf("failureLine(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
}
