package suites

import (
	"fmt"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/schemas"
)

var _ = Describe("createNativeRegistrationFlow", Op("createNativeRegistrationFlow"), Requires(Registration), func() {
	const op = "createNativeRegistrationFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a new api flow and no cookies", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).CreateNativeRegistrationFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeAuthFlow(r)
		Expect(fl.Type).To(Equal("api"))
		Expect(fl.UI.Action).To(HaveSuffix("/self-service/registration?flow=" + fl.ID))
		Expect(r.Header.Values("Set-Cookie")).To(BeEmpty(), "an api flow sets no cookies")
	})

	It("answers 200 with a new flow to an app whose session token was revoked", Status(200), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		f.revokeToken(ctx, c)
		r, err := c.CreateNativeRegistrationFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeAuthFlow(r).Type).To(Equal("api"))
	})

	It("answers 400 session_already_available to a signed-in app", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.CreateNativeRegistrationFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("session_already_available"))
	})

	It("answers 400 self_service_flow_return_to_forbidden to a return_to that is not allowed", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).CreateNativeRegistrationFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})
})

var _ = Describe("createBrowserRegistrationFlow", Op("createBrowserRegistrationFlow"), Requires(Registration), func() {
	const op = "createBrowserRegistrationFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a browser flow and its CSRF cookie to an SPA", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).CreateBrowserRegistrationFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeAuthFlow(r).Type).To(Equal("browser"))
		Expect(kratosclient.CSRFTokenOf(r.Body)).NotTo(BeEmpty(), "csrf_token node")
		Expect(setCookieNamed(r, csrfCookiePrefix)).NotTo(BeNil(), "Set-Cookie %s*", csrfCookiePrefix)
	})

	It("answers 303 to the registration UI with the new flow", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Browser).CreateBrowserRegistrationFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectUIURL(r.Location(), "/registration")
		Expect(setCookieNamed(r, csrfCookiePrefix)).NotTo(BeNil(), "Set-Cookie %s*", csrfCookiePrefix)
	})

	It("answers 303 to the default return URL to a signed-in browser", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Browser)
		r, err := c.CreateBrowserRegistrationFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectDefaultReturnURL(r.Location())
	})

	It("answers 303 to the error UI to a browser asking for a return_to that is not allowed", Status(303), Client(kratosclient.Browser), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Browser).CreateBrowserRegistrationFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(errorID(f.expectErrorUI(ctx, r.Location()))).To(Equal("self_service_flow_return_to_forbidden"))
	})

	It("answers 400 session_already_available to a signed-in SPA", Status(400), Client(kratosclient.SPA), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		r, err := c.CreateBrowserRegistrationFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("session_already_available"))
	})

	It("answers 400 self_service_flow_return_to_forbidden to an SPA asking for a return_to that is not allowed", Status(400), Client(kratosclient.SPA), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).CreateBrowserRegistrationFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})
})

var _ = Describe("getRegistrationFlow", Op("getRegistrationFlow"), Requires(Registration), func() {
	const op = "getRegistrationFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with an api flow to anyone who knows its id", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		fl := f.newAuthFlow(ctx, f.Client(kratosclient.Native), kratosclient.Registration)
		r, err := f.Client(kratosclient.Native).GetRegistrationFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		got := decodeAuthFlow(r)
		Expect(got.ID).To(Equal(fl.ID))
		Expect(got.Type).To(Equal("api"))
	})

	It("answers 200 with a browser flow to the browser holding its CSRF cookie", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		r, err := c.GetRegistrationFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeAuthFlow(r).ID).To(Equal(fl.ID))
		Expect(kratosclient.CSRFTokenOf(r.Body)).To(Equal(c.CSRFToken()))
	})

	It("answers 403 security_csrf_violation to a browser flow fetched without its cookie", Status(403), Client(kratosclient.SPA), func(ctx SpecContext) {
		fl := f.newAuthFlow(ctx, f.Client(kratosclient.SPA), kratosclient.Registration)
		r, err := f.Client(kratosclient.SPA).GetRegistrationFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusForbidden, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("security_csrf_violation"))
	})

	It("answers 404 to an unknown flow id", Status(404), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).GetRegistrationFlow(ctx, randomFlowID())
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	It("answers 404 to a flow id that is not a UUID", Status(404), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).GetRegistrationFlow(ctx, "not-a-uuid")
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNotFound)
	})

	// One wait serves every expired-flow case of the operation.
	Context("once the flow has expired", Ordered, ContinueOnFailure, Requires(ShortLifespans), func() {
		var native, spa expiredFlow
		BeforeAll(NodeTimeout(specTimeout), func(ctx SpecContext) {
			fx := NewFixture()
			native = fx.expiringFlow(ctx, kratosclient.Native, kratosclient.Registration)
			spa = fx.expiringFlow(ctx, kratosclient.SPA, kratosclient.Registration)
			sleepUntilExpired(ctx, native.flow, spa.flow)
		})

		It("answers 410 self_service_flow_expired pointing an app at the api init endpoint", Status(410), Client(kratosclient.Native), func(ctx SpecContext) {
			r, err := native.c.GetRegistrationFlow(ctx, native.flow.ID)
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusGone, "generic-error-details-closed")
			Expect(errorID(r)).To(Equal("self_service_flow_expired"))
			Expect(expiredDetails(r)).To(HaveKeyWithValue("api", f.publicURL("/self-service/registration/api")))
		})

		It("answers 410 self_service_flow_expired pointing a browser at the browser init endpoint", Status(410), Client(kratosclient.SPA), func(ctx SpecContext) {
			r, err := spa.c.GetRegistrationFlow(ctx, spa.flow.ID)
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusGone, "generic-error-details-closed")
			Expect(errorID(r)).To(Equal("self_service_flow_expired"))
			Expect(expiredDetails(r)).To(HaveKeyWithValue("redirect_to", f.publicURL("/self-service/registration/browser")))
		})
	})
})

var _ = Describe("updateRegistrationFlow", Op("updateRegistrationFlow"), Requires(Registration), func() {
	const op = "updateRegistrationFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with the identity, a session token and what to do next to an app", Status(200), Client(kratosclient.Native), Requires(SessionAfterRegistration, EmailTrait), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		creds := f.NewCredentials()
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(creds)))
		Expect(err).NotTo(HaveOccurred())
		got := f.registered(r)
		ExpectContract(r, op, http.StatusOK)
		Expect(got.Identity.Traits).To(HaveKeyWithValue("email", creds.Email))
		Expect(got.Session.Identity.ID).To(Equal(got.Identity.ID))
		Expect(got.SessionToken).NotTo(BeEmpty())
		Expect(c.SessionToken()).To(Equal(got.SessionToken))
		Expect(got.ContinueWith).To(ContainElements(
			HaveField("Action", "show_verification_ui"),
			And(HaveField("Action", "set_ory_session_token"), HaveField("OrySessionToken", got.SessionToken)),
		))
		Expect(r.Header.Values("Set-Cookie")).To(BeEmpty(), "an api flow sets no cookies")
	})

	It("answers 200 with the identity and the session in a cookie, not a token, to an SPA", Status(200), Client(kratosclient.SPA), Requires(SessionAfterRegistration, EmailTrait), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		creds := f.NewCredentials()
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(creds)))
		Expect(err).NotTo(HaveOccurred())
		got := f.registered(r)
		ExpectContract(r, op, http.StatusOK)
		Expect(got.Identity.Traits).To(HaveKeyWithValue("email", creds.Email))
		Expect(got.SessionToken).To(BeEmpty())
		Expect(setCookieNamed(r, sessionCookie)).NotTo(BeNil(), "Set-Cookie %s", sessionCookie)
		Expect(got.ContinueWith).To(ContainElements(
			HaveField("Action", "redirect_browser_to"),
			HaveField("Action", "show_verification_ui"),
		))
	})

	It("answers 200 again, with another identity, to an api flow submitted twice", Status(200), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		first, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(f.NewCredentials())))
		Expect(err).NotTo(HaveOccurred())
		Expect(first.Status).To(Equal(http.StatusOK))
		firstID := f.registered(first).Identity.ID
		c.SetSessionToken("") // the app that submits twice has not kept the answer
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(f.NewCredentials())))
		Expect(err).NotTo(HaveOccurred())
		got := f.registered(r)
		ExpectContract(r, op, http.StatusOK)
		Expect(got.Identity.ID).NotTo(BeElementOf("", firstID))
	})

	It("answers 303 to the default return URL with a session cookie to a browser form", Status(303), Client(kratosclient.Browser), Requires(SessionAfterRegistration), func(ctx SpecContext) {
		c := f.Client(kratosclient.Browser)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(f.NewCredentials())))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectDefaultReturnURL(r.Location())
		Expect(setCookieNamed(r, sessionCookie)).NotTo(BeNil(), "Set-Cookie %s", sessionCookie)
		theEnv.remember(f.t, f.identityOf(ctx, c))
	})

	It("answers 303 to the social sign-in provider to a browser form choosing it", Status(303), Client(kratosclient.Browser), Requires(SocialSignIn), func(ctx SpecContext) {
		c := f.Client(kratosclient.Browser)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "oidc", "provider": fl.provider()}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectProviderRedirect(r.Location(), fl.provider())
	})

	It("answers 303 to the error UI with security_csrf_violation to a browser form without its CSRF token", Status(303), Client(kratosclient.Browser), Label("negative"), func(ctx SpecContext) {
		c := f.Client(kratosclient.Browser)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		fields := passwordSignUp(f.NewCredentials())
		fields["csrf_token"] = ""
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(fields))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(errorID(f.expectErrorUI(ctx, r.Location()))).To(Equal("security_csrf_violation"))
		Expect(setCookieNamed(r, sessionCookie)).To(BeNil())
	})

	It("answers 302, not 303, back to the registration UI to a browser form with an invalid email", Status(302), Client(kratosclient.Browser), Label("negative"), Requires(EmailTrait), func(ctx SpecContext) {
		c := f.Client(kratosclient.Browser)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		creds := f.NewCredentials()
		creds.Email = "not-an-email"
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(creds)))
		Expect(err).NotTo(HaveOccurred())
		expectUndocumentedRedirect(r, op, http.StatusFound)
		Expect(f.expectUIURL(r.Location(), "/registration")).To(Equal(fl.ID))
		Expect(f.reread(ctx, c, kratosclient.Registration, fl.ID).UI.nodeMessageIDs("traits.email")).NotTo(BeEmpty())
	})

	It("answers 302, not 303, to the default return URL to a browser form submitted twice", Status(302), Client(kratosclient.Browser), Label("negative"), Requires(SessionAfterRegistration), func(ctx SpecContext) {
		c := f.Client(kratosclient.Browser)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		first, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(f.NewCredentials())))
		Expect(err).NotTo(HaveOccurred())
		Expect(first.Status).To(Equal(http.StatusSeeOther))
		theEnv.remember(f.t, f.identityOf(ctx, c))
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(f.NewCredentials())))
		Expect(err).NotTo(HaveOccurred())
		expectUndocumentedRedirect(r, op, http.StatusFound)
		f.expectDefaultReturnURL(r.Location())
		Expect(setCookieNamed(r, sessionCookie)).To(BeNil(), "no second identity, no new session")
	})

	It("answers 400 with the flow and a message on the email to an app with an invalid email", Status(400), Client(kratosclient.Native), Requires(EmailTrait), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		creds := f.NewCredentials()
		creds.Email = "not-an-email"
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		got := decodeAuthFlow(r)
		Expect(got.ID).To(Equal(fl.ID))
		Expect(got.UI.nodeMessageIDs("traits.email")).To(ContainElement(textInvalidInput))
		Expect(c.SessionToken()).To(BeEmpty())
	})

	It("answers 400 with the flow and message 4000007 to an app signing up an existing email", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		_, existing := f.SignedIn(ctx, kratosclient.Native)
		c := f.Client(kratosclient.Native)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(existing)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(decodeAuthFlow(r).UI.messageIDs()).To(ContainElement(textDuplicateIdentifier))
	})

	It("answers 400 with the flow and a message on the email to an SPA with an invalid email", Status(400), Client(kratosclient.SPA), Requires(EmailTrait), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		creds := f.NewCredentials()
		creds.Email = "not-an-email"
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(decodeAuthFlow(r).UI.nodeMessageIDs("traits.email")).To(ContainElement(textInvalidInput))
		Expect(setCookieNamed(r, sessionCookie)).To(BeNil())
	})

	It("answers 400 session_already_available as errorGeneric, not the flow, to a signed-in app", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		fl := f.newAuthFlow(ctx, f.Client(kratosclient.Native), kratosclient.Registration)
		c, _ := f.SignedIn(ctx, kratosclient.Native) // a signed-in app cannot create the flow itself
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(f.NewCredentials())))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest, "submit-error-generic-for-flow")
		Expect(errorID(r)).To(Equal("session_already_available"))
	})

	It("answers 400 session_already_available as errorGeneric to a signed-in SPA submitting the flow twice", Status(400), Client(kratosclient.SPA), Label("negative"), Requires(SessionAfterRegistration), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		first, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(f.NewCredentials())))
		Expect(err).NotTo(HaveOccurred())
		Expect(first.Status).To(Equal(http.StatusOK))
		f.registered(first)
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(f.NewCredentials())))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest, "submit-error-generic-for-flow")
		Expect(errorID(r)).To(Equal("session_already_available"))
	})

	DescribeTable("answers 400 with the flow and message 4000001 to an app sending a body Kratos cannot read",
		func(ctx SpecContext, body *kratosclient.Body) {
			c := f.Client(kratosclient.Native)
			fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
			r, err := c.UpdateRegistrationFlow(ctx, fl.ID, body)
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
	)

	It("answers 400 with the flow to an api flow submitted with an Origin header", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		fl := f.newAuthFlow(ctx, f.Client(kratosclient.Native), kratosclient.Registration)
		c, err := f.NewClient(kratosclient.Native, kratosclient.WithHeader("Origin", "https://app.example.org"))
		Expect(err).NotTo(HaveOccurred())
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(passwordSignUp(f.NewCredentials())))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(decodeAuthFlow(r).UI.messageIDs()).To(ContainElement(textInvalidInput))
		Expect(c.SessionToken()).To(BeEmpty())
	})

	DescribeTable("answers 400 errorGeneric, not the flow, to a flow parameter that is",
		func(ctx SpecContext, flowID string) {
			c := f.Client(kratosclient.Native)
			r, err := c.UpdateRegistrationFlow(ctx, flowID, c.Submission(passwordSignUp(f.NewCredentials())))
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusBadRequest, "submit-error-generic-for-flow")
			Expect(errorCode(r)).To(Equal(http.StatusBadRequest))
		},
		Entry("missing", Status(400), Client(kratosclient.Native), Label("negative"), ""),
		Entry("not a UUID", Status(400), Client(kratosclient.Native), Label("negative"), "not-a-uuid"),
	)

	DescribeTable("answers 403 security_csrf_violation to an SPA whose CSRF token is",
		func(ctx SpecContext, token string) {
			c := f.Client(kratosclient.SPA)
			fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
			fields := passwordSignUp(f.NewCredentials())
			fields["csrf_token"] = token
			r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(fields))
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
		r, err := c.UpdateRegistrationFlow(ctx, randomFlowID(), c.Submission(passwordSignUp(f.NewCredentials())))
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	// One wait serves every expired-flow case of the operation.
	Context("once the flow has expired", Ordered, ContinueOnFailure, Requires(ShortLifespans), func() {
		var native, spa, browser expiredFlow
		BeforeAll(NodeTimeout(specTimeout), func(ctx SpecContext) {
			fx := NewFixture()
			native = fx.expiringFlow(ctx, kratosclient.Native, kratosclient.Registration)
			spa = fx.expiringFlow(ctx, kratosclient.SPA, kratosclient.Registration)
			browser = fx.expiringFlow(ctx, kratosclient.Browser, kratosclient.Registration)
			sleepUntilExpired(ctx, native.flow, spa.flow, browser.flow)
		})

		It("answers 410 self_service_flow_expired with the replacing flow to an app", Status(410), Client(kratosclient.Native), func(ctx SpecContext) {
			r, err := native.c.UpdateRegistrationFlow(ctx, native.flow.ID, native.c.Submission(passwordSignUp(f.NewCredentials())))
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusGone)
			Expect(errorID(r)).To(Equal("self_service_flow_expired"))
			Expect(useFlowID(r)).NotTo(BeElementOf("", native.flow.ID))
		})

		It("answers 410 self_service_flow_expired with the replacing flow to an SPA", Status(410), Client(kratosclient.SPA), func(ctx SpecContext) {
			r, err := spa.c.UpdateRegistrationFlow(ctx, spa.flow.ID, spa.c.Submission(passwordSignUp(f.NewCredentials())))
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusGone)
			Expect(errorID(r)).To(Equal("self_service_flow_expired"))
			Expect(useFlowID(r)).NotTo(BeElementOf("", spa.flow.ID))
		})

		It("answers 303 to the registration UI with a new flow to a browser form", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
			r, err := browser.c.UpdateRegistrationFlow(ctx, browser.flow.ID, browser.c.Submission(passwordSignUp(f.NewCredentials())))
			Expect(err).NotTo(HaveOccurred())
			ExpectContract(r, op, http.StatusSeeOther)
			Expect(f.expectUIURL(r.Location(), "/registration")).NotTo(Equal(browser.flow.ID))
		})
	})

	It("answers 422 browser_location_change_required to the provider to an app choosing social sign-up", Status(422), Client(kratosclient.Native), Requires(SocialSignIn), func(ctx SpecContext) {
		c := f.Client(kratosclient.Native)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "oidc", "provider": fl.provider()}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnprocessableEntity, "location-change-error-nesting")
		Expect(errorID(r)).To(Equal("browser_location_change_required"))
		f.expectProviderRedirect(redirectBrowserTo(r), fl.provider())
	})

	It("answers 422 browser_location_change_required to the provider to an SPA choosing social sign-up", Status(422), Client(kratosclient.SPA), Requires(SocialSignIn), func(ctx SpecContext) {
		c := f.Client(kratosclient.SPA)
		fl := f.newAuthFlow(ctx, c, kratosclient.Registration)
		r, err := c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "oidc", "provider": fl.provider()}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnprocessableEntity, "location-change-error-nesting")
		Expect(errorID(r)).To(Equal("browser_location_change_required"))
		f.expectProviderRedirect(redirectBrowserTo(r), fl.provider())
		Expect(setCookieNamed(r, "ory_kratos_continuity")).NotTo(BeNil(), "Set-Cookie ory_kratos_continuity")
	})
})

// passwordSignUp are the fields of a password registration as creds: its
// traits, with creds.Email in the email trait.
func passwordSignUp(creds Credentials) kratosclient.Fields {
	return kratosclient.Fields{"method": "password", "traits": creds.traits(), "password": creds.Password}
}

// registered reads a registration answer and, when it created an identity,
// leaves it to the run's cleanup.
func (f *Fixture) registered(r *kratosclient.Response) authSuccess {
	GinkgoHelper()
	if r.Status != http.StatusOK {
		return authSuccess{}
	}
	got := decodeAuthSuccess(r)
	theEnv.remember(f.t, got.Identity.ID)
	return got
}

// expectUndocumentedRedirect asserts a redirect whose status the operation
// does not document (registration answers some browser forms with 302).
// There is no body to judge against the default response: only the status,
// a Location and the empty body.
func expectUndocumentedRedirect(r *kratosclient.Response, operationID string, status int) {
	GinkgoHelper()
	AddReportEntry(entryRequest, ReportEntryVisibilityNever, fmt.Sprintf("%s %s -> %d", r.Method, redact.URL(r.URL), r.Status))
	Expect(r.Status).To(Equal(status), "%s: status\nbody: %s", operationID, redact.JSON(r.Body))
	set, err := schemas.ForVersion(schemas.DefaultVersion)
	Expect(err).NotTo(HaveOccurred())
	o, ok := set.Operation(operationID)
	Expect(ok).To(BeTrue(), "unknown operation %s", operationID)
	_, documented := o.Response(status)
	Expect(documented).To(BeFalse(), "%s documents %d: use ExpectContract", operationID, status)
	Expect(r.Location()).NotTo(BeEmpty(), "%d without a Location", status)
	Expect(r.Body).To(BeEmpty(), "%d to %s with a body", status, r.Method)
}
