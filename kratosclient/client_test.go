package kratosclient

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

const flowBody = `{"id":"f1","ui":{"nodes":[{"attributes":{"name":"csrf_token","value":"csrf-123"}},{"attributes":{"name":"identifier","value":""}}]}}`

// recorder is a fake Kratos that remembers the last request it saw.
type recorder struct {
	last *http.Request
	body string
}

func (rec *recorder) server(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		rec.last, rec.body = r, string(data)
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestModesSendWhatARealCallerSends(t *testing.T) {
	for _, tc := range []struct {
		mode        Mode
		wantAccept  string
		wantToken   bool
		wantCookies bool
	}{
		{Native, "application/json", true, false},
		{Browser, acceptBrowser, false, true},
		{SPA, "application/json", false, true},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			rec := &recorder{}
			srv := rec.server(t, func(w http.ResponseWriter, r *http.Request) {
				http.SetCookie(w, &http.Cookie{Name: "csrf_token_x", Value: "c", Path: "/"})
				w.WriteHeader(http.StatusOK)
			})
			c, err := New(srv.URL, tc.mode, WithSessionToken("tok"))
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			if _, err := c.ToSession(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := c.ToSession(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if got := rec.last.Header.Get("Accept"); got != tc.wantAccept {
				t.Errorf("Accept = %q, want %q", got, tc.wantAccept)
			}
			if got := rec.last.Header.Get("X-Session-Token") != ""; got != tc.wantToken {
				t.Errorf("sent X-Session-Token = %v, want %v", got, tc.wantToken)
			}
			if got := rec.last.Header.Get("Cookie") != ""; got != tc.wantCookies {
				t.Errorf("sent cookies = %v, want %v", got, tc.wantCookies)
			}
		})
	}
}

func TestRedirectsAreReturnedNotFollowed(t *testing.T) {
	rec := &recorder{}
	srv := rec.server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:4455/login?flow=abc", http.StatusSeeOther)
	})
	c, _ := New(srv.URL, Browser)
	r, err := c.CreateBrowserLoginFlow(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusSeeOther || r.Location() != "http://127.0.0.1:4455/login?flow=abc" {
		t.Errorf("got %d to %q, want 303 to the UI", r.Status, r.Location())
	}
}

func TestSubmissionCarriesTheFlowsCSRFToken(t *testing.T) {
	rec := &recorder{}
	srv := rec.server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, flowBody)
	})
	for _, tc := range []struct {
		mode     Mode
		wantType string
		check    func(t *testing.T, body string)
	}{
		{Browser, "application/x-www-form-urlencoded", func(t *testing.T, body string) {
			form, err := url.ParseQuery(body)
			if err != nil {
				t.Fatal(err)
			}
			if form.Get("csrf_token") != "csrf-123" || form.Get("traits.email") != "a@b.c" || form.Get("method") != "password" {
				t.Errorf("form = %v", form)
			}
		}},
		{SPA, "application/json", func(t *testing.T, body string) {
			var v map[string]any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Fatal(err)
			}
			if v["csrf_token"] != "csrf-123" || v["traits"].(map[string]any)["email"] != "a@b.c" {
				t.Errorf("json = %v", v)
			}
		}},
		{Native, "application/json", func(t *testing.T, body string) {
			if strings.Contains(body, "csrf_token") {
				t.Errorf("a native app sent a CSRF token: %s", body)
			}
		}},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			c, _ := New(srv.URL, tc.mode)
			ctx := context.Background()
			if _, err := c.GetLoginFlow(ctx, "f1"); err != nil {
				t.Fatal(err)
			}
			_, err := c.UpdateRegistrationFlow(ctx, "f1", c.Submission(Fields{
				"method": "password", "traits": map[string]any{"email": "a@b.c"},
			}))
			if err != nil {
				t.Fatal(err)
			}
			if got := rec.last.Header.Get("Content-Type"); got != tc.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tc.wantType)
			}
			if got := rec.last.URL.Query().Get("flow"); got != "f1" {
				t.Errorf("?flow = %q", got)
			}
			tc.check(t, rec.body)
		})
	}
}

func TestNativeClientKeepsTheIssuedSessionToken(t *testing.T) {
	rec := &recorder{}
	srv := rec.server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, `{"session_token":"ory_st_new","session":{}}`)
	})
	c, _ := New(srv.URL, Native)
	ctx := context.Background()
	if _, err := c.UpdateLoginFlow(ctx, "f", JSONBody(map[string]string{"method": "password"})); err != nil {
		t.Fatal(err)
	}
	if c.SessionToken() != "ory_st_new" {
		t.Fatalf("token = %q", c.SessionToken())
	}
	if _, err := c.ToSession(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if got := rec.last.Header.Get("X-Session-Token"); got != "ory_st_new" {
		t.Errorf("X-Session-Token = %q", got)
	}
}

func TestBodiesAreReadBounded(t *testing.T) {
	rec := &recorder{}
	srv := rec.server(t, func(w http.ResponseWriter, r *http.Request) {
		chunk := strings.Repeat("x", 1<<16)
		for range MaxBodyBytes/len(chunk) + 2 {
			_, _ = io.WriteString(w, chunk)
		}
	})
	c, _ := New(srv.URL, Native)
	_, err := c.ToSession(context.Background(), nil)
	if !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("err = %v, want ErrBodyTooLarge", err)
	}
}

func TestErrorsNeverCarrySecrets(t *testing.T) {
	c, _ := New("http://127.0.0.1:1", Native)
	_, err := c.UpdateLogoutFlow(context.Background(), url.Values{"token": {"secret-logout-token"}})
	if err == nil {
		t.Fatal("want a transport error")
	}
	if strings.Contains(err.Error(), "secret-logout-token") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestParseBaseURL(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"http://127.0.0.1:4433/", "http://127.0.0.1:4433", false},
		{"https://x.projects.oryapis.com", "https://x.projects.oryapis.com", false},
		{"127.0.0.1:4433", "", true},
		{"ftp://host", "", true},
		{"http://", "", true},
	} {
		u, err := ParseBaseURL(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseBaseURL(%q) err = %v, wantErr %v", tc.in, err, tc.wantErr)
			continue
		}
		if err == nil && u.String() != tc.want {
			t.Errorf("ParseBaseURL(%q) = %q, want %q", tc.in, u, tc.want)
		}
	}
}

// TestOwnCookieHeaderReplacesTheJar: a Cookie header the caller sets is
// sent in place of the jar's cookies (none at all when it is nil), and the
// jar keeps what it held.
func TestOwnCookieHeaderReplacesTheJar(t *testing.T) {
	var rec recorder
	srv := rec.server(t, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "csrf_token_x", Value: "fresh", Path: "/"})
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{}`)
	})
	c, err := New(srv.URL, Browser)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Send(ctx, Request{Method: http.MethodGet, Path: "/a"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		header []string
		want   string
	}{
		{nil, ""},
		{[]string{"csrf_token_x=%00"}, "csrf_token_x=%00"},
	} {
		if _, err := c.Send(ctx, Request{Method: http.MethodGet, Path: "/b", Header: http.Header{"Cookie": tc.header}}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(rec.last.Header.Values("Cookie"), "; "); got != tc.want {
			t.Errorf("Cookie %q sent for %q", got, tc.want)
		}
	}
	if _, err := c.Send(ctx, Request{Method: http.MethodGet, Path: "/c"}); err != nil {
		t.Fatal(err)
	}
	if got := rec.last.Header.Get("Cookie"); got != "csrf_token_x=fresh" {
		t.Errorf("the jar's cookies afterwards: %q", got)
	}
}
