package suites

import (
	"context"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// sessionSpecs: a caller's own sessions.
func (s *suite) sessionSpecs() {
	s.operation("toSession", func() {
		for _, mode := range kratosclient.Modes {
			// An HTML Accept changes nothing: whoami always answers JSON.
			s.it("answers 401 to "+caller(mode)+" without a session", Status(401), Client(mode), func(ctx SpecContext, f *fixture) {
				f.judgeErrorCode(must(f.client(mode).ToSession(ctx, nil)))
			})
		}
		s.it("answers 401 to a revoked session token", Status(401), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, id := f.signedIn(ctx, native)
			f.revoke(ctx, id.SessionToken)
			f.judgeErrorCode(must(c.ToSession(ctx, nil)))
		})
		for _, mode := range []kratosclient.Mode{native, spa} {
			text := map[kratosclient.Mode]string{native: "answers 200 with the session of a native registration", spa: "answers 200 with the session cookie of a browser registration"}[mode]
			needs := map[kratosclient.Mode][]target.Capability{native: {target.EmailTrait}}[mode]
			s.it(text, Status(200), Client(mode), Requires(needs...), func(ctx SpecContext, f *fixture) {
				c, id := f.signedIn(ctx, mode)
				r := must(c.ToSession(ctx, nil))
				f.judge(r)
				got := sessionOf(r)
				Expect(got.Active).To(BeTrue())
				Expect(got.IdentityID()).To(Equal(id.ID))
				if f.t.Has(target.EmailTrait) {
					Expect(got.Identity.Traits["email"]).To(Equal(id.Email))
				}
				Expect(got.AuthenticatorAssuranceLevel).To(Equal("aal1"))
				Expect(r.Header.Get("X-Kratos-Authenticated-Identity-Id")).To(Equal(id.ID))
			})
		}
		s.it("answers 200 to a session token sent as an Authorization bearer token", Status(200), Client(native), func(ctx SpecContext, f *fixture) {
			_, id := f.signedIn(ctx, native)
			r := must(f.client(native, kratosclient.WithHeader("Authorization", "Bearer "+id.SessionToken)).ToSession(ctx, nil))
			f.judge(r)
			Expect(sessionOf(r).IdentityID()).To(Equal(id.ID))
			Expect(r.Header.Get("X-Kratos-Authenticated-Identity-Id")).To(Equal(id.ID))
		})
		s.it("answers 403 session_aal2_required to an aal1 session that owes its second factor", Status(403), Client(native), Requires(target.TOTP), func(ctx SpecContext, f *fixture) {
			r := must(f.aal1Session(ctx, native).ToSession(ctx, nil))
			f.judgeErrorID(r, "session_aal2_required", "generic-error-details-closed")
			Expect(redirectBrowserTo(r)).To(Equal(f.t.URL("/self-service/login/browser?aal=aal2")))
		})
		s.it("answers 400 to an unknown tokenize_as template", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, native)
			f.judgeErrorCode(must(c.ToSession(ctx, url.Values{"tokenize_as": {"orybench-no-such-template"}})))
		})
	})

	s.operation("listMySessions", func() {
		for _, mode := range []kratosclient.Mode{native, spa} {
			s.it("answers 200 with the identity's other sessions, not the current one, to "+caller(mode), Status(200), Client(mode), func(ctx SpecContext, f *fixture) {
				c, other := f.twoSessions(ctx, mode)
				r := must(c.ListMySessions(ctx, nil))
				f.judge(r)
				var list []kratosclient.Session
				Expect(r.Decode(&list)).To(Succeed())
				Expect(list).To(HaveLen(1))
				Expect(list[0].ID).To(Equal(f.sessionID(ctx, other)))
				Expect(list[0].Active).To(BeTrue())
				Expect(r.Header.Get("X-Total-Count")).To(Equal("1"))
				Expect(r.Header.Get("Link")).To(ContainSubstring(`rel="first"`))
			})
		}
		s.signedOutCases(func(ctx SpecContext, c *kratosclient.Client) *kratosclient.Response {
			return must(c.ListMySessions(ctx, nil))
		})
	})

	s.operation("disableMyOtherSessions", func() {
		for _, mode := range []kratosclient.Mode{native, spa} {
			s.it("answers 200 with the count of the other sessions it revoked to "+caller(mode), Status(200), Client(mode), func(ctx SpecContext, f *fixture) {
				c, other := f.twoSessions(ctx, mode)
				r := must(c.DisableMyOtherSessions(ctx))
				f.judge(r)
				var count struct {
					Count int `json:"count"`
				}
				Expect(r.Decode(&count)).To(Succeed())
				Expect(count.Count).To(Equal(1))
				Expect(f.whoamiStatus(ctx, other)).To(Equal(401), "the other session is revoked")
				Expect(f.whoamiStatus(ctx, c)).To(Equal(200), "the current session survives")
			})
		}
		s.signedOutCases(func(ctx SpecContext, c *kratosclient.Client) *kratosclient.Response {
			return must(c.DisableMyOtherSessions(ctx))
		})
	})

	s.operation("disableMySession", func() {
		s.it("answers 204 and revokes another session of the identity", Status(204), Client(native), func(ctx SpecContext, f *fixture) {
			c, other := f.twoSessions(ctx, native)
			f.judge(must(c.DisableMySession(ctx, f.sessionID(ctx, other))))
			Expect(f.whoamiStatus(ctx, other)).To(Equal(401), "the other session is revoked")
			Expect(f.whoamiStatus(ctx, c)).To(Equal(200), "the current session survives")
		})
		s.it("answers 204 to another identity's session id and leaves that session alone", Status(204), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, native)
			stranger, _ := f.signedIn(ctx, native)
			f.judge(must(c.DisableMySession(ctx, f.sessionID(ctx, stranger))))
			Expect(f.whoamiStatus(ctx, stranger)).To(Equal(200), "another identity's session survives")
		})
		s.it("answers 400 to the current session's id", Status(400), Client(native), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, native)
			f.judgeErrorCode(must(c.DisableMySession(ctx, f.sessionID(ctx, c))))
			Expect(f.whoamiStatus(ctx, c)).To(Equal(200), "the current session survives")
		})
		s.it("answers 400 to a session id that is not a UUID", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, native)
			f.judge(must(c.DisableMySession(ctx, "not-a-uuid")))
		})
		s.signedOutCases(func(ctx SpecContext, c *kratosclient.Client) *kratosclient.Response {
			return must(c.DisableMySession(ctx, randomFlowID()))
		})
	})

	s.operation("exchangeSessionToken", func() {
		s.it("answers 200 with a session token once a native app's social sign-in completed in a browser", Status(200), Client(native), Requires(target.CompletableSocialSignIn), func(ctx SpecContext, f *fixture) {
			email := f.newIdentity().Email
			initCode, returnToCode, err := f.t.SocialSignInForApp(ctx, email)
			setUp(err, "social sign-in for a native app")
			r := must(f.client(native).ExchangeSessionToken(ctx, url.Values{"init_code": {initCode}, "return_to_code": {returnToCode}}))
			f.judge(r)
			got := successOf(r)
			Expect(got.Session).NotTo(BeNil())
			f.t.Remember(got.Session.IdentityID())
			Expect(got.SessionToken).NotTo(BeEmpty())
			Expect(got.Session.Active).To(BeTrue())
			Expect(got.Session.Identity.Traits["email"]).To(Equal(email))
			Expect(f.sessionID(ctx, f.client(native, kratosclient.WithSessionToken(got.SessionToken)))).To(Equal(got.Session.ID), "whoami with the exchanged token")
		})
		s.it("answers 404 to codes no sign-in issued", Status(404), Client(native), func(ctx SpecContext, f *fixture) {
			f.judgeErrorCode(must(f.client(native).ExchangeSessionToken(ctx, url.Values{"init_code": {"orybench-unknown"}, "return_to_code": {"orybench-unknown"}})))
		})
		s.it("answers 400 without return_to_code", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			f.judge(must(f.client(native).ExchangeSessionToken(ctx, url.Values{"init_code": {"orybench-unknown"}})))
		})
	})
}

// signedOutCases: an operation on a caller's own sessions answers 401 to
// one without a session, and to a session token that was revoked.
func (s *suite) signedOutCases(call func(ctx SpecContext, c *kratosclient.Client) *kratosclient.Response) {
	s.it("answers 401 without a session", Status(401), Client(native), func(ctx SpecContext, f *fixture) {
		f.judgeErrorCode(call(ctx, f.client(native)))
	})
	s.it("answers 401 to a revoked session token", Status(401), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
		c, id := f.signedIn(ctx, native)
		f.revoke(ctx, id.SessionToken)
		f.judgeErrorCode(call(ctx, c))
	})
}

// logoutSpecs: signing out, as a browser and as a native app.
func (s *suite) logoutSpecs() {
	s.operation("createBrowserLogoutFlow", func() {
		s.forModes([]modeCase{
			{spa, 200, "answers 200 with a logout URL and token to a browser's session cookie"},
			{native, 200, "answers 200 to a session token as well"},
		}, func(ctx SpecContext, f *fixture, mode kratosclient.Mode) {
			c, _ := f.signedIn(ctx, mode)
			r := must(c.CreateBrowserLogoutFlow(ctx, nil))
			f.judge(r)
			lf := logoutFlowOf(r)
			Expect(lf.LogoutURL).To(Equal(f.t.URL("/self-service/logout?token=" + lf.LogoutToken)))
		})
		s.it("answers 400 to a return_to that is not allowed", Status(400), Client(spa), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, spa)
			f.judgeErrorID(must(c.CreateBrowserLogoutFlow(ctx, evilReturnTo())), "self_service_flow_return_to_forbidden")
		})
		s.it("answers 401 session_inactive without a session", Status(401), Client(spa), func(ctx SpecContext, f *fixture) {
			f.judgeErrorID(must(f.client(spa).CreateBrowserLogoutFlow(ctx, nil)), "session_inactive")
		})
		s.it("answers 500 when the session cannot be read from the database", Status(500), Client(spa), Requires(target.FaultInjection), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, spa)
			f.lockDatabase(ctx)
			f.judgeErrorCode(must(c.CreateBrowserLogoutFlow(ctx, nil)))
		})
	})

	s.operation("updateLogoutFlow", func() {
		s.it("answers 204 and clears the session cookie of a single page app", Status(204), Client(spa), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, spa)
			r := must(c.UpdateLogoutFlow(ctx, url.Values{"token": {f.logoutFlow(ctx, c, nil).LogoutToken}}))
			f.judge(r)
			expectSessionCookieCleared(r)
			Expect(f.whoamiStatus(ctx, c)).To(Equal(401), "the session is revoked")
		})
		s.it("answers 303 to the logout return URL and clears the session cookie of a browser", Status(303), Client(browser), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, browser)
			r := must(c.UpdateLogoutFlow(ctx, url.Values{"token": {f.logoutFlow(ctx, c, nil).LogoutToken}}))
			f.judge(r)
			if ui := f.t.UIURL(); ui != "" {
				Expect(r.Location()).To(Equal(ui + "/login"))
			}
			expectSessionCookieCleared(r)
			Expect(f.whoamiStatus(ctx, c)).To(Equal(401), "the session is revoked")
		})
		s.it("answers 303 to an allowed return_to", Status(303), Client(browser), func(ctx SpecContext, f *fixture) {
			returnTo, err := f.t.AllowedReturnTo("/orybench-signed-out")
			setUp(err, "an allowed return_to")
			c, _ := f.signedIn(ctx, browser)
			logout, err := url.Parse(f.logoutFlow(ctx, c, url.Values{"return_to": {returnTo}}).LogoutURL)
			Expect(err).NotTo(HaveOccurred())
			Expect(logout.Query().Get("return_to")).To(Equal(returnTo))
			r := must(c.UpdateLogoutFlow(ctx, logout.Query())) // what following logout_url sends
			f.judge(r)
			Expect(r.Location()).To(Equal(returnTo))
		})
		s.it("answers 403 to a logout token of another session", Status(403), Client(spa), Negative(), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, spa)
			other, _ := f.signedIn(ctx, spa)
			f.judge(must(c.UpdateLogoutFlow(ctx, url.Values{"token": {f.logoutFlow(ctx, other, nil).LogoutToken}})))
			Expect(f.whoamiStatus(ctx, other)).To(Equal(200), "the other session survives")
			Expect(f.whoamiStatus(ctx, c)).To(Equal(200), "the caller's session survives")
		})
		s.it("answers 401 to a logout token without the session cookie", Status(401), Client(spa), Negative(), func(ctx SpecContext, f *fixture) {
			owner, _ := f.signedIn(ctx, spa)
			f.judge(must(f.client(spa).UpdateLogoutFlow(ctx, url.Values{"token": {f.logoutFlow(ctx, owner, nil).LogoutToken}})))
			Expect(f.whoamiStatus(ctx, owner)).To(Equal(200), "the session survives")
		})
		s.it("answers 400 without a logout token", Status(400), Client(spa), Negative(), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, spa)
			f.judge(must(c.UpdateLogoutFlow(ctx, nil)))
		})
	})

	s.operation("performNativeLogout", func() {
		logout := func(ctx context.Context, f *fixture, token string) *kratosclient.Response {
			GinkgoHelper()
			return must(f.client(native).PerformNativeLogout(ctx, kratosclient.JSONBody(map[string]string{"session_token": token})))
		}
		s.it("answers 204 and revokes the session token", Status(204), Client(native), func(ctx SpecContext, f *fixture) {
			c, id := f.signedIn(ctx, native)
			f.judge(logout(ctx, f, id.SessionToken))
			Expect(f.whoamiStatus(ctx, c)).To(Equal(401), "the token is revoked")
		})
		s.it("answers 204 again to a token it already revoked", Status(204), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			_, id := f.signedIn(ctx, native)
			setUpAnswer(logout(ctx, f, id.SessionToken), 204, "first logout")
			f.judge(logout(ctx, f, id.SessionToken))
		})
		s.it("answers 400 to a malformed JSON body", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			f.judgeErrorCode(must(f.client(native).PerformNativeLogout(ctx, kratosclient.RawBody("application/json", []byte(`{not json`)))))
		})
		s.it("answers 400 to a form-encoded body", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, id := f.signedIn(ctx, native)
			f.judge(must(f.client(native).PerformNativeLogout(ctx, kratosclient.FormBody(url.Values{"session_token": {id.SessionToken}}))))
			Expect(f.whoamiStatus(ctx, c)).To(Equal(200), "the session survives")
		})
		s.it("answers 403 to a token it never issued", Status(403), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			f.judgeErrorCode(logout(ctx, f, "ory_st_orybenchNeverIssued"))
		})
	})
}

// logoutFlow is a logout flow's body.
type logoutFlow struct {
	LogoutURL   string `json:"logout_url"`
	LogoutToken string `json:"logout_token"`
}

func logoutFlowOf(r *kratosclient.Response) logoutFlow {
	GinkgoHelper()
	var lf logoutFlow
	Expect(r.Decode(&lf)).To(Succeed())
	Expect(lf.LogoutToken).NotTo(BeEmpty(), "logout_token")
	return lf
}

// logoutFlow creates a logout flow for c's session, as c's UI does.
func (f *fixture) logoutFlow(ctx context.Context, c *kratosclient.Client, q url.Values) logoutFlow {
	GinkgoHelper()
	ui, err := f.t.UIOf(c)
	Expect(err).NotTo(HaveOccurred())
	r := must(ui.CreateBrowserLogoutFlow(ctx, q))
	setUpAnswer(r, 200, "create logout flow")
	return logoutFlowOf(r)
}

// expectSessionCookieCleared checks that r tells the browser to drop its
// session cookie: the cookie set again, already expired.
func expectSessionCookieCleared(r *kratosclient.Response) {
	GinkgoHelper()
	c := target.SetCookie(r, target.SessionCookie)
	Expect(c).NotTo(BeNil(), "Set-Cookie %s", target.SessionCookie)
	expired := c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now()))
	Expect(expired).To(BeTrue(), "cleared session cookie: Max-Age %d, Expires %s", c.MaxAge, c.Expires)
}
