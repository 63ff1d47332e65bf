package suites

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// authCases are what submitting a login or a registration flow share:
// social sign-in, a missing CSRF token, an Origin on an api flow, expiry.
func (s *suite) authCases(fl selfService) {
	social := map[kratosclient.FlowKind]string{kratosclient.Login: "social sign-in", kratosclient.Registration: "social sign-up"}[fl.kind]
	// submit submits valid fields for fl to a new flow of c's kind.
	submit := func(ctx context.Context, f *fixture, c *kratosclient.Client, fields kratosclient.Fields) (kratosclient.Flow, *kratosclient.Response) {
		GinkgoHelper()
		flow := f.newFlow(ctx, c, fl.kind)
		return flow, must(c.UpdateFlow(ctx, fl.kind, flow.ID, c.Submission(fields)))
	}
	// valid are fields the flow takes: an identity that exists for a
	// login, a new one for a registration.
	valid := func(ctx context.Context, f *fixture) kratosclient.Fields {
		GinkgoHelper()
		if fl.kind == kratosclient.Login {
			_, id := f.signedIn(ctx, native)
			return id.PasswordLogin()
		}
		return fl.fields(f.newIdentity())
	}
	oidc := func(provider string) kratosclient.Fields {
		return kratosclient.Fields{"method": "oidc", "provider": provider}
	}

	s.it("answers 303 to the social sign-in provider to a browser form choosing it", Status(303), Client(browser), Requires(target.SocialSignIn), func(ctx SpecContext, f *fixture) {
		c := f.client(browser)
		flow := f.newFlow(ctx, c, fl.kind)
		r := must(c.UpdateFlow(ctx, fl.kind, flow.ID, c.Submission(oidc(provider(flow)))))
		f.judge(r)
		f.expectProviderRedirect(r.Location(), provider(flow))
		expectCookie(r, "ory_kratos_continuity", true)
	})
	for _, mode := range []kratosclient.Mode{native, spa} {
		s.it("answers 422 browser_location_change_required to the provider to "+caller(mode)+" choosing "+social, Status(422), Client(mode), Requires(target.SocialSignIn), func(ctx SpecContext, f *fixture) {
			c := f.client(mode)
			flow := f.newFlow(ctx, c, fl.kind)
			r := must(c.UpdateFlow(ctx, fl.kind, flow.ID, c.Submission(oidc(provider(flow)))))
			f.judgeErrorID(r, "browser_location_change_required", "location-change-error-nesting")
			f.expectProviderRedirect(redirectBrowserTo(r), provider(flow))
			if mode == spa {
				expectCookie(r, "ory_kratos_continuity", true)
			}
		})
	}
	s.it("answers 303 to the error UI with security_csrf_violation to a browser form without its CSRF token", Status(303), Client(browser), Negative(), func(ctx SpecContext, f *fixture) {
		fields := valid(ctx, f)
		fields["csrf_token"] = ""
		_, r := submit(ctx, f, f.client(browser), fields)
		f.judge(r)
		Expect(errorID(f.expectErrorUI(ctx, r.Location()))).To(Equal("security_csrf_violation"))
		expectCookie(r, target.SessionCookie, false)
	})
	s.it("answers 400 with the flow to an api flow submitted with an Origin header", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
		fields := valid(ctx, f)
		flow := f.newFlow(ctx, f.client(native), fl.kind)
		c := f.client(native, kratosclient.WithHeader("Origin", "https://app.example.org"))
		r := must(c.UpdateFlow(ctx, fl.kind, flow.ID, c.Submission(fields)))
		f.judge(r)
		Expect(flowOf(r).UI.MessageIDs()).To(ContainElement(textInvalidInput))
		Expect(c.SessionToken()).To(BeEmpty())
	})

	// One wait serves every expired-flow case; expiry is checked before
	// the credentials, so any will do.
	Context("once the flow has expired", Ordered, ContinueOnFailure, Requires(target.ShortLifespans), func() {
		flows := map[kratosclient.Mode]expiring{}
		BeforeAll(NodeTimeout(specTimeout), func(ctx SpecContext) {
			f := s.fixture()
			for _, mode := range kratosclient.Modes {
				flows[mode] = f.expiringFlow(ctx, fl, mode)
			}
			sleepPast(ctx, later(flows))
		})
		submitExpired := func(ctx context.Context, f *fixture, mode kratosclient.Mode) *kratosclient.Response {
			GinkgoHelper()
			e := flows[mode]
			return must(e.c.UpdateFlow(ctx, fl.kind, e.flow.ID, e.c.Submission(fl.fields(f.newIdentity()))))
		}
		for _, mode := range []kratosclient.Mode{native, spa} {
			s.it("answers 410 self_service_flow_expired with the replacing flow to "+caller(mode), Status(410), Client(mode), func(ctx SpecContext, f *fixture) {
				r := submitExpired(ctx, f, mode)
				f.judgeErrorID(r, "self_service_flow_expired")
				Expect(useFlowID(r)).NotTo(BeElementOf("", flows[mode].flow.ID))
			})
		}
		s.it("answers 303 to the "+string(fl.kind)+" UI with a new flow to a browser form", Status(303), Client(browser), func(ctx SpecContext, f *fixture) {
			r := submitExpired(ctx, f, browser)
			f.judge(r)
			Expect(f.expectUIURL(r.Location(), "/"+string(fl.kind))).NotTo(Equal(flows[browser].flow.ID))
		})
	})
}

// loginCases are the login flow's own cases.
func (s *suite) loginCases(verb string) {
	switch verb {
	case "createNative":
		s.it("answers 200 with a refresh flow to a signed-in app asking for refresh=true", Status(200), Client(native), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, native)
			r := must(c.CreateNativeLoginFlow(ctx, map[string][]string{"refresh": {"true"}}))
			f.judge(r)
			Expect(flowOf(r).Refresh).To(BeTrue())
		})
		s.it("answers 401 session_aal1_required to aal=aal2 without a session", Status(401), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			f.judgeErrorID(must(f.client(native).CreateNativeLoginFlow(ctx, map[string][]string{"aal": {"aal2"}})), "session_aal1_required")
		})
	case "createBrowser":
		s.it("answers 401 session_aal1_required to a single page app asking for aal2 without a session", Status(401), Client(spa), Negative(), func(ctx SpecContext, f *fixture) {
			f.judgeErrorID(must(f.client(spa).CreateBrowserLoginFlow(ctx, map[string][]string{"aal": {"aal2"}})), "session_aal1_required")
		})
	case "update":
		s.authCases(s.selfServiceFlows()[0])
		s.passwordLoginCases()
		s.repeatedLoginCases()
	}
}

// passwordLoginCases: signing in with a password, right or wrong, with or
// without a second factor.
func (s *suite) passwordLoginCases() {
	s.forModes([]modeCase{
		{native, 200, "answers 200 with a session token to an app logging in with a password"},
		{spa, 200, "answers 200 with the session in a cookie, not a token, to a single page app"},
		{browser, 303, "answers 303 to the default return URL with a session cookie to a browser form"},
	}, func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
		_, id := f.signedIn(ctx, native)
		c := f.client(mode)
		r := f.signIn(ctx, c, id)
		f.judge(r, nativeLoginDeviations(mode)...)
		if mode == browser {
			f.expectDefaultReturnURL(r.Location())
			expectCookie(r, target.SessionCookie, true)
			return
		}
		got := successOf(r)
		Expect(got.Session).NotTo(BeNil())
		Expect(got.Session.Active).To(BeTrue())
		Expect(got.Session.IdentityID()).To(Equal(id.ID))
		Expect(got.Session.AuthenticatorAssuranceLevel).To(Equal("aal1"))
		if mode == native {
			Expect(got.SessionToken).NotTo(BeEmpty())
			Expect(c.SessionToken()).To(Equal(got.SessionToken))
			Expect(r.Header.Values("Set-Cookie")).To(BeEmpty(), "an api flow sets no cookies")
		} else {
			Expect(got.SessionToken).To(BeEmpty())
			expectCookie(r, target.SessionCookie, true)
			Expect(got.ContinueWith).To(ContainElement(HaveField("Action", "redirect_browser_to")))
		}
	})
	s.forModes([]modeCase{
		{native, 400, "answers 400 with the flow and message 4000006 to an app with a wrong password"},
		{spa, 400, "answers 400 with the flow and message 4000006 to a single page app with a wrong password"},
		{browser, 303, "answers 303 back to the login UI, flow and error kept, to a browser form with a wrong password"},
	}, func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
		_, id := f.signedIn(ctx, native)
		id.Password += "-wrong"
		c := f.client(mode)
		flow := f.newFlow(ctx, c, kratosclient.Login)
		r := must(c.UpdateLoginFlow(ctx, flow.ID, c.Submission(id.PasswordLogin())))
		f.judge(r)
		expectCookie(r, target.SessionCookie, false)
		Expect(c.SessionToken()).To(BeEmpty())
		got := f.flowAfter(ctx, c, r, kratosclient.Login, flow.ID)
		Expect(got.ID).To(Equal(flow.ID))
		Expect(got.UI.MessageIDs()).To(ContainElement(textInvalidCredentials))
	})
	s.forModes([]modeCase{
		{native, 200, "answers 200 with an aal1 session and no identity to an app whose identity has TOTP"},
		{spa, 422, "answers 422 browser_location_change_required to the aal2 login to a single page app whose identity has TOTP"},
		{browser, 303, "answers 303 to the aal2 login to a browser form when the identity has TOTP"},
	}, Requires(target.TOTP), func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
		enrolled, id := f.signedIn(ctx, mode) // enrols as the caller would
		f.enrolTOTP(ctx, enrolled)
		r := f.signIn(ctx, f.client(mode), id)
		aal2 := f.t.URL("/self-service/login/browser?aal=aal2")
		switch mode {
		case native:
			f.judge(r, "native-login-continue-with-null", "native-login-aal1-identity-null")
			got := successOf(r)
			Expect(got.SessionToken).NotTo(BeEmpty())
			Expect(got.Session.AuthenticatorAssuranceLevel).To(Equal("aal1"))
			return
		case spa:
			f.judgeErrorID(r, "browser_location_change_required", "location-change-error-nesting")
			Expect(redirectBrowserTo(r)).To(Equal(aal2))
		case browser:
			f.judge(r)
			Expect(r.Location()).To(Equal(aal2))
		}
		expectCookie(r, target.SessionCookie, true) // the aal1 session
	})
}

// nativeLoginDeviations are the known deviations of a native login's 200.
func nativeLoginDeviations(mode kratosclient.Mode) []string {
	if mode == native {
		return []string{"native-login-continue-with-null"}
	}
	return nil
}

// successStatus is what a flow submission answers a caller of the given
// kind on success: a redirect for a browser, 200 for the others.
func successStatus(mode kratosclient.Mode) int {
	return map[bool]int{true: 303, false: 200}[mode == browser]
}

// repeatedLoginCases: a login flow submitted twice, and what Kratos cannot
// read.
func (s *suite) repeatedLoginCases() {
	s.forModes([]modeCase{
		{native, 200, "answers 200 again, with a new session, to an api flow submitted twice"},
		{spa, 400, "answers 400 with the flow to a signed-in single page app submitting the flow twice"},
		{browser, 303, "answers 303 to the default return URL to a browser form submitted twice"},
	}, Negative(), func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
		_, id := f.signedIn(ctx, native)
		c := f.client(mode)
		flow := f.newFlow(ctx, c, kratosclient.Login)
		first := must(c.UpdateLoginFlow(ctx, flow.ID, c.Submission(id.PasswordLogin())))
		setUpAnswer(first, successStatus(mode), "first submission")
		c.SetSessionToken("") // the app that submits twice has not kept the answer
		r := must(c.UpdateLoginFlow(ctx, flow.ID, c.Submission(id.PasswordLogin())))
		f.judge(r, nativeLoginDeviations(mode)...)
		switch mode {
		case native:
			Expect(successOf(r).SessionToken).NotTo(BeElementOf("", successOf(first).SessionToken))
		case spa: // session_already_available, rendered into the flow as a message
			Expect(flowOf(r).UI.MessageIDs()).To(ContainElement(textInvalidInput))
		case browser:
			f.expectDefaultReturnURL(r.Location())
			expectCookie(r, target.SessionCookie, false) // not issued again
		}
	})
	s.it("answers 400 with the flow and message 4000001 to an app sending an empty body", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
		c := f.client(native)
		flow := f.newFlow(ctx, c, kratosclient.Login)
		r := must(c.UpdateLoginFlow(ctx, flow.ID, kratosclient.RawBody("application/json", nil)))
		f.judge(r)
		Expect(flowOf(r).UI.MessageIDs()).To(ContainElement(textInvalidInput))
	})
	s.it("answers 303 back to the login UI with an error to a browser posting an unsupported Content-Type", Status(303), Client(browser), Negative(), func(ctx SpecContext, f *fixture) {
		c := f.client(browser)
		flow := f.newFlow(ctx, c, kratosclient.Login)
		r := must(c.UpdateLoginFlow(ctx, flow.ID, kratosclient.RawBody("text/plain", []byte("method=password"))))
		f.judge(r)
		Expect(f.expectUIURL(r.Location(), "/login")).To(Equal(flow.ID))
		Expect(f.readFlow(ctx, c, kratosclient.Login, flow.ID).UI.MessageIDs()).To(ContainElement(textInvalidInput))
	})
	s.it("answers 303 to the error UI to a browser form for an unknown flow", Status(303), Client(browser), Negative(), func(ctx SpecContext, f *fixture) {
		c := f.client(browser)
		r := must(c.UpdateLoginFlow(ctx, randomFlowID(), c.Submission(kratosclient.Fields{"method": "password"})))
		f.judge(r)
		Expect(errorCode(f.expectErrorUI(ctx, r.Location()))).To(Equal(404))
	})
}
