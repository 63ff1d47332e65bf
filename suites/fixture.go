package suites

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// body is a case: what it sends and what it asserts, given the fixture its
// labels picked.
type body = func(ctx SpecContext, f *fixture)

// operation registers the Describe of one operation, labelled
// op:<operationId>; decorators (Requires...) apply to all its cases.
// Its last argument declares the cases. An operation the run's contract
// does not have registers nothing: a run covers its contract's pairs.
func (s *suite) operation(id string, args ...any) {
	if _, ok := s.contract.Operation(id); !ok {
		return // not in this run's contract: its pairs are not the run's
	}
	n := len(args) - 1
	decorators := append([]any{Op(id), s.interruptible(), Offset(1)}, args[:n]...)
	Describe(id, append(decorators, args[n])...)
}

// it registers one case: Ginkgo's It with the case's decorators (Status,
// Client, Requires, Negative...), whose last argument, the body, runs
// with the fixture the case's labels pick.
func (s *suite) it(text string, args ...any) { s.spec(text, args) }

// modeCase is one kind of caller's case of a behaviour: its text and the
// status it reaches.
type modeCase struct {
	mode   kratosclient.Mode
	status int
	text   string
}

// forModes registers one case of a behaviour per kind of caller, each
// labelled with its status and client; the decorators in args (but the
// last, the body, which is given the case's mode) apply to all.
func (s *suite) forModes(cases []modeCase, args ...any) {
	n := len(args) - 1
	b := args[n].(func(SpecContext, *fixture, kratosclient.Mode))
	for _, c := range cases {
		decorators := append([]any{Status(c.status), Client(c.mode)}, args[:n]...)
		s.spec(c.text, append(decorators, func(ctx SpecContext, f *fixture) { b(ctx, f, c.mode) }))
	}
}

// spec registers a case for it or forModes, located at their caller.
func (s *suite) spec(text string, args []any) {
	n := len(args) - 1
	b := args[n].(body)
	It(text, append(append([]any{Offset(2)}, args[:n]...), func(ctx SpecContext) {
		f := s.fixture()
		b(ctx, f)
		f.expectAsserted()
	})...)
}

// expectAsserted fails a case that claims its pair without having judged
// an answer of it: every case is credited to the pair judge asserted.
func (f *fixture) expectAsserted() {
	GinkgoHelper()
	if len(assertedPairs(CurrentSpecReport())) == 0 {
		Fail(fmt.Sprintf("labelled %s %d but asserted no answer: a case judges the answer of its pair", f.op, f.status))
	}
}

// fixture is what one case works with: the target its requires: labels
// call for, and the operation and status its labels say it reaches.
type fixture struct {
	s      *suite
	t      *target.Target
	op     string
	status int
}

// fixture picks the target for the running case from its requires:
// labels, and skips the case, with the reason, when no target has them.
func (s *suite) fixture() *fixture {
	GinkgoHelper()
	if err := s.ctx.Err(); err != nil {
		Skip("not run: the run was interrupted: " + context.Cause(s.ctx).Error())
	}
	s.mu.Lock()
	set := s.set
	s.mu.Unlock()
	Expect(set).NotTo(BeNil(), "the suite's targets are not open")
	l := parseLabels(CurrentSpecReport().Labels())
	t, err := set.Pick(l.requires...)
	if err != nil {
		Skip(err.Error())
	}
	return &fixture{s: s, t: t, op: l.op, status: l.status}
}

// client returns a new caller of the given kind, paced with the run.
func (f *fixture) client(mode kratosclient.Mode, opts ...kratosclient.Option) *kratosclient.Client {
	GinkgoHelper()
	c, err := f.t.Client(mode, opts...)
	Expect(err).NotTo(HaveOccurred())
	return c
}

// must fails the case on a call that got no answer, skips it on the 429 a
// call gave up on (skipGaveUp), and returns the answer.
func must(r *kratosclient.Response, err error) *kratosclient.Response {
	GinkgoHelper()
	Expect(err).NotTo(HaveOccurred())
	skipGaveUp(r)
	return r
}

// skipGaveUp skips the case when r is the 429 Too Many Requests a call gave
// up on (kratosclient.ErrRateLimited), unless the case reaches 429 itself:
// a 429 says nothing of the contract. It is the only way a rate limit
// skips a case: any other failure, after a 429 or not, stays a failure.
func skipGaveUp(r *kratosclient.Response) {
	GinkgoHelper()
	if err := r.RateLimited(); err != nil && parseLabels(CurrentSpecReport().Labels()).status != http.StatusTooManyRequests {
		skipRateLimited(err)
	}
}

// skipRateLimited skips the case on err, a call the target rate-limited
// until orybench gave up.
func skipRateLimited(err error) {
	GinkgoHelper()
	Skip(fmt.Sprintf("the target rate-limited orybench: %v, which says nothing of the contract (pace the run with --max-rps)", err))
}

// entrySetupFailure is the report entry of a case a set-up step failed:
// the step and the answer or error that broke it. Conformance reports the
// case as set-up failed, not as a contract failure of its pair.
const entrySetupFailure = "orybench.setup-failure"

// setUp fails the case as a set-up failure on an error of a set-up step,
// and skips it when the target cannot do what the step needs
// (target.ErrUnsupported) or when the step's call was the 429 it gave up
// on.
func setUp(err error, what string) {
	GinkgoHelper()
	if err == nil {
		return
	}
	if errors.Is(err, target.ErrUnsupported) {
		Skip(err.Error())
	}
	if errors.Is(err, kratosclient.ErrRateLimited) {
		skipRateLimited(err)
	}
	AddReportEntry(entrySetupFailure, ReportEntryVisibilityNever, redact.Text(what+": "+err.Error()))
	Expect(err).NotTo(HaveOccurred(), what)
}

// setUpAnswer fails the case as a set-up failure when a set-up step (what)
// was answered r instead of status want: the status and what Kratos said
// (kratosclient.Response.Explain), never the rest of the body.
func setUpAnswer(r *kratosclient.Response, want int, what string) {
	GinkgoHelper()
	if r.Status == want {
		return
	}
	skipGaveUp(r)
	explained := r.Explain()
	AddReportEntry(entrySetupFailure, ReportEntryVisibilityNever, redact.Text(fmt.Sprintf("%s: %s, wanted %d", what, explained, want)))
	Expect(r.Status).To(Equal(want), "%s: %s", what, explained)
}

// newIdentity makes the credentials of a new test identity; it is not
// registered.
func (f *fixture) newIdentity() target.Identity {
	GinkgoHelper()
	id, err := f.t.NewIdentity()
	setUp(err, "make a test identity")
	return id
}

// signUp makes a new identity and signs c in as it (target.SignUp).
func (f *fixture) signUp(ctx context.Context, c *kratosclient.Client) target.Identity {
	GinkgoHelper()
	id, err := f.t.SignUp(ctx, c)
	setUp(err, "sign a test identity up")
	return id
}

// signedIn returns a new caller of the given kind holding a fresh session,
// and its identity.
func (f *fixture) signedIn(ctx context.Context, mode kratosclient.Mode) (*kratosclient.Client, target.Identity) {
	GinkgoHelper()
	c := f.client(mode)
	return c, f.signUp(ctx, c)
}

// signIn signs c in as id with a password login flow of c's kind and
// returns the answer to the submission.
func (f *fixture) signIn(ctx context.Context, c *kratosclient.Client, id target.Identity) *kratosclient.Response {
	GinkgoHelper()
	r, err := f.t.SignIn(ctx, c, id)
	setUp(err, "start a login flow")
	return r
}

// startFlow creates a flow of kind as c's kind does and returns its id.
func (f *fixture) startFlow(ctx context.Context, c *kratosclient.Client, kind kratosclient.FlowKind) string {
	GinkgoHelper()
	id, err := f.t.StartFlow(ctx, c, kind)
	setUp(err, "start a "+string(kind)+" flow")
	return id
}

// newFlow creates a flow of kind as c's kind does and returns it as c's UI
// reads it; c learns its CSRF token.
func (f *fixture) newFlow(ctx context.Context, c *kratosclient.Client, kind kratosclient.FlowKind) kratosclient.Flow {
	GinkgoHelper()
	fl, err := f.t.NewFlow(ctx, c, kind)
	setUp(err, "start a "+string(kind)+" flow")
	return fl
}

// readFlow reads flow id of kind as c's UI does.
func (f *fixture) readFlow(ctx context.Context, c *kratosclient.Client, kind kratosclient.FlowKind, id string) kratosclient.Flow {
	GinkgoHelper()
	fl, err := f.t.ReadFlow(ctx, c, kind, id)
	setUp(err, "read the "+string(kind)+" flow")
	return fl
}

// flowAfter is the flow a submission of flow id was answered with, as its
// caller sees it: a native app and a single page app get it in the answer,
// a browser is sent back to the UI with ?flow= and reads it there.
func (f *fixture) flowAfter(ctx context.Context, c *kratosclient.Client, r *kratosclient.Response, kind kratosclient.FlowKind, id string) kratosclient.Flow {
	GinkgoHelper()
	if c.Mode() != browser {
		return flowOf(r)
	}
	Expect(f.expectUIURL(r.Location(), "/"+string(kind))).To(Equal(id))
	return f.readFlow(ctx, c, kind, id)
}

// mailWait bounds the wait for one mailed code. A local courier polls its
// queue every 100ms; a remote courier is read through the admin API.
const mailWait = 15 * time.Second

// mail returns the next mail of kind to address: its code or its link.
func (f *fixture) mail(ctx context.Context, address string, kind target.MailKind) target.Mail {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(ctx, mailWait)
	defer cancel()
	m, err := f.t.WaitForMail(ctx, address, kind)
	setUp(err, "read the mail")
	return m
}

// code returns the next code of kind mailed to address.
func (f *fixture) code(ctx context.Context, address string, kind target.MailKind) string {
	GinkgoHelper()
	m := f.mail(ctx, address, kind)
	Expect(m.Code).NotTo(BeEmpty(), "the %s mail carries no code", kind)
	return m.Code
}

// enrolTOTP adds an authenticator app to the identity c is signed in as.
func (f *fixture) enrolTOTP(ctx context.Context, c *kratosclient.Client) {
	GinkgoHelper()
	_, err := f.t.EnrolTOTP(ctx, c)
	setUp(err, "enrol TOTP")
}

// aal1Session returns a caller of the given kind signed in with the
// password alone as an identity that has enrolled TOTP: its session is
// aal1 and owes the second factor.
func (f *fixture) aal1Session(ctx context.Context, mode kratosclient.Mode) *kratosclient.Client {
	GinkgoHelper()
	ctx = kratosclient.RetryTransient(ctx) // set-up, not the answer under test
	enrolled, id := f.signedIn(ctx, mode)
	f.enrolTOTP(ctx, enrolled)
	c := f.client(mode)
	f.signIn(ctx, c, id)
	setUpAnswer(f.whoami(ctx, c), http.StatusForbidden, "whoami of a password-only session of a TOTP identity")
	return c
}

// twoSessions signs one new identity in twice as callers of the given
// kind: by sign-up, then by password. It returns both callers.
func (f *fixture) twoSessions(ctx context.Context, mode kratosclient.Mode) (current, other *kratosclient.Client) {
	GinkgoHelper()
	ctx = kratosclient.RetryTransient(ctx) // set-up, not the answer under test
	current, id := f.signedIn(ctx, mode)
	if id.UnissuedSession {
		Skip("registration on " + f.t.Name() + " makes a session it does not hand out (no session hook), and no admin API is known to make an identity without one: the count of other sessions would include it")
	}
	other = f.client(mode)
	setUpAnswer(f.signIn(ctx, other, id), http.StatusOK, "second sign-in")
	return current, other
}

// revoke ends the session of a session token, as a native app signing out.
func (f *fixture) revoke(ctx context.Context, token string) {
	GinkgoHelper()
	Expect(token).NotTo(BeEmpty(), "no session token to revoke")
	setUp(f.t.Revoke(ctx, token), "revoke the session token")
}

// whoami is what whoami answers to c's session, as c's UI asks.
func (f *fixture) whoami(ctx context.Context, c *kratosclient.Client) *kratosclient.Response {
	GinkgoHelper()
	ui, err := f.t.UIOf(c)
	Expect(err).NotTo(HaveOccurred())
	return must(ui.ToSession(ctx, nil))
}

// whoamiStatus is the status whoami answers to c's session, as c's UI asks.
func (f *fixture) whoamiStatus(ctx context.Context, c *kratosclient.Client) int {
	GinkgoHelper()
	return f.whoami(ctx, c).Status
}

// sessionID is the id of c's session.
func (f *fixture) sessionID(ctx context.Context, c *kratosclient.Client) string {
	GinkgoHelper()
	s, err := f.t.WhoAmI(ctx, c)
	Expect(err).NotTo(HaveOccurred())
	return s.ID
}

// lockDatabase holds the target's database locked until the case ends:
// Kratos then fails every query after its busy timeout (FaultInjection).
func (f *fixture) lockDatabase(ctx context.Context) {
	GinkgoHelper()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	unlock, err := f.t.LockDB(ctx)
	setUp(err, "lock the database")
	DeferCleanup(func() { Expect(unlock()).To(Succeed()) })
}

// flowOf, sessionOf and successOf decode an answer's body.
func flowOf(r *kratosclient.Response) kratosclient.Flow {
	GinkgoHelper()
	fl, err := r.Flow()
	Expect(err).NotTo(HaveOccurred())
	return fl
}

func sessionOf(r *kratosclient.Response) kratosclient.Session {
	GinkgoHelper()
	s, err := r.Session()
	Expect(err).NotTo(HaveOccurred())
	return s
}

func successOf(r *kratosclient.Response) kratosclient.Success {
	GinkgoHelper()
	s, err := r.Success()
	Expect(err).NotTo(HaveOccurred())
	return s
}

// errorID and errorCode are a Kratos error body's error.id and error.code.
func errorID(r *kratosclient.Response) string { return r.ErrorBody().Error.ID }
func errorCode(r *kratosclient.Response) int  { return r.ErrorBody().Error.Code }

// sleepPast waits until t has passed, and a little longer. It refuses long
// waits: those mean the target is not configured as the case assumes.
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

// randomFlowID is a well-formed flow id no target has issued.
func randomFlowID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// evilReturnTo is a return_to no target allows.
func evilReturnTo() url.Values { return url.Values{"return_to": {"https://evil.example.org/"}} }

// expectUIURL checks that raw (a Location, a redirect_browser_to) points
// at the self-service UI page (e.g. "/recovery") with a ?flow=, and
// returns that flow id. Where the UI's base URL is known it is checked;
// elsewhere only the page.
func (f *fixture) expectUIURL(raw, page string) string {
	GinkgoHelper()
	u, err := url.Parse(raw)
	Expect(err).NotTo(HaveOccurred())
	if ui := f.t.UIURL(); ui != "" {
		Expect(u.Scheme+"://"+u.Host+u.Path).To(Equal(ui+page), "URL %s", redact.URL(raw))
	} else {
		Expect(u.Path).To(HaveSuffix(page), "URL %s", redact.URL(raw))
	}
	id := u.Query().Get("flow")
	Expect(id).NotTo(BeEmpty(), "no ?flow= in %s", redact.URL(raw))
	return id
}

// expectDefaultReturnURL checks that raw is where Kratos sends a browser
// after a self-service flow when no return_to was asked for.
func (f *fixture) expectDefaultReturnURL(raw string) {
	GinkgoHelper()
	if ui := f.t.UIURL(); ui != "" {
		Expect(raw).To(Equal(ui+"/"), "default browser return URL")
		return
	}
	Expect(raw).NotTo(BeEmpty())
	Expect(raw).NotTo(ContainSubstring("/self-service/"), "default browser return URL")
}

// expectErrorUI checks that raw is the error UI with an error ?id= and
// returns that error as getFlowError serves it (no cookie needed).
func (f *fixture) expectErrorUI(ctx context.Context, raw string) *kratosclient.Response {
	GinkgoHelper()
	u, err := url.Parse(raw)
	Expect(err).NotTo(HaveOccurred())
	if ui := f.t.UIURL(); ui != "" {
		Expect(u.Scheme+"://"+u.Host+u.Path).To(Equal(ui+"/error"), "URL %s", redact.URL(raw))
	}
	id := u.Query().Get("id")
	Expect(id).NotTo(BeEmpty(), "no ?id= in %s", redact.URL(raw))
	r := must(f.client(native).GetFlowError(ctx, id))
	Expect(r.Status).To(Equal(http.StatusOK), "read flow error %s", id)
	return r
}

// expectProviderRedirect checks that raw sends the browser to a social
// sign-in provider that will call Kratos back for provider.
func (f *fixture) expectProviderRedirect(raw, provider string) {
	GinkgoHelper()
	u, err := url.Parse(raw)
	Expect(err).NotTo(HaveOccurred())
	Expect(u.IsAbs()).To(BeTrue(), "provider URL %s", redact.URL(raw))
	q := u.Query()
	Expect(q.Get("state")).NotTo(BeEmpty(), "no state in the provider URL")
	Expect(q.Get("redirect_uri")).To(Equal(f.t.URL("/self-service/methods/oidc/callback/" + provider)))
}

// provider is the first social sign-in provider a flow offers.
func provider(fl kratosclient.Flow) string {
	GinkgoHelper()
	p := fl.UI.Providers()
	Expect(p).NotTo(BeEmpty(), "the flow offers no social sign-in provider although the target declares %s", target.SocialSignIn)
	return p[0]
}

// expectCookie checks whether r sets a cookie whose name starts with
// prefix. Its value is a secret and never printed.
func expectCookie(r *kratosclient.Response, prefix string, set bool) {
	GinkgoHelper()
	Expect(target.SetCookie(r, prefix) != nil).To(Equal(set), "Set-Cookie %s* (want set: %t)", prefix, set)
}
