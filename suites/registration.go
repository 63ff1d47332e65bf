package suites

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// registrationCases are the registration flow's own cases.
func (s *suite) registrationCases(verb string) {
	if verb != "update" {
		return
	}
	s.authCases(s.selfServiceFlows()[1])
	// signUp submits a sign-up as id to a new flow of c's kind.
	signUp := func(ctx context.Context, f *fixture, c *kratosclient.Client, id target.Identity) (kratosclient.Flow, *kratosclient.Response) {
		GinkgoHelper()
		flow := f.newFlow(ctx, c, kratosclient.Registration)
		return flow, must(c.UpdateRegistrationFlow(ctx, flow.ID, c.Submission(id.PasswordSignUp())))
	}
	// registered leaves the identity a registration answer made to the
	// run's clean-up, and returns the answer.
	registered := func(f *fixture, r *kratosclient.Response) kratosclient.Success {
		GinkgoHelper()
		if r.Status != successStatus(native) {
			return kratosclient.Success{}
		}
		got := successOf(r)
		f.t.Remember(got.IdentityID())
		return got
	}

	s.forModes([]modeCase{
		{native, 200, "answers 200 with the identity, a session token and what to do next to an app"},
		{spa, 200, "answers 200 with the identity and the session in a cookie, not a token, to a single page app"},
	}, Requires(target.SessionAfterRegistration, target.EmailTrait), func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
		c, id := f.client(mode), f.newIdentity()
		_, r := signUp(ctx, f, c, id)
		got := registered(f, r)
		f.judge(r)
		Expect(got.Identity).NotTo(BeNil())
		Expect(got.Identity.Traits).To(HaveKeyWithValue("email", id.Email))
		Expect(got.Session.IdentityID()).To(Equal(got.Identity.ID))
		Expect(got.ContinueWith).To(ContainElement(HaveField("Action", "show_verification_ui")))
		if mode == native {
			Expect(got.SessionToken).NotTo(BeEmpty())
			Expect(c.SessionToken()).To(Equal(got.SessionToken))
			Expect(got.ContinueWith).To(ContainElement(And(HaveField("Action", "set_ory_session_token"), HaveField("OrySessionToken", got.SessionToken))))
			Expect(r.Header.Values("Set-Cookie")).To(BeEmpty(), "an api flow sets no cookies")
		} else {
			Expect(got.SessionToken).To(BeEmpty())
			expectCookie(r, target.SessionCookie, true)
			Expect(got.ContinueWith).To(ContainElement(HaveField("Action", "redirect_browser_to")))
		}
	})
	s.it("answers 303 to the default return URL with a session cookie to a browser form", Status(303), Client(browser), Requires(target.SessionAfterRegistration), func(ctx SpecContext, f *fixture) {
		c := f.client(browser)
		_, r := signUp(ctx, f, c, f.newIdentity())
		f.judge(r)
		f.expectDefaultReturnURL(r.Location())
		expectCookie(r, target.SessionCookie, true)
		f.t.Remember(f.sessionIdentity(ctx, c))
	})

	// Submitted twice: an app gets a second identity, a browser is sent on
	// with 302, a signed-in single page app is refused.
	s.it("answers 200 again, with another identity, to an api flow submitted twice", Status(200), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
		c := f.client(native)
		flow, first := signUp(ctx, f, c, f.newIdentity())
		setUpAnswer(first, 200, "first submission")
		firstID := registered(f, first).IdentityID()
		c.SetSessionToken("") // the app that submits twice has not kept the answer
		r := must(c.UpdateRegistrationFlow(ctx, flow.ID, c.Submission(f.newIdentity().PasswordSignUp())))
		got := registered(f, r)
		f.judge(r)
		Expect(got.IdentityID()).NotTo(BeElementOf("", firstID))
	})
	s.it("answers 302, not 303, to the default return URL to a browser form submitted twice", Status(302), Client(browser), Negative(), Requires(target.SessionAfterRegistration), func(ctx SpecContext, f *fixture) {
		c := f.client(browser)
		flow, first := signUp(ctx, f, c, f.newIdentity())
		setUpAnswer(first, 303, "first submission")
		f.t.Remember(f.sessionIdentity(ctx, c))
		r := must(c.UpdateRegistrationFlow(ctx, flow.ID, c.Submission(f.newIdentity().PasswordSignUp())))
		f.judge(r)
		f.expectDefaultReturnURL(r.Location())
		expectCookie(r, target.SessionCookie, false) // no second identity, no new session
	})
	s.it("answers 400 session_already_available as errorGeneric to a signed-in single page app submitting the flow twice", Status(400), Client(spa), Negative(), Requires(target.SessionAfterRegistration), func(ctx SpecContext, f *fixture) {
		c := f.client(spa)
		flow, first := signUp(ctx, f, c, f.newIdentity())
		setUpAnswer(first, 200, "first submission")
		registered(f, first)
		r := must(c.UpdateRegistrationFlow(ctx, flow.ID, c.Submission(f.newIdentity().PasswordSignUp())))
		f.judgeErrorID(r, "session_already_available", "submit-error-generic-for-flow")
	})
	s.it("answers 400 session_already_available as errorGeneric, not the flow, to a signed-in app", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
		flow := f.newFlow(ctx, f.client(native), kratosclient.Registration)
		c, _ := f.signedIn(ctx, native) // a signed-in app cannot create the flow itself
		r := must(c.UpdateRegistrationFlow(ctx, flow.ID, c.Submission(f.newIdentity().PasswordSignUp())))
		f.judgeErrorID(r, "session_already_available", "submit-error-generic-for-flow")
	})

	// Invalid and taken addresses.
	s.forModes([]modeCase{
		{native, 400, "answers 400 with the flow and a message on the email to an app with an invalid email"},
		{spa, 400, "answers 400 with the flow and a message on the email to a single page app with an invalid email"},
		{browser, 302, "answers 302, not 303, back to the registration UI to a browser form with an invalid email"},
	}, Requires(target.EmailTrait), Negative(), func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
		c, id := f.client(mode), f.newIdentity()
		id.Email = "not-an-email"
		flow, r := signUp(ctx, f, c, id)
		f.judge(r)
		expectCookie(r, target.SessionCookie, false)
		Expect(c.SessionToken()).To(BeEmpty())
		got := f.flowAfter(ctx, c, r, kratosclient.Registration, flow.ID)
		Expect(got.ID).To(Equal(flow.ID))
		Expect(got.UI.NodeMessageIDs("traits.email")).To(ContainElement(textInvalidInput))
	})
	s.it("answers 400 with the flow and message 4000007 to an app signing up an existing email", Status(400), Client(native), func(ctx SpecContext, f *fixture) {
		_, existing := f.signedIn(ctx, native)
		_, r := signUp(ctx, f, f.client(native), existing)
		f.judge(r)
		Expect(flowOf(r).UI.MessageIDs()).To(ContainElement(textDuplicateIdentifier))
	})
}

// sessionIdentity is the id of the identity c's session is of.
func (f *fixture) sessionIdentity(ctx context.Context, c *kratosclient.Client) string {
	GinkgoHelper()
	s, err := f.t.WhoAmI(ctx, c)
	Expect(err).NotTo(HaveOccurred(), "whoami")
	return s.IdentityID()
}
