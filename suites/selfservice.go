package suites

import (
	"context"
	"net/url"
	"slices"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// selfService is one self-service flow as the cases its operations share
// see it: a row of selfServiceFlows. Its own cases (a login with a wrong
// password, a recovery code) are registered by extra, inside the
// operation's Describe.
type selfService struct {
	kind kratosclient.FlowKind
	// name is the flow's name in its operations' ids ("Login").
	name string
	// requires are what every case of the flow needs.
	requires []target.Capability
	// owned: the flow belongs to a signed-in identity (settings), so every
	// caller signs up first.
	owned bool
	// refusesSignedIn: a signed-in caller asking for a flow is answered
	// 400 session_already_available (login, registration, recovery).
	refusesSignedIn bool
	// submits are what a submission of fields (the CSRF cases) needs.
	submits []target.Capability
	// state is a new flow's state, "" when it has none.
	state string
	// auth: login or registration, which share more (authCases).
	auth bool
	// expiredIDs are the callers whose expired flow Kratos answers with
	// error.id self_service_flow_expired (v1.3.1 sets none for the others).
	expiredIDs []kratosclient.Mode
	// extra registers the flow's own cases of an operation, by its verb
	// ("createNative", "createBrowser", "get", "update").
	extra func(s *suite, verb string)
}

func (fl selfService) op(verb string) string { return verb + fl.name + "Flow" }

// selfServiceFlows are the five flows with create, get and update
// operations.
func (s *suite) selfServiceFlows() []selfService {
	return []selfService{
		{kind: kratosclient.Login, name: "Login", refusesSignedIn: true, auth: true, expiredIDs: []kratosclient.Mode{native, spa}, extra: (*suite).loginCases},
		{kind: kratosclient.Registration, name: "Registration", requires: []target.Capability{target.Registration}, refusesSignedIn: true, auth: true, expiredIDs: []kratosclient.Mode{native, spa}, extra: (*suite).registrationCases},
		{kind: kratosclient.Recovery, name: "Recovery", requires: []target.Capability{target.Recovery}, submits: []target.Capability{target.RecoveryByCode}, refusesSignedIn: true, state: "choose_method", expiredIDs: []kratosclient.Mode{native}, extra: (*suite).recoveryCases},
		{kind: kratosclient.Verification, name: "Verification", requires: []target.Capability{target.Verification}, submits: []target.Capability{target.VerificationByCode}, state: "choose_method", extra: (*suite).verificationCases},
		{kind: kratosclient.Settings, name: "Settings", owned: true, state: "show_form", extra: (*suite).settingsCases},
	}
}

// selfServiceSpecs registers the four operations of every self-service
// flow: what they share, then each flow's own cases.
func (s *suite) selfServiceSpecs() {
	for _, fl := range s.selfServiceFlows() {
		for _, verb := range []string{"createNative", "createBrowser", "get", "update"} {
			s.operation(fl.op(verb), Requires(fl.requires...), func() {
				switch verb {
				case "createNative":
					s.createNativeCases(fl)
				case "createBrowser":
					s.createBrowserCases(fl)
				case "get":
					s.getFlowCases(fl)
				case "update":
					s.updateFlowCases(fl)
				}
				fl.extra(s, verb)
			})
		}
	}
}

// fields are a submission of fl as id: a password login, a sign-up, a new
// password, an address to mail a code to.
func (fl selfService) fields(id target.Identity) kratosclient.Fields {
	switch fl.kind {
	case kratosclient.Login:
		return id.PasswordLogin()
	case kratosclient.Registration:
		return id.PasswordSignUp()
	case kratosclient.Settings:
		return kratosclient.Fields{"method": "password", "password": id.Password}
	}
	return kratosclient.Fields{"method": "code", "email": id.Email}
}

// caller returns a new caller of the given kind for fl: signed in when the
// flow is an identity's own, with that identity.
func (f *fixture) caller(ctx context.Context, fl selfService, mode kratosclient.Mode) (*kratosclient.Client, target.Identity) {
	GinkgoHelper()
	if fl.owned {
		return f.signedIn(ctx, mode)
	}
	return f.client(mode), target.Identity{}
}

// createdFlow creates a flow of fl as a caller of the given kind (signed
// in, for an identity's own flow), judges the answer and checks the flow.
func (f *fixture) createdFlow(ctx context.Context, fl selfService, mode kratosclient.Mode) (*kratosclient.Response, kratosclient.Flow) {
	GinkgoHelper()
	c, owner := f.caller(ctx, fl, mode)
	create := c.CreateBrowserFlow
	if mode == native {
		create = c.CreateNativeFlow
	}
	r := must(create(ctx, fl.kind, nil))
	f.judge(r)
	got := flowOf(r)
	expectNewFlow(got, fl, mode, owner)
	return r, got
}

// expectNewFlow checks a flow just created for a caller of the given kind:
// its type, state, and (for an identity's own flow) its identity.
func expectNewFlow(got kratosclient.Flow, fl selfService, mode kratosclient.Mode, owner target.Identity) {
	GinkgoHelper()
	want := map[bool]string{true: "api", false: "browser"}[mode == native]
	Expect(got.Type).To(Equal(want), "flow type")
	Expect(got.Refresh).To(BeFalse(), "refresh")
	if fl.state != "" {
		Expect(got.State).To(Equal(fl.state), "flow state")
	}
	if fl.owned {
		Expect(got.Identity).NotTo(BeNil(), "the flow's identity")
		Expect(got.Identity.ID).To(Equal(owner.ID), "the flow's identity")
	}
}

func (s *suite) createNativeCases(fl selfService) {
	s.it("answers 200 with a new api flow and no cookies", Status(200), Client(native), func(ctx SpecContext, f *fixture) {
		r, got := f.createdFlow(ctx, fl, native)
		Expect(got.UI.Action).To(Equal(f.t.URL("/self-service/" + string(fl.kind) + "?flow=" + got.ID)))
		Expect(got.UI.CSRFToken()).To(BeEmpty(), "an api flow needs no CSRF token")
		Expect(r.Header.Values("Set-Cookie")).To(BeEmpty(), "an api flow sets no cookies")
	})
	s.it("answers 400 self_service_flow_return_to_forbidden to a return_to that is not allowed", Status(400), Client(native), func(ctx SpecContext, f *fixture) {
		c, _ := f.caller(ctx, fl, native)
		f.judgeErrorID(must(c.CreateNativeFlow(ctx, fl.kind, evilReturnTo())), "self_service_flow_return_to_forbidden")
	})
	if fl.auth {
		s.it("answers 200 with a new flow to an app whose session token was revoked", Status(200), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, id := f.signedIn(ctx, native)
			f.revoke(ctx, id.SessionToken)
			r := must(c.CreateNativeFlow(ctx, fl.kind, nil))
			f.judge(r)
			Expect(flowOf(r).Type).To(Equal("api"))
		})
	}
	if fl.refusesSignedIn {
		s.it("answers 400 session_already_available to a signed-in app", Status(400), Client(native), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, native)
			f.judgeErrorID(must(c.CreateNativeFlow(ctx, fl.kind, nil)), "session_already_available")
		})
	}
}

func (s *suite) createBrowserCases(fl selfService) {
	s.it("answers 200 with a browser flow and its CSRF token to a single page app", Status(200), Client(spa), func(ctx SpecContext, f *fixture) {
		r, got := f.createdFlow(ctx, fl, spa)
		Expect(got.UI.CSRFToken()).NotTo(BeEmpty(), "csrf_token node")
		if !fl.owned { // an identity's browser holds its CSRF cookie since it signed up
			expectCookie(r, target.CSRFCookiePrefix, true)
		}
	})
	s.it("answers 303 to the "+string(fl.kind)+" UI with the new flow", Status(303), Client(browser), func(ctx SpecContext, f *fixture) {
		c, _ := f.caller(ctx, fl, browser)
		r := must(c.CreateBrowserFlow(ctx, fl.kind, nil))
		f.judge(r)
		f.expectUIURL(r.Location(), "/"+string(fl.kind))
		if !fl.owned {
			expectCookie(r, target.CSRFCookiePrefix, true)
		}
	})
	s.it("answers 400 self_service_flow_return_to_forbidden to a single page app asking for a return_to that is not allowed", Status(400), Client(spa), Negative(), func(ctx SpecContext, f *fixture) {
		c, _ := f.caller(ctx, fl, spa)
		f.judgeErrorID(must(c.CreateBrowserFlow(ctx, fl.kind, evilReturnTo())), "self_service_flow_return_to_forbidden")
	})
	if fl.refusesSignedIn {
		s.it("answers 400 session_already_available to a signed-in single page app", Status(400), Client(spa), Negative(), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, spa)
			f.judgeErrorID(must(c.CreateBrowserFlow(ctx, fl.kind, nil)), "session_already_available")
		})
	}
	if fl.auth {
		s.it("answers 303 to the default return URL to a signed-in browser", Status(303), Client(browser), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, browser)
			r := must(c.CreateBrowserFlow(ctx, fl.kind, nil))
			f.judge(r)
			f.expectDefaultReturnURL(r.Location())
		})
		s.it("answers 303 to the error UI to a browser asking for a return_to that is not allowed", Status(303), Client(browser), Negative(), func(ctx SpecContext, f *fixture) {
			r := must(f.client(browser).CreateBrowserFlow(ctx, fl.kind, evilReturnTo()))
			f.judge(r)
			Expect(errorID(f.expectErrorUI(ctx, r.Location()))).To(Equal("self_service_flow_return_to_forbidden"))
		})
	}
}

func (s *suite) getFlowCases(fl selfService) {
	readers := map[kratosclient.Mode]string{native: "an api flow to anyone who knows its id", spa: "a browser flow to the browser holding its CSRF cookie"}
	if fl.owned {
		readers = map[kratosclient.Mode]string{native: "an api flow to its owner's session token", spa: "a browser flow to its owner's session cookie"}
	}
	for _, mode := range []kratosclient.Mode{native, spa} {
		s.it("answers 200 with "+readers[mode], Status(200), Client(mode), func(ctx SpecContext, f *fixture) {
			c, owner := f.caller(ctx, fl, mode)
			id := f.startFlow(ctx, c, fl.kind)
			reader := c
			if mode == native && !fl.owned {
				reader = f.client(native) // no cookie, no session: the id is enough
			}
			r := must(reader.GetFlow(ctx, fl.kind, id))
			f.judge(r)
			got := flowOf(r)
			Expect(got.ID).To(Equal(id))
			expectNewFlow(got, fl, mode, owner)
			if mode == spa {
				Expect(got.UI.CSRFToken()).To(Equal(c.CSRFToken()), "the CSRF token the browser was given")
			}
		})
	}
	s.expiredFlowCases(fl)
	s.it("answers 404 to an unknown flow id", Status(404), Client(native), func(ctx SpecContext, f *fixture) {
		c, _ := f.caller(ctx, fl, native)
		f.judgeErrorCode(must(c.GetFlow(ctx, fl.kind, randomFlowID())))
	})
	if fl.owned {
		return // the settings flow's own cases say who may read it
	}
	s.it("answers 403 security_csrf_violation to a browser flow fetched without its cookie", Status(403), Client(spa), Negative(), func(ctx SpecContext, f *fixture) {
		id := f.startFlow(ctx, f.client(spa), fl.kind)
		f.judgeErrorID(must(f.client(spa).GetFlow(ctx, fl.kind, id)), "security_csrf_violation", "generic-error-details-closed")
	})
	s.it("answers 404 to a flow id that is not a UUID", Status(404), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
		f.judge(must(f.client(native).GetFlow(ctx, fl.kind, "not-a-uuid")))
	})
}

// updateFlowCases are the answers every flow gives to a submission that
// cannot be taken: a flow parameter that is missing or no flow, a CSRF
// token that is missing.
func (s *suite) updateFlowCases(fl selfService) {
	fields := func(f *fixture) kratosclient.Fields { return fl.fields(f.newIdentity()) }
	for _, p := range [][2]string{{"", "missing"}, {"not-a-uuid", "not a UUID"}} {
		flowID, what := p[0], p[1]
		s.it("answers 400 errorGeneric, not the flow, to a flow parameter that is "+what, Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, _ := f.caller(ctx, fl, native)
			f.judgeErrorCode(must(c.UpdateFlow(ctx, fl.kind, flowID, c.Submission(fields(f)))), "submit-error-generic-for-flow")
		})
	}
	s.it("answers 404 to an unknown flow id", Status(404), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
		c, _ := f.caller(ctx, fl, native)
		f.judgeErrorCode(must(c.UpdateFlow(ctx, fl.kind, randomFlowID(), c.Submission(fields(f)))))
	})
	for _, p := range [][2]string{{"", "missing"}, {"not-the-token", "wrong"}} {
		token, what := p[0], p[1]
		s.it("answers 403 security_csrf_violation to a single page app whose CSRF token is "+what, Status(403), Client(spa), Negative(), Requires(fl.submits...), func(ctx SpecContext, f *fixture) {
			c, _ := f.caller(ctx, fl, spa)
			id := f.startFlow(ctx, c, fl.kind)
			submission := fields(f)
			submission["csrf_token"] = token
			r := must(c.UpdateFlow(ctx, fl.kind, id, c.Submission(submission)))
			f.judgeErrorID(r, "security_csrf_violation", "generic-error-details-closed")
			expectCookie(r, target.SessionCookie, false)
		})
	}
	if fl.owned {
		return
	}
	for _, b := range []struct {
		what string
		body *kratosclient.Body
	}{
		{"malformed JSON", kratosclient.RawBody("application/json", []byte(`{"method": "password",`))},
		{"an unsupported Content-Type", kratosclient.RawBody("text/plain", []byte(`{"method":"password"}`))},
	} {
		s.it("answers 400 with the flow and message 4000001 to an app sending "+b.what, Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c := f.client(native)
			id := f.startFlow(ctx, c, fl.kind)
			r := must(c.UpdateFlow(ctx, fl.kind, id, b.body))
			f.judge(r)
			got := flowOf(r)
			Expect(got.ID).To(Equal(id))
			Expect(got.UI.MessageIDs()).To(ContainElement(textInvalidInput))
		})
	}
}

// Kratos's UI text ids (text.ID) the cases look for.
const (
	textInvalidInput            = 4000001 // validation failed (bad email, undecodable body)
	textInvalidCredentials      = 4000006
	textDuplicateIdentifier     = 4000007
	textSettingsSaved           = 1050001
	textRecoveryEmailSent       = 1060003
	textRecoveryLinkSent        = 1060002
	textRecoveryLinkUsed        = 4060004 // the recovery token is invalid or already used
	textRecoveryCodeInvalid     = 4060006
	textVerificationEmailSent   = 1080003
	textVerificationLinkSent    = 1080001
	textVerificationLinkUsed    = 4070001 // the verification token is invalid or already used
	textVerificationCodeInvalid = 4070006
	textVerificationSuccessful  = 1080002
)

// expiredDetails is the error.details of an error body (an expired flow's
// "api" or "redirect_to").
func expiredDetails(r *kratosclient.Response) map[string]any { return r.ErrorBody().Error.Details }

// useFlowID is the use_flow_id of a 410: the flow that replaces the old one.
func useFlowID(r *kratosclient.Response) string { return r.ErrorBody().UseFlowID }

// redirectBrowserTo is the redirect_browser_to of a 422.
func redirectBrowserTo(r *kratosclient.Response) string { return r.ErrorBody().RedirectBrowserTo }

// expectAuthorizeURL checks that raw is an OAuth 2.0 authorization request
// that carries Kratos's state.
func expectAuthorizeURL(raw string) {
	GinkgoHelper()
	u, err := url.Parse(raw)
	Expect(err).NotTo(HaveOccurred())
	Expect(u.IsAbs()).To(BeTrue(), "redirect_browser_to is not absolute")
	q := u.Query()
	Expect(q.Get("response_type")).To(Equal("code"))
	Expect(q.Get("client_id")).NotTo(BeEmpty())
	Expect(q.Get("state")).NotTo(BeEmpty())
	Expect(q.Get("redirect_uri")).To(ContainSubstring("/self-service/methods/oidc/callback/"))
}

// expiredFlowCases are the answers to reading a flow that has expired.
// One wait serves them all: the cases share the wait, not their flows or
// callers.
func (s *suite) expiredFlowCases(fl selfService) {
	Context("once the flow has expired", Ordered, ContinueOnFailure, Requires(target.ShortLifespans), func() {
		flows := map[kratosclient.Mode]expiring{}
		BeforeAll(NodeTimeout(specTimeout), func(ctx SpecContext) {
			f := s.fixture()
			for _, mode := range []kratosclient.Mode{native, spa} {
				flows[mode] = f.expiringFlow(ctx, fl, mode)
			}
			sleepPast(ctx, later(flows))
		})
		for _, mode := range []kratosclient.Mode{native, spa} {
			endpoint := map[kratosclient.Mode]string{native: "api", spa: "browser"}[mode]
			s.it("answers 410 pointing "+caller(mode)+" at the "+endpoint+" init endpoint", Status(410), Client(mode), Negative(), func(ctx SpecContext, f *fixture) {
				e := flows[mode]
				r := must(e.c.GetFlow(ctx, fl.kind, e.flow.ID))
				f.judgeErrorCode(r, "generic-error-details-closed")
				if slices.Contains(fl.expiredIDs, mode) {
					Expect(errorID(r)).To(Equal("self_service_flow_expired"))
				}
				key := map[kratosclient.Mode]string{native: "api", spa: "redirect_to"}[mode]
				Expect(expiredDetails(r)).To(HaveKeyWithValue(key, f.t.URL("/self-service/"+string(fl.kind)+"/"+endpoint)))
			})
		}
		if fl.owned {
			return
		}
		s.it("answers 403, not 410, to an expired browser flow fetched without its cookie", Status(403), Client(spa), Negative(), func(ctx SpecContext, f *fixture) {
			f.judgeErrorID(must(f.client(spa).GetFlow(ctx, fl.kind, flows[spa].flow.ID)), "security_csrf_violation", "generic-error-details-closed")
		})
	})
}

// expiring is a flow left to expire and the caller that created it.
type expiring struct {
	c    *kratosclient.Client
	flow kratosclient.Flow
}

func (f *fixture) expiringFlow(ctx context.Context, fl selfService, mode kratosclient.Mode) expiring {
	GinkgoHelper()
	c, _ := f.caller(ctx, fl, mode)
	return expiring{c: c, flow: f.newFlow(ctx, c, fl.kind)}
}

// later is when the last of flows expires.
func later(flows map[kratosclient.Mode]expiring) time.Time {
	var last time.Time
	for _, e := range flows {
		if e.flow.ExpiresAt.After(last) {
			last = e.flow.ExpiresAt
		}
	}
	return last
}

// caller names a kind of client in a case's text.
func caller(mode kratosclient.Mode) string {
	return map[kratosclient.Mode]string{native: "a native app", browser: "a browser", spa: "a single page app"}[mode]
}
