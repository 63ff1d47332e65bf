package suites

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// codeFlow is recovery or verification by a mailed code, as the cases
// they share see it.
type codeFlow struct {
	kind   kratosclient.FlowKind
	byCode target.Capability
	mail   target.MailKind
	// sent and wrongCode are the UI texts of a code sent and a wrong code.
	sent, wrongCode int
}

// recoveryByCode and verificationByCode are the two code flows.
func recoveryByCode() codeFlow {
	return codeFlow{kratosclient.Recovery, target.RecoveryByCode, target.RecoveryMail, textRecoveryEmailSent, textRecoveryCodeInvalid}
}

func verificationByCode() codeFlow {
	return codeFlow{kratosclient.Verification, target.VerificationByCode, target.VerificationMail, textVerificationEmailSent, textVerificationCodeInvalid}
}

// sendAddress submits an address to a new flow of c's kind.
func (cf codeFlow) sendAddress(ctx context.Context, f *fixture, c *kratosclient.Client, email string) (kratosclient.Flow, *kratosclient.Response) {
	GinkgoHelper()
	fl := f.newFlow(ctx, c, cf.kind)
	return fl, must(c.UpdateFlow(ctx, cf.kind, fl.ID, c.Submission(kratosclient.Fields{"method": "code", "email": email})))
}

// submitCode submits a code to flow id.
func (cf codeFlow) submitCode(ctx context.Context, c *kratosclient.Client, id, code string) *kratosclient.Response {
	GinkgoHelper()
	return must(c.UpdateFlow(ctx, cf.kind, id, c.Submission(kratosclient.Fields{"method": "code", "code": code})))
}

// codeMailed signs a new identity up as a native app and asks for a code
// for it through a flow of c's kind; it returns the app, the identity, the
// flow's id and the code.
func (cf codeFlow) codeMailed(ctx context.Context, f *fixture, c *kratosclient.Client) (*kratosclient.Client, target.Identity, string, string) {
	GinkgoHelper()
	app, id := f.signedIn(ctx, native)
	if cf.kind == kratosclient.Verification && id.ByRegistration {
		f.code(ctx, id.Email, cf.mail) // registration mailed a code bound to its own flow: take it out
	}
	fl, r := cf.sendAddress(ctx, f, c, id.Email)
	setUpAnswer(r, successStatus(c.Mode()), "send the "+string(cf.kind)+" mail")
	return app, id, fl.ID, f.code(ctx, id.Email, cf.mail)
}

// correctCode has a code mailed for a new identity (codeMailed) and
// submits it as c; it returns the app, the identity, the flow id and the
// answer.
func (cf codeFlow) correctCode(ctx context.Context, f *fixture, c *kratosclient.Client) (*kratosclient.Client, target.Identity, string, *kratosclient.Response) {
	GinkgoHelper()
	app, id, flowID, code := cf.codeMailed(ctx, f, c)
	return app, id, flowID, cf.submitCode(ctx, c, flowID, code)
}

// codeCases are what recovery and verification by code share: an address
// sent, a wrong code, an invalid address.
func (s *suite) codeCases(cf codeFlow) {
	s.it("answers 200 sent_email to an address, then 200 with an error message to a wrong code", Status(200), Client(native), Requires(cf.byCode), func(ctx SpecContext, f *fixture) {
		c := f.client(native)
		// No identity has this address: Kratos answers the same and mails nothing.
		fl, r := cf.sendAddress(ctx, f, c, f.newIdentity().Email)
		f.judge(r)
		sent := flowOf(r)
		Expect(sent.ID).To(Equal(fl.ID))
		Expect(sent.State).To(Equal("sent_email"))
		Expect(sent.UI.MessageIDs()).To(ContainElement(cf.sent))

		r = cf.submitCode(ctx, c, fl.ID, "000000")
		f.judge(r)
		wrong := flowOf(r)
		Expect(wrong.State).To(Equal("sent_email"))
		Expect(wrong.UI.MessageIDs()).To(ContainElement(cf.wrongCode))
	})
	s.it("answers 200 sent_email to a single page app that sends its CSRF token", Status(200), Client(spa), Requires(cf.byCode), func(ctx SpecContext, f *fixture) {
		_, r := cf.sendAddress(ctx, f, f.client(spa), f.newIdentity().Email)
		f.judge(r)
		fl := flowOf(r)
		Expect(fl.Type).To(Equal("browser"))
		Expect(fl.State).To(Equal("sent_email"))
	})
	s.it("answers 303 back to the "+string(cf.kind)+" UI to a browser that sends an address", Status(303), Client(browser), Requires(cf.byCode), func(ctx SpecContext, f *fixture) {
		fl, r := cf.sendAddress(ctx, f, f.client(browser), f.newIdentity().Email)
		f.judge(r)
		Expect(f.expectUIURL(r.Location(), "/"+string(cf.kind))).To(Equal(fl.ID))
	})
	s.it("answers 400 with the flow to an invalid address", Status(400), Client(native), Requires(cf.byCode), func(ctx SpecContext, f *fixture) {
		_, r := cf.sendAddress(ctx, f, f.client(native), "not-an-email")
		f.judge(r)
		fl := flowOf(r)
		Expect(fl.State).To(Equal("choose_method"))
		Expect(fl.UI.NodeMessageIDs("email")).To(ContainElement(textInvalidInput))
	})
}

// recoveryCases are the recovery flow's own cases: what a correct code
// leads to, with continue-with transitions and without.
func (s *suite) recoveryCases(verb string) {
	if verb != "update" {
		return
	}
	cf := recoveryByCode()
	s.codeCases(cf)
	withoutTransitions := func(f *fixture) {
		if f.t.Has(target.ContinueWithTransitions) {
			Skip("the target has continue-with transitions, which change this answer")
		}
	}
	s.it("answers 200 with a session token and the settings flow to a correct code", Status(200), Client(native), Requires(target.ContinueWithTransitions, target.MailCodes, cf.byCode), func(ctx SpecContext, f *fixture) {
		c := f.client(native)
		_, id, _, r := cf.correctCode(ctx, f, c)
		f.judge(r)
		fl := flowOf(r)
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
		Expect(f.sessionIdentity(ctx, c)).To(Equal(id.ID), "whoami with the recovered session")
	})
	s.forModes([]modeCase{
		{browser, 303, "answers 303 to the settings UI with a session cookie to a browser that sends a correct code"},
		{native, 422, "answers 422 browser_location_change_required to the settings UI for a correct code"},
		{spa, 422, "answers 422 to the settings UI with a session cookie to a single page app for a correct code"},
	}, Requires(target.MailCodes, cf.byCode), func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
		if mode != browser {
			withoutTransitions(f)
		}
		c := f.client(mode)
		_, id, _, r := cf.correctCode(ctx, f, c)
		if mode == browser {
			f.judge(r)
			f.expectUIURL(r.Location(), "/settings")
		} else {
			f.judgeErrorID(r, "browser_location_change_required", "location-change-error-nesting")
			f.expectUIURL(redirectBrowserTo(r), "/settings")
		}
		if mode != native {
			expectCookie(r, target.SessionCookie, true)
		}
		if mode == spa {
			Expect(f.sessionIdentity(ctx, c)).To(Equal(id.ID), "whoami with the recovered session")
		}
	})
	s.it("answers 303 to a new flow when a used code is submitted again", Status(303), Client(native), Requires(target.MailCodes, cf.byCode), Negative(), func(ctx SpecContext, f *fixture) {
		withoutTransitions(f)
		c := f.client(native)
		_, _, flowID, code := cf.codeMailed(ctx, f, c)
		first := cf.submitCode(ctx, c, flowID, code)
		setUpAnswer(first, 422, "first submission")
		r := cf.submitCode(ctx, c, flowID, code)
		f.judge(r)
		Expect(r.Location()).To(HavePrefix(f.t.URL("/self-service/recovery/flows?id=")))
		Expect(target.FlowIDOf(r.Location())).NotTo(Equal(flowID))
	})
	s.it("answers 410 self_service_flow_expired with the next step to an expired api flow", Status(410), Client(native), Requires(target.ShortLifespans, target.ContinueWithTransitions, cf.byCode), func(ctx SpecContext, f *fixture) {
		c := f.client(native)
		fl := f.newFlow(ctx, c, cf.kind)
		sleepPast(ctx, fl.ExpiresAt)
		r := cf.submitCode(ctx, c, fl.ID, "000000")
		f.judgeErrorID(r, "self_service_flow_expired", "generic-error-details-closed")
		Expect(useFlowID(r)).NotTo(BeElementOf("", fl.ID))
		Expect(expiredDetails(r)).To(HaveKeyWithValue("continue_with", ContainElement(HaveKeyWithValue("action", "show_recovery_ui"))))
	})
}

// verificationCases are the verification flow's own cases: a correct code
// verifies the address, a used or sixth wrong one replaces the flow.
func (s *suite) verificationCases(verb string) {
	cf := verificationByCode()
	switch verb {
	case "createBrowser":
		s.it("answers 400, not a redirect to the error UI, to a browser asking for a return_to that is not allowed", Status(400), Client(browser), Negative(), func(ctx SpecContext, f *fixture) {
			f.judgeErrorID(must(f.client(browser).CreateBrowserVerificationFlow(ctx, evilReturnTo())), "self_service_flow_return_to_forbidden")
		})
		return
	case "update":
	default:
		return
	}
	s.codeCases(cf)
	s.it("answers 200 passed_challenge to a correct code and verifies the address", Status(200), Client(native), Requires(target.MailCodes, cf.byCode), func(ctx SpecContext, f *fixture) {
		c := f.client(native)
		app, _, _, r := cf.correctCode(ctx, f, c)
		f.judge(r)
		fl := flowOf(r)
		Expect(fl.State).To(Equal("passed_challenge"))
		Expect(fl.UI.MessageIDs()).To(ContainElement(textVerificationSuccessful))
		who, err := f.t.WhoAmI(ctx, app)
		Expect(err).NotTo(HaveOccurred())
		Expect(who.Identity.VerifiableAddresses).To(ConsistOf(And(HaveField("Verified", true), HaveField("Status", "completed"))))
	})
	s.it("answers 303 back to the verification UI to a browser that sends a correct code", Status(303), Client(browser), Requires(target.MailCodes, cf.byCode), func(ctx SpecContext, f *fixture) {
		c := f.client(browser)
		_, _, flowID, r := cf.correctCode(ctx, f, c)
		f.judge(r)
		Expect(f.expectUIURL(r.Location(), "/verification")).To(Equal(flowID))
		Expect(f.readFlow(ctx, c, cf.kind, flowID).State).To(Equal("passed_challenge"))
	})
	s.it("answers 410 self_service_flow_replaced to the sixth wrong code", Status(410), Client(native), Requires(cf.byCode), func(ctx SpecContext, f *fixture) {
		c := f.client(native)
		fl := f.newFlow(ctx, c, cf.kind)
		for i := range codeSubmissionsBeforeReplace {
			r := cf.submitCode(ctx, c, fl.ID, "000000")
			Expect(r.Status).To(Equal(200), "wrong code %d: %s", i+1, r.Explain())
		}
		r := cf.submitCode(ctx, c, fl.ID, "000000")
		f.judgeErrorID(r, "self_service_flow_replaced")
		Expect(useFlowID(r)).NotTo(BeElementOf("", fl.ID))
	})
	s.it("answers 410 self_service_flow_replaced when a used code is submitted again", Status(410), Client(native), Requires(target.MailCodes, cf.byCode), Negative(), func(ctx SpecContext, f *fixture) {
		c := f.client(native)
		_, _, flowID, code := cf.codeMailed(ctx, f, c)
		first := cf.submitCode(ctx, c, flowID, code)
		setUpAnswer(first, 200, "first submission")
		r := cf.submitCode(ctx, c, flowID, code)
		f.judgeErrorID(r, "self_service_flow_replaced")
		Expect(useFlowID(r)).NotTo(BeElementOf("", flowID))
	})
}

// codeSubmissionsBeforeReplace: a verification flow takes five wrong
// codes; the sixth submission replaces it.
const codeSubmissionsBeforeReplace = 5
