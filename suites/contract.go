package suites

import (
	"fmt"
	"net/http"
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

// ExpectContract asserts the whole answer r against what the contract says
// of (operationID, status): the status itself, the Content-Type, and the body
// against the schema generated from Kratos's OpenAPI document (for 303, a
// Location; for 204, no body). A departure listed in
// schemas/known_deviations.yaml is recorded as an expected failure. expect
// names deviations this case is known to trigger: if the answer keeps the
// contract after all, the listing is stale and the spec fails.
func ExpectContract(r *kratosclient.Response, operationID string, status int, expect ...string) {
	GinkgoHelper()
	AddReportEntry(entryRequest, ReportEntryVisibilityNever, requestEntry(r, status))
	Expect(r.Status).To(Equal(status), "%s: status\nbody: %s", operationID, redact.JSON(r.Body))

	set, err := schemas.ForVersion(schemas.DefaultVersion)
	Expect(err).NotTo(HaveOccurred())
	op, ok := set.Operation(operationID)
	Expect(ok).To(BeTrue(), "unknown operation %s", operationID)
	resp, ok := op.Response(status)
	Expect(ok).To(BeTrue(), "%s does not document status %d", operationID, status)

	v := judge(set, r, operationID, status, expect)
	expectFraming(r, resp, v)
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

// ExpectDefault asserts an answer with a status the operation does not
// document (a negative input: malformed JSON, a missing CSRF token, an
// unknown flow): the status, and the body against the operation's default
// response, with known deviations applied as in ExpectContract.
func ExpectDefault(r *kratosclient.Response, operationID string, status int, expect ...string) {
	GinkgoHelper()
	AddReportEntry(entryRequest, ReportEntryVisibilityNever, requestEntry(r, status))
	Expect(r.Status).To(Equal(status), "%s: status\nbody: %s", operationID, redact.JSON(r.Body))
	set, err := schemas.ForVersion(schemas.DefaultVersion)
	Expect(err).NotTo(HaveOccurred())
	op, ok := set.Operation(operationID)
	Expect(ok).To(BeTrue(), "unknown operation %s", operationID)
	_, documented := op.Response(status)
	Expect(documented).To(BeFalse(), "%s documents %d: use ExpectContract", operationID, status)
	judge(set, r, operationID, status, expect)
}

// judge validates r's body and records the verdict: nothing for a pass, a
// report entry for an expected failure, a failure otherwise.
func judge(set *schemas.Set, r *kratosclient.Response, operationID string, status int, expect []string) schemas.Verdict {
	GinkgoHelper()
	v, err := set.Judge(operationID, status, r.Body, expect...)
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
		Fail(fmt.Sprintf("stale expectation: %s %d now keeps the contract, so known deviation %q no longer happens: remove it from schemas/known_deviations.yaml", operationID, status, v.Deviations[0].ID))
	default:
		var lines []string
		for _, u := range v.Unexplained {
			lines = append(lines, "  "+u.String())
		}
		Fail(fmt.Sprintf("%s %d: body does not match %s:\n%s\nbody: %s", operationID, status, v.Schema, strings.Join(lines, "\n"), redact.JSON(r.Body)))
	}
	return v
}
