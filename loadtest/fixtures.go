package loadtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target/identityschema"
)

// Fixtures makes, before the clock starts, what steps need, and removes it
// afterwards, so that no network work happens inside a vegeta Targeter.
// Implementations must never put a token or password into an error.
type Fixtures interface {
	// Users creates n identities that can log in with a password, each with
	// one session whose token was checked valid with toSession.
	Users(ctx context.Context, n int) ([]User, error)
	// LoginFlows creates n native login flows and returns their IDs.
	LoginFlows(ctx context.Context, n int) ([]string, error)
	// DeleteUsers revokes the users' sessions and, when it can, deletes the
	// identities.
	DeleteUsers(ctx context.Context, users []User) error
}

// User is an identity made for a load test. Its secrets never print: its
// String, GoString and LogValue redact them.
type User struct {
	IdentityID   string
	Identifier   string
	Password     string
	SessionToken string
}

func (u User) String() string {
	return fmt.Sprintf("User{IdentityID:%s Identifier:%s Password:[REDACTED] SessionToken:[REDACTED]}", u.IdentityID, u.Identifier)
}

// GoString implements fmt.GoStringer (%#v).
func (u User) GoString() string { return u.String() }

// LogValue implements slog.LogValuer.
func (u User) LogValue() slog.Value {
	return slog.GroupValue(slog.String("identity_id", u.IdentityID), slog.String("identifier", u.Identifier))
}

// KratosFixtures implements Fixtures with orybench's raw Kratos client:
// users by native registration (or the admin API when AdminURL is set), a
// session by native login when registration returns none, each session
// token checked with toSession, revocation by native logout and, with the
// admin API, deletion of the identities.
//
// Identities get the addresses of package hygiene (one run id per
// KratosFixtures), so that `orybench cleanup` finds what a crashed run left.
// Every call is set-up, not measured: it is retried on Kratos's transient
// database conflicts (kratosclient.RetryTransient).
type KratosFixtures struct {
	PublicURL string
	AdminURL  string // optional
	APIKey    string // optional, sent as a bearer token to the admin API
	// HTTPClient carries the calls (its transport and timeout); default
	// http.DefaultClient's.
	HTTPClient *http.Client
	// Concurrency of fixture calls; default 2 on loopback (a Kratos on the
	// same machine is bound by its CPU, and on SQLite more concurrent
	// writes only conflict more), 8 elsewhere.
	Concurrency int
	// Traits returns the traits of the identity with this email address;
	// default {"email": email}.
	Traits func(email string) map[string]any
	// Identity, when set, synthesises each identity from the target's
	// identity schema (package identityschema): traits, the schema id and
	// the identifier to sign in with (a username, say). It wins over Traits.
	Identity func(address string) (identityschema.Identity, error)
	// SchemaID for identities created through the admin API; default "default".
	SchemaID string
	// Shard, when set, numbers the identities this shard makes so that no
	// two shards of a run ever make the same address, even if they drew the
	// same run id: shard i of N only uses numbers that are i-1 modulo N.
	Shard Shard

	runOnce sync.Once
	runID   string
}

var _ Fixtures = (*KratosFixtures)(nil)

// RunID is the hygiene run id in the addresses of the identities f makes.
func (f *KratosFixtures) RunID() string {
	f.runOnce.Do(func() { f.runID = hygiene.NewRunID() })
	return f.runID
}

func (f *KratosFixtures) concurrency() int {
	if f.Concurrency > 0 {
		return f.Concurrency
	}
	if u, err := checkURL(f.PublicURL); err == nil && IsLoopback(u.Hostname()) {
		return 2
	}
	return 8
}

// public returns a new native client: each holds at most one user's
// session token, which kratosclient keeps from a registration or login.
func (f *KratosFixtures) public() (*kratosclient.Client, error) {
	var opts []kratosclient.Option
	if f.HTTPClient != nil {
		opts = append(opts, kratosclient.WithHTTPClient(f.HTTPClient))
	}
	return kratosclient.New(f.PublicURL, kratosclient.Native, opts...)
}

func (f *KratosFixtures) admin() (*kratosclient.Admin, error) {
	var opts []kratosclient.Option
	if f.HTTPClient != nil {
		opts = append(opts, kratosclient.WithHTTPClient(f.HTTPClient))
	}
	return kratosclient.NewAdmin(f.AdminURL, f.APIKey, opts...)
}

func (f *KratosFixtures) traits(email string) map[string]any {
	if f.Traits != nil {
		return f.Traits(email)
	}
	return map[string]any{"email": email}
}

// fixtureAttempts is how many times a fixture is tried. Kratos on SQLite
// (the local target) answers concurrent writes, ours and those of its own
// courier, with database conflicts that kratosclient.RetryTransient does
// not always get past within one call, and some leave a step half done: a
// registration that was stored but answered 500 (so the address now
// exists), a new session that toSession does not see yet. A user is then
// made again from the start, with a new address.
const fixtureAttempts = 6

// again runs fn until it succeeds, up to fixtureAttempts times, 50ms apart
// and then twice as long each time, while it fails on an answer; an error
// without an answer (the target is unreachable) ends it at once.
func again(ctx context.Context, fn func(attempt int) error) error {
	var err error
	for attempt := range fixtureAttempts {
		if attempt > 0 {
			select {
			case <-time.After(50 * time.Millisecond << (attempt - 1)):
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			}
		}
		if err = fn(attempt); err == nil || !answered(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// answerError is an answer other than the one a fixture needs.
type answerError struct {
	op     string
	status int
	msg    string // Kratos's message, or the redacted body
}

func (e *answerError) Error() string { return fmt.Sprintf("%s: status %d%s", e.op, e.status, e.msg) }

// answered reports whether err is an unexpected answer, not a failure to
// get one.
func answered(err error) bool {
	var ae *answerError
	var se *kratosclient.StatusError
	return errors.As(err, &ae) || errors.As(err, &se)
}

// parallel runs fn for 0..n-1 on a few goroutines and returns the first error.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

// Users implements Fixtures. On error, the users made so far are removed.
func (f *KratosFixtures) Users(ctx context.Context, n int) ([]User, error) {
	ctx = kratosclient.RetryTransient(ctx)
	var admin *kratosclient.Admin
	if f.AdminURL != "" {
		var err error
		if admin, err = f.admin(); err != nil {
			return nil, err
		}
	}
	run := f.RunID()
	users := make([]User, n)
	err := parallel(ctx, n, f.concurrency(), func(ctx context.Context, i int) error {
		err := again(ctx, func(attempt int) error {
			pw := make([]byte, 18)
			if _, err := rand.Read(pw); err != nil {
				return err
			}
			u := User{Identifier: hygiene.Email(run, f.number(attempt*n+i)), Password: "Ob1-" + hex.EncodeToString(pw)}
			err := f.createUser(ctx, admin, &u)
			if err != nil {
				return errors.Join(err, f.removeAttempt(context.WithoutCancel(ctx), admin, u))
			}
			users[i] = u
			return nil
		})
		if err != nil {
			return fmt.Errorf("user %d: %w", i, err)
		}
		return nil
	})
	if err != nil {
		return nil, errors.Join(err, f.DeleteUsers(context.WithoutCancel(ctx), made(users)))
	}
	return users, nil
}

// number returns the address number of the k-th identity f makes: k, or
// for a shard the k-th number that is the shard's.
func (f *KratosFixtures) number(k int) int {
	if f.Shard.IsZero() {
		return k
	}
	return k*f.Shard.Count + f.Shard.Index - 1
}

// removeAttempt removes what a failed attempt at making u made. An
// identity it made unknowingly (stored, but answered with an error) is
// found by its address with the admin API; without one, it is left for
// `orybench cleanup`, which knows test addresses.
func (f *KratosFixtures) removeAttempt(ctx context.Context, admin *kratosclient.Admin, u User) error {
	if u.IdentityID == "" && admin != nil {
		ids, err := admin.ListIdentities(ctx, u.Identifier)
		if err != nil {
			return adminErr(err)
		}
		for _, id := range ids {
			if hygiene.IsTestIdentity(id) {
				u.IdentityID = id.ID
			}
		}
	}
	return f.DeleteUsers(ctx, made([]User{u}))
}

// made returns the users that have an identity or a session.
func made(users []User) []User {
	var out []User
	for _, u := range users {
		if u.IdentityID != "" || u.SessionToken != "" {
			out = append(out, u)
		}
	}
	return out
}

// createUser makes u's identity and a session, and checks the session.
func (f *KratosFixtures) createUser(ctx context.Context, admin *kratosclient.Admin, u *User) error {
	c, err := f.public()
	if err != nil {
		return err
	}
	traits, schema := f.traits(u.Identifier), f.SchemaID
	if f.Identity != nil {
		id, err := f.Identity(u.Identifier)
		if err != nil {
			return err
		}
		traits = id.Traits
		if id.SchemaID != "" {
			schema = id.SchemaID
		}
		if id.Identifier != "" {
			u.Identifier = id.Identifier // what the identity signs in with
		}
	}
	if admin != nil {
		if schema == "" {
			schema = "default"
		}
		id, err := admin.CreateIdentity(ctx, schema, traits, u.Password)
		if err != nil {
			return adminErr(err)
		}
		u.IdentityID = id.ID
	} else {
		flow, err := createFlow(ctx, c.CreateNativeRegistrationFlow, "createNativeRegistrationFlow")
		if err != nil {
			return err
		}
		r, err := c.UpdateRegistrationFlow(ctx, flow, kratosclient.JSONBody(map[string]any{
			"method": "password", "traits": traits, "password": u.Password,
		}))
		if err := check("updateRegistrationFlow", r, err, http.StatusOK); err != nil {
			return err
		}
		var out struct {
			Identity struct {
				ID string `json:"id"`
			} `json:"identity"`
		}
		if err := json.Unmarshal(r.Body, &out); err != nil || out.Identity.ID == "" {
			return errors.New("updateRegistrationFlow: no identity in the answer")
		}
		u.IdentityID = out.Identity.ID
	}
	// The client keeps the session token of a registration that signs in.
	if c.SessionToken() == "" {
		flow, err := createFlow(ctx, c.CreateNativeLoginFlow, "createNativeLoginFlow")
		if err != nil {
			return err
		}
		r, err := c.UpdateLoginFlow(ctx, flow, kratosclient.JSONBody(map[string]any{
			"method": "password", "identifier": u.Identifier, "password": u.Password,
		}))
		if err := check("updateLoginFlow", r, err, http.StatusOK); err != nil {
			return err
		}
		if c.SessionToken() == "" {
			return errors.New("updateLoginFlow: no session_token in the answer")
		}
	}
	u.SessionToken = c.SessionToken()
	r, err := c.ToSession(ctx, nil)
	if err := check("toSession with the new session token", r, err, http.StatusOK); err != nil {
		return err
	}
	return nil
}

// createFlow creates a flow and returns its id.
func createFlow(ctx context.Context, create func(context.Context, url.Values) (*kratosclient.Response, error), op string) (string, error) {
	r, err := create(ctx, nil)
	if err := check(op, r, err, http.StatusOK); err != nil {
		return "", err
	}
	var flow struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(r.Body, &flow); err != nil || flow.ID == "" {
		return "", fmt.Errorf("%s: no flow id in the answer", op)
	}
	return flow.ID, nil
}

// LoginFlows implements Fixtures.
func (f *KratosFixtures) LoginFlows(ctx context.Context, n int) ([]string, error) {
	ctx = kratosclient.RetryTransient(ctx)
	c, err := f.public()
	if err != nil {
		return nil, err
	}
	ids := make([]string, n)
	err = parallel(ctx, n, f.concurrency(), func(ctx context.Context, i int) error {
		return again(ctx, func(int) error {
			id, err := createFlow(ctx, c.CreateNativeLoginFlow, "createNativeLoginFlow")
			ids[i] = id
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// DeleteUsers implements Fixtures: it revokes every session and, with the
// admin API, deletes every identity. Its error counts the users it could not
// remove and says the first reason.
func (f *KratosFixtures) DeleteUsers(ctx context.Context, users []User) error {
	if len(users) == 0 {
		return nil
	}
	ctx = kratosclient.RetryTransient(ctx)
	c, err := f.public()
	if err != nil {
		return err
	}
	var admin *kratosclient.Admin
	if f.AdminURL != "" {
		if admin, err = f.admin(); err != nil {
			return err
		}
	}
	var (
		mu     sync.Mutex
		first  error
		failed int
	)
	keep := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
		failed++
	}
	_ = parallel(ctx, len(users), f.concurrency(), func(ctx context.Context, i int) error {
		// Both are idempotent: a revoked token is revoked again with 204,
		// and a deleted identity is gone (404).
		u := users[i]
		err := again(ctx, func(int) error {
			if u.SessionToken != "" {
				r, err := c.PerformNativeLogout(ctx, kratosclient.JSONBody(map[string]string{"session_token": u.SessionToken}))
				if err := check("performNativeLogout", r, err, http.StatusNoContent); err != nil {
					return err
				}
			}
			if admin != nil && u.IdentityID != "" {
				return adminErr(admin.DeleteIdentity(ctx, u.IdentityID))
			}
			return nil
		})
		if err != nil {
			keep(fmt.Errorf("user %d: %w", i, err))
		}
		return nil
	})
	if first != nil {
		return fmt.Errorf("%d of %d users not removed: %w", failed, len(users), first)
	}
	return nil
}

// check turns an answer other than want into an error that says the status
// and Kratos's message, never the request, and never a secret of the
// answer (a body without a message is shown redacted).
func check(op string, r *kratosclient.Response, err error, want int) error {
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if r.Status == want {
		return nil
	}
	msg := kratosMessage(r.Body)
	if msg == "" && len(r.Body) > 0 {
		msg = ": " + truncate(string(redact.JSON(r.Body)), 300)
	}
	return &answerError{op: op, status: r.Status, msg: msg}
}

// adminErr adds Kratos's message to an unexpected admin answer.
func adminErr(err error) error {
	if err == nil {
		return nil
	}
	var se *kratosclient.StatusError
	if !errors.As(err, &se) || se.Body == "" {
		return err
	}
	msg := kratosMessage([]byte(se.Body))
	if msg == "" {
		msg = ": " + string(redact.JSON([]byte(se.Body)))
	}
	return fmt.Errorf("%w%s", err, msg)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// kratosMessage returns the human messages of a Kratos error or flow body:
// error.message and reason, ui.messages[].text. It never returns values.
func kratosMessage(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Reason  string `json:"reason"`
		} `json:"error"`
		UI struct {
			Messages []struct {
				Text string `json:"text"`
			} `json:"messages"`
			Nodes []struct {
				Messages []struct {
					Text string `json:"text"`
				} `json:"messages"`
			} `json:"nodes"`
		} `json:"ui"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	var msgs []string
	for _, s := range []string{e.Error.Message, e.Error.Reason} {
		if s != "" {
			msgs = append(msgs, s)
		}
	}
	for _, m := range e.UI.Messages {
		if m.Text != "" {
			msgs = append(msgs, m.Text)
		}
	}
	for _, n := range e.UI.Nodes {
		for _, m := range n.Messages {
			if m.Text != "" {
				msgs = append(msgs, m.Text)
			}
		}
	}
	if len(msgs) == 0 {
		return ""
	}
	return ": " + strings.Join(msgs, "; ")
}
