package reports

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/orybench/orybench/results"
)

// A case that failed in set-up reads as set-up failed everywhere, with the
// step and the answer that broke it, and JUnit makes it an <error>, not a
// <failure>: the contract was not checked.
func TestSetupFailureRendered(t *testing.T) {
	r := readFixture(t, "testdata/conformance")
	c := r.Conformance
	const reason = "set-up failed: enrol TOTP: enrol TOTP by form: status 500; error: injected"
	for i, k := range c.Cases {
		if k.Operation == "updateLoginFlow" && k.Status == 303 {
			c.Cases[i].Outcome, c.Cases[i].Reason, c.Cases[i].Failure = results.SetupFailed, reason, "enrol TOTP\nUnexpected error: ..."
			break
		}
	}
	c.Pairs, c.Coverage = results.JudgePairs(c.Pairs, c.Cases)
	if c.Coverage.SetupFailedPairs != 1 {
		t.Fatalf("fixture: %d set-up failed pairs, want 1", c.Coverage.SetupFailedPairs)
	}

	var matrix, page, md, junit bytes.Buffer
	if err := errors.Join(WriteMatrix(&matrix, c), r.WriteHTML(&page), r.WriteMarkdown(&md), r.WriteJUnit(&junit)); err != nil {
		t.Fatal(err)
	}
	for name, wants := range map[string][]string{
		"matrix":      {"SETUP updateLoginFlow 303: ", reason, "1 set-up failed, "},
		"report.html": {`<span class="m fail">SETUP</span> <code>updateLoginFlow 303</code>`, "set-up failed, contract not checked", reason, "1 cases failed in set-up"},
		"summary.md":  {"**1** set-up failed (contract not checked)", reason, "FAILED"},
		"junit.xml":   {`<error message="` + reason, `type="setup"`},
	} {
		out := map[string]string{"matrix": matrix.String(), "report.html": page.String(), "summary.md": md.String(), "junit.xml": junit.String()}[name]
		for _, want := range wants {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
	var suites struct {
		Errors   int `xml:"errors,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	if suites.Errors != 1 || suites.Failures != 0 {
		t.Errorf("junit.xml counts %d errors, %d failures; want 1, 0", suites.Errors, suites.Failures)
	}
	if v := r.Verdict(); v != results.VerdictFailed {
		t.Errorf("a run with a set-up failure is %s, want %s", v, results.VerdictFailed)
	}
}
