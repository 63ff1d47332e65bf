package suites

import (
	"context"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// mailFlow is recovery or verification by a mailed code or link, as the
// cases they share see it.
type mailFlow struct {
	kind kratosclient.FlowKind
	// method is "code" or "link"; by is the capability of the flow by it.
	method string
	by     target.Capability
	mail   target.MailKind
	// sent is the UI text of a mail sent; wrong that of a wrong code (by
	// code) or of a used link (by link).
	sent, wrong int
}

// recoveryByCode, verificationByCode, recoveryByLink and
// verificationByLink are the four mail flows.
func recoveryByCode() mailFlow {
	return mailFlow{kratosclient.Recovery, "code", target.RecoveryByCode, target.RecoveryMail, textRecoveryEmailSent, textRecoveryCodeInvalid}
}

func verificationByCode() mailFlow {
	return mailFlow{kratosclient.Verification, "code", target.VerificationByCode, target.VerificationMail, textVerificationEmailSent, textVerificationCodeInvalid}
}

func recoveryByLink() mailFlow {
	return mailFlow{kratosclient.Recovery, "link", target.RecoveryByLink, target.RecoveryMail, textRecoveryLinkSent, textRecoveryLinkUsed}
}

func verificationByLink() mailFlow {
	return mailFlow{kratosclient.Verification, "link", target.VerificationByLink, target.VerificationMail, textVerificationLinkSent, textVerificationLinkUsed}
}

// named is a case's text for this flow: by link, the code case's text says
// so, which keeps the two apart.
func (cf mailFlow) named(text string) string {
	if cf.method == "link" {
		return text + ", by link"
	}
	return text
}

// sendAddress submits an address to a new flow of c's kind.
func (cf mailFlow) sendAddress(ctx context.Context, f *fixture, c *kratosclient.Client, email string) (kratosclient.Flow, *kratosclient.Response) {
	GinkgoHelper()
	fl := f.newFlow(ctx, c, cf.kind)
	return fl, must(c.UpdateFlow(ctx, cf.kind, fl.ID, c.Submission(kratosclient.Fields{"method": cf.method, "email": email})))
}

// submitCode submits a code to flow id.
func (cf mailFlow) submitCode(ctx context.Context, c *kratosclient.Client, id, code string) *kratosclient.Response {
	GinkgoHelper()
	return must(c.UpdateFlow(ctx, cf.kind, id, c.Submission(kratosclient.Fields{"method": "code", "code": code})))
}

// submitToken submits a mailed link's token to flow id as the contract
// documents it: update*Flow with the token query parameter.
func (cf mailFlow) submitToken(ctx context.Context, c *kratosclient.Client, id, token string) *kratosclient.Response {
	GinkgoHelper()
	return must(c.UpdateFlowWithToken(ctx, cf.kind, id, token, c.Submission(kratosclient.Fields{"method": "link"})))
}

// mailed signs a new identity up as a native app and has a mail of this
// flow sent to it through a flow of c's kind; it returns the app, the
// identity, the flow's id and the mail, which carries a code (by code) or
// a link (by link).
func (cf mailFlow) mailed(ctx context.Context, f *fixture, c *kratosclient.Client) (*kratosclient.Client, target.Identity, string, target.Mail) {
	GinkgoHelper()
	app, id := f.signedIn(ctx, native)
	if cf.kind == kratosclient.Verification && id.ByRegistration {
		f.mail(ctx, id.Email, cf.mail) // registration mailed a code or link bound to its own flow: take it out
	}
	fl, r := cf.sendAddress(ctx, f, c, id.Email)
	setUpAnswer(r, successStatus(c.Mode()), "send the "+string(cf.kind)+" mail")
	m := f.mail(ctx, id.Email, cf.mail)
	if cf.method == "code" {
		Expect(m.Code).NotTo(BeEmpty(), "the %s mail carries no code", cf.kind)
	} else {
		Expect(m.Link).NotTo(BeEmpty(), "the %s mail carries no link", cf.kind)
	}
	return app, id, fl.ID, m
}

// codeMailed is mailed for a flow by code: it returns the code.
func (cf mailFlow) codeMailed(ctx context.Context, f *fixture, c *kratosclient.Client) (*kratosclient.Client, target.Identity, string, string) {
	GinkgoHelper()
	app, id, flowID, m := cf.mailed(ctx, f, c)
	return app, id, flowID, m.Code
}

// correctCode has a code mailed for a new identity (codeMailed) and
// submits it as c; it returns the app, the identity, the flow id and the
// answer.
func (cf mailFlow) correctCode(ctx context.Context, f *fixture, c *kratosclient.Client) (*kratosclient.Client, target.Identity, string, *kratosclient.Response) {
	GinkgoHelper()
	app, id, flowID, code := cf.codeMailed(ctx, f, c)
	return app, id, flowID, cf.submitCode(ctx, c, flowID, code)
}

// linkMailed is mailed for a flow by link: it checks the link is the
// target's /self-service/<kind>?flow=<the flow>&token=…, and returns the
// app, the identity, the flow id, the link and its token.
func (cf mailFlow) linkMailed(ctx context.Context, f *fixture, c *kratosclient.Client) (*kratosclient.Client, target.Identity, string, string, string) {
	GinkgoHelper()
	app, id, flowID, m := cf.mailed(ctx, f, c)
	u, err := url.Parse(m.Link)
	Expect(err).NotTo(HaveOccurred())
	Expect(u.Scheme+"://"+u.Host+u.Path).To(Equal(f.t.URL("/self-service/"+string(cf.kind))), "link %s", redact.URL(m.Link))
	Expect(u.Query().Get("flow")).To(Equal(flowID), "link %s", redact.URL(m.Link))
	token := u.Query().Get("token")
	Expect(token).NotTo(BeEmpty(), "no token in link %s", redact.URL(m.Link))
	return app, id, flowID, m.Link, token
}

// submitUnanswerable submits to flow id what any flow of this method takes
// and no mail answers: a wrong code, or an address no identity has.
func (cf mailFlow) submitUnanswerable(ctx context.Context, f *fixture, c *kratosclient.Client, id string) *kratosclient.Response {
	GinkgoHelper()
	if cf.method == "code" {
		return cf.submitCode(ctx, c, id, "000000")
	}
	return must(c.UpdateFlow(ctx, cf.kind, id, c.Submission(kratosclient.Fields{"method": "link", "email": f.newIdentity().Email})))
}

// addressCases are what recovery and verification by code or link
// share: an address sent, a wrong code (by code), an invalid address.
func (s *suite) addressCases(cf mailFlow) {
	sentText := "answers 200 sent_email to an address"
	if cf.method == "code" {
		sentText += ", then 200 with an error message to a wrong code"
	}
	s.it(cf.named(sentText), Status(200), Client(native), Requires(cf.by), func(ctx SpecContext, f *fixture) {
		c := f.client(native)
		// No identity has this address: Kratos answers the same and mails nothing.
		fl, r := cf.sendAddress(ctx, f, c, f.newIdentity().Email)
		f.judge(r)
		sent := flowOf(r)
		Expect(sent.ID).To(Equal(fl.ID))
		Expect(sent.State).To(Equal("sent_email"))
		Expect(sent.Active).To(Equal(cf.method))
		Expect(sent.UI.MessageIDs()).To(ContainElement(cf.sent))
		if cf.method != "code" {
			return
		}
		r = cf.submitCode(ctx, c, fl.ID, "000000")
		f.judge(r)
		wrong := flowOf(r)
		Expect(wrong.State).To(Equal("sent_email"))
		Expect(wrong.UI.MessageIDs()).To(ContainElement(cf.wrong))
	})
	s.it(cf.named("answers 200 sent_email to a single page app that sends its CSRF token"), Status(200), Client(spa), Requires(cf.by), func(ctx SpecContext, f *fixture) {
		_, r := cf.sendAddress(ctx, f, f.client(spa), f.newIdentity().Email)
		f.judge(r)
		fl := flowOf(r)
		Expect(fl.Type).To(Equal("browser"))
		Expect(fl.State).To(Equal("sent_email"))
	})
	s.it(cf.named("answers 303 back to the "+string(cf.kind)+" UI to a browser that sends an address"), Status(303), Client(browser), Requires(cf.by), func(ctx SpecContext, f *fixture) {
		fl, r := cf.sendAddress(ctx, f, f.client(browser), f.newIdentity().Email)
		f.judge(r)
		Expect(f.expectUIURL(r.Location(), "/"+string(cf.kind))).To(Equal(fl.ID))
	})
	s.it(cf.named("answers 400 with the flow to an invalid address"), Status(400), Client(native), Requires(cf.by), func(ctx SpecContext, f *fixture) {
		_, r := cf.sendAddress(ctx, f, f.client(native), "not-an-email")
		f.judge(r)
		fl := flowOf(r)
		Expect(fl.State).To(Equal("choose_method"))
		Expect(fl.UI.NodeMessageIDs("email")).To(ContainElement(textInvalidInput))
	})
}

// usedLinkCase: a link's token, used once by opening the link as a
// browser does, is refused when it is submitted again: Kratos v1.3.1
// answers any token it cannot use with 303 to a new flow in the UI that
// says so (link strategy, retry*FlowWithMessage).
func (s *suite) usedLinkCase(cf mailFlow) {
	s.it("answers 303 to a new flow in the "+string(cf.kind)+" UI when a used link's token is submitted again", Status(303), Client(browser), Requires(target.MailCodes, cf.by), Negative(), func(ctx SpecContext, f *fixture) {
		c := f.client(browser)
		_, _, flowID, link, token := cf.linkMailed(ctx, f, c)
		opened := must(f.client(browser).FollowLink(ctx, link))
		setUpAnswer(opened, 303, "open the link")
		r := cf.submitToken(ctx, c, flowID, token)
		f.judge(r)
		next := f.expectUIURL(r.Location(), "/"+string(cf.kind))
		Expect(next).NotTo(Equal(flowID))
		Expect(f.readFlow(ctx, c, cf.kind, next).UI.MessageIDs()).To(ContainElement(cf.wrong))
	})
}

// recoveryCases are the recovery flow's own cases: what a correct code
// leads to, with continue-with transitions and without.
func (s *suite) recoveryCases(verb string) {
	if verb != "update" {
		return
	}
	cf := recoveryByCode()
	s.addressCases(cf)
	s.recoveryLinkCases()
	withoutTransitions := func(f *fixture) {
		if f.t.Has(target.ContinueWithTransitions) {
			Skip("the target has continue-with transitions, which change this answer")
		}
	}
	s.it("answers 200 with a session token and the settings flow to a correct code", Status(200), Client(native), Requires(target.ContinueWithTransitions, target.MailCodes, cf.by), func(ctx SpecContext, f *fixture) {
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
	}, Requires(target.MailCodes, cf.by), func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
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
	s.it("answers 303 to a new flow when a used code is submitted again", Status(303), Client(native), Requires(target.MailCodes, cf.by), Negative(), func(ctx SpecContext, f *fixture) {
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
	for _, cf := range []mailFlow{cf, recoveryByLink()} {
		s.it(cf.named("answers 410 self_service_flow_expired with the next step to an expired api flow"), Status(410), Client(native), Requires(target.ShortLifespans, target.ContinueWithTransitions, cf.by), func(ctx SpecContext, f *fixture) {
			c := f.client(native)
			fl := f.newFlow(ctx, c, cf.kind)
			sleepPast(ctx, fl.ExpiresAt)
			r := cf.submitUnanswerable(ctx, f, c, fl.ID)
			f.judgeErrorID(r, "self_service_flow_expired", "generic-error-details-closed")
			Expect(useFlowID(r)).NotTo(BeElementOf("", fl.ID))
			Expect(expiredDetails(r)).To(HaveKeyWithValue("continue_with", ContainElement(HaveKeyWithValue("action", "show_recovery_ui"))))
		})
	}
}

// recoveryLinkCases are what a recovery link leads to. Its token, however
// it is submitted, is answered as a browser's (link strategy,
// recoveryIssueSession): 303 to the settings UI with a session cookie,
// never a JSON answer, so by link no client reaches 200 or 422 with it.
func (s *suite) recoveryLinkCases() {
	cf := recoveryByLink()
	s.addressCases(cf)
	s.it("answers 303 to the settings UI with a session cookie to a browser that submits a mailed link's token", Status(303), Client(browser), Requires(target.MailCodes, cf.by), func(ctx SpecContext, f *fixture) {
		c := f.client(browser)
		_, id, flowID, _, token := cf.linkMailed(ctx, f, c)
		r := cf.submitToken(ctx, c, flowID, token)
		f.judge(r)
		f.expectUIURL(r.Location(), "/settings")
		expectCookie(r, target.SessionCookie, true)
		Expect(f.sessionIdentity(ctx, c)).To(Equal(id.ID), "whoami with the recovered session")
	})
	s.usedLinkCase(cf)
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
	s.addressCases(cf)
	s.verificationLinkCases()
	s.it("answers 200 passed_challenge to a correct code and verifies the address", Status(200), Client(native), Requires(target.MailCodes, cf.by), func(ctx SpecContext, f *fixture) {
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
	s.it("answers 303 back to the verification UI to a browser that sends a correct code", Status(303), Client(browser), Requires(target.MailCodes, cf.by), func(ctx SpecContext, f *fixture) {
		c := f.client(browser)
		_, _, flowID, r := cf.correctCode(ctx, f, c)
		f.judge(r)
		Expect(f.expectUIURL(r.Location(), "/verification")).To(Equal(flowID))
		Expect(f.readFlow(ctx, c, cf.kind, flowID).State).To(Equal("passed_challenge"))
	})
	s.it("answers 410 self_service_flow_replaced to the sixth wrong code", Status(410), Client(native), Requires(cf.by), func(ctx SpecContext, f *fixture) {
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
	s.it("answers 410 self_service_flow_replaced when a used code is submitted again", Status(410), Client(native), Requires(target.MailCodes, cf.by), Negative(), func(ctx SpecContext, f *fixture) {
		c := f.client(native)
		_, _, flowID, code := cf.codeMailed(ctx, f, c)
		first := cf.submitCode(ctx, c, flowID, code)
		setUpAnswer(first, 200, "first submission")
		r := cf.submitCode(ctx, c, flowID, code)
		f.judgeErrorID(r, "self_service_flow_replaced")
		Expect(useFlowID(r)).NotTo(BeElementOf("", flowID))
	})
}

// verificationLinkCases are what a verification link leads to: the
// address verified, in a flow passed_challenge, answered as JSON to an app
// and with 303 to the verification UI to a browser (Kratos v1.3.1 tells
// them apart by Accept). A link has no 410: its token, used or expired, is
// answered with 303 to a new flow (usedLinkCase).
func (s *suite) verificationLinkCases() {
	cf := verificationByLink()
	s.addressCases(cf)
	s.forModes([]modeCase{
		{native, 200, "answers 200 passed_challenge to a mailed link's token and verifies the address"},
		{browser, 303, "answers 303 back to the verification UI to a browser that submits a mailed link's token"},
	}, Requires(target.MailCodes, cf.by), func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
		c := f.client(mode)
		app, _, flowID, _, token := cf.linkMailed(ctx, f, c)
		r := cf.submitToken(ctx, c, flowID, token)
		f.judge(r)
		fl := f.flowAfter(ctx, c, r, cf.kind, flowID)
		Expect(fl.State).To(Equal("passed_challenge"))
		Expect(fl.UI.MessageIDs()).To(ContainElement(textVerificationSuccessful))
		who, err := f.t.WhoAmI(ctx, app)
		Expect(err).NotTo(HaveOccurred())
		Expect(who.Identity.VerifiableAddresses).To(ConsistOf(And(HaveField("Verified", true), HaveField("Status", "completed"))))
	})
	s.usedLinkCase(cf)
}

// codeSubmissionsBeforeReplace: a verification flow takes five wrong
// codes; the sixth submission replaces it.
const codeSubmissionsBeforeReplace = 5
