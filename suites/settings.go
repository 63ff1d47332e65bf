package suites

import (
	"context"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
)

var _ = Describe("createNativeSettingsFlow", Op("createNativeSettingsFlow"), func() {
	const op = "createNativeSettingsFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with an api flow for the signed-in identity", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.CreateNativeSettingsFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeSettings(r)
		Expect(fl.Type).To(Equal("api"))
		Expect(fl.State).To(Equal("show_form"))
		Expect(fl.Identity.ID).To(Equal(creds.ID))
		Expect(fl.UI.Action).To(Equal(f.PublicURL() + "/self-service/settings?flow=" + fl.ID))
		Expect(kratosclient.CSRFTokenOf(r.Body)).To(BeEmpty(), "an api flow needs no CSRF token")
		Expect(r.Header.Values("Set-Cookie")).To(BeEmpty(), "an api flow sets no cookie")
	})

	It("answers 400 to a return_to that is not allowed", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.CreateNativeSettingsFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})

	It("answers 401 session_inactive without a session token", Status(401), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).CreateNativeSettingsFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusUnauthorized)
		Expect(errorID(r)).To(Equal("session_inactive"))
	})
})

var _ = Describe("createBrowserSettingsFlow", Op("createBrowserSettingsFlow"), func() {
	const op = "createBrowserSettingsFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with a browser flow to a signed-in single page app", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.SPA)
		r, err := c.CreateBrowserSettingsFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeSettings(r)
		Expect(fl.Type).To(Equal("browser"))
		Expect(fl.State).To(Equal("show_form"))
		Expect(fl.Identity.ID).To(Equal(creds.ID))
		// The browser holds a CSRF cookie since it registered; the flow's
		// token is what it must send back.
		Expect(kratosclient.CSRFTokenOf(r.Body)).NotTo(BeEmpty(), "csrf_token node")
	})

	It("answers 303 to the settings UI for a signed-in browser", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Browser)
		r, err := c.CreateBrowserSettingsFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		f.expectUIURL(r.Location(), "/settings")
	})

	It("answers 303 to the login flow for a browser without a session", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Browser).CreateBrowserSettingsFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(r.Location()).To(Equal(f.PublicURL() + "/self-service/login/browser"))
		Expect(setCookieNamed(r, csrfCookiePrefix)).NotTo(BeNil(), "Set-Cookie %s*", csrfCookiePrefix)
	})

	It("answers 400 to a return_to that is not allowed", Status(400), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		r, err := c.CreateBrowserSettingsFlow(ctx, evilReturnTo)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		Expect(errorID(r)).To(Equal("self_service_flow_return_to_forbidden"))
	})

	It("answers 401 session_inactive to a single page app without a session", Status(401), Client(kratosclient.SPA), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).CreateBrowserSettingsFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorID(r)).To(Equal("session_inactive"))
	})

	It("answers 403 session_aal2_required to an aal1 session that owes its second factor", Status(403), Client(kratosclient.SPA), Requires(TOTP), func(ctx SpecContext) {
		c := f.aal1Session(ctx, kratosclient.SPA)
		r, err := c.CreateBrowserSettingsFlow(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusForbidden, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("session_aal2_required"))
		Expect(redirectBrowserTo(r)).To(Equal(f.PublicURL() + "/self-service/login/browser?aal=aal2"))
	})
})

var _ = Describe("getSettingsFlow", Op("getSettingsFlow"), func() {
	const op = "getSettingsFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with an api flow to its owner's session token", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.Native)
		id := f.startFlow(ctx, c, kratosclient.Settings)
		r, err := c.GetSettingsFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeSettings(r)
		Expect(fl.ID).To(Equal(id))
		Expect(fl.Type).To(Equal("api"))
		Expect(fl.Identity.ID).To(Equal(creds.ID))
	})

	It("answers 200 with a browser flow to its owner's session cookie", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.SPA)
		id := f.startFlow(ctx, c, kratosclient.Settings)
		r, err := c.GetSettingsFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeSettings(r)
		Expect(fl.ID).To(Equal(id))
		Expect(fl.Type).To(Equal("browser"))
		Expect(fl.Identity.ID).To(Equal(creds.ID))
		Expect(kratosclient.CSRFTokenOf(r.Body)).To(Equal(c.CSRFToken()))
	})

	It("answers 401 without a session", Status(401), Client(kratosclient.Native), func(ctx SpecContext) {
		owner, _ := f.SignedIn(ctx, kratosclient.Native)
		id := f.startFlow(ctx, owner, kratosclient.Settings)
		r, err := f.Client(kratosclient.Native).GetSettingsFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorCode(r)).To(Equal(http.StatusUnauthorized))
	})

	It("answers 403 security_identity_mismatch to another identity's session", Status(403), Client(kratosclient.Native), func(ctx SpecContext) {
		owner, _ := f.SignedIn(ctx, kratosclient.Native)
		id := f.startFlow(ctx, owner, kratosclient.Settings)
		other, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := other.GetSettingsFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusForbidden)
		Expect(errorID(r)).To(Equal("security_identity_mismatch"))
	})

	It("answers 403 session_aal2_required to its owner's aal1 session that owes the second factor", Status(403), Client(kratosclient.Native), Requires(TOTP), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.Native)
		f.EnrolTOTP(ctx, c)
		// The enrolling session is aal2 now; its flow is then read with a
		// password-only session of the same identity.
		id := f.startFlow(ctx, c, kratosclient.Settings)
		aal1 := f.Client(kratosclient.Native)
		Expect(f.SignInWithPassword(ctx, aal1, creds).Status).To(Equal(http.StatusOK))
		r, err := aal1.GetSettingsFlow(ctx, id)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusForbidden, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("session_aal2_required"))
	})

	It("answers 404 to an unknown flow id", Status(404), Client(kratosclient.Native), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.GetSettingsFlow(ctx, randomFlowID())
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})

	It("answers 410 to an expired api flow", Status(410), Client(kratosclient.Native), Requires(ShortLifespans), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		fl := f.startSettings(ctx, c)
		sleepPast(ctx, fl.ExpiresAt)
		r, err := c.GetSettingsFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusGone, "generic-error-details-closed")
		// Unlike the login flow's, Kratos v1.3.1 sets no error.id here.
		Expect(errorCode(r)).To(Equal(http.StatusGone))
		Expect(expiredDetails(r)).To(HaveKey("api"))
	})

	It("answers 410 to an expired browser flow, pointing at a new one", Status(410), Client(kratosclient.SPA), Requires(ShortLifespans), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		fl := f.startSettings(ctx, c)
		sleepPast(ctx, fl.ExpiresAt)
		r, err := c.GetSettingsFlow(ctx, fl.ID)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusGone, "generic-error-details-closed")
		Expect(errorCode(r)).To(Equal(http.StatusGone))
		Expect(expiredDetails(r)).To(HaveKeyWithValue("redirect_to", HaveSuffix("/self-service/settings/browser")))
	})
})

var _ = Describe("updateSettingsFlow", Op("updateSettingsFlow"), func() {
	const op = "updateSettingsFlow"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	// newPassword is a password change: a privileged change, allowed only
	// within privileged_session_max_age of signing in.
	newPassword := func() kratosclient.Fields {
		return kratosclient.Fields{"method": "password", "password": f.NewCredentials().Password}
	}
	// sameProfile saves the traits unchanged, which is never privileged.
	sameProfile := func(creds Credentials) kratosclient.Fields {
		return kratosclient.Fields{"method": "profile", "traits": creds.traits()}
	}

	It("answers 200 success to a password change by a fresh native session", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.Native)
		id := f.startFlow(ctx, c, kratosclient.Settings)
		fields := newPassword()
		r, err := c.UpdateSettingsFlow(ctx, id, c.Submission(fields))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeSettings(r)
		Expect(fl.ID).To(Equal(id))
		Expect(fl.State).To(Equal("success"))
		Expect(fl.UI.messageIDs()).To(ContainElement(textSettingsSaved))

		creds.Password = fields["password"].(string)
		Expect(f.SignInWithPassword(ctx, f.Client(kratosclient.Native), creds).Status).To(Equal(http.StatusOK), "sign in with the new password")
	})

	It("answers 200 success to a single page app that sends its CSRF token", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.SPA)
		id := f.startFlow(ctx, c, kratosclient.Settings)
		r, err := c.UpdateSettingsFlow(ctx, id, c.Submission(sameProfile(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		fl := decodeSettings(r)
		Expect(fl.State).To(Equal("success"))
		Expect(fl.UI.messageIDs()).To(ContainElement(textSettingsSaved))
	})

	It("answers 303 back to the settings UI to a browser form", Status(303), Client(kratosclient.Browser), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.Browser)
		id := f.startFlow(ctx, c, kratosclient.Settings)
		r, err := c.UpdateSettingsFlow(ctx, id, c.Submission(sameProfile(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusSeeOther)
		Expect(f.expectUIURL(r.Location(), "/settings")).To(Equal(id))
	})

	It("answers 400 with the flow to invalid traits", Status(400), Client(kratosclient.Native), Requires(EmailTrait), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		id := f.startFlow(ctx, c, kratosclient.Settings)
		r, err := c.UpdateSettingsFlow(ctx, id, c.Submission(kratosclient.Fields{
			"method": "profile", "traits": map[string]any{"email": "not-an-email"},
		}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest)
		fl := decodeSettings(r)
		Expect(fl.ID).To(Equal(id))
		Expect(fl.UI.nodeMessageIDs("traits.email")).To(ContainElement(textInvalidInput))
	})

	It("answers 400 without the flow parameter", Status(400), Client(kratosclient.Native), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.UpdateSettingsFlow(ctx, "", c.Submission(sameProfile(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusBadRequest, "submit-error-generic-for-flow")
		Expect(errorCode(r)).To(Equal(http.StatusBadRequest))
	})

	It("answers 401 without a session", Status(401), Client(kratosclient.Native), func(ctx SpecContext) {
		owner, creds := f.SignedIn(ctx, kratosclient.Native)
		id := f.startFlow(ctx, owner, kratosclient.Settings)
		c := f.Client(kratosclient.Native)
		r, err := c.UpdateSettingsFlow(ctx, id, c.Submission(sameProfile(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorCode(r)).To(Equal(http.StatusUnauthorized))
	})

	It("answers 403 security_identity_mismatch to another identity's session", Status(403), Client(kratosclient.Native), func(ctx SpecContext) {
		owner, creds := f.SignedIn(ctx, kratosclient.Native)
		id := f.startFlow(ctx, owner, kratosclient.Settings)
		other, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := other.UpdateSettingsFlow(ctx, id, other.Submission(sameProfile(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusForbidden)
		Expect(errorID(r)).To(Equal("security_identity_mismatch"))
	})

	It("answers 403 security_csrf_violation to a single page app without its CSRF token", Status(403), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.SPA)
		id := f.startFlow(ctx, c, kratosclient.Settings)
		fields := sameProfile(creds)
		fields["csrf_token"] = ""
		r, err := c.UpdateSettingsFlow(ctx, id, c.Submission(fields))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusForbidden, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("security_csrf_violation"))
	})

	It("answers 403 session_refresh_required to a password change by a session past its privileged age", Status(403), Client(kratosclient.Native), Requires(ShortLifespans), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		who, err := c.ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		var s struct {
			AuthenticatedAt time.Time `json:"authenticated_at"`
		}
		Expect(who.Decode(&s)).To(Succeed())
		sleepPast(ctx, s.AuthenticatedAt.Add(f.privilegedSessionMaxAge()))
		// The flow is new (flows are short-lived here too), the session is not.
		id := f.startFlow(ctx, c, kratosclient.Settings)
		r, err := c.UpdateSettingsFlow(ctx, id, c.Submission(newPassword()))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusForbidden)
		Expect(errorID(r)).To(Equal("session_refresh_required"))
		refresh, err := url.Parse(redirectBrowserTo(r))
		Expect(err).NotTo(HaveOccurred())
		Expect(refresh.Path).To(Equal("/self-service/login/browser"))
		Expect(refresh.Query().Get("refresh")).To(Equal("true"))
	})

	It("answers 410 self_service_flow_expired with a new flow to an expired api flow", Status(410), Client(kratosclient.Native), Requires(ShortLifespans), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.Native)
		fl := f.startSettings(ctx, c)
		sleepPast(ctx, fl.ExpiresAt)
		r, err := c.UpdateSettingsFlow(ctx, fl.ID, c.Submission(sameProfile(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusGone)
		Expect(errorID(r)).To(Equal("self_service_flow_expired"))
		Expect(useFlowID(r)).NotTo(BeElementOf("", fl.ID))
	})

	It("answers 422 with the provider's authorize URL to an app linking a social account", Status(422), Client(kratosclient.Native), Requires(SocialSignIn), func(ctx SpecContext) {
		provider := f.socialProvider(ctx)
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		id := f.startFlow(ctx, c, kratosclient.Settings)
		r, err := c.UpdateSettingsFlow(ctx, id, c.Submission(kratosclient.Fields{"method": "oidc", "link": provider}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnprocessableEntity, "location-change-error-nesting")
		Expect(errorID(r)).To(Equal("browser_location_change_required"))
		expectAuthorizeURL(redirectBrowserTo(r))
	})

	It("answers 422 with the authorize URL and a continuity cookie to a single page app", Status(422), Client(kratosclient.SPA), Requires(SocialSignIn), func(ctx SpecContext) {
		provider := f.socialProvider(ctx)
		c, _ := f.SignedIn(ctx, kratosclient.SPA)
		id := f.startFlow(ctx, c, kratosclient.Settings)
		r, err := c.UpdateSettingsFlow(ctx, id, c.Submission(kratosclient.Fields{"method": "oidc", "link": provider}))
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnprocessableEntity, "location-change-error-nesting")
		expectAuthorizeURL(redirectBrowserTo(r))
		Expect(setCookieNamed(r, "ory_kratos_continuity")).NotTo(BeNil(), "Set-Cookie ory_kratos_continuity")
	})

	It("answers 404 to an unknown flow id", Status(404), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.UpdateSettingsFlow(ctx, randomFlowID(), c.Submission(sameProfile(creds)))
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusNotFound)
		Expect(errorCode(r)).To(Equal(http.StatusNotFound))
	})
})

// textSettingsSaved is the UI text of a successful settings change.
const textSettingsSaved = 1050001

// settingsView is the part of a settings flow the specs read.
type settingsView struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	State     string    `json:"state"`
	ExpiresAt time.Time `json:"expires_at"`
	Identity  struct {
		ID string `json:"id"`
	} `json:"identity"`
	UI flowUI `json:"ui"`
}

func decodeSettings(r *kratosclient.Response) settingsView {
	GinkgoHelper()
	var fl settingsView
	Expect(r.Decode(&fl)).To(Succeed())
	return fl
}

// startSettings creates a settings flow as c's kind does and returns it as
// c's UI reads it.
func (f *Fixture) startSettings(ctx context.Context, c *kratosclient.Client) settingsView {
	GinkgoHelper()
	id := f.startFlow(ctx, c, kratosclient.Settings)
	r, err := f.uiOf(c).GetSettingsFlow(ctx, id)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "fetch the settings flow")
	return decodeSettings(r)
}

// socialProvider is the first social sign-in provider the target offers:
// the value of a "provider" node of a login flow. A native settings flow
// lists none, though linking works from it.
func (f *Fixture) socialProvider(ctx context.Context) string {
	GinkgoHelper()
	r, err := f.Client(kratosclient.Native).CreateNativeLoginFlow(ctx, nil)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "login flow")
	var fl struct {
		UI struct {
			Nodes []struct {
				Attributes struct {
					Name  string `json:"name"`
					Value any    `json:"value"`
				} `json:"attributes"`
			} `json:"nodes"`
		} `json:"ui"`
	}
	Expect(r.Decode(&fl)).To(Succeed())
	for _, n := range fl.UI.Nodes {
		if v, ok := n.Attributes.Value.(string); ok && n.Attributes.Name == "provider" && v != "" {
			return v
		}
	}
	Fail("the target offers no social sign-in provider")
	return ""
}

// expectAuthorizeURL checks that raw is an OAuth 2.0 authorization request
// that carries Kratos's state.
func expectAuthorizeURL(raw string) {
	GinkgoHelper()
	u, err := url.Parse(raw)
	Expect(err).NotTo(HaveOccurred())
	Expect(u.IsAbs()).To(BeTrue(), "redirect_browser_to %q", raw)
	q := u.Query()
	Expect(q.Get("response_type")).To(Equal("code"))
	Expect(q.Get("client_id")).NotTo(BeEmpty())
	Expect(q.Get("state")).NotTo(BeEmpty())
	Expect(q.Get("redirect_uri")).To(ContainSubstring("/self-service/methods/oidc/callback/"))
}

// aal1Session returns a caller of the given kind signed in with the
// password alone as an identity that has enrolled TOTP: its session is aal1
// and owes the second factor.
func (f *Fixture) aal1Session(ctx context.Context, mode kratosclient.Mode) *kratosclient.Client {
	GinkgoHelper()
	ctx = kratosclient.RetryTransient(ctx) // set-up, not the answer under test
	enrolled, creds := f.SignedIn(ctx, mode)
	f.EnrolTOTP(ctx, enrolled)
	c := f.Client(mode)
	f.SignInWithPassword(ctx, c, creds)
	who, err := f.uiOf(c).ToSession(ctx, nil)
	Expect(err).NotTo(HaveOccurred())
	Expect(who.Status).To(Equal(http.StatusForbidden), "whoami of a password-only session of a TOTP identity")
	return c
}

// privilegedSessionMaxAge is how long after signing in a session may make
// privileged changes: the local profile's setting, else what the
// ShortLifespans capability promises.
func (f *Fixture) privilegedSessionMaxAge() time.Duration {
	if f.t.local != nil {
		return f.t.local.Profile.PrivilegedSessionMaxAge
	}
	return 2 * time.Second
}

// sleepPast waits until t has passed, and a little longer. It refuses long
// waits: those mean the target is not configured as the spec assumes.
func sleepPast(ctx context.Context, t time.Time) {
	GinkgoHelper()
	Expect(t).NotTo(BeZero(), "no time to wait for")
	d := time.Until(t) + 100*time.Millisecond
	Expect(d).To(BeNumerically("<", 10*time.Second), "waiting %s: not a short-lifespan target", d)
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
