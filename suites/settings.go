package suites

import (
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// settingsCases are the settings flow's own cases: who may read and
// change it, and what a change needs.
func (s *suite) settingsCases(verb string) {
	switch verb {
	case "createNative":
		s.it("answers 401 session_inactive without a session token", Status(401), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			f.judgeErrorID(must(f.client(native).CreateNativeSettingsFlow(ctx, nil)), "session_inactive")
		})
	case "createBrowser":
		s.it("answers 303 to the login flow for a browser without a session", Status(303), Client(browser), func(ctx SpecContext, f *fixture) {
			r := must(f.client(browser).CreateBrowserSettingsFlow(ctx, nil))
			f.judge(r)
			Expect(r.Location()).To(Equal(f.t.URL("/self-service/login/browser")))
			expectCookie(r, target.CSRFCookiePrefix, true)
		})
		s.it("answers 401 session_inactive to a single page app without a session", Status(401), Client(spa), func(ctx SpecContext, f *fixture) {
			f.judgeErrorID(must(f.client(spa).CreateBrowserSettingsFlow(ctx, nil)), "session_inactive")
		})
		s.it("answers 403 session_aal2_required to an aal1 session that owes its second factor", Status(403), Client(spa), Requires(target.TOTP), func(ctx SpecContext, f *fixture) {
			r := must(f.aal1Session(ctx, spa).CreateBrowserSettingsFlow(ctx, nil))
			f.judgeErrorID(r, "session_aal2_required", "generic-error-details-closed")
			Expect(redirectBrowserTo(r)).To(Equal(f.t.URL("/self-service/login/browser?aal=aal2")))
		})
	case "get", "update":
		s.settingsAccessCases(verb)
	}
	if verb == "update" {
		s.settingsChangeCases()
	}
}

// settingsAccessCases: a settings flow is its owner's, read or changed
// only with the owner's session, at the owner's assurance level.
func (s *suite) settingsAccessCases(verb string) {
	// call reads or submits (an unchanged profile: never privileged) flow
	// id as c.
	call := func(ctx SpecContext, c *kratosclient.Client, id string, owner target.Identity) *kratosclient.Response {
		GinkgoHelper()
		if verb == "get" {
			return must(c.GetSettingsFlow(ctx, id))
		}
		return must(c.UpdateSettingsFlow(ctx, id, c.Submission(sameProfile(owner))))
	}
	s.it("answers 401 without a session", Status(401), Client(native), func(ctx SpecContext, f *fixture) {
		owner, id := f.signedIn(ctx, native)
		f.judgeErrorCode(call(ctx, f.client(native), f.startFlow(ctx, owner, kratosclient.Settings), id))
	})
	s.it("answers 403 security_identity_mismatch to another identity's session", Status(403), Client(native), func(ctx SpecContext, f *fixture) {
		owner, id := f.signedIn(ctx, native)
		flowID := f.startFlow(ctx, owner, kratosclient.Settings)
		other, _ := f.signedIn(ctx, native)
		f.judgeErrorID(call(ctx, other, flowID, id), "security_identity_mismatch")
	})
	if verb == "get" {
		s.it("answers 403 session_aal2_required to its owner's aal1 session that owes the second factor", Status(403), Client(native), Requires(target.TOTP), func(ctx SpecContext, f *fixture) {
			c, id := f.signedIn(ctx, native)
			f.enrolTOTP(ctx, c)
			// The enrolling session is aal2 now; its flow is then read with
			// a password-only session of the same identity.
			flowID := f.startFlow(ctx, c, kratosclient.Settings)
			aal1 := f.client(native)
			setUpAnswer(f.signIn(ctx, aal1, id), 200, "password-only sign-in")
			f.judgeErrorID(call(ctx, aal1, flowID, id), "session_aal2_required", "generic-error-details-closed")
		})
	}
}

// sameProfile saves the traits unchanged, which is never privileged.
func sameProfile(id target.Identity) kratosclient.Fields {
	return kratosclient.Fields{"method": "profile", "traits": id.TraitsWithEmail()}
}

// settingsChangeCases: changes that are saved, refused or sent elsewhere.
func (s *suite) settingsChangeCases() {
	s.it("answers 200 success to a password change by a fresh native session", Status(200), Client(native), func(ctx SpecContext, f *fixture) {
		c, id := f.signedIn(ctx, native)
		flowID := f.startFlow(ctx, c, kratosclient.Settings)
		id.Password = f.newIdentity().Password
		r := must(c.UpdateSettingsFlow(ctx, flowID, c.Submission(kratosclient.Fields{"method": "password", "password": id.Password})))
		f.judge(r)
		fl := flowOf(r)
		Expect(fl.ID).To(Equal(flowID))
		Expect(fl.State).To(Equal("success"))
		Expect(fl.UI.MessageIDs()).To(ContainElement(textSettingsSaved))
		Expect(f.signIn(ctx, f.client(native), id).Status).To(Equal(200), "sign in with the new password")
	})
	s.forModes([]modeCase{
		{spa, 200, "answers 200 success to a single page app that sends its CSRF token"},
		{browser, 303, "answers 303 back to the settings UI to a browser form"},
	}, func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
		c, id := f.signedIn(ctx, mode)
		flowID := f.startFlow(ctx, c, kratosclient.Settings)
		r := must(c.UpdateSettingsFlow(ctx, flowID, c.Submission(sameProfile(id))))
		f.judge(r)
		if mode == browser {
			Expect(f.expectUIURL(r.Location(), "/settings")).To(Equal(flowID))
			return
		}
		fl := flowOf(r)
		Expect(fl.State).To(Equal("success"))
		Expect(fl.UI.MessageIDs()).To(ContainElement(textSettingsSaved))
	})
	s.it("answers 400 with the flow to invalid traits", Status(400), Client(native), Requires(target.EmailTrait), func(ctx SpecContext, f *fixture) {
		c, _ := f.signedIn(ctx, native)
		flowID := f.startFlow(ctx, c, kratosclient.Settings)
		r := must(c.UpdateSettingsFlow(ctx, flowID, c.Submission(kratosclient.Fields{"method": "profile", "traits": map[string]any{"email": "not-an-email"}})))
		f.judge(r)
		fl := flowOf(r)
		Expect(fl.ID).To(Equal(flowID))
		Expect(fl.UI.NodeMessageIDs("traits.email")).To(ContainElement(textInvalidInput))
	})
	s.it("answers 403 session_refresh_required to a password change by a session past its privileged age", Status(403), Client(native), Requires(target.ShortLifespans), func(ctx SpecContext, f *fixture) {
		c, _ := f.signedIn(ctx, native)
		who, err := f.t.WhoAmI(ctx, c)
		Expect(err).NotTo(HaveOccurred())
		sleepPast(ctx, who.AuthenticatedAt.Add(f.t.PrivilegedSessionMaxAge()))
		// The flow is new (flows are short-lived here too), the session is not.
		flowID := f.startFlow(ctx, c, kratosclient.Settings)
		r := must(c.UpdateSettingsFlow(ctx, flowID, c.Submission(kratosclient.Fields{"method": "password", "password": f.newIdentity().Password})))
		f.judgeErrorID(r, "session_refresh_required")
		refresh, err := url.Parse(redirectBrowserTo(r))
		Expect(err).NotTo(HaveOccurred())
		Expect(refresh.Path).To(Equal("/self-service/login/browser"))
		Expect(refresh.Query().Get("refresh")).To(Equal("true"))
	})
	s.it("answers 410 self_service_flow_expired with a new flow to an expired api flow", Status(410), Client(native), Requires(target.ShortLifespans), func(ctx SpecContext, f *fixture) {
		c, id := f.signedIn(ctx, native)
		fl := f.newFlow(ctx, c, kratosclient.Settings)
		sleepPast(ctx, fl.ExpiresAt)
		r := must(c.UpdateSettingsFlow(ctx, fl.ID, c.Submission(sameProfile(id))))
		f.judgeErrorID(r, "self_service_flow_expired")
		Expect(useFlowID(r)).NotTo(BeElementOf("", fl.ID))
	})
	s.forModes([]modeCase{
		{native, 422, "answers 422 with the provider's authorize URL to an app linking a social account"},
		{spa, 422, "answers 422 with the authorize URL and a continuity cookie to a single page app"},
	}, Requires(target.SocialSignIn), func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
		// A native settings flow lists no provider, though linking
		// works from it: a login flow names them.
		p := provider(f.newFlow(ctx, f.client(native), kratosclient.Login))
		c, _ := f.signedIn(ctx, mode)
		flowID := f.startFlow(ctx, c, kratosclient.Settings)
		r := must(c.UpdateSettingsFlow(ctx, flowID, c.Submission(kratosclient.Fields{"method": "oidc", "link": p})))
		f.judgeErrorID(r, "browser_location_change_required", "location-change-error-nesting")
		expectAuthorizeURL(redirectBrowserTo(r))
		if mode == spa {
			expectCookie(r, "ory_kratos_continuity", true)
		}
	})
}
