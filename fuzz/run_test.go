package fuzz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/schemas"
	"github.com/orybench/orybench/target"
)

// fakeKratos misbehaves on two narrow classes of input only: it answers
// updateLoginFlow 500 when the body's "identifier" is the empty string, and
// toSession a 401 without the required error message when the request has
// no Accept header. Every other answer is a documented errorGeneric.
func fakeKratos(t *testing.T) *httptest.Server {
	t.Helper()
	return fakeKratosDying(t, 0, nil)
}

// fakeKratosDying is fakeKratos that, after dieAfter requests (0: never),
// drops every connection without an answer, and calls at(n) before
// answering request n.
func fakeKratosDying(t *testing.T, dieAfter int64, at func(n int64)) *httptest.Server {
	t.Helper()
	var served atomic.Int64
	writeJSON := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		if dieAfter > 0 && n > dieAfter {
			panic(http.ErrAbortHandler) // the connection closes, no answer
		}
		if at != nil {
			at(n)
		}
		switch r.URL.Path {
		case "/fake/flow":
			http.SetCookie(w, &http.Cookie{Name: fakeCSRFCookie, Value: "the-fake-cookie", Path: "/"})
			writeJSON(w, http.StatusOK, `{}`)
		case "/self-service/registration":
			registration(w, r, writeJSON)
		case "/self-service/login":
			data, _ := io.ReadAll(r.Body)
			identifier, present := "", false
			if strings.Contains(r.Header.Get("Content-Type"), "form") {
				form, _ := url.ParseQuery(string(data))
				_, present = form["identifier"]
				identifier = form.Get("identifier")
			} else {
				var v map[string]any
				if json.Unmarshal(data, &v) == nil {
					identifier, present = v["identifier"].(string)
				}
			}
			if present && identifier == "" {
				writeJSON(w, http.StatusInternalServerError, `{"error":{"code":500,"id":"fake_empty_identifier","message":"boom"}}`)
				return
			}
			writeJSON(w, http.StatusGone, `{"error":{"code":410,"message":"the flow expired"}}`)
		case "/sessions/whoami":
			if _, ok := r.Header["Accept"]; !ok {
				writeJSON(w, http.StatusUnauthorized, `{"error":{"code":401}}`)
				return
			}
			writeJSON(w, http.StatusUnauthorized, `{"error":{"code":401,"message":"no session"}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// fakeTarget makes live flows without asking: a flow id and a CSRF token
// for every flow, a session token for every sign-up.
type fakeTarget struct {
	url        string
	flows, ids atomic.Int64
}

func (f *fakeTarget) Client(mode kratosclient.Mode, opts ...kratosclient.Option) (*kratosclient.Client, error) {
	return kratosclient.New(f.url, mode, opts...)
}

func (f *fakeTarget) StartFlow(ctx context.Context, c *kratosclient.Client, _ kratosclient.FlowKind) (string, error) {
	if c.Mode() != kratosclient.Native {
		// The fake's flows set a CSRF cookie, as Kratos's do.
		if _, err := c.Send(ctx, kratosclient.Request{Method: http.MethodGet, Path: "/fake/flow"}); err != nil {
			return "", err
		}
	}
	c.SetCSRFToken("csrf-token-of-the-fake-flow")
	return fmt.Sprintf("flow-%d", f.flows.Add(1)), nil
}

func (f *fakeTarget) SignUp(_ context.Context, c *kratosclient.Client) (target.Identity, error) {
	c.SetSessionToken("session-token-of-the-fake")
	return target.Identity{}, nil
}

func (f *fakeTarget) NewIdentity() (target.Identity, error) {
	addr := fmt.Sprintf("fuzz-identity-%d@example.com", f.ids.Add(1))
	return target.Identity{Email: addr, Identifier: addr, Password: "Ob-fake-password!",
		Traits: map[string]any{"email": addr, "name": map[string]any{"first": "Ob"}}}, nil
}

func (f *fakeTarget) Remember(string) {}

func (f *fakeTarget) SignIn(_ context.Context, c *kratosclient.Client, _ target.Identity) (*kratosclient.Response, error) {
	c.SetSessionToken("session-token-of-the-fake")
	return &kratosclient.Response{Status: http.StatusOK}, nil
}

func (f *fakeTarget) Forget(target.Identity) {}

func fuzzFake(t *testing.T, seed uint64, n int, log io.Writer, allow ...string) *results.Fuzz {
	t.Helper()
	opts := fuzzOptions(t, fakeKratos(t).URL, seed, n)
	opts.Log, opts.Allow = log, allow
	doc, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestRunFindsAndShrinks(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { findsAndShrinks(t, seed) })
	}
}

func findsAndShrinks(t *testing.T, seed uint64) {
	doc := fuzzFake(t, seed, 1500, nil)
	got := map[string]results.FuzzFinding{}
	for _, f := range doc.Findings {
		got[f.Key] = f
	}
	want := []string{
		"updateLoginFlow 500 server-error fake_empty_identifier",
		"updateLoginFlow 500 undocumented-status fake_empty_identifier",
		"toSession 401 schema /error/message required",
	}
	if len(got) != len(want) {
		t.Errorf("findings %v, want %v", keys(got), want)
	}
	for _, k := range want {
		f, ok := got[k]
		if !ok {
			t.Errorf("no finding %q in %v", k, keys(got))
			continue
		}
		in := f.Input.(Record)
		switch f.Operation {
		case "updateLoginFlow":
			if (in.Body != `{"identifier":""}` && in.Body != "identifier=") || len(in.Query) != 0 || len(in.Header) != 0 {
				t.Errorf("%s shrunk to %+v, want only an empty identifier", k, in)
			}
		case "toSession":
			if len(in.Header) != 1 || in.Header[0] != (Field{Name: "Accept", Omit: true}) || len(in.Query) != 0 {
				t.Errorf("%s shrunk to %+v, want only the Accept header left out", k, in)
			}
			if !strings.Contains(f.Curl, "-H 'Accept:'") || (f.Mode == "native") != strings.Contains(f.Curl, `-H 'X-Session-Token: '"$SESSION_TOKEN"''`) {
				t.Errorf("%s: curl %s sends an Accept header, or a native app's is without $SESSION_TOKEN", k, f.Curl)
			}
		}
		for _, secret := range []string{"session-token-of-the-fake", "csrf-token-of-the-fake-flow"} {
			if strings.Contains(f.Curl, secret) {
				t.Errorf("%s: curl %s holds a secret", k, f.Curl)
			}
		}
	}
	if !doc.Failed() {
		t.Error("a run with findings no allow-list lists did not fail")
	}
}

func keys(m map[string]results.FuzzFinding) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSameSeedSameRequests(t *testing.T) {
	var a, b, c bytes.Buffer
	fuzzFake(t, 7, 200, &a)
	fuzzFake(t, 7, 200, &b)
	fuzzFake(t, 8, 200, &c)
	if a.Len() == 0 || a.String() != b.String() {
		t.Errorf("two runs of seed 7 logged different requests (%d and %d bytes)", a.Len(), b.Len())
	}
	if a.String() == c.String() {
		t.Error("seeds 7 and 8 logged the same requests")
	}
}

func TestAllowList(t *testing.T) {
	doc := fuzzFake(t, 1, 1500, nil,
		"updateLoginFlow 500 server-error fake_empty_identifier",
		"updateLoginFlow 500 undocumented-status fake_empty_identifier",
		"toSession 401 schema /error/message required",
		"toSession 500 server-error")
	for _, f := range doc.Findings {
		if !f.Allowed {
			t.Errorf("finding %q is listed but not allowed", f.Key)
		}
	}
	if len(doc.Stale) != 1 || doc.Stale[0] != "toSession 500 server-error" {
		t.Errorf("stale %v, want the entry nothing matched", doc.Stale)
	}
	if !doc.Failed() {
		t.Error("a stale allow-list entry did not fail the run")
	}
}

const fakeCSRFCookie = "csrf_token_fake"

// registration misbehaves on two narrow classes of input: a 500 when the
// CSRF cookie a browser sends holds another value than the one set, and a
// 500 when traits.name.first is there but not a string; every other
// answer is a documented 410. It also fails a body that still holds a
// placeholder of a new identity's values.
func registration(w http.ResponseWriter, r *http.Request, writeJSON func(http.ResponseWriter, int, string)) {
	if ck, err := r.Cookie(fakeCSRFCookie); err == nil && ck.Value != "the-fake-cookie" {
		writeJSON(w, http.StatusInternalServerError, `{"error":{"code":500,"id":"fake_csrf_cookie","message":"boom"}}`)
		return
	}
	data, _ := io.ReadAll(r.Body)
	if bytes.Contains(data, []byte("{{")) || bytes.Contains(data, []byte("%7B%7B")) {
		writeJSON(w, http.StatusInternalServerError, `{"error":{"code":500,"id":"fake_placeholder_sent","message":"boom"}}`)
		return
	}
	var v struct {
		Traits struct {
			Name map[string]any `json:"name"`
		} `json:"traits"`
	}
	if json.Unmarshal(data, &v) == nil {
		if first, ok := v.Traits.Name["first"]; ok {
			if _, isString := first.(string); !isString {
				writeJSON(w, http.StatusInternalServerError, `{"error":{"code":500,"id":"fake_trait_type","message":"boom"}}`)
				return
			}
		}
	}
	writeJSON(w, http.StatusGone, `{"error":{"code":410,"message":"the flow expired"}}`)
}

// TestRunReachesTraitsAndCookies: registrations carry the target's traits,
// a new identity's values filled in, so that a fault behind trait
// validation (a name that is not a string) is found and shrunk to that
// trait; a browser's CSRF cookie is sent with other values, so that a
// fault on a cookie is found and shrunk to it, its curl command naming the
// cookie with the value.
func TestRunReachesTraitsAndCookies(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) { reachesTraitsAndCookies(t, seed) })
	}
}

func reachesTraitsAndCookies(t *testing.T, seed uint64) {
	opts := fuzzOptions(t, fakeKratos(t).URL, seed, 1500)
	opts.Operations = []string{"updateRegistrationFlow"}
	doc, err := Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]results.FuzzFinding{}
	for _, f := range doc.Findings {
		got[f.Key] = f
	}
	trait, ok := got["updateRegistrationFlow 500 server-error fake_trait_type"]
	if !ok {
		t.Fatalf("no finding on the trait in %v", keys(got))
	}
	if in := trait.Input.(Record); !strings.HasPrefix(in.Body, `{"traits":{"name":{"first":`) || in.Cookies != "" || len(in.Query)+len(in.Header) != 0 {
		t.Errorf("the trait finding shrunk to %+v, want only traits.name.first", in)
	}
	cookie, ok := got["updateRegistrationFlow 500 server-error fake_csrf_cookie"]
	if !ok {
		t.Fatalf("no finding on the cookie in %v", keys(got))
	}
	if in := cookie.Input.(Record); !strings.HasPrefix(in.Cookies, cookiesValue) || len(in.Query)+len(in.Header) != 0 {
		t.Errorf("the cookie finding shrunk to %+v, want only the cookie's value", in)
	}
	if v, _ := strings.CutPrefix(cookie.Input.(Record).Cookies, cookiesValue); !strings.Contains(cookie.Curl, "Cookie: "+fakeCSRFCookie+"="+v+"'") {
		t.Errorf("curl %s does not send the cookie %s=%q", cookie.Curl, fakeCSRFCookie, v)
	}
	if _, ok := got["updateRegistrationFlow 500 server-error fake_placeholder_sent"]; ok {
		t.Error("a placeholder of a new identity's values reached the target")
	}
	if len(got) != 4 {
		t.Errorf("findings %v, want the two faults only, each a server error and an undocumented status", keys(got))
	}
}

func fuzzOptions(t *testing.T, url string, seed uint64, n int) Options {
	t.Helper()
	set, err := schemas.Open(schemas.Kratos)
	if err != nil {
		t.Fatal(err)
	}
	return Options{Contract: set, Target: &fakeTarget{url: url}, Operations: []string{"updateLoginFlow", "toSession"}, Seed: seed, MaxRequests: n}
}

// TestDyingTarget: a target that stops answering ends the run with
// ErrTargetUnreachable and the findings so far.
func TestDyingTarget(t *testing.T) {
	srv := fakeKratosDying(t, 300, nil)
	doc, err := Run(context.Background(), fuzzOptions(t, srv.URL, 1, 5000))
	if !errors.Is(err, ErrTargetUnreachable) {
		t.Fatalf("Run = %v, want ErrTargetUnreachable", err)
	}
	if doc == nil || len(doc.Findings) == 0 || !strings.HasPrefix(doc.Stopped, "target-unreachable") || doc.Cases+doc.ShrinkRequests > 300 {
		t.Fatalf("doc %+v, want the findings of the first 300 requests, stopped as unreachable", doc)
	}
}

// TestInterrupted: a cancelled run returns what it found, stopped as
// interrupted, and judges no allow-list entry stale.
func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := fakeKratosDying(t, 0, func(n int64) {
		if n == 200 {
			cancel()
		}
	})
	opts := fuzzOptions(t, srv.URL, 1, 5000)
	opts.Allow = []string{"toSession 500 server-error"}
	doc, err := Run(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Stopped != "interrupted" || len(doc.Findings) == 0 || len(doc.Stale) != 0 || doc.Cases >= 200 {
		t.Fatalf("stopped %q after %d cases with %d findings and stale %v; want interrupted before 200 cases, findings kept, nothing stale",
			doc.Stopped, doc.Cases, len(doc.Findings), doc.Stale)
	}
}

// TestCurl: a finding's command sends the generated values as they were
// (a generated logout token=f is no secret: redacted, the command would
// not reproduce), live values as shell variables, and redacts the base
// URL's password.
func TestCurl(t *testing.T) {
	c := Case{Operation: "updateLogoutFlow", Mode: kratosclient.Native, Method: "GET", Path: "/self-service/logout",
		Query: []Field{{Name: "token", Value: "f"}, {Name: "return_to", Value: liveFlow}}}
	got := curl("https://ci:hunter2@kratos.example", c, nil)
	want := `curl -sS -X GET 'https://ci:[REDACTED]@kratos.example/self-service/logout?return_to='"$FLOW"'&token=f' -H 'Accept: application/json' -H 'X-Session-Token: '"$SESSION_TOKEN"''`
	if got != want {
		t.Errorf("curl\n got %s\nwant %s", got, want)
	}
	reg := Case{Operation: "updateRegistrationFlow", Mode: kratosclient.Native, Method: "POST", Path: "/self-service/registration",
		Encoding: "json", ContentType: "application/json",
		Body: &Node{Kind: kindObject, Members: []Member{{"traits", &Node{Kind: kindObject, Members: []Member{{"email", str(liveEmail)}}}}, {"password", str(livePassword)}}}}
	want = `curl -sS -X POST 'https://kratos.example/self-service/registration' -H 'Accept: application/json' -H 'Content-Type: application/json' --data-binary '{"traits":{"email":"'"$EMAIL"'"},"password":"'"$PASSWORD"'"}'`
	if got := curl("https://kratos.example", reg, nil); got != want {
		t.Errorf("curl\n got %s\nwant %s", got, want)
	}
}

// TestPasswords: the secrets of a body are its passwords, filled in, not
// the legacy password_identifier, which Kratos shows again in its form.
func TestPasswords(t *testing.T) {
	body := &Node{Kind: kindObject, Members: []Member{
		{"password_identifier", str("alice")}, {"password", str(livePassword)},
		{"nested", &Node{Kind: kindObject, Members: []Member{{"new_password", str("s3cret-2")}}}}}}
	got := passwords(body, func(s string) string {
		if s == livePassword {
			return "s3cret-1"
		}
		return s
	})
	want := []secret{{"password", "s3cret-1"}, {"password", "s3cret-2"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("passwords = %v, want %v", got, want)
	}
}
