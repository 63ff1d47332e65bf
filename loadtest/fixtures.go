package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/orybench/orybench/redact"
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

// HTTPFixtures implements Fixtures with plain HTTP against Kratos: users by
// native registration (or the admin API when AdminURL is set), sessions by
// native login when registration returns none, revocation by native logout
// and, with the admin API, deletion of the identities.
type HTTPFixtures struct {
	PublicURL string
	AdminURL  string // optional
	APIKey    string // optional, sent as a Bearer token to the admin API
	Client    *http.Client
	// Concurrency of fixture requests; default 4.
	Concurrency int
	// Traits returns the traits of the i-th identity; default
	// {"email": identifier}.
	Traits func(identifier string) map[string]any
	// SchemaID for identities created through the admin API; default "default".
	SchemaID string
}

var _ Fixtures = (*HTTPFixtures)(nil)

func (f *HTTPFixtures) concurrency() int {
	if f.Concurrency > 0 {
		return f.Concurrency
	}
	return 4
}

// retry runs fn up to 4 times, 50ms, 100ms and 200ms apart: a Kratos on
// SQLite answers concurrent writes with "database table is locked" (400)
// or 500 now and then.
func retry(ctx context.Context, fn func(attempt int) error) error {
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			select {
			case <-time.After(50 * time.Millisecond << (attempt - 1)):
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			}
		}
		if err = fn(attempt); err == nil || ctx.Err() != nil {
			return err
		}
	}
	return err
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

// Users implements Fixtures.
func (f *HTTPFixtures) Users(ctx context.Context, n int) ([]User, error) {
	run := make([]byte, 6)
	if _, err := rand.Read(run); err != nil {
		return nil, err
	}
	users := make([]User, n)
	err := parallel(ctx, n, f.concurrency(), func(ctx context.Context, i int) error {
		return retry(ctx, func(attempt int) error {
			pw := make([]byte, 18)
			if _, err := rand.Read(pw); err != nil {
				return err
			}
			u := User{
				Identifier: fmt.Sprintf("orybench-%s-%d-%d@example.org", hex.EncodeToString(run), i, attempt),
				Password:   "Ob1-" + hex.EncodeToString(pw),
			}
			if err := f.createUser(ctx, &u); err != nil {
				return fmt.Errorf("user %d: %w", i, err)
			}
			users[i] = u
			return nil
		})
	})
	if err != nil {
		var made []User
		for _, u := range users {
			if u.IdentityID != "" || u.SessionToken != "" {
				made = append(made, u)
			}
		}
		_ = f.DeleteUsers(context.WithoutCancel(ctx), made)
		return nil, err
	}
	return users, nil
}

func (f *HTTPFixtures) traits(identifier string) map[string]any {
	if f.Traits != nil {
		return f.Traits(identifier)
	}
	return map[string]any{"email": identifier}
}

func (f *HTTPFixtures) createUser(ctx context.Context, u *User) error {
	var out struct {
		ID           string `json:"id"`
		SessionToken string `json:"session_token"`
		Identity     struct {
			ID string `json:"id"`
		} `json:"identity"`
	}
	if f.AdminURL != "" {
		schema := f.SchemaID
		if schema == "" {
			schema = "default"
		}
		body := map[string]any{"schema_id": schema, "traits": f.traits(u.Identifier),
			"credentials": map[string]any{"password": map[string]any{"config": map[string]any{"password": u.Password}}}}
		if err := f.call(ctx, f.AdminURL, http.MethodPost, "/admin/identities", body, "", &out, http.StatusCreated); err != nil {
			return fmt.Errorf("createIdentity: %w", err)
		}
		u.IdentityID = out.ID
	} else {
		flow, err := f.flow(ctx, "/self-service/registration/api")
		if err != nil {
			return fmt.Errorf("createNativeRegistrationFlow: %w", err)
		}
		body := map[string]any{"method": "password", "traits": f.traits(u.Identifier), "password": u.Password}
		if err := f.call(ctx, f.PublicURL, http.MethodPost, "/self-service/registration?flow="+flow, body, "", &out, http.StatusOK); err != nil {
			return fmt.Errorf("updateRegistrationFlow: %w", err)
		}
		u.IdentityID, u.SessionToken = out.Identity.ID, out.SessionToken
	}
	if u.SessionToken == "" {
		if err := f.login(ctx, u); err != nil {
			return err
		}
	}
	if err := f.call(ctx, f.PublicURL, http.MethodGet, "/sessions/whoami", nil, u.SessionToken, nil, http.StatusOK); err != nil {
		return fmt.Errorf("toSession with the new session token: %w", err)
	}
	return nil
}

func (f *HTTPFixtures) login(ctx context.Context, u *User) error {
	flow, err := f.flow(ctx, "/self-service/login/api")
	if err != nil {
		return fmt.Errorf("createNativeLoginFlow: %w", err)
	}
	var out struct {
		SessionToken string `json:"session_token"`
	}
	body := map[string]any{"method": "password", "identifier": u.Identifier, "password": u.Password}
	if err := f.call(ctx, f.PublicURL, http.MethodPost, "/self-service/login?flow="+flow, body, "", &out, http.StatusOK); err != nil {
		return fmt.Errorf("updateLoginFlow: %w", err)
	}
	if out.SessionToken == "" {
		return errors.New("updateLoginFlow: no session_token in the answer")
	}
	u.SessionToken = out.SessionToken
	return nil
}

func (f *HTTPFixtures) flow(ctx context.Context, path string) (string, error) {
	var out struct {
		ID string `json:"id"`
	}
	if err := f.call(ctx, f.PublicURL, http.MethodGet, path, nil, "", &out, http.StatusOK); err != nil {
		return "", err
	}
	if out.ID == "" {
		return "", errors.New("no flow id in the answer")
	}
	return out.ID, nil
}

// LoginFlows implements Fixtures.
func (f *HTTPFixtures) LoginFlows(ctx context.Context, n int) ([]string, error) {
	ids := make([]string, n)
	err := parallel(ctx, n, f.concurrency(), func(ctx context.Context, i int) error {
		return retry(ctx, func(int) error {
			id, err := f.flow(ctx, "/self-service/login/api")
			if err != nil {
				return fmt.Errorf("createNativeLoginFlow: %w", err)
			}
			ids[i] = id
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// DeleteUsers implements Fixtures. It tries every user and returns the
// first error.
func (f *HTTPFixtures) DeleteUsers(ctx context.Context, users []User) error {
	var (
		mu    sync.Mutex
		first error
	)
	keep := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if first == nil {
			first = err
		}
	}
	_ = parallel(ctx, len(users), f.concurrency(), func(ctx context.Context, i int) error {
		u := users[i]
		if u.SessionToken != "" {
			body := map[string]any{"session_token": u.SessionToken}
			if err := f.call(ctx, f.PublicURL, http.MethodDelete, "/self-service/logout/api", body, "", nil, http.StatusNoContent); err != nil {
				keep(fmt.Errorf("performNativeLogout: %w", err))
			}
		}
		if f.AdminURL != "" && u.IdentityID != "" {
			if err := f.call(ctx, f.AdminURL, http.MethodDelete, "/admin/identities/"+u.IdentityID, nil, "", nil, http.StatusNoContent, http.StatusNotFound); err != nil {
				keep(fmt.Errorf("deleteIdentity: %w", err))
			}
		}
		return nil
	})
	return first
}

// call sends one JSON request and decodes the answer into out. Its errors
// say the status and Kratos's message, never the request, and never a
// secret of the answer (a body without a message is shown redacted).
func (f *HTTPFixtures) call(ctx context.Context, base, method, path string, in any, token string, out any, want ...int) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(base, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("X-Session-Token", token)
	}
	if base == f.AdminURL && f.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+f.APIKey)
	}
	client := f.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, strings.SplitN(path, "?", 2)[0], err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	for _, w := range want {
		if resp.StatusCode == w {
			if out != nil && len(data) > 0 {
				return json.Unmarshal(data, out)
			}
			return nil
		}
	}
	msg := kratosMessage(data)
	if msg == "" && len(data) > 0 {
		msg = ": " + truncate(string(redact.JSON(data)), 300)
	}
	return fmt.Errorf("status %d%s", resp.StatusCode, msg)
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
		msgs = append(msgs, m.Text)
	}
	for _, n := range e.UI.Nodes {
		for _, m := range n.Messages {
			msgs = append(msgs, m.Text)
		}
	}
	if len(msgs) == 0 {
		return ""
	}
	return ": " + strings.Join(msgs, "; ")
}
