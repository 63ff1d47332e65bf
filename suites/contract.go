package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/schemas"
)

// Report entry names the conformance report is built from.
const (
	entryAsserted        = "orybench.asserted"
	entryExpectedFailure = "orybench.expected-failure"
	entryRequest         = "orybench.request"
	entryVerdict         = "orybench.verdict"
)

// judge asserts the whole answer r against what the contract says of the
// operation r answers (found from its method and path) and the case's
// status (its status: label). The pair it asserts is recorded, and is the
// pair the case is credited to: an answer of another operation than the
// case's op: label fails the case as mislabelled. It asserts the status
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
	skipGaveUp(r)
	AddReportEntry(entryRequest, ReportEntryVisibilityNever, requestEntry(r, f.status))
	op := f.operationOf(r)
	asserted := schemas.Pair{Operation: op.ID, Status: f.status}
	AddReportEntry(entryAsserted, ReportEntryVisibilityNever, assertedEntry(asserted))
	if msg := mislabelled(schemas.Pair{Operation: f.op, Status: f.status}, asserted); msg != "" {
		Fail(msg)
	}
	Expect(r.Status).To(Equal(f.status), "%s: status\nbody: %s", f.op, redact.JSON(r.Body))
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

// operationOf is the contract's operation r answers, by r's method and
// its path below the target's public URL.
func (f *fixture) operationOf(r *kratosclient.Response) schemas.Operation {
	GinkgoHelper()
	u, err := url.Parse(r.URL)
	Expect(err).NotTo(HaveOccurred())
	base, err := url.Parse(f.t.PublicURL())
	Expect(err).NotTo(HaveOccurred())
	path := strings.TrimPrefix(u.EscapedPath(), strings.TrimSuffix(base.EscapedPath(), "/"))
	op, ok := f.s.contract.OperationAt(r.Method, path)
	if !ok {
		Fail(fmt.Sprintf("%s %s calls no operation of %s", r.Method, redact.URL(r.URL), f.s.contract.Contract().Name))
	}
	return op
}

// assertedEntry is the orybench.asserted report entry of a pair judge
// asserted: "operationId status".
func assertedEntry(p schemas.Pair) string { return fmt.Sprintf("%s %d", p.Operation, p.Status) }

// assertedPairs are the pairs a case's judge calls asserted, in order.
func assertedPairs(s types.SpecReport) []schemas.Pair {
	var out []schemas.Pair
	for _, e := range s.ReportEntries {
		if e.Name != entryAsserted {
			continue
		}
		op, status, _ := strings.Cut(e.StringRepresentation(), " ")
		n, _ := strconv.Atoi(status)
		out = append(out, schemas.Pair{Operation: op, Status: n})
	}
	return out
}

// mislabelled says why a case labelled with one pair that asserted another
// cannot be credited to either, "" when they agree.
func mislabelled(label, asserted schemas.Pair) string {
	if label == asserted {
		return ""
	}
	return fmt.Sprintf("mislabelled: labelled %s %d but asserted %s %d", label.Operation, label.Status, asserted.Operation, asserted.Status)
}

// creditError says why a passed case cannot be credited to the pair of its
// labels: a judge call of the case asserted another pair. "" when every
// pair it asserted is its own. (A case that asserted nothing keeps its
// labels here; the suite's own cases fail it, expectAsserted.)
func creditError(s types.SpecReport, l specLabels) string {
	label := schemas.Pair{Operation: l.op, Status: l.status}
	for _, p := range assertedPairs(s) {
		if msg := mislabelled(label, p); msg != "" {
			return msg
		}
	}
	return ""
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
