package suites

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/schemas"
)

// Report entry names the conformance report is built from.
const (
	entryExpectedFailure = "orybench.expected-failure"
	entryRequest         = "orybench.request"
	entryVerdict         = "orybench.verdict"
)

// judge asserts the whole answer r against what the contract says of the
// case's operation and status (its op: and status: labels): the status
// itself, then
//
//   - for a documented status, the Content-Type and the body against the
//     schema generated from the OpenAPI document (for a 303, a Location;
//     for a 204, no body);
//   - for an undocumented redirect (registration answers some browser
//     forms with 302), a Location and no body;
//   - for any other undocumented status (a negative input: malformed JSON,
//     a missing CSRF token, an unknown flow), the body against the
//     operation's default response.
//
// A departure listed in schemas/known_deviations.yaml is recorded as an
// expected failure. expect names deviations this case is known to
// trigger: if the answer keeps the contract after all, the listing is
// stale and the case fails.
func (f *fixture) judge(r *kratosclient.Response, expect ...string) {
	GinkgoHelper()
	AddReportEntry(entryRequest, ReportEntryVisibilityNever, requestEntry(r, f.status))
	Expect(r.Status).To(Equal(f.status), "%s: status\nbody: %s", f.op, redact.JSON(r.Body))
	op, ok := f.s.contract.Operation(f.op)
	Expect(ok).To(BeTrue(), "unknown operation %s", f.op)
	resp, documented := op.Response(f.status)
	switch {
	case documented:
		expectFraming(r, resp, f.verdict(r, expect))
	case r.Status >= 300 && r.Status < 400:
		Expect(r.Location()).NotTo(BeEmpty(), "%d without a Location", r.Status)
		Expect(r.Body).To(BeEmpty(), "%d to %s with a body", r.Status, r.Method)
	default:
		f.verdict(r, expect)
	}
}

// judgeErrorID is judge, then the error body's error.id.
func (f *fixture) judgeErrorID(r *kratosclient.Response, id string, expect ...string) {
	GinkgoHelper()
	f.judge(r, expect...)
	Expect(errorID(r)).To(Equal(id), "error.id")
}

// judgeErrorCode is judge, then an error body whose error.code is the
// status.
func (f *fixture) judgeErrorCode(r *kratosclient.Response, expect ...string) {
	GinkgoHelper()
	f.judge(r, expect...)
	Expect(errorCode(r)).To(Equal(f.status), "error.code")
}

// expectFraming checks what surrounds the body: the media type of a JSON
// answer, the Location of a redirect and the emptiness of an empty answer.
func expectFraming(r *kratosclient.Response, resp schemas.Response, v schemas.Verdict) {
	GinkgoHelper()
	switch {
	case !resp.EmptyBody:
		if r.ContentType() != resp.ContentType && !explainsWholeBody(v) {
			Fail(fmt.Sprintf("Content-Type %q, documented %q", r.Header.Get("Content-Type"), resp.ContentType))
		}
	case r.Status == http.StatusSeeOther:
		Expect(r.Location()).NotTo(BeEmpty(), "303 without a Location")
		if r.Method == http.MethodGet {
			// Go's http.Redirect writes a one-line HTML link for GET.
			Expect(r.ContentType()).To(BeElementOf("", "text/html"), "303 Content-Type")
		} else {
			Expect(r.Body).To(BeEmpty(), "303 to %s with a body", r.Method)
		}
	default:
		Expect(r.Body).To(BeEmpty(), "%d with a body", r.Status)
	}
}

// explainsWholeBody: a known deviation says the body is not the documented
// media type at all (webauthn.js is JavaScript, not a JSON string), so a
// Content-Type mismatch is that same deviation.
func explainsWholeBody(v schemas.Verdict) bool {
	if v.Outcome != schemas.ExpectedFailure {
		return false
	}
	for _, d := range v.Deviations {
		if d.Explains(schemas.Violation{Pointer: "", Rule: schemas.RuleJSON}) {
			return true
		}
	}
	return false
}

// verdict validates r's body and records the verdict: nothing for a pass,
// a report entry for an expected failure, a failure otherwise.
func (f *fixture) verdict(r *kratosclient.Response, expect []string) schemas.Verdict {
	GinkgoHelper()
	v, err := f.s.contract.Judge(f.op, f.status, r.Body, expect...)
	Expect(err).NotTo(HaveOccurred())
	if len(v.Violations) > 0 || len(v.Deviations) > 0 {
		AddReportEntry(entryVerdict, ReportEntryVisibilityNever, verdictEntry(v))
	}
	switch v.Outcome {
	case schemas.Passed:
	case schemas.ExpectedFailure:
		var reasons []string
		for _, d := range v.Deviations {
			reasons = append(reasons, fmt.Sprintf("%s: %s (%s)", d.ID, d.Summary, d.Upstream))
		}
		AddReportEntry(entryExpectedFailure, strings.Join(reasons, "; "))
	case schemas.Stale:
		var ids []string
		for _, d := range v.StaleDeviations {
			ids = append(ids, strconv.Quote(d.ID))
		}
		Fail(fmt.Sprintf("stale expectation: %s %d no longer shows known deviation %s: remove it from the case's expectations or schemas/known_deviations.yaml", f.op, f.status, strings.Join(ids, ", ")))
	default:
		var lines []string
		for _, u := range v.Unexplained {
			lines = append(lines, "  "+u.String())
		}
		Fail(fmt.Sprintf("%s %d: body does not match %s:\n%s\nbody: %s", f.op, f.status, v.Schema, strings.Join(lines, "\n"), redact.JSON(r.Body)))
	}
	return v
}
