package suites

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
)

// Fixture is what one spec works with: the target its labels call for and
// the identities it creates. Get one with NewFixture in a BeforeEach; what
// it creates is cleaned up with the run.
type Fixture struct {
	t *target
}

// theEnv is set by the suite's BeforeSuite; specs reach it only at run time.
var theEnv *env

// NewFixture picks the target for the running spec from its requires: labels,
// and skips the spec, with the reason, when no target has them.
func NewFixture() *Fixture {
	Expect(theEnv).NotTo(BeNil(), "the suite environment is not set up")
	labels := parseLabels(CurrentSpecReport().Labels())
	t, reason := theEnv.pick(labels.requires)
	if t == nil {
		Skip(reason)
	}
	return &Fixture{t: t}
}

// Client returns a fresh caller of the given kind against the public API.
func (f *Fixture) Client(mode kratosclient.Mode) *kratosclient.Client {
	c, err := kratosclient.New(f.t.publicURL, mode)
	Expect(err).NotTo(HaveOccurred())
	return c
}

// PublicURL is the target's public API base URL.
func (f *Fixture) PublicURL() string { return f.t.publicURL }

// Credentials are a test identity's email and password.
type Credentials struct {
	Email    string
	Password string
	ID       string
}

// NewCredentials makes a unique, recognisable email and a strong password.
func (f *Fixture) NewCredentials() Credentials {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return Credentials{Email: theEnv.nextEmail(), Password: "Ob-" + hex.EncodeToString(b) + "!"}
}

// Register signs up a new identity with c (any mode) through a registration
// flow of c's kind. Afterwards c holds the session: a token for a native
// client, a cookie for a browser or SPA.
func (f *Fixture) Register(ctx context.Context, c *kratosclient.Client) Credentials {
	GinkgoHelper()
	creds := f.NewCredentials()
	ctx = kratosclient.RetryTransient(ctx)
	flowID := f.startFlow(ctx, c, kratosclient.Registration)
	r, err := c.UpdateRegistrationFlow(ctx, flowID, c.Submission(kratosclient.Fields{
		"method":   "password",
		"traits":   map[string]any{"email": creds.Email},
		"password": creds.Password,
	}))
	Expect(err).NotTo(HaveOccurred())
	switch c.Mode() {
	case kratosclient.Browser:
		Expect(r.Status).To(Equal(http.StatusSeeOther), "browser registration: %s", r.Body)
		creds.ID = f.identityOf(ctx, c)
	default:
		Expect(r.Status).To(Equal(http.StatusOK), "registration: %s", r.Body)
		var body struct {
			Identity struct {
				ID string `json:"id"`
			} `json:"identity"`
		}
		Expect(r.Decode(&body)).To(Succeed())
		creds.ID = body.Identity.ID
	}
	theEnv.remember(f.t, creds.ID)
	return creds
}

// SignedIn returns a new caller of the given kind holding a fresh session.
func (f *Fixture) SignedIn(ctx context.Context, mode kratosclient.Mode) (*kratosclient.Client, Credentials) {
	GinkgoHelper()
	c := f.Client(mode)
	return c, f.Register(ctx, c)
}

// startFlow creates a flow as c's kind would and returns its id. A browser
// is redirected to the UI with ?flow=, which then fetches the flow (and so
// the CSRF token) as JSON.
func (f *Fixture) startFlow(ctx context.Context, c *kratosclient.Client, flow kratosclient.Flow) string {
	GinkgoHelper()
	var (
		r   *kratosclient.Response
		err error
	)
	if c.Mode() == kratosclient.Native {
		r, err = c.CreateNativeFlow(ctx, flow, nil)
	} else {
		r, err = c.CreateBrowserFlow(ctx, flow, nil)
	}
	Expect(err).NotTo(HaveOccurred())
	if c.Mode() == kratosclient.Browser {
		Expect(r.Status).To(Equal(http.StatusSeeOther), "create browser %s flow: %s", flow, r.Body)
		id := flowIDFromLocation(r.Location())
		Expect(id).NotTo(BeEmpty(), "no ?flow= in %s", r.Location())
		f.fetchAsUI(ctx, c, flow, id)
		return id
	}
	Expect(r.Status).To(Equal(http.StatusOK), "create %s flow: %s", flow, r.Body)
	var body struct {
		ID string `json:"id"`
	}
	Expect(r.Decode(&body)).To(Succeed())
	return body.ID
}

// fetchAsUI reads a browser flow the way a self-service UI does: JSON, with
// the browser's cookies, so that c learns the flow's CSRF token.
func (f *Fixture) fetchAsUI(ctx context.Context, c *kratosclient.Client, flow kratosclient.Flow, id string) {
	GinkgoHelper()
	ui := f.Client(kratosclient.SPA)
	ui.ShareCookies(c)
	r, err := ui.GetFlow(ctx, flow, id)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "fetch %s flow as the UI: %s", flow, r.Body)
	c.SetCSRFToken(kratosclient.CSRFTokenOf(r.Body))
}

// identityOf asks whoami, with c's session, for its identity id.
func (f *Fixture) identityOf(ctx context.Context, c *kratosclient.Client) string {
	GinkgoHelper()
	ui := f.Client(kratosclient.SPA)
	ui.ShareCookies(c)
	r, err := ui.ToSession(ctx, nil)
	Expect(err).NotTo(HaveOccurred())
	Expect(r.Status).To(Equal(http.StatusOK), "whoami after browser registration: %s", r.Body)
	var s struct {
		Identity struct {
			ID string `json:"id"`
		} `json:"identity"`
	}
	Expect(r.Decode(&s)).To(Succeed())
	return s.Identity.ID
}
