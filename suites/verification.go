package suites

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/mailbox"
	"github.com/orybench/orybench/kratosclient"
)

var _ = Describe("createNativeVerificationFlow", Op("createNativeVerificationFlow"), Requires(Verification), func() {
	const op = "createNativeVerificationFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a new api flow", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).CreateNativeVerificationFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.Type).To(Equal("api"))
		Expect(fl.State).To(Equal("choose_method"))
		Expect(fl.UI.Action).To(HaveSuffix("/self-service/verification?flow=" + fl.ID))
		Expect(r.Header.Values("Set-Cookie")).To(BeEmpty(), "an api flow sets no cookie")
	})

	It("answers 400 to a return_to that is not allowed", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		// return_to is not a documented parameter here, yet it is validated.
		r, err := f.Client(kratosclient.Native).CreateNativeVerificationFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})
})

var _ = Describe("createBrowserVerificationFlow", Op("createBrowserVerificationFlow"), Requires(Verification), func() {
	const op = "createBrowserVerificationFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a browser flow and its CSRF cookie to a single page app", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).CreateBrowserVerificationFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.Type).To(Equal("browser"))
		Expect(fl.State).To(Equal("choose_method"))
		Expect(kratosclient.CSRFTokenOf(r.Body)).NotTo(BeEmpty(), "csrf_token node")
		Expect(setCookieNamed(r, csrfCookiePrefix)).NotTo(BeNil(), "Set-Cookie %s*", csrfCookiePrefix)
	})

	It("answers 303 to the verification UI with a CSRF cookie", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Browser).CreateBrowserVerificationFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectUIURL(r.Location(), "/verification")
		Expect(setCookieNamed(r, csrfCookiePrefix)).NotTo(BeNil(), "Set-Cookie %s*", csrfCookiePrefix)
	})

	It("answers 400, not a redirect to the error UI, to a browser asking for a return_to that is not allowed", Status(400), Client(kratosclient.Browser), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Browser).CreateBrowserVerificationFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})
})

var _ = Describe("getVerificationFlow", Op("getVerificationFlow"), Requires(Verification), func() {
	const op = "getVerificationFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with an api flow, no cookie needed", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		id := f.startFlow(ctx, c, kratosclient.Verification)
		r, err := c.GetVerificationFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.ID).To(Equal(id))
		Expect(fl.Type).To(Equal("api"))
	})

	It("answers 200 with a browser flow to the browser holding its CSRF cookie", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		id := f.startFlow(ctx, c, kratosclient.Verification)
		r, err := c.GetVerificationFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.ID).To(Equal(id))
		Expect(fl.Type).To(Equal("browser"))
		Expect(kratosclient.CSRFTokenOf(r.Body)).To(Equal(c.CSRFToken()))
	})

	It("answers 403 security_csrf_violation to a browser flow fetched without its cookie", Status(403), Client(kratosclient.SPA), func(ctx SpecContext) {
		id := f.startFlow(ctx, f.Client(kratosclient.SPA), kratosclient.Verification)
		r, err := f.Client(kratosclient.SPA).GetVerificationFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusForbidden, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("security_csrf_violation"))
	})

	It("answers 404 to an unknown flow id", Status(404), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).GetVerificationFlow(ctx, randomFlowID())
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	It("answers 410 to an expired api flow", Status(410), Client(kratosclient.Native), Requires(ShortLifespans), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.startMailFlow(ctx, c, kratosclient.Verification)
		sleepPastMailFlowExpiry(ctx, fl)
		r, err := c.GetVerificationFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		// 410 is not documented here; Kratos v1.3.1 sets no error.id.
		ExpectDefault(r, op, http.StatusGone, "generic-error-details-closed")
		Expect(errorCode(r)).To(Equal(http.StatusGone))
		Expect(expiredDetails(r)).To(HaveKey("api"))
	})
})

var _ = Describe("updateVerificationFlow", Op("updateVerificationFlow"), Requires(Verification), func() {
	const op = "updateVerificationFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	sendEmail := func(ctx context.Context, c *kratosclient.Client, email string) (mailFlow, *kratosclient.Response) {
		GinkgoHelper()
		fl := f.startMailFlow(ctx, c, kratosclient.Verification)
		r, err := c.UpdateVerificationFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "code", "email": email}))
		Expect(err).NotTo(HaveOccurred())
		return fl, r
	}
	submitCode := func(ctx context.Context, c *kratosclient.Client, flowID, code string) *kratosclient.Response {
		GinkgoHelper()
		r, err := c.UpdateVerificationFlow(ctx, flowID, c.Submission(kratosclient.Fields{"method": "code", "code": code}))
		Expect(err).NotTo(HaveOccurred())
		return r
	}
	// codeMailed registers an identity with a native app, which returns it
	// (signed in), and asks for a verification code through a flow of c's
	// kind; it returns the flow id and the code.
	codeMailed := func(ctx context.Context, c *kratosclient.Client) (*kratosclient.Client, string, string) {
		GinkgoHelper()
		app, creds := f.SignedIn(ctx, kratosclient.Native)
		// Registration mailed a code bound to its own flow: take it out.
		if creds.byRegistration {
			f.WaitForCode(ctx, creds.Email, mailbox.Verification)
		}
		fl, r := sendEmail(ctx, c, creds.Email)
		if c.Mode() == kratosclient.Browser {
			Expect(r.Status).To(Equal(http.StatusSeeOther), "send verification email: %s", r.Body)
		} else {
			Expect(r.Status).To(Equal(http.StatusOK), "send verification email: %s", r.Body)
		}
		return app, fl.ID, f.WaitForCode(ctx, creds.Email, mailbox.Verification)
	}

	It("answers 200 sent_email to an address, then 200 with an error message to a wrong code", Status(200), Client(kratosclient.Native), Requires(VerificationByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		// No identity has this address: Kratos answers the same and mails nothing.
		fl, r := sendEmail(ctx, c, f.NewCredentials().Email)
		ExpectContract(r, op, http.StatusOK)
		sent := decodeMailFlow(r)
		Expect(sent.ID).To(Equal(fl.ID))
		Expect(sent.State).To(Equal("sent_email"))
		Expect(sent.UI.messageIDs()).To(ContainElement(textVerificationEmailSent))

		r = submitCode(ctx, c, fl.ID, "000000")
		ExpectContract(r, op, http.StatusOK)
		wrong := decodeMailFlow(r)
		Expect(wrong.State).To(Equal("sent_email"))
		Expect(wrong.UI.messageIDs()).To(ContainElement(textVerificationCodeInvalid))
	})

	It("answers 200 sent_email to a single page app that sends its CSRF token", Status(200), Client(kratosclient.SPA), Requires(VerificationByCode), func(ctx SpecContext) {
		_, r := sendEmail(ctx, f.Client(kratosclient.SPA), f.NewCredentials().Email)
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.Type).To(Equal("browser"))
		Expect(fl.State).To(Equal("sent_email"))
	})

	It("answers 200 passed_challenge to a correct code and verifies the address", Status(200), Client(kratosclient.Native), Requires(MailCodes), Requires(VerificationByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		app, flowID, code := codeMailed(ctx, c)
		r := submitCode(ctx, c, flowID, code)
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.State).To(Equal("passed_challenge"))
		Expect(fl.UI.messageIDs()).To(ContainElement(textVerificationSuccessful))

		who, err := app.ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(who.Status).To(Equal(http.StatusOK))
		var s struct {
			Identity struct {
				VerifiableAddresses []struct {
					Verified bool   `json:"verified"`
					Status   string `json:"status"`
				} `json:"verifiable_addresses"`
			} `json:"identity"`
		}
		Expect(who.Decode(&s)).To(Succeed())
		Expect(s.Identity.VerifiableAddresses).To(ConsistOf(And(HaveField("Verified", true), HaveField("Status", "completed"))))
	})

	It("answers 303 back to the verification UI to a browser that sends an address", Status(303), Client(kratosclient.Browser), Requires(VerificationByCode), func(ctx SpecContext) {
		fl, r := sendEmail(ctx, f.Client(kratosclient.Browser), f.NewCredentials().Email)
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(f.expectUIURL(r.Location(), "/verification")).To(Equal(fl.ID))
	})

	It("answers 303 back to the verification UI to a browser that sends a correct code", Status(303), Client(kratosclient.Browser), Requires(MailCodes), Requires(VerificationByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.Browser)
		_, flowID, code := codeMailed(ctx, c)
		r := submitCode(ctx, c, flowID, code)
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(f.expectUIURL(r.Location(), "/verification")).To(Equal(flowID))
		ui := f.Client(kratosclient.SPA)
		ui.ShareCookies(c)
		shown, err := ui.GetVerificationFlow(ctx, flowID)
		Expect(err).NotTo(HaveOccurred())
		Expect(shown.Status).To(Equal(http.StatusOK), "the UI reads the flow: %s", shown.Body)
		Expect(decodeMailFlow(shown).State).To(Equal("passed_challenge"))
	})

	It("answers 400 with the flow to an invalid address", Status(400), Client(kratosclient.Native), Requires(VerificationByCode), func(ctx SpecContext) {
		_, r := sendEmail(ctx, f.Client(kratosclient.Native), "not-an-email")
		ExpectContract(r, op, http.StatusBadRequest)
		fl := decodeMailFlow(r)
		Expect(fl.State).To(Equal("choose_method"))
		Expect(fl.UI.nodeMessageIDs("email")).To(ContainElement(textInvalidInput))
	})

	It("answers 400 without the flow parameter", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		r, err := c.UpdateVerificationFlow(ctx, "", c.Submission(kratosclient.Fields{"method": "code", "email": f.NewCredentials().Email}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest, "submit-error-generic-for-flow")
		Expect(errorCode(r)).To(Equal(http.StatusBadRequest))
	})

	It("answers 410 self_service_flow_replaced to the sixth wrong code", Status(410), Client(kratosclient.Native), Requires(VerificationByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.startMailFlow(ctx, c, kratosclient.Verification)
		for i := range codeSubmissionsBeforeReplace {
			r := submitCode(ctx, c, fl.ID, "000000")
			Expect(r.Status).To(Equal(http.StatusOK), "wrong code %d: %s", i+1, r.Body)
		}
		r := submitCode(ctx, c, fl.ID, "000000")
		ExpectContract(r, op, http.StatusGone)
		Expect(errorID(r)).To(Equal("self_service_flow_replaced"))
		Expect(useFlowID(r)).NotTo(BeElementOf("", fl.ID))
	})

	It("answers 400 with the flow to a malformed JSON body", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.startMailFlow(ctx, c, kratosclient.Verification)
		r, err := c.UpdateVerificationFlow(ctx, fl.ID, kratosclient.RawBody("application/json", []byte(`{"method":"code","email":`)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(decodeMailFlow(r).UI.messageIDs()).To(ContainElement(textInvalidInput))
	})

	It("answers 400 with the flow to a body of an unsupported Content-Type", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.startMailFlow(ctx, c, kratosclient.Verification)
		r, err := c.UpdateVerificationFlow(ctx, fl.ID, kratosclient.RawBody("text/plain", []byte("method=code&email=someone@orybench.test")))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(decodeMailFlow(r).UI.messageIDs()).To(ContainElement(textInvalidInput))
	})

	It("answers 403 security_csrf_violation to a browser flow submitted without its CSRF token", Status(403), Client(kratosclient.SPA), Label("negative"), Requires(VerificationByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		fl := f.startMailFlow(ctx, c, kratosclient.Verification)
		r, err := c.UpdateVerificationFlow(ctx, fl.ID, kratosclient.JSONBody(map[string]any{"method": "code", "email": f.NewCredentials().Email}))
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusForbidden, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("security_csrf_violation"))
	})

	It("answers 404 to an unknown flow id", Status(404), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		r, err := c.UpdateVerificationFlow(ctx, randomFlowID(), c.Submission(kratosclient.Fields{"method": "code", "email": f.NewCredentials().Email}))
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	It("answers 410 self_service_flow_replaced when a used code is submitted again", Status(410), Client(kratosclient.Native), Requires(MailCodes), Label("negative"), Requires(VerificationByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		_, flowID, code := codeMailed(ctx, c)
		first := submitCode(ctx, c, flowID, code)
		Expect(first.Status).To(Equal(http.StatusOK), "first submission: %s", first.Body)
		r := submitCode(ctx, c, flowID, code)
		ExpectContract(r, op, http.StatusGone)
		Expect(errorID(r)).To(Equal("self_service_flow_replaced"))
		Expect(useFlowID(r)).NotTo(BeElementOf("", flowID))
	})
})
