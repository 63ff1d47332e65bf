package suites

import (
	"context"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/mailbox"
	"github.com/orybench/orybench/kratosclient"
)

var _ = Describe("createNativeRecoveryFlow", Op("createNativeRecoveryFlow"), Requires(Recovery), func() {
	const op = "createNativeRecoveryFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a new api flow", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).CreateNativeRecoveryFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.Type).To(Equal("api"))
		Expect(fl.State).To(Equal("choose_method"))
		Expect(fl.UI.Action).To(HaveSuffix("/self-service/recovery?flow=" + fl.ID))
		Expect(r.Header.Values("Set-Cookie")).To(BeEmpty(), "an api flow sets no cookie")
	})

	It("answers 400 session_already_available to a signed-in app", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.CreateNativeRecoveryFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("session_already_available"))
	})

	It("answers 400 to a return_to that is not allowed", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		// return_to is not a documented parameter here, yet it is validated.
		r, err := f.Client(kratosclient.Native).CreateNativeRecoveryFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})
})

var _ = Describe("createBrowserRecoveryFlow", Op("createBrowserRecoveryFlow"), Requires(Recovery), func() {
	const op = "createBrowserRecoveryFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a browser flow and its CSRF cookie to a single page app", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).CreateBrowserRecoveryFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.Type).To(Equal("browser"))
		Expect(fl.State).To(Equal("choose_method"))
		Expect(kratosclient.CSRFTokenOf(r.Body)).NotTo(BeEmpty(), "csrf_token node")
		Expect(setCookieNamed(r, csrfCookiePrefix)).NotTo(BeNil(), "Set-Cookie %s*", csrfCookiePrefix)
	})

	It("answers 303 to the recovery UI with a CSRF cookie", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Browser).CreateBrowserRecoveryFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectUIURL(r.Location(), "/recovery")
		Expect(setCookieNamed(r, csrfCookiePrefix)).NotTo(BeNil(), "Set-Cookie %s*", csrfCookiePrefix)
	})

	It("answers 400 to a return_to that is not allowed", Status(400), Client(kratosclient.SPA), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).CreateBrowserRecoveryFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})

	It("answers 400 session_already_available to a signed-in single page app", Status(400), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		r, err := c.CreateBrowserRecoveryFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("session_already_available"))
	})
})

var _ = Describe("getRecoveryFlow", Op("getRecoveryFlow"), Requires(Recovery), func() {
	const op = "getRecoveryFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with an api flow, no cookie needed", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		id := f.startFlow(ctx, c, kratosclient.Recovery)
		r, err := c.GetRecoveryFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.ID).To(Equal(id))
		Expect(fl.Type).To(Equal("api"))
	})

	It("answers 200 with a browser flow to the browser holding its CSRF cookie", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		id := f.startFlow(ctx, c, kratosclient.Recovery)
		r, err := c.GetRecoveryFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.ID).To(Equal(id))
		Expect(fl.Type).To(Equal("browser"))
		Expect(kratosclient.CSRFTokenOf(r.Body)).To(Equal(c.CSRFToken()))
	})

	It("answers 404 to an unknown flow id", Status(404), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).GetRecoveryFlow(ctx, randomFlowID())
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	It("answers 410 self_service_flow_expired to an expired api flow", Status(410), Client(kratosclient.Native), Requires(ShortLifespans), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.startMailFlow(ctx, c, kratosclient.Recovery)
		sleepPastMailFlowExpiry(ctx, fl)
		r, err := c.GetRecoveryFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusGone, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("self_service_flow_expired"))
		Expect(expiredDetails(r)).To(HaveKey("api"))
	})

	It("answers 410 to an expired browser flow, pointing at a new one", Status(410), Client(kratosclient.SPA), Requires(ShortLifespans), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		fl := f.startMailFlow(ctx, c, kratosclient.Recovery)
		sleepPastMailFlowExpiry(ctx, fl)
		r, err := c.GetRecoveryFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusGone, "generic-error-details-closed")
		// Unlike the api flow, Kratos v1.3.1 sets no error.id here.
		Expect(errorCode(r)).To(Equal(http.StatusGone))
		Expect(expiredDetails(r)).To(HaveKeyWithValue("redirect_to", HaveSuffix("/self-service/recovery/browser")))
	})

	It("answers 403 security_csrf_violation to a browser flow fetched without its cookie", Status(403), Client(kratosclient.SPA), Label("negative"), func(ctx SpecContext) {
		id := f.startFlow(ctx, f.Client(kratosclient.SPA), kratosclient.Recovery)
		r, err := f.Client(kratosclient.SPA).GetRecoveryFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusForbidden, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("security_csrf_violation"))
	})
})

var _ = Describe("updateRecoveryFlow", Op("updateRecoveryFlow"), Requires(Recovery), func() {
	const op = "updateRecoveryFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	// sendEmail submits an address to a fresh flow of c's kind.
	sendEmail := func(ctx context.Context, c *kratosclient.Client, email string) (mailFlow, *kratosclient.Response) {
		GinkgoHelper()
		fl := f.startMailFlow(ctx, c, kratosclient.Recovery)
		r, err := c.UpdateRecoveryFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "code", "email": email}))
		Expect(err).NotTo(HaveOccurred())
		return fl, r
	}
	// codeMailed registers an identity, asks for its recovery code through a
	// flow of c's kind and returns the flow id and the code.
	codeMailed := func(ctx context.Context, c *kratosclient.Client) (Credentials, string, string) {
		GinkgoHelper()
		creds := f.Register(ctx, f.Client(kratosclient.Native))
		fl, r := sendEmail(ctx, c, creds.Email)
		if c.Mode() == kratosclient.Browser {
			Expect(r.Status).To(Equal(http.StatusSeeOther), "send recovery email: %s", r.Body)
		} else {
			Expect(r.Status).To(Equal(http.StatusOK), "send recovery email: %s", r.Body)
		}
		return creds, fl.ID, f.WaitForCode(ctx, creds.Email, mailbox.Recovery)
	}
	submitCode := func(ctx context.Context, c *kratosclient.Client, flowID, code string) *kratosclient.Response {
		GinkgoHelper()
		r, err := c.UpdateRecoveryFlow(ctx, flowID, c.Submission(kratosclient.Fields{"method": "code", "code": code}))
		Expect(err).NotTo(HaveOccurred())
		return r
	}
	// withoutTransitions skips where continue-with transitions change the
	// answer (a target with them answers 200 or 410 instead).
	withoutTransitions := func() {
		if f.t.has(ContinueWithTransitions) {
			Skip("the target has continue-with transitions, which change this answer")
		}
	}

	It("answers 200 sent_email to an address, then 200 with an error message to a wrong code", Status(200), Client(kratosclient.Native), Requires(RecoveryByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		// No identity has this address: Kratos answers the same and mails nothing.
		fl, r := sendEmail(ctx, c, f.NewCredentials().Email)
		ExpectContract(r, op, http.StatusOK)
		sent := decodeMailFlow(r)
		Expect(sent.ID).To(Equal(fl.ID))
		Expect(sent.State).To(Equal("sent_email"))
		Expect(sent.UI.messageIDs()).To(ContainElement(textRecoveryEmailSent))

		r = submitCode(ctx, c, fl.ID, "000000")
		ExpectContract(r, op, http.StatusOK)
		wrong := decodeMailFlow(r)
		Expect(wrong.State).To(Equal("sent_email"))
		Expect(wrong.UI.messageIDs()).To(ContainElement(textRecoveryCodeInvalid))
	})

	It("answers 200 sent_email to a single page app that sends its CSRF token", Status(200), Client(kratosclient.SPA), Requires(RecoveryByCode), func(ctx SpecContext) {
		_, r := sendEmail(ctx, f.Client(kratosclient.SPA), f.NewCredentials().Email)
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.Type).To(Equal("browser"))
		Expect(fl.State).To(Equal("sent_email"))
	})

	It("answers 200 with a session token and the settings flow to a correct code", Status(200), Client(kratosclient.Native), Requires(ContinueWithTransitions, MailCodes), Requires(RecoveryByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		creds, flowID, code := codeMailed(ctx, c)
		r := submitCode(ctx, c, flowID, code)
		ExpectContract(r, op, http.StatusOK)
		fl := decodeMailFlow(r)
		Expect(fl.State).To(Equal("passed_challenge"))
		var token, settings string
		for _, cw := range fl.ContinueWith {
			switch cw.Action {
			case "set_ory_session_token":
				token = cw.OrySessionToken
			case "show_settings_ui":
				settings = cw.Flow.ID
			}
		}
		Expect(settings).NotTo(BeEmpty(), "continue_with show_settings_ui")
		Expect(token).NotTo(BeEmpty(), "continue_with set_ory_session_token")

		c.SetSessionToken(token)
		who, err := c.ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(who.Status).To(Equal(http.StatusOK), "whoami with the recovered session")
		Expect(decodeSession(who).Identity.ID).To(Equal(creds.ID))
	})

	It("answers 303 back to the recovery UI to a browser that sends an address", Status(303), Client(kratosclient.Browser), Requires(RecoveryByCode), func(ctx SpecContext) {
		fl, r := sendEmail(ctx, f.Client(kratosclient.Browser), f.NewCredentials().Email)
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(f.expectUIURL(r.Location(), "/recovery")).To(Equal(fl.ID))
	})

	It("answers 303 to the settings UI with a session cookie to a browser that sends a correct code", Status(303), Client(kratosclient.Browser), Requires(MailCodes), Requires(RecoveryByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.Browser)
		_, flowID, code := codeMailed(ctx, c)
		r := submitCode(ctx, c, flowID, code)
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectUIURL(r.Location(), "/settings")
		Expect(setCookieNamed(r, sessionCookie)).NotTo(BeNil(), "Set-Cookie %s", sessionCookie)
	})

	It("answers 400 with the flow to an invalid address", Status(400), Client(kratosclient.Native), Requires(RecoveryByCode), func(ctx SpecContext) {
		_, r := sendEmail(ctx, f.Client(kratosclient.Native), "not-an-email")
		ExpectContract(r, op, http.StatusBadRequest)
		fl := decodeMailFlow(r)
		Expect(fl.State).To(Equal("choose_method"))
		Expect(fl.UI.nodeMessageIDs("email")).To(ContainElement(textInvalidInput))
	})

	It("answers 400 without the flow parameter", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		r, err := c.UpdateRecoveryFlow(ctx, "", c.Submission(kratosclient.Fields{"method": "code", "email": f.NewCredentials().Email}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest, "submit-error-generic-for-flow")
		Expect(errorCode(r)).To(Equal(http.StatusBadRequest))
	})

	It("answers 400 with the flow to a malformed JSON body", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.startMailFlow(ctx, c, kratosclient.Recovery)
		r, err := c.UpdateRecoveryFlow(ctx, fl.ID, kratosclient.RawBody("application/json", []byte(`{"method":"code","email":`)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(decodeMailFlow(r).UI.messageIDs()).To(ContainElement(textInvalidInput))
	})

	It("answers 400 with the flow to a body of an unsupported Content-Type", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.startMailFlow(ctx, c, kratosclient.Recovery)
		r, err := c.UpdateRecoveryFlow(ctx, fl.ID, kratosclient.RawBody("text/plain", []byte("method=code&email=someone@orybench.test")))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(decodeMailFlow(r).UI.messageIDs()).To(ContainElement(textInvalidInput))
	})

	It("answers 403 security_csrf_violation to a browser flow submitted without its CSRF token", Status(403), Client(kratosclient.SPA), Label("negative"), Requires(RecoveryByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		fl := f.startMailFlow(ctx, c, kratosclient.Recovery)
		r, err := c.UpdateRecoveryFlow(ctx, fl.ID, kratosclient.JSONBody(map[string]any{"method": "code", "email": f.NewCredentials().Email}))
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusForbidden, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("security_csrf_violation"))
	})

	It("answers 404 to an unknown flow id", Status(404), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		r, err := c.UpdateRecoveryFlow(ctx, randomFlowID(), c.Submission(kratosclient.Fields{"method": "code", "email": f.NewCredentials().Email}))
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	It("answers 303 to a new flow when a used code is submitted again", Status(303), Client(kratosclient.Native), Requires(MailCodes), Label("negative"), Requires(RecoveryByCode), func(ctx SpecContext) {
		withoutTransitions()
		c := f.Client(kratosclient.Native)
		_, flowID, code := codeMailed(ctx, c)
		first := submitCode(ctx, c, flowID, code)
		Expect(first.Status).To(Equal(http.StatusUnprocessableEntity), "first submission: %s", first.Body)
		r := submitCode(ctx, c, flowID, code)
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(r.Location()).To(HavePrefix(f.PublicURL() + "/self-service/recovery/flows?id="))
		Expect(flowIDFromLocation(r.Location())).NotTo(Equal(flowID))
	})

	It("answers 410 self_service_flow_expired with the next step to an expired api flow", Status(410), Client(kratosclient.Native), Requires(ShortLifespans, ContinueWithTransitions), Requires(RecoveryByCode), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.startMailFlow(ctx, c, kratosclient.Recovery)
		sleepPastMailFlowExpiry(ctx, fl)
		r := submitCode(ctx, c, fl.ID, "000000")
		ExpectContract(r, op, http.StatusGone, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("self_service_flow_expired"))
		Expect(useFlowID(r)).NotTo(BeElementOf("", fl.ID))
		var body struct {
			Error struct {
				Details struct {
					ContinueWith []mailFlowContinueWith `json:"continue_with"`
				} `json:"details"`
			} `json:"error"`
		}
		Expect(r.Decode(&body)).To(Succeed())
		Expect(body.Error.Details.ContinueWith).To(ContainElement(HaveField("Action", "show_recovery_ui")))
	})

	It("answers 422 browser_location_change_required to the settings UI for a correct code", Status(422), Client(kratosclient.Native), Requires(MailCodes), Requires(RecoveryByCode), func(ctx SpecContext) {
		withoutTransitions()
		c := f.Client(kratosclient.Native)
		_, flowID, code := codeMailed(ctx, c)
		r := submitCode(ctx, c, flowID, code)
		ExpectContract(r, op, http.StatusUnprocessableEntity, "location-change-error-nesting")
		Expect(errorID(r)).To(Equal("browser_location_change_required"))
		f.expectUIURL(redirectBrowserTo(r), "/settings")
	})

	It("answers 422 to the settings UI with a session cookie to a single page app for a correct code", Status(422), Client(kratosclient.SPA), Requires(MailCodes), Requires(RecoveryByCode), func(ctx SpecContext) {
		withoutTransitions()
		c := f.Client(kratosclient.SPA)
		creds, flowID, code := codeMailed(ctx, c)
		r := submitCode(ctx, c, flowID, code)
		ExpectContract(r, op, http.StatusUnprocessableEntity, "location-change-error-nesting")
		Expect(errorID(r)).To(Equal("browser_location_change_required"))
		f.expectUIURL(redirectBrowserTo(r), "/settings")
		Expect(setCookieNamed(r, sessionCookie)).NotTo(BeNil(), "Set-Cookie %s", sessionCookie)

		who, err := c.ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(who.Status).To(Equal(http.StatusOK), "whoami with the recovered session")
		Expect(decodeSession(who).Identity.ID).To(Equal(creds.ID))
	})
})
