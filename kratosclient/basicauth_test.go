package kratosclient

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

func TestSplitUserinfo(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		auth     *BasicAuth
		err      string
	}{
		{in: "http://127.0.0.1:4433", want: "http://127.0.0.1:4433"},
		{in: "https://kratos.example/base/", want: "https://kratos.example/base/"},
		{in: "http://bob:s3cret@127.0.0.1:4433/", want: "http://127.0.0.1:4433/", auth: &BasicAuth{Host: "127.0.0.1:4433", Username: "bob", Password: "s3cret"}},
		{in: "https://bob@kratos.example/x?y=1", want: "https://kratos.example/x?y=1", auth: &BasicAuth{Host: "kratos.example", Username: "bob"}},
		{in: "https://b%40b:p%2Fw@kratos.example", want: "https://kratos.example", auth: &BasicAuth{Host: "kratos.example", Username: "b@b", Password: "p/w"}},
		{in: "bob:s3cret@127.0.0.1:4433", err: "no scheme"},
		{in: "https://bob:s3cret@bad host/", err: `invalid URL "https://bob:[REDACTED]@bad host/"`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, auth, err := SplitUserinfo(tc.in)
			switch {
			case tc.err != "":
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "s3cret") {
					t.Errorf("error holds the password: %v", err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("URL %q, want %q", got, tc.want)
			}
			if (auth == nil) != (tc.auth == nil) || (auth != nil && *auth != *tc.auth) {
				t.Errorf("credentials %+v, want %+v", auth, tc.auth)
			}
		})
	}
}

func TestBasicAuthStringHidesThePassword(t *testing.T) {
	a := BasicAuth{Host: "h:1", Username: "bob", Password: "s3cret"}
	for _, s := range []string{a.String(), fmt.Sprint(a), fmt.Sprintf("%v %s", a, &a)} {
		if strings.Contains(s, "s3cret") || !strings.Contains(s, "bob") {
			t.Errorf("%q: want the user without the password", s)
		}
	}
}

// TestBasicAuthGoesOnlyWhereMeant: a client with credentials for one host
// sends them on every call to that host, sessions or none, but not on a
// call that has an Authorization header of its own (a bearer session
// token), and never to another host.
func TestBasicAuthGoesOnlyWhereMeant(t *testing.T) {
	var (
		mu   sync.Mutex
		seen = map[string]string{} // host and path -> Authorization
	)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Host+r.URL.Path] = r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"code":401}}`)
	})
	proxied, other := httptest.NewServer(handler), httptest.NewServer(handler)
	defer proxied.Close()
	defer other.Close()
	host := strings.TrimPrefix(proxied.URL, "http://")
	auth := BasicAuth{Host: host, Username: "bob", Password: "s3cret"}
	basic := "Basic " + "Ym9iOnMzY3JldA==" // bob:s3cret

	ctx := context.Background()
	plain, err := New(proxied.URL, Native, WithBasicAuth(auth))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.ToSession(ctx, nil); err != nil {
		t.Fatal(err)
	}
	bearer, err := New(proxied.URL, Native, WithBasicAuth(auth), WithHeader("Authorization", "Bearer ory_st_x"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bearer.ListIdentitySchemas(ctx, nil); err != nil {
		t.Fatal(err)
	}
	elsewhere, err := New(other.URL, Native, WithBasicAuth(auth))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := elsewhere.ToSession(ctx, nil); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		host + "/sessions/whoami": basic,
		host + "/schemas":         "Bearer ory_st_x",
		strings.TrimPrefix(other.URL, "http://") + "/sessions/whoami": "",
	} {
		if got := seen[key]; got != want {
			t.Errorf("%s: Authorization %q, want %q", key, got, want)
		}
	}
}

func TestNewRefusesAURLNamingAUser(t *testing.T) {
	_, err := New("http://bob:s3cret@127.0.0.1:4433", Native)
	if err == nil || !strings.Contains(err.Error(), "names a user") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %v, want one refusing the user without the password", err)
	}
}
