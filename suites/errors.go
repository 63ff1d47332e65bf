package suites

import (
	"context"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/target"
)

// errorSpecs: the errors a browser is sent to the error UI with, and the
// WebAuthn script a browser loads.
func (s *suite) errorSpecs() {
	s.operation("getFlowError", func() {
		s.it("answers 200 with the error a browser was sent to the error UI for, no cookie needed", Status(200), Client(native), func(ctx SpecContext, f *fixture) {
			id := f.flowErrorID(ctx)
			r := must(f.client(native).GetFlowError(ctx, id))
			f.judge(r)
			fe := flowErrorOf(r)
			Expect(fe.ID).To(Equal(id))
			Expect(fe.Error.ID).To(Equal("self_service_flow_return_to_forbidden"))
			Expect(fe.Error.Code).To(Equal(400))
		})
		s.it("answers 200 with the built-in stub error", Status(200), Client(native), func(ctx SpecContext, f *fixture) {
			r := must(f.client(native).GetFlowError(ctx, "stub:500"))
			f.judge(r)
			Expect(flowErrorOf(r).Error.Code).To(Equal(500))
		})
		s.it("answers 404 to an unknown error id", Status(404), Client(native), func(ctx SpecContext, f *fixture) {
			f.judgeErrorCode(must(f.client(native).GetFlowError(ctx, randomFlowID())))
		})
		s.it("answers 500 when the error cannot be read from the database", Status(500), Client(native), Requires(target.FaultInjection), func(ctx SpecContext, f *fixture) {
			id := f.flowErrorID(ctx)
			f.lockDatabase(ctx)
			f.judgeErrorCode(must(f.client(native).GetFlowError(ctx, id)))
		})
	})

	s.operation("getWebAuthnJavaScript", func() {
		s.it("answers 200 with the WebAuthn script a browser loads", Status(200), Client(browser), func(ctx SpecContext, f *fixture) {
			r := must(f.client(browser).GetWebAuthnJavaScript(ctx))
			// Documented as a JSON string; served as the script itself.
			f.judge(r, "webauthn-js-not-json")
			Expect(r.ContentType()).To(Equal("text/javascript"))
			Expect(string(r.Body)).To(ContainSubstring("window.__oryWebAuthnLogin"))
		})
	})
}

// flowError is the part of a flowError body the cases read.
type flowError struct {
	ID    string `json:"id"`
	Error struct {
		ID   string `json:"id"`
		Code int    `json:"code"`
	} `json:"error"`
}

func flowErrorOf(r interface{ Decode(any) error }) flowError {
	GinkgoHelper()
	var fe flowError
	Expect(r.Decode(&fe)).To(Succeed())
	return fe
}

// flowErrorID has Kratos store a flow error and returns its id: a browser
// asking for a login flow with a return_to that is not allowed is sent to
// the error UI with ?id=.
func (f *fixture) flowErrorID(ctx context.Context) string {
	GinkgoHelper()
	r := must(f.client(browser).CreateBrowserLoginFlow(ctx, evilReturnTo()))
	setUpAnswer(r, 303, "login flow with a forbidden return_to")
	loc, err := url.Parse(r.Location())
	Expect(err).NotTo(HaveOccurred())
	if ui := f.t.UIURL(); ui != "" {
		Expect(loc.Scheme+"://"+loc.Host+loc.Path).To(Equal(ui+"/error"), "redirect to the error UI")
	}
	id := loc.Query().Get("id")
	Expect(id).NotTo(BeEmpty(), "no ?id= in the redirect to the error UI")
	return id
}
