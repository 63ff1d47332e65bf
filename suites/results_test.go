package suites

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/reports"
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
	want := []reports.Violation{
		{Pointer: "/a", Rule: "type", Expected: "array", Found: "null", Deviation: "d1"},
		{Pointer: "/session_token", Rule: "type", Expected: "string", Found: "[REDACTED]"},
	}
	if got.Schema != "thing" || len(got.Violations) != 2 || got.Violations[0] != want[0] || got.Violations[1] != want[1] {
		t.Errorf("violations %+v, want %+v", got.Violations, want)
	}
	if len(got.Deviations) != 1 || got.Deviations[0] != (reports.Deviation{ID: "d1", Summary: "s", Upstream: "https://example.org/1"}) {
		t.Errorf("deviations %+v", got.Deviations)
	}
}
