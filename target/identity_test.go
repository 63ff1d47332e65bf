package target

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/orybench/orybench/kratosclient"
)

func newClient(t *testing.T, tg *Target, mode kratosclient.Mode, opts ...kratosclient.Option) *kratosclient.Client {
	t.Helper()
	c, err := tg.Client(mode, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sinceOpen counts the requests to server whose route starts with prefix
// that came after the first skip of them (those Open made).
func sinceOpen(f *fakeKratos, server, prefix string, skip int) int {
	return len(f.received(server, prefix)) - skip
}

func TestSignUp(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     fakeConfig
		noAdmin bool
		mode    kratosclient.Mode
		// how the identity is made and signed in: by a registration flow
		// that signs in, by one that does not and a login, or by the admin
		// API and a login.
		wantByRegistration, wantUnissued, wantLogin bool
	}{
		{name: "native app, registration signs in", mode: kratosclient.Native, wantByRegistration: true},
		{name: "spa, registration signs in", mode: kratosclient.SPA, wantByRegistration: true},
		{name: "browser, registration signs in", mode: kratosclient.Browser, wantByRegistration: true},
		{name: "browser, registration signs in, no admin API", noAdmin: true, mode: kratosclient.Browser, wantByRegistration: true},
		{name: "native app, registration closed: admin API", cfg: fakeConfig{RegistrationClosed: true}, mode: kratosclient.Native, wantLogin: true},
		{name: "browser, registration closed: admin API", cfg: fakeConfig{RegistrationClosed: true}, mode: kratosclient.Browser, wantLogin: true},
		{name: "spa, registration does not sign in: admin API", cfg: fakeConfig{NoSessionHook: true}, mode: kratosclient.SPA, wantLogin: true},
		{name: "native app, registration does not sign in, no admin API: registration and login", cfg: fakeConfig{NoSessionHook: true},
			noAdmin: true, mode: kratosclient.Native, wantByRegistration: true, wantUnissued: true, wantLogin: true},
		{name: "browser, registration does not sign in, no admin API: registration and login", cfg: fakeConfig{NoSessionHook: true},
			noAdmin: true, mode: kratosclient.Browser, wantByRegistration: true, wantUnissued: true, wantLogin: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.cfg)
			opts := Options{}
			if !tc.noAdmin {
				opts.AdminURL = f.admin.URL
			}
			_, tg := f.open(t, opts)
			registered, created := len(f.received("public", "POST /self-service/registration")), len(f.received("admin", "POST /admin/identities"))
			logins := len(f.received("public", "POST /self-service/login"))

			c := newClient(t, tg, tc.mode)
			id, err := tg.SignUp(context.Background(), c)
			if err != nil {
				t.Fatalf("SignUp: %v", err)
			}
			if id.ByRegistration != tc.wantByRegistration || id.UnissuedSession != tc.wantUnissued {
				t.Errorf("ByRegistration %v, UnissuedSession %v; want %v, %v", id.ByRegistration, id.UnissuedSession, tc.wantByRegistration, tc.wantUnissued)
			}
			gotRegistered, gotCreated := sinceOpen(f, "public", "POST /self-service/registration", registered), sinceOpen(f, "admin", "POST /admin/identities", created)
			if tc.wantByRegistration && (gotRegistered != 1 || gotCreated != 0) || !tc.wantByRegistration && (gotRegistered != 0 || gotCreated != 1) {
				t.Errorf("%d registrations, %d identities created through the admin API", gotRegistered, gotCreated)
			}
			if got := sinceOpen(f, "public", "POST /self-service/login", logins) == 1; got != tc.wantLogin {
				t.Errorf("signed in by a login: %v, want %v", got, tc.wantLogin)
			}
			if id.ID == "" || !f.hasIdentity(id.ID) {
				t.Fatalf("identity id %q is not the fake's", id.ID)
			}
			if id.Password == "" || id.Identifier != id.Email || !strings.HasSuffix(id.Email, "@orybench.test") {
				t.Errorf("identity %+v: want a password and an orybench address to sign in with", id)
			}
			s, err := tg.WhoAmI(context.Background(), c)
			if err != nil || s.IdentityID() != id.ID {
				t.Errorf("WhoAmI: %v, identity %q; want %q", err, s.IdentityID(), id.ID)
			}
			switch tc.mode {
			case kratosclient.Native:
				if id.SessionToken == "" || id.SessionToken != c.SessionToken() || !f.sessionActive(id.SessionToken) {
					t.Errorf("the identity's session token is not the client's, or not active")
				}
			default:
				if id.SessionToken != "" {
					t.Errorf("a %s has a session token", tc.mode)
				}
				var session string
				for _, ck := range c.Cookies() {
					if ck.Name == SessionCookie {
						session = ck.Value
					}
				}
				if !f.sessionActive(session) {
					t.Errorf("the %s holds no active session cookie (cookies %v)", tc.mode, c.Cookies())
				}
			}
		})
	}
}

func TestSignUpSubmitsAsEachCallerDoes(t *testing.T) {
	f := startFake(t, fakeConfig{})
	_, tg := f.open(t, Options{AdminURL: f.admin.URL})
	for _, tc := range []struct {
		mode        kratosclient.Mode
		contentType string
		csrf        bool
	}{
		{kratosclient.Native, "application/json", false},
		{kratosclient.SPA, "application/json", true},
		{kratosclient.Browser, "application/x-www-form-urlencoded", true},
	} {
		before := len(f.received("public", "POST /self-service/registration"))
		if _, err := tg.SignUp(context.Background(), newClient(t, tg, tc.mode)); err != nil {
			t.Fatalf("%s: %v", tc.mode, err)
		}
		sent := f.received("public", "POST /self-service/registration")[before]
		if ct := sent.Header.Get("Content-Type"); ct != tc.contentType || strings.Contains(sent.Body, "masked-") != tc.csrf {
			t.Errorf("%s submitted %s %s; want %s, with a CSRF token: %v", tc.mode, ct, sent.Body, tc.contentType, tc.csrf)
		}
	}
}

func TestSignUpUnsupported(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cfg      fakeConfig
		admin    bool
		without  []Capability
		wantText string
	}{
		{"registration closed and no admin API", fakeConfig{RegistrationClosed: true}, false, nil, "no admin API is known"},
		{"no password method", fakeConfig{Methods: []string{"code"}}, true, nil, "lacks capability password"},
		{"password declared absent", fakeConfig{}, true, []Capability{PasswordMethod}, "lacks capability password"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.cfg)
			opts := Options{Without: tc.without}
			if tc.admin {
				opts.AdminURL = f.admin.URL
			}
			_, tg := f.open(t, opts)
			before := f.identityCount()
			_, err := tg.SignUp(context.Background(), newClient(t, tg, kratosclient.Native))
			if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("SignUp: %v; want ErrUnsupported saying %q", err, tc.wantText)
			}
			if n := f.identityCount(); n != before {
				t.Errorf("%d identities made", n-before)
			}
		})
	}
}

func TestSignUpTriesAgainOnlyAfterAnAnswer(t *testing.T) {
	for _, tc := range []struct {
		name              string
		fault             fault
		wantRegistrations int
		wantErr           bool
	}{
		{"an answer it did not want: again, as someone new", internalError, 2, false},
		{"no answer: not again", hangUp, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, fakeConfig{})
			_, tg := f.open(t, Options{AdminURL: f.admin.URL})
			before := len(f.received("public", "POST /self-service/registration"))
			f.failNext("POST /self-service/registration", tc.fault)
			id, err := tg.SignUp(context.Background(), newClient(t, tg, kratosclient.Native))
			sent := f.received("public", "POST /self-service/registration")[before:]
			if len(sent) != tc.wantRegistrations {
				t.Fatalf("%d registrations, want %d", len(sent), tc.wantRegistrations)
			}
			if tc.wantErr {
				if err == nil || answered(err) || errors.Is(err, ErrUnsupported) {
					t.Errorf("SignUp: %v; want the transport error", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("SignUp: %v", err)
			}
			if strings.Contains(sent[0].Body, id.Email) || !strings.Contains(sent[1].Body, id.Email) || !f.hasIdentity(id.ID) {
				t.Errorf("the second registration is not a new identity, or not the one returned: %s, then %s", sent[0].Body, sent[1].Body)
			}
		})
	}
}

func TestIdentityNeverPrintsItsSecrets(t *testing.T) {
	f := startFake(t, fakeConfig{})
	_, tg := f.open(t, Options{AdminURL: f.admin.URL})
	id, err := tg.SignUp(context.Background(), newClient(t, tg, kratosclient.Native))
	if err != nil {
		t.Fatal(err)
	}
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("made", "identity", id, "ptr", &id)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("made", "identity", id)
	for name, s := range map[string]string{
		"%v": fmt.Sprintf("%v", id), "%+v": fmt.Sprintf("%+v", id), "%#v": fmt.Sprintf("%#v", id), "%s": fmt.Sprintf("%s", id),
		"pointer %+v": fmt.Sprintf("%+v", &id), "slice %v": fmt.Sprintf("%v", []Identity{id}), "in a struct %+v": fmt.Sprintf("%+v", struct{ ID Identity }{id}),
		"slog text": text.String(), "slog json": js.String(),
	} {
		if strings.Contains(s, id.Password) || strings.Contains(s, id.SessionToken) {
			t.Errorf("%s prints a secret: %s", name, s)
		}
		if !strings.Contains(s, id.ID) {
			t.Errorf("%s does not print the identity's id: %s", name, s)
		}
	}
}
