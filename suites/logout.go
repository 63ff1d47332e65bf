package suites

import (
	"context"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
)

var _ = Describe("createBrowserLogoutFlow", Op("createBrowserLogoutFlow"), func() {
	const op = "createBrowserLogoutFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a logout URL and token to a browser's session cookie", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		r, err := c.CreateBrowserLogoutFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		lf := decodeLogoutFlow(r)
		Expect(lf.LogoutURL).To(Equal(f.PublicURL() + "/self-service/logout?token=" + lf.LogoutToken))
	})

	It("answers 200 to a session token as well", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.CreateBrowserLogoutFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeLogoutFlow(r).LogoutToken).NotTo(BeEmpty())
	})

	It("answers 400 to a return_to that is not allowed", Status(400), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		r, err := c.CreateBrowserLogoutFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})

	It("answers 401 session_inactive without a session", Status(401), Client(kratosclient.SPA), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).CreateBrowserLogoutFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorID(r)).To(Equal("session_inactive"))
	})

	It("answers 500 when the session cannot be read from the database", Status(500), Client(kratosclient.SPA), Requires(FaultInjection), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		f.lockDatabase(ctx)
		r, err := c.CreateBrowserLogoutFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusInternalServerError)
		Expect(errorCode(r)).To(Equal(http.StatusInternalServerError))
	})
})

var _ = Describe("updateLogoutFlow", Op("updateLogoutFlow"), func() {
	const op = "updateLogoutFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 204 and clears the session cookie of a single page app", Status(204), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		lf := f.logoutFlow(ctx, c, nil)
		r, err := c.UpdateLogoutFlow(ctx, url.Values{"token": {lf.LogoutToken}})
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNoContent)
		expectSessionCookieCleared(r)
		Expect(f.whoamiStatus(ctx, c)).To(Equal(http.StatusUnauthorized), "the session is revoked")
	})

	It("answers 303 to the logout return URL and clears the session cookie of a browser", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Browser)
		lf := f.logoutFlow(ctx, c, nil)
		r, err := c.UpdateLogoutFlow(ctx, url.Values{"token": {lf.LogoutToken}})
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		if f.t.local != nil {
			Expect(r.Location()).To(Equal(localkratos.UIURL + "/login"))
		}
		expectSessionCookieCleared(r)
		Expect(f.whoamiStatus(ctx, f.uiOf(c))).To(Equal(http.StatusUnauthorized), "the session is revoked")
	})

	It("answers 303 to an allowed return_to", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		returnTo := f.allowedReturnTo("/orybench-signed-out")
		c, _ := f.SignedIn(ctx, kratosclient.Browser)
		lf := f.logoutFlow(ctx, c, url.Values{"return_to": {returnTo}})
		logout, err := url.Parse(lf.LogoutURL)
		Expect(err).NotTo(HaveOccurred())
		Expect(logout.Query().Get("return_to")).To(Equal(returnTo))
		// What following logout_url sends.
		r, err := c.UpdateLogoutFlow(ctx, logout.Query())
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(r.Location()).To(Equal(returnTo))
	})

	It("answers 403 to a logout token of another session", Status(403), Client(kratosclient.SPA), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		other, _ := f.SignedIn(ctx, kratosclient.SPA)
		lf := f.logoutFlow(ctx, other, nil)
		r, err := c.UpdateLogoutFlow(ctx, url.Values{"token": {lf.LogoutToken}})
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusForbidden)
		Expect(f.whoamiStatus(ctx, other)).To(Equal(http.StatusOK), "the other session survives")
		Expect(f.whoamiStatus(ctx, c)).To(Equal(http.StatusOK), "the caller's session survives")
	})

	It("answers 401 to a logout token without the session cookie", Status(401), Client(kratosclient.SPA), Label("negative"), func(ctx SpecContext) {
		owner, _ := f.SignedIn(ctx, kratosclient.SPA)
		lf := f.logoutFlow(ctx, owner, nil)
		r, err := f.Client(kratosclient.SPA).UpdateLogoutFlow(ctx, url.Values{"token": {lf.LogoutToken}})
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusUnauthorized)
		Expect(f.whoamiStatus(ctx, owner)).To(Equal(http.StatusOK), "the session survives")
	})

	It("answers 400 without a logout token", Status(400), Client(kratosclient.SPA), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		r, err := c.UpdateLogoutFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusBadRequest)
	})
})

var _ = Describe("performNativeLogout", Op("performNativeLogout"), func() {
	const op = "performNativeLogout"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	logout := func(ctx context.Context, token string) *kratosclient.Response {
		GinkgoHelper()
		r, err := f.Client(kratosclient.Native).PerformNativeLogout(ctx, kratosclient.JSONBody(map[string]string{"session_token": token}))
		Expect(err).NotTo(HaveOccurred())
		return r
	}

	It("answers 204 and revokes the session token", Status(204), Client(kratosclient.Native), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r := logout(ctx, c.SessionToken())
		ExpectContract(r, op, http.StatusNoContent)
		Expect(f.whoamiStatus(ctx, c)).To(Equal(http.StatusUnauthorized), "the token is revoked")
	})

	It("answers 204 again to a token it already revoked", Status(204), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		Expect(logout(ctx, c.SessionToken()).Status).To(Equal(http.StatusNoContent), "first logout")
		r := logout(ctx, c.SessionToken())
		ExpectContract(r, op, http.StatusNoContent)
	})

	It("answers 400 to a malformed JSON body", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).PerformNativeLogout(ctx, kratosclient.RawBody("application/json", []byte(`{not json`)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorCode(r)).To(Equal(http.StatusBadRequest))
	})

	It("answers 400 to a form-encoded body", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := f.Client(kratosclient.Native).PerformNativeLogout(ctx, kratosclient.FormBody(url.Values{"session_token": {c.SessionToken()}}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(f.whoamiStatus(ctx, c)).To(Equal(http.StatusOK), "the session survives")
	})

	It("answers 403 to a token it never issued", Status(403), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		r := logout(ctx, "ory_st_orybenchNeverIssued")
		ExpectDefault(r, op, http.StatusForbidden)
		Expect(errorCode(r)).To(Equal(http.StatusForbidden))
	})
})

// logoutFlow is a logout flow's body.
type logoutFlow struct {
	LogoutURL   string `json:"logout_url"`
	LogoutToken string `json:"logout_token"`
}

func decodeLogoutFlow(r *kratosclient.Response) logoutFlow {
	GinkgoHelper()
	var lf logoutFlow
	Expect(r.Decode(&lf)).To(Succeed())
	Expect(lf.LogoutToken).NotTo(BeEmpty(), "logout_token")
	return lf
}

// logoutFlow creates a logout flow for c's session, as c's UI does.
func (f *Fixture) logoutFlow(ctx context.Context, c *kratosclient.Client, q url.Values) logoutFlow {
	GinkgoHelper()
	r, err := f.uiOf(c).CreateBrowserLogoutFlow(ctx, q)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "create logout flow: %s", redact.JSON(r.Body))
	return decodeLogoutFlow(r)
}

// revoke ends the session of a session token, as a native app signing out.
func (f *Fixture) revoke(ctx context.Context, token string) {
	GinkgoHelper()
	ctx = kratosclient.RetryTransient(ctx) // set-up, not the answer under test
	r, err := f.Client(kratosclient.Native).PerformNativeLogout(ctx, kratosclient.JSONBody(map[string]string{"session_token": token}))
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusNoContent), "revoke session token: %s", redact.JSON(r.Body))
}

// expectSessionCookieCleared checks that r tells the browser to drop its
// session cookie: the cookie set again, already expired. (Its value is a
// secret and never printed.)
func expectSessionCookieCleared(r *kratosclient.Response) {
	GinkgoHelper()
	c := setCookieNamed(r, sessionCookie)
	Expect(c).NotTo(BeNil(), "Set-Cookie %s", sessionCookie)
	expired := c.MaxAge < 0 || (!c.Expires.IsZero() && c.Expires.Before(time.Now()))
	Expect(expired).To(BeTrue(), "cleared session cookie: Max-Age %d, Expires %s", c.MaxAge, c.Expires)
}
