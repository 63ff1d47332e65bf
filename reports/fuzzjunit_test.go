package reports

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/orybench/orybench/results"
)

// TestFuzzJUnit: a finding the allow-list does not accept fails, an
// accepted one passes, a stale entry fails, and an interrupted run fails
// as incomplete.
func TestFuzzJUnit(t *testing.T) {
	f := &results.Fuzz{Seed: 42, Cases: 10, Stopped: "interrupted", Findings: []results.FuzzFinding{
		{Key: "toSession 500 server-error", Operation: "toSession", Check: "server-error", Message: "answered 500", Curl: "curl -X GET 'http://127.0.0.1/sessions/whoami'"},
		{Key: "toSession 401 schema /error/message required", Operation: "toSession", Check: "schema", Allowed: true},
	}, Stale: []string{"updateLoginFlow 500 server-error"}}
	var b bytes.Buffer
	r := &Report{Runs: results.Runs{Fuzzes: []*results.FuzzRun{{Result: *f}}}}
	if err := r.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Tests != 4 || got.Failures != 3 {
		t.Errorf("%d tests, %d failures; want 4 and 3:\n%s", got.Tests, got.Failures, b.String())
	}
	for _, want := range []string{`name="toSession 500 server-error"`, `type="stale"`, "INCOMPLETE: stopped: interrupted", `name="seed" value="42"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("junit.xml lacks %s:\n%s", want, b.String())
		}
	}
}
