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
			Expect(logout(ctx, f, id.SessionToken).Status).To(Equal(204), "first logout")
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
	Expect(r.Status).To(Equal(200), "create logout flow: %s", r.Explain())
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
