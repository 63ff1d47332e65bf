package suites

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
)

var _ = Describe("listMySessions", Op("listMySessions"), func() {
	const op = "listMySessions"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	for _, mode := range []kratosclient.Mode{kratosclient.Native, kratosclient.SPA} {
		It("answers 200 with the identity's other sessions, not the current one, to "+caller(mode), Status(200), Client(mode), func(ctx SpecContext) {
			c, other := f.twoSessions(ctx, mode)
			r, err := c.ListMySessions(ctx, nil)
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusOK)
			var list []session
			Expect(r.Decode(&list)).To(Succeed())
			Expect(list).To(HaveLen(1))
			Expect(list[0].ID).To(Equal(f.sessionID(ctx, other)))
			Expect(list[0].Active).To(BeTrue())
			Expect(r.Header.Get("X-Total-Count")).To(Equal("1"))
			Expect(r.Header.Get("Link")).To(ContainSubstring(`rel="first"`))
		})
	}

	It("answers 401 without a session", Status(401), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).ListMySessions(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorCode(r)).To(Equal(http.StatusUnauthorized))
	})

	It("answers 401 to a revoked session token", Status(401), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		f.revoke(ctx, c.SessionToken())
		r, err := c.ListMySessions(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
	})
})

var _ = Describe("disableMyOtherSessions", Op("disableMyOtherSessions"), func() {
	const op = "disableMyOtherSessions"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	for _, mode := range []kratosclient.Mode{kratosclient.Native, kratosclient.SPA} {
		It("answers 200 with the count of the other sessions it revoked to "+caller(mode), Status(200), Client(mode), func(ctx SpecContext) {
			c, other := f.twoSessions(ctx, mode)
			r, err := c.DisableMyOtherSessions(ctx)
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusOK)
			var count struct {
				Count int `json:"count"`
			}
			Expect(r.Decode(&count)).To(Succeed())
			Expect(count.Count).To(Equal(1))
			Expect(f.whoamiStatus(ctx, other)).To(Equal(http.StatusUnauthorized), "the other session is revoked")
			Expect(f.whoamiStatus(ctx, c)).To(Equal(http.StatusOK), "the current session survives")
		})
	}

	It("answers 401 without a session", Status(401), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).DisableMyOtherSessions(ctx)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorCode(r)).To(Equal(http.StatusUnauthorized))
	})
})

var _ = Describe("disableMySession", Op("disableMySession"), func() {
	const op = "disableMySession"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 204 and revokes another session of the identity", Status(204), Client(kratosclient.Native), func(ctx SpecContext) {
		c, other := f.twoSessions(ctx, kratosclient.Native)
		r, err := c.DisableMySession(ctx, f.sessionID(ctx, other))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNoContent)
		Expect(f.whoamiStatus(ctx, other)).To(Equal(http.StatusUnauthorized), "the other session is revoked")
		Expect(f.whoamiStatus(ctx, c)).To(Equal(http.StatusOK), "the current session survives")
	})

	It("answers 204 to another identity's session id and leaves that session alone", Status(204), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		stranger, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.DisableMySession(ctx, f.sessionID(ctx, stranger))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNoContent)
		Expect(f.whoamiStatus(ctx, stranger)).To(Equal(http.StatusOK), "another identity's session survives")
	})

	It("answers 400 to the current session's id", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.DisableMySession(ctx, f.sessionID(ctx, c))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorCode(r)).To(Equal(http.StatusBadRequest))
		Expect(f.whoamiStatus(ctx, c)).To(Equal(http.StatusOK), "the current session survives")
	})

	It("answers 400 to a session id that is not a UUID", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.DisableMySession(ctx, "not-a-uuid")
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
	})

	It("answers 401 without a session", Status(401), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).DisableMySession(ctx, randomFlowID())
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorCode(r)).To(Equal(http.StatusUnauthorized))
	})
})

var _ = Describe("exchangeSessionToken", Op("exchangeSessionToken"), func() {
	const op = "exchangeSessionToken"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a session token once a native app's social sign-in completed in a browser", Status(200), Client(kratosclient.Native), Requires(CompletableSocialSignIn), func(ctx SpecContext) {
		email := f.NewCredentials().Email
		initCode, returnToCode := f.socialSignInForApp(ctx, email)
		r, err := f.Client(kratosclient.Native).ExchangeSessionToken(ctx, url.Values{
			"init_code": {initCode}, "return_to_code": {returnToCode},
		})
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		var body struct {
			SessionToken string  `json:"session_token"`
			Session      session `json:"session"`
		}
		Expect(r.Decode(&body)).To(Succeed())
		theEnv.remember(f.t, body.Session.Identity.ID)
		Expect(body.SessionToken).NotTo(BeEmpty())
		Expect(body.Session.Active).To(BeTrue())
		Expect(body.Session.Identity.Traits["email"]).To(Equal(email))

		app, err := f.NewClient(kratosclient.Native, kratosclient.WithSessionToken(body.SessionToken))
		Expect(err).NotTo(HaveOccurred())
		who, err := app.ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		Expect(who.Status).To(Equal(http.StatusOK), "whoami with the exchanged token")
		Expect(decodeSession(who).ID).To(Equal(body.Session.ID))
	})

	It("answers 404 to codes no sign-in issued", Status(404), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).ExchangeSessionToken(ctx, url.Values{
			"init_code": {"orybench-unknown"}, "return_to_code": {"orybench-unknown"},
		})
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	It("answers 400 without return_to_code", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).ExchangeSessionToken(ctx, url.Values{"init_code": {"orybench-unknown"}})
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusBadRequest)
	})
})

// caller names a kind of client in a spec's text.
func caller(mode kratosclient.Mode) string {
	switch mode {
	case kratosclient.Native:
		return "a native app"
	case kratosclient.Browser:
		return "a browser"
	default:
		return "a single page app"
	}
}

// twoSessions signs one new identity in twice as callers of the given
// kind: by registration, then by password. It returns both callers.
func (f *Fixture) twoSessions(ctx context.Context, mode kratosclient.Mode) (current, other *kratosclient.Client) {
	GinkgoHelper()
	ctx = kratosclient.RetryTransient(ctx) // set-up, not the answer under test
	current, creds := f.SignedIn(ctx, mode)
	if creds.unissuedSession {
		Skip("registration on " + f.t.name + " makes a session it does not hand out (no session hook), and no admin API is known to make an identity without one: the count of other sessions would include it")
	}
	other = f.Client(mode)
	r := f.SignInWithPassword(ctx, other, creds)
	Expect(r.Status).To(Equal(http.StatusOK), "second sign-in: %s", redact.JSON(r.Body))
	return current, other
}

// sessionID is the id of c's session.
func (f *Fixture) sessionID(ctx context.Context, c *kratosclient.Client) string {
	GinkgoHelper()
	r, err := c.ToSession(ctx, nil)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "whoami: %s", redact.JSON(r.Body))
	return decodeSession(r).ID
}

// whoamiStatus is the status whoami answers to c's session.
func (f *Fixture) whoamiStatus(ctx context.Context, c *kratosclient.Client) int {
	GinkgoHelper()
	r, err := c.ToSession(ctx, nil)
	Expect(err).NotTo(HaveOccurred())
	return r.Status
}

// fakeOIDCProvider is the provider id of orybench's fake OIDC provider in
// the local Kratos configuration (localkratos.Options.OIDCIssuer).
const fakeOIDCProvider = "fake"

// socialSignInForApp signs email in the way a native app signs in with a
// social provider: the app asks for a login flow that returns a session
// token exchange code, hands the provider's authorize URL to a browser, and
// is called back on its return_to with a second code. It returns both codes.
// The browser here keeps no cookies: the codes alone tie the steps together.
func (f *Fixture) socialSignInForApp(ctx context.Context, email string) (initCode, returnToCode string) {
	GinkgoHelper()
	returnTo := f.allowedReturnTo("/orybench-app-callback")
	app := f.Client(kratosclient.Native)
	r, err := app.CreateNativeLoginFlow(ctx, url.Values{
		"return_session_token_exchange_code": {"true"}, "return_to": {returnTo},
	})
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "login flow for the app: %s", redact.JSON(r.Body))
	var fl struct {
		ID       string `json:"id"`
		InitCode string `json:"session_token_exchange_code"`
	}
	Expect(r.Decode(&fl)).To(Succeed())
	Expect(fl.InitCode).NotTo(BeEmpty(), "session_token_exchange_code")

	r, err = app.UpdateLoginFlow(ctx, fl.ID, app.Submission(kratosclient.Fields{
		"method": "oidc", "provider": fakeOIDCProvider,
		"upstream_parameters": map[string]string{"login_hint": email},
	}))
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusUnprocessableEntity), "oidc sign-in: %s", redact.JSON(r.Body))

	back := f.followRedirects(ctx, redirectBrowserTo(r), returnTo)
	returnToCode = back.Query().Get("code")
	Expect(returnToCode).NotTo(BeEmpty(), "no ?code= in %s", redact.URL(back.String()))
	return fl.InitCode, returnToCode
}

// followRedirects plays a cookie-less browser from start until it is sent
// to a URL under stop, and returns that URL.
func (f *Fixture) followRedirects(ctx context.Context, start, stop string) *url.URL {
	GinkgoHelper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := start
	for hop := 0; hop < 10; hop++ {
		if strings.HasPrefix(next, stop) {
			u, err := url.Parse(next)
			Expect(err).NotTo(HaveOccurred())
			return u
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		Expect(err).NotTo(HaveOccurred())
		req.Header.Set("Accept", "text/html")
		res, err := hc.Do(req)
		Expect(err).NotTo(HaveOccurred())
		res.Body.Close()
		loc, err := res.Location()
		Expect(err).NotTo(HaveOccurred(), "GET %s answered %d without a redirect", redact.URL(next), res.StatusCode)
		next = loc.String()
	}
	Fail("more than 10 redirects from " + redact.URL(start))
	return nil
}

// allowedReturnTo is a return_to URL the target accepts. Only a local
// target's allowed URLs are known; elsewhere the spec is skipped.
func (f *Fixture) allowedReturnTo(path string) string {
	if f.t.local == nil {
		Skip("no return_to URL is known to be allowed on " + f.t.name)
	}
	return localkratos.UIURL + path
}
