package suites

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
)

var _ = Describe("getWebAuthnJavaScript", Op("getWebAuthnJavaScript"), func() {
	const op = "getWebAuthnJavaScript"
	var f *Fixture
	BeforeEach(func() { f = NewFixture() })

	It("answers 200 with the WebAuthn script a browser loads", Status(200), Client(kratosclient.Browser), func(ctx SpecContext) {
		r, err := f.Client(kratosclient.Browser).GetWebAuthnJavaScript(ctx)
		Expect(err).NotTo(HaveOccurred())
		// Documented as a JSON string; served as the script itself.
		ExpectContract(r, op, http.StatusOK, "webauthn-js-not-json")
		Expect(r.ContentType()).To(Equal("text/javascript"))
		Expect(string(r.Body)).To(ContainSubstring("window.__oryWebAuthnLogin"))
	})
})
