package suites

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/kratosclient"
)

var _ = Describe("createNativeLoginFlow", Op("createNativeLoginFlow"), func() {
	const op = "createNativeLoginFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a new api flow and no cookies", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).CreateNativeLoginFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeAuthFlow(r)
		Expect(fl.Type).To(Equal("api"))
		Expect(fl.Refresh).To(BeFalse())
		Expect(fl.UI.Action).To(HaveSuffix("/self-service/login?flow=" + fl.ID))
		Expect(r.Header.Values("Set-Cookie")).To(BeEmpty(), "an api flow sets no cookies")
	})

	It("answers 200 with a refresh flow to a signed-in app asking for refresh=true", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.CreateNativeLoginFlow(ctx, url.Values{"refresh": {"true"}})
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeAuthFlow(r).Refresh).To(BeTrue())
	})

	It("answers 200 with a new flow to an app whose session token was revoked", Status(200), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		f.revokeToken(ctx, c)
		r, err := c.CreateNativeLoginFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeAuthFlow(r).Type).To(Equal("api"))
	})

	It("answers 400 session_already_available to a signed-in app", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.CreateNativeLoginFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("session_already_available"))
	})

	It("answers 400 self_service_flow_return_to_forbidden to a return_to that is not allowed", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).CreateNativeLoginFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})

	It("answers 401 session_aal1_required to aal=aal2 without a session", Status(401), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).CreateNativeLoginFlow(ctx, url.Values{"aal": {"aal2"}})
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusUnauthorized)
		Expect(errorID(r)).To(Equal("session_aal1_required"))
	})
})

var _ = Describe("createBrowserLoginFlow", Op("createBrowserLoginFlow"), func() {
	const op = "createBrowserLoginFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a browser flow and its CSRF cookie to an SPA", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).CreateBrowserLoginFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeAuthFlow(r).Type).To(Equal("browser"))
		Expect(kratosclient.CSRFTokenOf(r.Body)).NotTo(BeEmpty(), "csrf_token node")
		Expect(setCookieNamed(r, csrfCookiePrefix)).NotTo(BeNil(), "Set-Cookie %s*", csrfCookiePrefix)
	})

	It("answers 303 to the login UI with the new flow", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Browser).CreateBrowserLoginFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectUIURL(r.Location(), "/login")
		Expect(setCookieNamed(r, csrfCookiePrefix)).NotTo(BeNil(), "Set-Cookie %s*", csrfCookiePrefix)
	})

	It("answers 303 to the default return URL to a signed-in browser", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Browser)
		r, err := c.CreateBrowserLoginFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectDefaultReturnURL(r.Location())
	})

	It("answers 303 to the error UI to a browser asking for a return_to that is not allowed", Status(303), Client(kratosclient.Browser), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Browser).CreateBrowserLoginFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(errorID(f.expectErrorUI(ctx, r.Location()))).To(Equal("self_service_flow_return_to_forbidden"))
	})

	It("answers 400 self_service_flow_return_to_forbidden to an SPA asking for a return_to that is not allowed", Status(400), Client(kratosclient.SPA), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).CreateBrowserLoginFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})

	It("answers 400 session_already_available to a signed-in SPA", Status(400), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		r, err := c.CreateBrowserLoginFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("session_already_available"))
	})

	It("answers 401 session_aal1_required to an SPA asking for aal2 without a session", Status(401), Client(kratosclient.SPA), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).CreateBrowserLoginFlow(ctx, url.Values{"aal": {"aal2"}})
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusUnauthorized)
		Expect(errorID(r)).To(Equal("session_aal1_required"))
	})
})

var _ = Describe("getLoginFlow", Op("getLoginFlow"), func() {
	const op = "getLoginFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with an api flow to anyone who knows its id", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		fl := f.newAuthFlow(ctx, f.Client(kratosclient.Native), kratosclient.Login)
		r, err := f.Client(kratosclient.Native).GetLoginFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		got := decodeAuthFlow(r)
		Expect(got.ID).To(Equal(fl.ID))
		Expect(got.Type).To(Equal("api"))
	})

	It("answers 200 with a browser flow to the browser holding its CSRF cookie", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		r, err := c.GetLoginFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeAuthFlow(r).ID).To(Equal(fl.ID))
		Expect(kratosclient.CSRFTokenOf(r.Body)).To(Equal(c.CSRFToken()))
	})

	It("answers 403 security_csrf_violation to a browser flow fetched without its cookie", Status(403), Client(kratosclient.SPA), func(ctx SpecContext) {
		fl := f.newAuthFlow(ctx, f.Client(kratosclient.SPA), kratosclient.Login)
		r, err := f.Client(kratosclient.SPA).GetLoginFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusForbidden, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("security_csrf_violation"))
	})

	It("answers 404 to an unknown flow id", Status(404), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).GetLoginFlow(ctx, randomFlowID())
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	It("answers 404 to a flow id that is not a UUID", Status(404), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).GetLoginFlow(ctx, "not-a-uuid")
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNotFound)
	})

	// One wait serves every expired-flow case of the operation: the cases
	// share the wait, not their flows or clients.
	Context("once the flow has expired", Ordered, ContinueOnFailure, Requires(ShortLifespans), func() {
		var native, spa expiredFlow
		BeforeAll(NodeTimeout(specTimeout), func(ctx SpecContext) {
			fx := NewFixture()
			native = fx.expiringFlow(ctx, kratosclient.Native, kratosclient.Login)
			spa = fx.expiringFlow(ctx, kratosclient.SPA, kratosclient.Login)
			sleepUntilExpired(ctx, native.flow, spa.flow)
		})

		It("answers 410 self_service_flow_expired pointing an app at the api init endpoint", Status(410), Client(kratosclient.Native), func(ctx SpecContext) {
			r, err := native.c.GetLoginFlow(ctx, native.flow.ID)
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusGone, "generic-error-details-closed")
			Expect(errorID(r)).To(Equal("self_service_flow_expired"))
			Expect(expiredDetails(r)).To(HaveKeyWithValue("api", f.publicURL("/self-service/login/api")))
		})

		It("answers 410 self_service_flow_expired pointing a browser at the browser init endpoint", Status(410), Client(kratosclient.SPA), func(ctx SpecContext) {
			r, err := spa.c.GetLoginFlow(ctx, spa.flow.ID)
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusGone, "generic-error-details-closed")
			Expect(errorID(r)).To(Equal("self_service_flow_expired"))
			Expect(expiredDetails(r)).To(HaveKeyWithValue("redirect_to", f.publicURL("/self-service/login/browser")))
		})

		It("answers 403, not 410, to an expired browser flow fetched without its cookie", Status(403), Client(kratosclient.SPA), Label("negative"), func(ctx SpecContext) {
			r, err := f.Client(kratosclient.SPA).GetLoginFlow(ctx, spa.flow.ID)
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusForbidden, "generic-error-details-closed")
			Expect(errorID(r)).To(Equal("security_csrf_violation"))
		})
	})
})

var _ = Describe("updateLoginFlow", Op("updateLoginFlow"), func() {
	const op = "updateLoginFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	// registered signs up a new identity (natively: the cheapest way) for a
	// spec to log in as.
	registered := func(ctx context.Context) Credentials {
		_, creds := f.SignedIn(ctx, kratosclient.Native)
		return creds
	}

	It("answers 200 with a session token to an app logging in with a password", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		creds := registered(ctx)
		c := f.Client(kratosclient.Native)
		r := f.SignInWithPassword(ctx, c, creds)
		ExpectContract(r, op, http.StatusOK, "native-login-continue-with-null")
		got := decodeAuthSuccess(r)
		Expect(got.SessionToken).NotTo(BeEmpty())
		Expect(c.SessionToken()).To(Equal(got.SessionToken))
		Expect(got.Session.Active).To(BeTrue())
		Expect(got.Session.Identity.ID).To(Equal(creds.ID))
		Expect(got.Session.AuthenticatorAssuranceLevel).To(Equal("aal1"))
		Expect(r.Header.Values("Set-Cookie")).To(BeEmpty(), "an api flow sets no cookies")
	})

	It("answers 200 with the session in a cookie, not a token, to an SPA", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		creds := registered(ctx)
		r := f.SignInWithPassword(ctx, f.Client(kratosclient.SPA), creds)
		ExpectContract(r, op, http.StatusOK)
		got := decodeAuthSuccess(r)
		Expect(got.SessionToken).To(BeEmpty())
		Expect(got.Session.Identity.ID).To(Equal(creds.ID))
		Expect(setCookieNamed(r, sessionCookie)).NotTo(BeNil(), "Set-Cookie %s", sessionCookie)
		Expect(got.ContinueWith).To(ContainElement(HaveField("Action", "redirect_browser_to")))
	})

	It("answers 200 with an aal1 session and no identity to an app whose identity has TOTP", Status(200), Client(kratosclient.Native), Requires(TOTP), func(ctx SpecContext) {
		enrolled, creds := f.SignedIn(ctx, kratosclient.Native)
		f.EnrolTOTP(ctx, enrolled)
		r := f.SignInWithPassword(ctx, f.Client(kratosclient.Native), creds)
		ExpectContract(r, op, http.StatusOK, "native-login-continue-with-null", "native-login-aal1-identity-null")
		got := decodeAuthSuccess(r)
		Expect(got.SessionToken).NotTo(BeEmpty())
		Expect(got.Session.AuthenticatorAssuranceLevel).To(Equal("aal1"))
	})

	It("answers 200 again, with a new session, to an api flow submitted twice", Status(200), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		creds := registered(ctx)
		c := f.Client(kratosclient.Native)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		first, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(passwordLogin(creds)))
		Expect(err).NotTo(HaveOccurred())
		Expect(first.Status).To(Equal(http.StatusOK))
		c.SetSessionToken("") // the app that submits twice has not kept the answer
		r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(passwordLogin(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK, "native-login-continue-with-null")
		Expect(decodeAuthSuccess(r).SessionToken).NotTo(BeElementOf("", decodeAuthSuccess(first).SessionToken))
	})

	It("answers 303 to the default return URL with a session cookie to a browser form", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		creds := registered(ctx)
		r := f.SignInWithPassword(ctx, f.Client(kratosclient.Browser), creds)
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectDefaultReturnURL(r.Location())
		Expect(setCookieNamed(r, sessionCookie)).NotTo(BeNil(), "Set-Cookie %s", sessionCookie)
	})

	It("answers 303 back to the login UI, flow and error kept, to a browser form with a wrong password", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		creds := registered(ctx)
		creds.Password += "-wrong"
		c := f.Client(kratosclient.Browser)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(passwordLogin(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(f.expectUIURL(r.Location(), "/login")).To(Equal(fl.ID))
		Expect(setCookieNamed(r, sessionCookie)).To(BeNil(), "no session for a wrong password")
		Expect(f.reread(ctx, c, kratosclient.Login, fl.ID).UI.messageIDs()).To(ContainElement(textInvalidCredentials))
	})

	It("answers 303 to the aal2 login to a browser form when the identity has TOTP", Status(303), Client(kratosclient.Browser), Requires(TOTP), func(ctx SpecContext) {
		enrolled, creds := f.SignedIn(ctx, kratosclient.Browser) // enrols by form
		f.EnrolTOTP(ctx, enrolled)
		r := f.SignInWithPassword(ctx, f.Client(kratosclient.Browser), creds)
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(r.Location()).To(Equal(f.publicURL("/self-service/login/browser?aal=aal2")))
		Expect(setCookieNamed(r, sessionCookie)).NotTo(BeNil(), "the aal1 session is set")
	})

	It("answers 303 to the social sign-in provider to a browser form choosing it", Status(303), Client(kratosclient.Browser), Requires(SocialSignIn), func(ctx SpecContext) {
		c := f.Client(kratosclient.Browser)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "oidc", "provider": fl.provider()}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectProviderRedirect(r.Location(), fl.provider())
		Expect(setCookieNamed(r, "ory_kratos_continuity")).NotTo(BeNil(), "Set-Cookie ory_kratos_continuity")
	})

	It("answers 303 to the default return URL to a browser form submitted twice", Status(303), Client(kratosclient.Browser), Label("negative"), func(ctx SpecContext) {
		creds := registered(ctx)
		c := f.Client(kratosclient.Browser)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		first, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(passwordLogin(creds)))
		Expect(err).NotTo(HaveOccurred())
		Expect(first.Status).To(Equal(http.StatusSeeOther))
		r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(passwordLogin(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectDefaultReturnURL(r.Location())
		Expect(setCookieNamed(r, sessionCookie)).To(BeNil(), "the session is not issued again")
	})

	It("answers 303 to the error UI with security_csrf_violation to a browser form without its CSRF token", Status(303), Client(kratosclient.Browser), Label("negative"), func(ctx SpecContext) {
		creds := registered(ctx)
		c := f.Client(kratosclient.Browser)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		fields := passwordLogin(creds)
		fields["csrf_token"] = ""
		r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(fields))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(errorID(f.expectErrorUI(ctx, r.Location()))).To(Equal("security_csrf_violation"))
		Expect(setCookieNamed(r, sessionCookie)).To(BeNil())
	})

	It("answers 303 back to the login UI with an error to a browser posting an unsupported Content-Type", Status(303), Client(kratosclient.Browser), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Browser)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		r, err := c.UpdateLoginFlow(ctx, fl.ID, kratosclient.RawBody("text/plain", []byte("method=password")))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(f.expectUIURL(r.Location(), "/login")).To(Equal(fl.ID))
		Expect(f.reread(ctx, c, kratosclient.Login, fl.ID).UI.messageIDs()).To(ContainElement(textInvalidInput))
	})

	It("answers 303 to the error UI to a browser form for an unknown flow", Status(303), Client(kratosclient.Browser), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Browser)
		r, err := c.UpdateLoginFlow(ctx, randomFlowID(), c.Submission(kratosclient.Fields{"method": "password"}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(errorCode(f.expectErrorUI(ctx, r.Location()))).To(Equal(http.StatusNotFound))
	})

	It("answers 400 with the flow and message 4000006 to an app with a wrong password", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		creds := registered(ctx)
		creds.Password += "-wrong"
		c := f.Client(kratosclient.Native)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(passwordLogin(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		got := decodeAuthFlow(r)
		Expect(got.ID).To(Equal(fl.ID))
		Expect(got.UI.messageIDs()).To(ContainElement(textInvalidCredentials))
		Expect(c.SessionToken()).To(BeEmpty())
	})

	It("answers 400 with the flow and message 4000006 to an SPA with a wrong password", Status(400), Client(kratosclient.SPA), func(ctx SpecContext) {
		creds := registered(ctx)
		creds.Password += "-wrong"
		r := f.SignInWithPassword(ctx, f.Client(kratosclient.SPA), creds)
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(decodeAuthFlow(r).UI.messageIDs()).To(ContainElement(textInvalidCredentials))
		Expect(setCookieNamed(r, sessionCookie)).To(BeNil())
	})

	It("answers 400 with the flow to a signed-in SPA submitting the flow twice", Status(400), Client(kratosclient.SPA), Label("negative"), func(ctx SpecContext) {
		creds := registered(ctx)
		c := f.Client(kratosclient.SPA)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		first, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(passwordLogin(creds)))
		Expect(err).NotTo(HaveOccurred())
		Expect(first.Status).To(Equal(http.StatusOK))
		r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(passwordLogin(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		// session_already_available, rendered into the flow as a message
		Expect(decodeAuthFlow(r).UI.messageIDs()).To(ContainElement(textInvalidInput))
	})

	DescribeTable("answers 400 with the flow and message 4000001 to an app sending a body Kratos cannot read",
		func(ctx SpecContext, body *kratosclient.Body) {
			c := f.Client(kratosclient.Native)
			fl := f.newAuthFlow(ctx, c, kratosclient.Login)
			r, err := c.UpdateLoginFlow(ctx, fl.ID, body)
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusBadRequest)
			got := decodeAuthFlow(r)
			Expect(got.ID).To(Equal(fl.ID))
			Expect(got.UI.messageIDs()).To(ContainElement(textInvalidInput))
		},
		Entry("malformed JSON", Status(400), Client(kratosclient.Native), Label("negative"),
			kratosclient.RawBody("application/json", []byte(`{"method": "password",`))),
		Entry("an unsupported Content-Type", Status(400), Client(kratosclient.Native), Label("negative"),
			kratosclient.RawBody("text/plain", []byte(`{"method":"password"}`))),
		Entry("an empty body", Status(400), Client(kratosclient.Native), Label("negative"),
			kratosclient.RawBody("application/json", nil)),
	)

	It("answers 400 with the flow to an api flow submitted with an Origin header", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		creds := registered(ctx)
		fl := f.newAuthFlow(ctx, f.Client(kratosclient.Native), kratosclient.Login)
		c, err := f.NewClient(kratosclient.Native, kratosclient.WithHeader("Origin", "https://app.example.org"))
		Expect(err).NotTo(HaveOccurred())
		r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(passwordLogin(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(decodeAuthFlow(r).UI.messageIDs()).To(ContainElement(textInvalidInput))
		Expect(c.SessionToken()).To(BeEmpty())
	})

	DescribeTable("answers 400 errorGeneric, not the flow, to a flow parameter that is",
		func(ctx SpecContext, flowID string) {
			c := f.Client(kratosclient.Native)
			r, err := c.UpdateLoginFlow(ctx, flowID, c.Submission(kratosclient.Fields{"method": "password"}))
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusBadRequest, "submit-error-generic-for-flow")
			Expect(errorCode(r)).To(Equal(http.StatusBadRequest))
		},
		Entry("missing", Status(400), Client(kratosclient.Native), Label("negative"), ""),
		Entry("not a UUID", Status(400), Client(kratosclient.Native), Label("negative"), "not-a-uuid"),
	)

	DescribeTable("answers 403 security_csrf_violation to an SPA whose CSRF token is",
		func(ctx SpecContext, token string) {
			creds := registered(ctx)
			c := f.Client(kratosclient.SPA)
			fl := f.newAuthFlow(ctx, c, kratosclient.Login)
			fields := passwordLogin(creds)
			fields["csrf_token"] = token
			r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(fields))
			Expect(err).NotTo(HaveOccurred())
			ExpectDefault(r, op, http.StatusForbidden, "generic-error-details-closed")
			Expect(errorID(r)).To(Equal("security_csrf_violation"))
			Expect(setCookieNamed(r, sessionCookie)).To(BeNil())
		},
		Entry("missing", Status(403), Client(kratosclient.SPA), Label("negative"), ""),
		Entry("wrong", Status(403), Client(kratosclient.SPA), Label("negative"), "not-the-token"),
	)

	It("answers 404 to an unknown flow id", Status(404), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		r, err := c.UpdateLoginFlow(ctx, randomFlowID(), c.Submission(kratosclient.Fields{"method": "password"}))
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	// One wait serves every expired-flow case; expiry is checked before the
	// credentials, so any will do.
	Context("once the flow has expired", Ordered, ContinueOnFailure, Requires(ShortLifespans), func() {
		var native, spa, browser expiredFlow
		BeforeAll(NodeTimeout(specTimeout), func(ctx SpecContext) {
			fx := NewFixture()
			native = fx.expiringFlow(ctx, kratosclient.Native, kratosclient.Login)
			spa = fx.expiringFlow(ctx, kratosclient.SPA, kratosclient.Login)
			browser = fx.expiringFlow(ctx, kratosclient.Browser, kratosclient.Login)
			sleepUntilExpired(ctx, native.flow, spa.flow, browser.flow)
		})
		It("answers 410 self_service_flow_expired with the replacing flow to an app", Status(410), Client(kratosclient.Native), func(ctx SpecContext) {
			r, err := native.c.UpdateLoginFlow(ctx, native.flow.ID, native.c.Submission(passwordLogin(f.NewCredentials())))
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusGone)
			Expect(errorID(r)).To(Equal("self_service_flow_expired"))
			Expect(useFlowID(r)).NotTo(BeElementOf("", native.flow.ID))
		})

		It("answers 410 self_service_flow_expired with the replacing flow to an SPA", Status(410), Client(kratosclient.SPA), func(ctx SpecContext) {
			r, err := spa.c.UpdateLoginFlow(ctx, spa.flow.ID, spa.c.Submission(passwordLogin(f.NewCredentials())))
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusGone)
			Expect(errorID(r)).To(Equal("self_service_flow_expired"))
			Expect(useFlowID(r)).NotTo(BeElementOf("", spa.flow.ID))
		})

		It("answers 303 to the login UI with a new flow to a browser form", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
			r, err := browser.c.UpdateLoginFlow(ctx, browser.flow.ID, browser.c.Submission(passwordLogin(f.NewCredentials())))
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusSeeOther)
			Expect(f.expectUIURL(r.Location(), "/login")).NotTo(Equal(browser.flow.ID))
		})
	})

	It("answers 422 browser_location_change_required to the provider to an app choosing social sign-in", Status(422), Client(kratosclient.Native), Requires(SocialSignIn), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "oidc", "provider": fl.provider()}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnprocessableEntity, "location-change-error-nesting")
		Expect(errorID(r)).To(Equal("browser_location_change_required"))
		f.expectProviderRedirect(redirectBrowserTo(r), fl.provider())
	})

	It("answers 422 browser_location_change_required to the provider to an SPA choosing social sign-in", Status(422), Client(kratosclient.SPA), Requires(SocialSignIn), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		fl := f.newAuthFlow(ctx, c, kratosclient.Login)
		r, err := c.UpdateLoginFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "oidc", "provider": fl.provider()}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnprocessableEntity, "location-change-error-nesting")
		Expect(errorID(r)).To(Equal("browser_location_change_required"))
		f.expectProviderRedirect(redirectBrowserTo(r), fl.provider())
		Expect(setCookieNamed(r, "ory_kratos_continuity")).NotTo(BeNil(), "Set-Cookie ory_kratos_continuity")
	})

	It("answers 422 browser_location_change_required to the aal2 login to an SPA whose identity has TOTP", Status(422), Client(kratosclient.SPA), Requires(TOTP), func(ctx SpecContext) {
		enrolled, creds := f.SignedIn(ctx, kratosclient.SPA) // enrols as an SPA
		f.EnrolTOTP(ctx, enrolled)
		r := f.SignInWithPassword(ctx, f.Client(kratosclient.SPA), creds)
		ExpectContract(r, op, http.StatusUnprocessableEntity, "location-change-error-nesting")
		Expect(errorID(r)).To(Equal("browser_location_change_required"))
		Expect(redirectBrowserTo(r)).To(Equal(f.publicURL("/self-service/login/browser?aal=aal2")))
		Expect(setCookieNamed(r, sessionCookie)).NotTo(BeNil(), "the aal1 session is set")
	})
})

// Kratos's UI text ids the login and registration specs look for.
const (
	textInvalidCredentials  = 4000006
	textDuplicateIdentifier = 4000007
)

// authFlow is the part of a login or registration flow the specs read.
type authFlow struct {
	ID           string    `json:"id"`
	Type         string    `json:"type"`
	ExpiresAt    time.Time `json:"expires_at"`
	Refresh      bool      `json:"refresh"`
	RequestedAAL string    `json:"requested_aal"`
	UI           flowUI    `json:"ui"`
}

func decodeAuthFlow(r *kratosclient.Response) authFlow {
	GinkgoHelper()
	var fl authFlow
	Expect(r.Decode(&fl)).To(Succeed())
	return fl
}

// provider is the first social sign-in provider the flow offers.
func (fl authFlow) provider() string {
	GinkgoHelper()
	for _, n := range fl.UI.Nodes {
		if p, ok := n.Attributes.Value.(string); ok && n.Group == "oidc" && n.Attributes.Name == "provider" {
			return p
		}
	}
	Fail("the flow offers no social sign-in provider although the target declares " + string(SocialSignIn))
	return ""
}

// authSuccess is the part of a successful login or registration answer the
// specs read.
type authSuccess struct {
	SessionToken string  `json:"session_token"`
	Session      session `json:"session"`
	Identity     struct {
		ID     string         `json:"id"`
		Traits map[string]any `json:"traits"`
	} `json:"identity"`
	ContinueWith []struct {
		Action          string `json:"action"`
		OrySessionToken string `json:"ory_session_token"`
	} `json:"continue_with"`
}

func decodeAuthSuccess(r *kratosclient.Response) authSuccess {
	GinkgoHelper()
	var l authSuccess
	Expect(r.Decode(&l)).To(Succeed())
	return l
}

// newAuthFlow creates a flow as c's kind does and returns it as c's UI reads
// it; c learns the flow's CSRF token.
func (f *Fixture) newAuthFlow(ctx context.Context, c *kratosclient.Client, flow kratosclient.FlowKind) authFlow {
	GinkgoHelper()
	return f.reread(ctx, c, flow, f.startFlow(ctx, c, flow))
}

// reread fetches flow id as c's UI does.
func (f *Fixture) reread(ctx context.Context, c *kratosclient.Client, flow kratosclient.FlowKind, id string) authFlow {
	GinkgoHelper()
	r, err := f.uiOf(c).GetFlow(ctx, flow, id)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "fetch %s flow %s", flow, id)
	return decodeAuthFlow(r)
}

// expiredFlow is a flow left to expire and the caller that created it.
type expiredFlow struct {
	c    *kratosclient.Client
	flow authFlow
}

func (f *Fixture) expiringFlow(ctx context.Context, mode kratosclient.Mode, flow kratosclient.FlowKind) expiredFlow {
	GinkgoHelper()
	c := f.Client(mode)
	return expiredFlow{c: c, flow: f.newAuthFlow(ctx, c, flow)}
}

// sleepUntilExpired waits until every flow has expired, and a little longer.
func sleepUntilExpired(ctx context.Context, flows ...authFlow) {
	GinkgoHelper()
	var last time.Time
	for _, fl := range flows {
		Expect(fl.ExpiresAt).NotTo(BeZero(), "flow %s without expires_at", fl.ID)
		if fl.ExpiresAt.After(last) {
			last = fl.ExpiresAt
		}
	}
	d := time.Until(last) + 100*time.Millisecond
	Expect(d).To(BeNumerically("<", 10*time.Second), "flows live for %s: not a short-lifespan target", d)
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// revokeToken signs c's session out through performNativeLogout; c keeps
// sending the now revoked token.
func (f *Fixture) revokeToken(ctx context.Context, c *kratosclient.Client) {
	GinkgoHelper()
	ctx = kratosclient.RetryTransient(ctx) // set-up, not the answer under test
	tok := c.SessionToken()
	Expect(tok).NotTo(BeEmpty())
	r, err := c.PerformNativeLogout(ctx, kratosclient.JSONBody(map[string]string{"session_token": tok}))
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusNoContent), "revoke the session token")
}

// expectDefaultReturnURL checks that raw is where Kratos sends a browser
// after a self-service flow when no return_to was asked for.
func (f *Fixture) expectDefaultReturnURL(raw string) {
	GinkgoHelper()
	if f.t.local != nil {
		Expect(raw).To(Equal(localkratos.UIURL+"/"), "default browser return URL")
		return
	}
	Expect(raw).NotTo(BeEmpty())
	Expect(raw).NotTo(ContainSubstring("/self-service/"), "default browser return URL")
}

// expectErrorUI checks that raw is the error UI with an error ?id= and
// returns that error as getFlowError serves it (no cookie needed).
func (f *Fixture) expectErrorUI(ctx context.Context, raw string) *kratosclient.Response {
	GinkgoHelper()
	u, err := url.Parse(raw)
	Expect(err).NotTo(HaveOccurred())
	if f.t.local != nil {
		Expect(u.Scheme+"://"+u.Host+u.Path).To(Equal(localkratos.UIURL+"/error"), "URL %s", raw)
	}
	id := u.Query().Get("id")
	Expect(id).NotTo(BeEmpty(), "no ?id= in %s", raw)
	r, err := f.Client(kratosclient.Native).GetFlowError(ctx, id)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "read flow error %s", id)
	return r
}

// expectProviderRedirect checks that raw sends the browser to a social
// sign-in provider that will call Kratos back for provider.
func (f *Fixture) expectProviderRedirect(raw, provider string) {
	GinkgoHelper()
	u, err := url.Parse(raw)
	Expect(err).NotTo(HaveOccurred())
	Expect(u.IsAbs()).To(BeTrue(), "provider URL %s", raw)
	q := u.Query()
	Expect(q.Get("state")).NotTo(BeEmpty(), "no state in the provider URL")
	Expect(q.Get("redirect_uri")).To(Equal(f.publicURL("/self-service/methods/oidc/callback/" + provider)))
}

// publicURL is path on the target's public API.
func (f *Fixture) publicURL(path string) string {
	return strings.TrimRight(f.PublicURL(), "/") + path
}
