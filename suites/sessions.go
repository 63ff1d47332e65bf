package suites

import (
	"net/url"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// sessionSpecs: a caller's own sessions.
func (s *suite) sessionSpecs() {
	s.operation("toSession", func() {
		for _, mode := range kratosclient.Modes {
			// An HTML Accept changes nothing: whoami always answers JSON.
			s.it("answers 401 to "+caller(mode)+" without a session", Status(401), Client(mode), func(ctx SpecContext, f *fixture) {
				f.judgeErrorCode(must(f.client(mode).ToSession(ctx, nil)))
			})
		}
		s.it("answers 401 to a revoked session token", Status(401), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, id := f.signedIn(ctx, native)
			f.revoke(ctx, id.SessionToken)
			f.judgeErrorCode(must(c.ToSession(ctx, nil)))
		})
		for _, mode := range []kratosclient.Mode{native, spa} {
			text := map[kratosclient.Mode]string{native: "answers 200 with the session of a native registration", spa: "answers 200 with the session cookie of a browser registration"}[mode]
			needs := map[kratosclient.Mode][]target.Capability{native: {target.EmailTrait}}[mode]
			s.it(text, Status(200), Client(mode), Requires(needs...), func(ctx SpecContext, f *fixture) {
				c, id := f.signedIn(ctx, mode)
				r := must(c.ToSession(ctx, nil))
				f.judge(r)
				got := sessionOf(r)
				Expect(got.Active).To(BeTrue())
				Expect(got.IdentityID()).To(Equal(id.ID))
				if f.t.Has(target.EmailTrait) {
					Expect(got.Identity.Traits["email"]).To(Equal(id.Email))
				}
				Expect(got.AuthenticatorAssuranceLevel).To(Equal("aal1"))
				Expect(r.Header.Get("X-Kratos-Authenticated-Identity-Id")).To(Equal(id.ID))
			})
		}
		s.it("answers 200 to a session token sent as an Authorization bearer token", Status(200), Client(native), func(ctx SpecContext, f *fixture) {
			_, id := f.signedIn(ctx, native)
			r := must(f.client(native, kratosclient.WithHeader("Authorization", "Bearer "+id.SessionToken)).ToSession(ctx, nil))
			f.judge(r)
			Expect(sessionOf(r).IdentityID()).To(Equal(id.ID))
			Expect(r.Header.Get("X-Kratos-Authenticated-Identity-Id")).To(Equal(id.ID))
		})
		s.it("answers 403 session_aal2_required to an aal1 session that owes its second factor", Status(403), Client(native), Requires(target.TOTP), func(ctx SpecContext, f *fixture) {
			r := must(f.aal1Session(ctx, native).ToSession(ctx, nil))
			f.judgeErrorID(r, "session_aal2_required", "generic-error-details-closed")
			Expect(redirectBrowserTo(r)).To(Equal(f.t.URL("/self-service/login/browser?aal=aal2")))
		})
		s.it("answers 400 to an unknown tokenize_as template", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, native)
			f.judgeErrorCode(must(c.ToSession(ctx, url.Values{"tokenize_as": {"orybench-no-such-template"}})))
		})
	})

	s.operation("listMySessions", func() {
		for _, mode := range []kratosclient.Mode{native, spa} {
			s.it("answers 200 with the identity's other sessions, not the current one, to "+caller(mode), Status(200), Client(mode), func(ctx SpecContext, f *fixture) {
				c, other := f.twoSessions(ctx, mode)
				r := must(c.ListMySessions(ctx, nil))
				f.judge(r)
				var list []kratosclient.Session
				Expect(r.Decode(&list)).To(Succeed())
				Expect(list).To(HaveLen(1))
				Expect(list[0].ID).To(Equal(f.sessionID(ctx, other)))
				Expect(list[0].Active).To(BeTrue())
				Expect(r.Header.Get("X-Total-Count")).To(Equal("1"))
				Expect(r.Header.Get("Link")).To(ContainSubstring(`rel="first"`))
			})
		}
		s.signedOutCases(func(ctx SpecContext, c *kratosclient.Client) *kratosclient.Response {
			return must(c.ListMySessions(ctx, nil))
		})
	})

	s.operation("disableMyOtherSessions", func() {
		for _, mode := range []kratosclient.Mode{native, spa} {
			s.it("answers 200 with the count of the other sessions it revoked to "+caller(mode), Status(200), Client(mode), func(ctx SpecContext, f *fixture) {
				c, other := f.twoSessions(ctx, mode)
				r := must(c.DisableMyOtherSessions(ctx))
				f.judge(r)
				var count struct {
					Count int `json:"count"`
				}
				Expect(r.Decode(&count)).To(Succeed())
				Expect(count.Count).To(Equal(1))
				Expect(f.whoamiStatus(ctx, other)).To(Equal(401), "the other session is revoked")
				Expect(f.whoamiStatus(ctx, c)).To(Equal(200), "the current session survives")
			})
		}
		s.signedOutCases(func(ctx SpecContext, c *kratosclient.Client) *kratosclient.Response {
			return must(c.DisableMyOtherSessions(ctx))
		})
	})

	s.operation("disableMySession", func() {
		s.it("answers 204 and revokes another session of the identity", Status(204), Client(native), func(ctx SpecContext, f *fixture) {
			c, other := f.twoSessions(ctx, native)
			f.judge(must(c.DisableMySession(ctx, f.sessionID(ctx, other))))
			Expect(f.whoamiStatus(ctx, other)).To(Equal(401), "the other session is revoked")
			Expect(f.whoamiStatus(ctx, c)).To(Equal(200), "the current session survives")
		})
		s.it("answers 204 to another identity's session id and leaves that session alone", Status(204), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, native)
			stranger, _ := f.signedIn(ctx, native)
			f.judge(must(c.DisableMySession(ctx, f.sessionID(ctx, stranger))))
			Expect(f.whoamiStatus(ctx, stranger)).To(Equal(200), "another identity's session survives")
		})
		s.it("answers 400 to the current session's id", Status(400), Client(native), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, native)
			f.judgeErrorCode(must(c.DisableMySession(ctx, f.sessionID(ctx, c))))
			Expect(f.whoamiStatus(ctx, c)).To(Equal(200), "the current session survives")
		})
		s.it("answers 400 to a session id that is not a UUID", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			c, _ := f.signedIn(ctx, native)
			f.judge(must(c.DisableMySession(ctx, "not-a-uuid")))
		})
		s.signedOutCases(func(ctx SpecContext, c *kratosclient.Client) *kratosclient.Response {
			return must(c.DisableMySession(ctx, randomFlowID()))
		})
	})

	s.operation("exchangeSessionToken", func() {
		s.it("answers 200 with a session token once a native app's social sign-in completed in a browser", Status(200), Client(native), Requires(target.CompletableSocialSignIn), func(ctx SpecContext, f *fixture) {
			email := f.newIdentity().Email
			initCode, returnToCode, err := f.t.SocialSignInForApp(ctx, email)
			setUp(err, "social sign-in for a native app")
			r := must(f.client(native).ExchangeSessionToken(ctx, url.Values{"init_code": {initCode}, "return_to_code": {returnToCode}}))
			f.judge(r)
			got := successOf(r)
			Expect(got.Session).NotTo(BeNil())
			f.t.Remember(got.Session.IdentityID())
			Expect(got.SessionToken).NotTo(BeEmpty())
			Expect(got.Session.Active).To(BeTrue())
			Expect(got.Session.Identity.Traits["email"]).To(Equal(email))
			Expect(f.sessionID(ctx, f.client(native, kratosclient.WithSessionToken(got.SessionToken)))).To(Equal(got.Session.ID), "whoami with the exchanged token")
		})
		s.it("answers 404 to codes no sign-in issued", Status(404), Client(native), func(ctx SpecContext, f *fixture) {
			f.judgeErrorCode(must(f.client(native).ExchangeSessionToken(ctx, url.Values{"init_code": {"orybench-unknown"}, "return_to_code": {"orybench-unknown"}})))
		})
		s.it("answers 400 without return_to_code", Status(400), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
			f.judge(must(f.client(native).ExchangeSessionToken(ctx, url.Values{"init_code": {"orybench-unknown"}})))
		})
	})
}

// signedOutCases: an operation on a caller's own sessions answers 401 to
// one without a session, and to a session token that was revoked.
func (s *suite) signedOutCases(call func(ctx SpecContext, c *kratosclient.Client) *kratosclient.Response) {
	s.it("answers 401 without a session", Status(401), Client(native), func(ctx SpecContext, f *fixture) {
		f.judgeErrorCode(call(ctx, f.client(native)))
	})
	s.it("answers 401 to a revoked session token", Status(401), Client(native), Negative(), func(ctx SpecContext, f *fixture) {
		c, id := f.signedIn(ctx, native)
		f.revoke(ctx, id.SessionToken)
		f.judgeErrorCode(call(ctx, c))
	})
}
