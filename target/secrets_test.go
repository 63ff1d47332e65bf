package target

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orybench/orybench/kratosclient"
)

func TestNoSecretInAnErrorOrTheRequestLog(t *testing.T) {
	const key = "ory_apikey_0123456789abcdef"
	// No session hook: identities are made through the admin API and sign
	// in with a login, so that passwords go both ways.
	f := startFake(t, fakeConfig{APIKey: key, NoSessionHook: true})
	_, tg := f.open(t, Options{APIKey: key})
	ctx := context.Background()
	var errs []error
	var ids []Identity
	for _, mode := range kratosclient.Modes {
		id, err := tg.SignUp(ctx, newClient(t, tg, mode))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}

	// A login that gets no answer.
	f.failNext("POST /self-service/login", hangUp)
	_, err := tg.SignUp(ctx, newClient(t, tg, kratosclient.Native))
	errs = append(errs, err)
	// A session token whose identity is gone.
	if err := tg.Admin().DeleteIdentity(ctx, ids[0].ID); err != nil {
		t.Fatal(err)
	}
	errs = append(errs, tg.Revoke(ctx, ids[0].SessionToken))
	// An identity the admin API does not delete, until the deadline.
	short, cancel := context.WithTimeout(ctx, 120*time.Millisecond)
	defer cancel()
	for range signUpAttempts {
		f.failNext("DELETE /admin/identities/"+ids[1].ID, internalError)
	}
	errs = append(errs, tg.Remove(short, ids[1]))
	f.heal()
	// A login refused, and a session whoami refuses.
	wrong := ids[2]
	wrong.Password += "-wrong"
	r, err := tg.SignIn(ctx, newClient(t, tg, kratosclient.Native), wrong)
	if err != nil || r.Status != 400 {
		t.Fatalf("SignIn with a wrong password: %v, %v", r, err)
	}
	errs = append(errs, answer("updateLoginFlow", r))
	_, err = tg.WhoAmI(ctx, newClient(t, tg, kratosclient.Native, kratosclient.WithSessionToken(ids[0].SessionToken)))
	errs = append(errs, err)
	// An API key the admin API refuses, until the deadline.
	closed := startFake(t, fakeConfig{RegistrationClosed: true, APIKey: key})
	short, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = Open(short, Options{URL: closed.public.URL, APIKey: key + "-revoked"})
	errs = append(errs, err)

	f.mu.Lock()
	secrets := slices.Concat(f.secrets, []string{key, key + "-revoked"})
	f.mu.Unlock()
	for i, err := range errs {
		if err == nil {
			t.Errorf("error %d: none", i)
			continue
		}
		for _, s := range secrets {
			if s != "" && strings.Contains(err.Error(), s) {
				t.Errorf("error %d %q holds a secret", i, err)
			}
		}
	}
	log := append(f.log(), closed.log()...)
	for _, line := range log {
		for _, s := range secrets {
			if s != "" && strings.Contains(line, s) {
				t.Errorf("request log line holds a secret: %s", line)
			}
		}
	}
	if len(log) < 20 {
		t.Errorf("only %d requests logged", len(log))
	}
}
