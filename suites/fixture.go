package suites

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/redact"
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

// Client returns a fresh caller of the given kind against the public API,
// paced with the rest of the run.
func (f *Fixture) Client(mode kratosclient.Mode) *kratosclient.Client {
	c, err := f.t.client(mode)
	Expect(err).NotTo(HaveOccurred())
	return c
}

// NewClient is Client with options (a header, a session token); like every
// caller of the run, it is paced and its 429s are counted.
func (f *Fixture) NewClient(mode kratosclient.Mode, opts ...kratosclient.Option) (*kratosclient.Client, error) {
	return f.t.client(mode, opts...)
}

// PublicURL is the target's public API base URL.
func (f *Fixture) PublicURL() string { return f.t.publicURL }

// Credentials are a test identity: what it signs in with and its traits.
type Credentials struct {
	// Email is the identity's address: the value of its email trait, or
	// (on a schema without one) the run's address it was made from.
	Email string
	// Identifier is what it signs in with a password: its email or its
	// username, as the target's identity schema says.
	Identifier string
	Password   string
	ID         string
	// Traits are valid traits for the target's identity schema.
	Traits map[string]any

	emailTrait string // dotted path of the email trait, "" if none
	schemaID   string // the identity schema the traits are for, "" for the target's
	// unissuedSession: registering made a session the identity never got
	// (no session hook), so it has one session more than it signed in.
	unissuedSession bool
	// byRegistration: made through a registration flow, which mails a
	// verification code where verification is on (the admin API does not).
	byRegistration bool
}

// traits are c.Traits with Email in the email trait, so that a spec that
// changes Email (to an invalid address) submits the change.
func (c Credentials) traits() map[string]any {
	if c.Traits == nil {
		return map[string]any{"email": c.Email}
	}
	out := deepCopy(c.Traits).(map[string]any)
	if c.emailTrait != "" {
		set(out, c.emailTrait, c.Email)
	}
	return out
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

func set(m map[string]any, path, value string) {
	parts := strings.Split(path, ".")
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			return
		}
		m = next
	}
	m[parts[len(parts)-1]] = value
}

// NewCredentials makes a new test identity for the target's identity
// schema: unique, recognisable traits and a strong password. It is not
// registered.
func (f *Fixture) NewCredentials() Credentials {
	GinkgoHelper()
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	id, addr, err := theEnv.nextIdentity(f.t)
	Expect(err).NotTo(HaveOccurred(), "synthesise traits for %s", f.t.name)
	c := Credentials{
		Email: id.Email, Identifier: id.Identifier, Password: "Ob-" + hex.EncodeToString(b) + "!",
		Traits: id.Traits, emailTrait: id.EmailTrait, schemaID: id.SchemaID,
	}
	if c.Email == "" {
		c.Email = addr
	}
	return c
}

// Register makes a new identity that c (any mode) is signed in as: through
// a registration flow of c's kind where registration is open, else through
// the admin API; then, where registering does not sign in, through a
// password login of c's kind. Afterwards c holds the session: a token for
// a native client, a cookie for a browser or SPA. A target that allows
// neither skips the spec, with the reason.
func (f *Fixture) Register(ctx context.Context, c *kratosclient.Client) Credentials {
	GinkgoHelper()
	if !f.t.has(PasswordMethod) {
		Skip("test identities sign in with a password: target lacks capability " + string(PasswordMethod) + ": " + capabilityReasons[PasswordMethod])
	}
	creds := f.NewCredentials()
	if creds.Identifier == "" {
		Skip("the identity schema of " + f.t.name + " marks no trait as a password identifier, and test identities sign in with a password")
	}
	ctx = kratosclient.RetryTransient(ctx)
	signedIn := false
	switch {
	// Without the session hook Kratos still persists a session for the new
	// identity and just does not hand it out: an identity from the admin
	// API has none, so specs that count sessions see what they expect.
	case f.t.has(Registration) && (f.t.has(SessionAfterRegistration) || f.t.admin == nil):
		signedIn = f.registerByFlow(ctx, c, &creds)
		creds.unissuedSession, creds.byRegistration = !signedIn, true
	case f.t.admin != nil:
		schemaID := creds.schemaID
		if schemaID == "" {
			schemaID = f.t.schemaID
		}
		id, err := f.t.admin.CreateIdentity(ctx, schemaID, creds.traits(), creds.Password)
		Expect(err).NotTo(HaveOccurred(), "create a test identity through the admin API")
		creds.ID = id.ID
	default:
		Skip("registration is closed on " + f.t.name + " and no admin API is known to create identities with (--admin-url, or ORY_API_KEY on Ory Network)")
	}
	theEnv.remember(f.t, creds.ID)
	if !signedIn {
		r := f.SignInWithPassword(ctx, c, creds)
		want := http.StatusOK
		if c.Mode() == kratosclient.Browser {
			want = http.StatusSeeOther
		}
		Expect(r.Status).To(Equal(want), "sign the new identity in: %s", redact.JSON(r.Body))
		if creds.ID == "" {
			creds.ID = f.identityOf(ctx, c)
		}
	}
	return creds
}

// registerByFlow signs creds up through a registration flow of c's kind
// and reports whether that signed c in.
func (f *Fixture) registerByFlow(ctx context.Context, c *kratosclient.Client, creds *Credentials) bool {
	GinkgoHelper()
	want := http.StatusOK
	if c.Mode() == kratosclient.Browser {
		want = http.StatusSeeOther
	}
	var r *kratosclient.Response
	for attempt := 1; ; attempt++ {
		flowID := f.startFlow(ctx, c, kratosclient.Registration)
		var err error
		r, err = c.UpdateRegistrationFlow(ctx, flowID, c.Submission(passwordSignUp(*creds)))
		Expect(err).NotTo(HaveOccurred())
		if r.Status == want || attempt == 3 {
			break
		}
		// Set-up, not the answer under test. Kratos on in-memory SQLite
		// now and then answers a valid sign-up with a bare 4000001 form
		// error when its courier writes at the same moment, although the
		// identity was stored: sign up again, as someone new (the run's
		// clean-up finds the first one by its address).
		fmt.Fprintf(GinkgoWriter, "set-up registration answered %d (attempt %d): %s\n", r.Status, attempt, redact.JSON(r.Body))
		*creds = f.NewCredentials()
	}
	if c.Mode() == kratosclient.Browser {
		Expect(r.Status).To(Equal(http.StatusSeeOther), "browser registration: %s", r.Body)
		if setCookieNamed(r, sessionCookie) == nil {
			return false
		}
		creds.ID = f.identityOf(ctx, c)
		return true
	}
	Expect(r.Status).To(Equal(http.StatusOK), "registration: %s", redact.JSON(r.Body))
	var body struct {
		SessionToken string          `json:"session_token"`
		Session      json.RawMessage `json:"session"`
		Identity     struct {
			ID string `json:"id"`
		} `json:"identity"`
	}
	Expect(r.Decode(&body)).To(Succeed())
	creds.ID = body.Identity.ID
	if c.Mode() == kratosclient.Native {
		return body.SessionToken != ""
	}
	return len(body.Session) > 0 && string(body.Session) != "null"
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
func (f *Fixture) startFlow(ctx context.Context, c *kratosclient.Client, flow kratosclient.FlowKind) string {
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
func (f *Fixture) fetchAsUI(ctx context.Context, c *kratosclient.Client, flow kratosclient.FlowKind, id string) {
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
