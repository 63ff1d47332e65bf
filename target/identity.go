package target

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/kratosclient"
)

// Identity is a test identity: what it signs in with, its traits and, once
// made, its id. Its secrets never print: String, GoString and LogValue
// leave out the password and the session token.
type Identity struct {
	ID string
	// Email is the address mail to the identity goes to: its email trait,
	// or (on a schema without one) the run's address it was made from.
	Email string
	// Identifier is what it signs in with a password: its email or its
	// username, as the target's identity schema says.
	Identifier string
	Password   string
	// Traits are valid traits for the target's identity schema; SchemaID
	// names it ("" for the target's default).
	Traits   map[string]any
	SchemaID string
	// EmailTrait is the dotted path of the email trait, "" if none.
	EmailTrait string
	// SessionToken is the session token SignUp signed a native app in with.
	SessionToken string
	// ByRegistration: made through a registration flow, which mails a
	// verification code where verification is on (the admin API does not).
	ByRegistration bool
	// UnissuedSession: registering made a session it did not hand out (no
	// session hook), so the identity has one session more than it signed in.
	UnissuedSession bool
}

func (id Identity) String() string {
	return fmt.Sprintf("Identity{ID:%s Identifier:%s Password:[REDACTED] SessionToken:[REDACTED]}", id.ID, id.Identifier)
}

// GoString implements fmt.GoStringer (%#v).
func (id Identity) GoString() string { return id.String() }

// LogValue implements slog.LogValuer.
func (id Identity) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", id.ID), slog.String("identifier", id.Identifier))
}

// TraitsWithEmail are the identity's traits with Email in the email trait,
// so that a case that changes Email (to an invalid address) submits it.
func (id Identity) TraitsWithEmail() map[string]any {
	if id.Traits == nil {
		return map[string]any{"email": id.Email}
	}
	out := deepCopy(id.Traits).(map[string]any)
	if id.EmailTrait != "" {
		setPath(out, id.EmailTrait, id.Email)
	}
	return out
}

// PasswordSignUp are the fields of a password registration as id.
func (id Identity) PasswordSignUp() kratosclient.Fields {
	return kratosclient.Fields{"method": "password", "traits": id.TraitsWithEmail(), "password": id.Password}
}

// PasswordLogin are the fields of a password login as id.
func (id Identity) PasswordLogin() kratosclient.Fields {
	identifier := id.Identifier
	if identifier == "" {
		identifier = id.Email
	}
	return kratosclient.Fields{"method": "password", "identifier": identifier, "password": id.Password}
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

func setPath(m map[string]any, path, value string) {
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

// namer hands out the run's test addresses: recognisable (package
// hygiene), unique within the run and, for a shard, among the shards.
type namer struct {
	runID        string
	index, count int

	mu   sync.Mutex
	next int
}

func (n *namer) address() string {
	n.mu.Lock()
	n.next++
	k := n.next
	n.mu.Unlock()
	if n.count > 0 {
		k = k*n.count + n.index - 1
	}
	return hygiene.Email(n.runID, k)
}

// NewIdentity makes the credentials of a new test identity for the
// target's identity schema: unique, recognisable traits and a strong
// password. It is not registered; what it signs in with is remembered, so
// that the clean-up finds it when an answer under test registers it.
func (t *Target) NewIdentity() (Identity, error) {
	addr := t.set.names.address()
	gen, err := t.identities(addr)
	if err != nil {
		return Identity{}, fmt.Errorf("traits for %s: %w", t.name, err)
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	id := Identity{Email: gen.Email, Identifier: gen.Identifier, Password: "Ob-" + hex.EncodeToString(b) + "!",
		Traits: gen.Traits, SchemaID: gen.SchemaID, EmailTrait: gen.EmailTrait}
	if id.Email == "" {
		id.Email = addr
	}
	t.mu.Lock()
	for _, v := range []string{id.Identifier, id.Email, addr} {
		if v != "" && !slices.Contains(t.identifiers, v) {
			t.identifiers = append(t.identifiers, v)
		}
	}
	t.mu.Unlock()
	return id, nil
}

// Remember has the clean-up remove an identity an answer under test made.
func (t *Target) Remember(identityID string) {
	if identityID == "" {
		return
	}
	t.mu.Lock()
	if !slices.Contains(t.made, identityID) {
		t.made = append(t.made, identityID)
	}
	t.mu.Unlock()
}

// signUpAttempts is how many times a test identity is tried. Kratos on
// in-memory SQLite (a target someone else started) answers concurrent
// writes (ours and its courier's) with database conflicts that
// kratosclient.RetryTransient does not always get past within one call,
// and some leave a step half done: a registration stored but answered with
// an error, a session whoami does not see yet. The identity is then made
// again from the start, as someone new.
const signUpAttempts = 5

// errSignIn: the identity was made, but signing it in did not work.
var errSignIn = errors.New("sign the new test identity in")

// SignUp makes a new test identity and signs c in as it, as c's kind of
// caller: through a registration flow where registration is open and
// signs in (or no admin API is known), else through the admin API, then,
// where that did not sign in, through a password login of c's kind.
// Afterwards c holds the session: a token for a native app (also in
// Identity.SessionToken), a cookie for a browser or an SPA.
//
// An error wraps ErrUnsupported when the target cannot make identities
// that sign in with a password. Set-up answers that are not the ones
// wanted are tried again, as someone new, a few times.
func (t *Target) SignUp(ctx context.Context, c *kratosclient.Client) (Identity, error) {
	return t.signUp(ctx, c, false)
}

// signUp is SignUp; with checkSession, it also asks whoami whether the
// session is valid.
func (t *Target) signUp(ctx context.Context, c *kratosclient.Client, checkSession bool) (Identity, error) {
	if !t.Has(PasswordMethod) {
		return Identity{}, unsupported("test identities sign in with a password: %s lacks capability %s: %s", t.name, PasswordMethod, PasswordMethod.Reason())
	}
	ctx = kratosclient.RetryTransient(ctx) // set-up, not the answer under test
	var id Identity
	held := c.SessionToken()
	err := retrying(ctx, signUpAttempts, func() error {
		var err error
		if id, err = t.NewIdentity(); err != nil {
			return err
		}
		if id.Identifier == "" {
			return unsupported("the identity schema of %s marks no trait as a password identifier, and test identities sign in with a password", t.name)
		}
		if err = t.makeIdentity(ctx, c, &id); err == nil && checkSession {
			err = t.checkSession(ctx, c)
		}
		if err != nil {
			if uerr := t.undo(ctx, c, held, id); uerr != nil {
				err = fmt.Errorf("%w (and what it made was not removed: %v)", err, uerr)
			}
		}
		return err
	})
	if err != nil {
		return Identity{}, err
	}
	return id, nil
}

// undo removes what a failed attempt at making id made, so that nothing of
// it outlives the run and the next attempt starts afresh: a native c gets
// back the session token it held before (held) and the one the attempt
// gave it is revoked; with the admin API, the identity is deleted, found
// by what it signs in with where no answer said its id (a registration
// stored, but answered with an error).
func (t *Target) undo(ctx context.Context, c *kratosclient.Client, held string, id Identity) error {
	ctx = context.WithoutCancel(ctx)
	if tok := c.SessionToken(); c.Mode() == kratosclient.Native && tok != held {
		id.SessionToken = tok
		c.SetSessionToken(held)
	}
	ids := []Identity{id}
	if id.ID == "" && id.Identifier != "" && t.admin != nil {
		found, err := t.admin.ListIdentities(ctx, id.Identifier)
		if err != nil {
			return err
		}
		for _, f := range found {
			ids = append(ids, Identity{ID: f.ID, Identifier: id.Identifier, Email: id.Email})
		}
	}
	return t.Remove(ctx, ids...)
}

// makeIdentity makes id on the target and signs c in as it.
func (t *Target) makeIdentity(ctx context.Context, c *kratosclient.Client, id *Identity) error {
	signedIn := false
	switch {
	case t.signUpByFlow():
		var err error
		if signedIn, err = t.register(ctx, c, id); err != nil {
			return err
		}
		id.ByRegistration, id.UnissuedSession = true, !signedIn
	case t.admin != nil:
		schemaID := id.SchemaID
		if schemaID == "" {
			schemaID = t.schemaID
		}
		if schemaID == "" {
			schemaID = "default"
		}
		made, err := t.admin.CreateIdentity(ctx, schemaID, id.TraitsWithEmail(), id.Password, hygiene.AdminMetadata(t.set.names.runID))
		if err != nil {
			return fmt.Errorf("create a test identity through the admin API: %w", err)
		}
		id.ID = made.ID
	default:
		return unsupported("registration is closed on %s and no admin API is known to create identities with (--admin-url, or ORY_API_KEY on Ory Network)", t.name)
	}
	t.Remember(id.ID)
	if !signedIn {
		r, err := t.SignIn(ctx, c, *id)
		if err != nil {
			return err
		}
		if r.Status != successStatus(c) {
			return fmt.Errorf("%w: %w", errSignIn, answer("updateLoginFlow", r))
		}
	}
	if id.ID == "" {
		s, err := t.WhoAmI(ctx, c)
		if err != nil {
			return err
		}
		id.ID = s.IdentityID()
		t.Remember(id.ID)
	}
	if c.Mode() == kratosclient.Native {
		if id.SessionToken = c.SessionToken(); id.SessionToken == "" {
			return fmt.Errorf("%w: no session token in the answer", errSignIn)
		}
	}
	return nil
}

// signUpByFlow says how test identities are made: by a registration flow
// where registration is open, unless it is known not to sign in and the
// admin API can make an identity without a session nobody holds.
func (t *Target) signUpByFlow() bool {
	if !t.Has(Registration) {
		return false
	}
	known := t.facts.SessionAfterRegistration != nil || slices.Contains(t.declared, SessionAfterRegistration) || slices.Contains(t.absent, SessionAfterRegistration)
	return t.admin == nil || !known || t.Has(SessionAfterRegistration)
}

// register signs id up through a registration flow of c's kind and
// reports whether that signed c in.
func (t *Target) register(ctx context.Context, c *kratosclient.Client, id *Identity) (bool, error) {
	flowID, err := t.StartFlow(ctx, c, kratosclient.Registration)
	if err != nil {
		return false, err
	}
	r, err := c.UpdateRegistrationFlow(ctx, flowID, c.Submission(id.PasswordSignUp()))
	if err != nil {
		return false, err
	}
	if r.Status != successStatus(c) {
		return false, answer("updateRegistrationFlow", r)
	}
	if c.Mode() == kratosclient.Browser {
		return hasCookie(r, SessionCookie), nil
	}
	s, err := r.Success()
	if err != nil {
		return false, err
	}
	id.ID = s.IdentityID()
	if c.Mode() == kratosclient.Native {
		return s.SessionToken != "", nil
	}
	return s.Session != nil, nil
}

// SignIn signs c in as id through a password login flow of c's kind and
// returns Kratos's answer to the submission; c keeps what it is given (a
// session token, session cookies). For an identity with a second factor
// the session is aal1 and the answer says so: a native app gets 200, an
// SPA a 422 and a browser a 303, both pointing at the aal2 login. The
// error is for a flow that could not be started or a call that got no
// answer.
func (t *Target) SignIn(ctx context.Context, c *kratosclient.Client, id Identity) (*kratosclient.Response, error) {
	flowID, err := t.StartFlow(ctx, c, kratosclient.Login)
	if err != nil {
		return nil, err
	}
	return c.UpdateLoginFlow(ctx, flowID, c.Submission(id.PasswordLogin()))
}

// checkSession asks whoami whether c's session is valid.
func (t *Target) checkSession(ctx context.Context, c *kratosclient.Client) error {
	_, err := t.WhoAmI(ctx, c)
	return err
}

// successStatus is what a flow submission answers a caller of c's kind on
// success: a redirect for a browser, 200 for the others.
func successStatus(c *kratosclient.Client) int {
	if c.Mode() == kratosclient.Browser {
		return http.StatusSeeOther
	}
	return http.StatusOK
}

// SignUpMany makes n test identities, each signed in once as a native app
// (its session token checked with whoami), a few at a time. On error, the
// identities made so far are removed.
func (t *Target) SignUpMany(ctx context.Context, n int) ([]Identity, error) {
	ids := make([]Identity, n)
	err := parallel(ctx, n, t.concurrency(), func(ctx context.Context, i int) error {
		c, err := t.Client(kratosclient.Native)
		if err != nil {
			return err
		}
		if ids[i], err = t.signUp(ctx, c, true); err != nil {
			return fmt.Errorf("identity %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		var made []Identity
		for _, id := range ids {
			if id.ID != "" {
				made = append(made, id)
			}
		}
		return nil, errors.Join(err, t.Remove(context.WithoutCancel(ctx), made...))
	}
	return ids, nil
}

// Remove revokes the identities' session tokens and, with the admin API,
// deletes them, a few at a time; the clean-up then leaves those it deleted
// alone (one without an ID it still looks up by identifier). Its error
// counts those it could not remove and says the first reason.
func (t *Target) Remove(ctx context.Context, ids ...Identity) error {
	if len(ids) == 0 {
		return nil
	}
	ctx = kratosclient.RetryTransient(ctx)
	var (
		mu     sync.Mutex
		first  error
		failed int
	)
	_ = parallel(ctx, len(ids), t.concurrency(), func(ctx context.Context, i int) error {
		id := ids[i]
		// Both are idempotent: a revoked token is revoked again with 204,
		// and a deleted identity is gone (404). Deleting an identity
		// deletes its sessions, whose tokens Kratos then no longer knows
		// (403): the deletion that follows says whether it is gone.
		deletes := t.admin != nil && id.ID != ""
		err := retrying(ctx, signUpAttempts, func() error {
			if err := t.Revoke(ctx, id.SessionToken); err != nil && !(deletes && answerStatus(err) == http.StatusForbidden) {
				return err
			}
			if deletes {
				return t.admin.DeleteIdentity(ctx, id.ID)
			}
			return nil
		})
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if first == nil {
				first = fmt.Errorf("identity %d: %w", i, err)
			}
			failed++
		} else if deletes {
			t.forget(id)
		}
		return nil
	})
	if first != nil {
		return fmt.Errorf("%d of %d identities not removed: %w", failed, len(ids), first)
	}
	return nil
}

// Forget drops a new identity (NewIdentity) from what the clean-up looks
// for, once a registration with it was refused (a 4xx): nothing was made
// with it, and a clean-up with thousands to look up would take minutes.
func (t *Target) Forget(id Identity) { t.forget(id) }

// forget drops a removed identity from what the clean-up removes.
func (t *Target) forget(id Identity) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.made = slices.DeleteFunc(t.made, func(s string) bool { return s == id.ID })
	t.identifiers = slices.DeleteFunc(t.identifiers, func(s string) bool { return s == id.Identifier || s == id.Email })
}

// Revoke ends the session of a session token, as a native app signing out
// ("" does nothing).
func (t *Target) Revoke(ctx context.Context, sessionToken string) error {
	if sessionToken == "" {
		return nil
	}
	c, err := t.Client(kratosclient.Native)
	if err != nil {
		return err
	}
	r, err := c.PerformNativeLogout(kratosclient.RetryTransient(ctx), kratosclient.JSONBody(map[string]string{"session_token": sessionToken}))
	if err != nil {
		return err
	}
	if r.Status != http.StatusNoContent {
		return answer("performNativeLogout", r)
	}
	return nil
}

// removeAll deletes, with the admin API, every identity made on the target
// and every identity that signs in with an identifier the run made: the
// answers under test make some whose id only they knew.
func (t *Target) removeAll(ctx context.Context) error {
	if t.admin == nil {
		return nil
	}
	ctx = kratosclient.RetryTransient(ctx)
	t.mu.Lock()
	made, identifiers := slices.Clone(t.made), slices.Clone(t.identifiers)
	t.made, t.identifiers = nil, nil
	t.mu.Unlock()
	// A few at a time, as Remove: a fuzz run leaves hundreds of
	// identifiers to look up.
	var (
		mu   sync.Mutex
		errs []error
	)
	_ = parallel(ctx, len(identifiers), t.concurrency(), func(ctx context.Context, i int) error {
		found, err := t.admin.ListIdentities(ctx, identifiers[i])
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return err // the rest would fail alike
		}
		for _, id := range found {
			if !slices.Contains(made, id.ID) {
				made = append(made, id.ID)
			}
		}
		return nil
	})
	_ = parallel(ctx, len(made), t.concurrency(), func(ctx context.Context, i int) error {
		if err := t.admin.DeleteIdentity(ctx, made[i]); err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
		return nil
	})
	return errors.Join(errs...)
}
