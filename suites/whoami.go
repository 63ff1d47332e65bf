package suites

import (
	"net/http"
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
)

var _ = Describe("toSession", Op("toSession"), func() {
	const op = "toSession"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 401 without a session", Status(401), Client(kratosclient.Native), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Native).ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorCode(r)).To(Equal(http.StatusUnauthorized))
	})

	It("answers 401 to a browser without a session cookie", Status(401), Client(kratosclient.Browser), func(ctx SpecContext) {
		// An HTML Accept changes nothing: whoami always answers JSON.
		r, err := f.Client(kratosclient.Browser).ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorCode(r)).To(Equal(http.StatusUnauthorized))
	})

	It("answers 401 to a single page app without a session cookie", Status(401), Client(kratosclient.SPA), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.SPA).ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorCode(r)).To(Equal(http.StatusUnauthorized))
	})

	It("answers 401 to a revoked session token", Status(401), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		f.revoke(ctx, c.SessionToken())
		r, err := c.ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusUnauthorized)
		Expect(errorCode(r)).To(Equal(http.StatusUnauthorized))
	})

	It("answers 200 with the session of a native registration", Status(200), Client(kratosclient.Native), Requires(EmailTrait), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		s := decodeSession(r)
		Expect(s.Active).To(BeTrue())
		Expect(s.Identity.ID).To(Equal(creds.ID))
		Expect(s.Identity.Traits["email"]).To(Equal(creds.Email))
		Expect(s.AuthenticatorAssuranceLevel).To(Equal("aal1"))
		Expect(r.Header.Get("X-Kratos-Authenticated-Identity-Id")).To(Equal(creds.ID))
	})

	It("answers 200 to a session token sent as an Authorization bearer token", Status(200), Client(kratosclient.Native), func(ctx SpecContext) {
		signedIn, creds := f.SignedIn(ctx, kratosclient.Native)
		c, err := f.NewClient(kratosclient.Native,
			kratosclient.WithHeader("Authorization", "Bearer "+signedIn.SessionToken()))
		Expect(err).NotTo(HaveOccurred())
		r, err := c.ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeSession(r).Identity.ID).To(Equal(creds.ID))
		Expect(r.Header.Get("X-Kratos-Authenticated-Identity-Id")).To(Equal(creds.ID))
	})

	It("answers 200 with the session cookie of a browser registration", Status(200), Client(kratosclient.SPA), func(ctx SpecContext) {
		c, creds := f.SignedIn(ctx, kratosclient.SPA)
		r, err := c.ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusOK)
		Expect(decodeSession(r).Identity.ID).To(Equal(creds.ID))
	})

	It("answers 403 session_aal2_required to an aal1 session that owes its second factor", Status(403), Client(kratosclient.Native), Requires(TOTP), func(ctx SpecContext) {
		c := f.aal1Session(ctx, kratosclient.Native)
		r, err := c.ToSession(ctx, nil)
		Expect(err).NotTo(HaveOccurred())
		ExpectContract(r, op, http.StatusForbidden, "generic-error-details-closed")
		Expect(errorID(r)).To(Equal("session_aal2_required"))
		Expect(redirectBrowserTo(r)).To(Equal(f.PublicURL() + "/self-service/login/browser?aal=aal2"))
	})

	It("answers 400 to an unknown tokenize_as template", Status(400), Client(kratosclient.Native), Label("negative"), func(ctx SpecContext) {
		c, _ := f.SignedIn(ctx, kratosclient.Native)
		r, err := c.ToSession(ctx, url.Values{"tokenize_as": {"orybench-no-such-template"}})
		Expect(err).NotTo(HaveOccurred())
		ExpectDefault(r, op, http.StatusBadRequest)
		Expect(errorCode(r)).To(Equal(http.StatusBadRequest))
	})
})
