package oidcfake

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// newTestServer serves a Provider from httptest; the issuer is the test
// server's URL, known once its listener exists.
func newTestServer(t *testing.T, opts Options) (*Provider, *httptest.Server) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	p, err := New("http://"+srv.Listener.Addr().String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p
	srv.Start()
	t.Cleanup(srv.Close)
	return p, srv
}

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

const callback = "http://127.0.0.1:4433/self-service/methods/oidc/callback/fake"

func authorizeURL(p *Provider, extra url.Values) string {
	q := url.Values{
		"client_id":     {DefaultClientID},
		"response_type": {"code"},
		"scope":         {"openid email"},
		"redirect_uri":  {callback},
		"state":         {"the-state"},
	}
	for k, v := range extra {
		q[k] = v
	}
	return p.Issuer() + AuthorizePath + "?" + q.Encode()
}

// authorize runs the authorization request and returns the redirect's query.
func authorize(t *testing.T, p *Provider, extra url.Values) url.Values {
	t.Helper()
	res, err := noRedirects.Get(authorizeURL(p, extra))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("authorize: status %d, want 303", res.StatusCode)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path; got != callback {
		t.Fatalf("authorize redirected to %s, want %s", got, callback)
	}
	return loc.Query()
}

type tokenAnswer struct {
	status int
	body   map[string]any
}

func exchange(t *testing.T, p *Provider, form url.Values, basic bool) tokenAnswer {
	t.Helper()
	if !basic {
		form = cloneValues(form)
		form.Set("client_id", DefaultClientID)
		form.Set("client_secret", DefaultClientSecret)
	}
	req, _ := http.NewRequest(http.MethodPost, p.Issuer()+TokenPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(DefaultClientID), url.QueryEscape(DefaultClientSecret))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var a tokenAnswer
	a.status = res.StatusCode
	if err := json.NewDecoder(res.Body).Decode(&a.body); err != nil {
		t.Fatalf("token answer: %v", err)
	}
	return a
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func getJSON(t *testing.T, u string, header http.Header) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return res.StatusCode, v
}

// verify checks an ID token as an OIDC relying party does (what go-oidc,
// used by Kratos, checks): RS256 signature by a key from jwks_uri with the
// token's kid, then iss, aud and exp. It returns the claims.
func verify(t *testing.T, p *Provider, idToken string) map[string]any {
	t.Helper()
	_, disc := getJSON(t, p.Issuer()+DiscoveryPath, nil)
	_, set := getJSON(t, disc["jwks_uri"].(string), nil)
	parts := strings.Split(idToken, ".")
	if len(parts) != 3 {
		t.Fatalf("id_token has %d parts", len(parts))
	}
	var header struct{ Alg, Kid string }
	decodeSegment(t, parts[0], &header)
	if header.Alg != "RS256" {
		t.Fatalf("alg %q", header.Alg)
	}
	var pub *rsa.PublicKey
	for _, k := range set["keys"].([]any) {
		k := k.(map[string]any)
		if k["kid"] == header.Kid {
			n, _ := base64.RawURLEncoding.DecodeString(k["n"].(string))
			e, _ := base64.RawURLEncoding.DecodeString(k["e"].(string))
			pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		}
	}
	if pub == nil {
		t.Fatalf("no JWKS key with kid %q", header.Kid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		t.Fatalf("signature: %v", err)
	}
	var claims map[string]any
	decodeSegment(t, parts[1], &claims)
	if claims["iss"] != p.Issuer() || claims["aud"] != DefaultClientID {
		t.Errorf("iss %v aud %v, want %s and %s", claims["iss"], claims["aud"], p.Issuer(), DefaultClientID)
	}
	if exp := int64(claims["exp"].(float64)); time.Unix(exp, 0).Before(time.Now()) {
		t.Errorf("exp %d is in the past", exp)
	}
	return claims
}

func decodeSegment(t *testing.T, seg string, v any) {
	t.Helper()
	data, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

func TestDiscovery(t *testing.T) {
	p, _ := newTestServer(t, Options{})
	status, d := getJSON(t, p.Issuer()+DiscoveryPath, nil)
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	// go-oidc rejects a provider whose issuer differs from the configured one.
	for key, want := range map[string]string{
		"issuer":                 p.Issuer(),
		"authorization_endpoint": p.Issuer() + AuthorizePath,
		"token_endpoint":         p.Issuer() + TokenPath,
		"jwks_uri":               p.Issuer() + JWKSPath,
		"userinfo_endpoint":      p.Issuer() + UserinfoPath,
	} {
		if d[key] != want {
			t.Errorf("%s = %v, want %s", key, d[key], want)
		}
	}
	if !strings.Contains(jsonString(d["code_challenge_methods_supported"]), "S256") {
		t.Errorf("PKCE S256 not advertised: %v", d["code_challenge_methods_supported"])
	}
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestSignIn(t *testing.T) {
	const verifier = "a-pkce-code-verifier-that-is-long-enough-0123456789"
	for _, tc := range []struct {
		name      string
		opts      Options
		extra     url.Values
		basic     bool
		wantEmail string
	}{
		{"login_hint becomes the email", Options{Email: "default@orybench.test"},
			url.Values{"login_hint": {"hint@orybench.test"}, "nonce": {"n-1"}}, true, "hint@orybench.test"},
		{"the configured email without login_hint", Options{Email: "default@orybench.test"},
			nil, false, "default@orybench.test"},
		{"PKCE", Options{},
			url.Values{"login_hint": {"pkce@orybench.test"}, "code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}}, true, "pkce@orybench.test"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := newTestServer(t, tc.opts)
			back := authorize(t, p, tc.extra)
			if back.Get("state") != "the-state" || back.Get("code") == "" {
				t.Fatalf("redirect query %v: want state and code", back)
			}
			form := url.Values{"grant_type": {"authorization_code"}, "code": {back.Get("code")}, "redirect_uri": {callback}}
			if tc.extra.Get("code_challenge") != "" {
				form.Set("code_verifier", verifier)
			}
			a := exchange(t, p, form, tc.basic)
			if a.status != http.StatusOK {
				t.Fatalf("token: %d %v", a.status, a.body)
			}
			claims := verify(t, p, a.body["id_token"].(string))
			if claims["email"] != tc.wantEmail || claims["sub"] != Subject(tc.wantEmail) {
				t.Errorf("email %v sub %v, want %s and %s", claims["email"], claims["sub"], tc.wantEmail, Subject(tc.wantEmail))
			}
			if n := tc.extra.Get("nonce"); n != "" && claims["nonce"] != n {
				t.Errorf("nonce %v, want %s", claims["nonce"], n)
			}

			status, info := getJSON(t, p.Issuer()+UserinfoPath, http.Header{"Authorization": {"Bearer " + a.body["access_token"].(string)}})
			if status != http.StatusOK || info["sub"] != claims["sub"] || info["email"] != tc.wantEmail {
				t.Errorf("userinfo: %d %v", status, info)
			}

			// A code is good for one exchange only.
			if again := exchange(t, p, form, tc.basic); again.body["error"] != "invalid_grant" {
				t.Errorf("second exchange of one code: %d %v, want invalid_grant", again.status, again.body)
			}
		})
	}
}

func TestAuthorizeRefuses(t *testing.T) {
	p, _ := newTestServer(t, Options{})
	for _, tc := range []struct {
		name      string
		extra     url.Values
		wantError string // "" : a 400 page, no redirect
	}{
		{"no email at all", nil, "login_required"},
		{"implicit flow", url.Values{"response_type": {"token"}, "login_hint": {"a@b.c"}}, "unsupported_response_type"},
		{"no openid scope", url.Values{"scope": {"email"}, "login_hint": {"a@b.c"}}, "invalid_scope"},
		{"plain PKCE", url.Values{"code_challenge": {"x"}, "code_challenge_method": {"plain"}, "login_hint": {"a@b.c"}}, "invalid_request"},
		{"unknown client", url.Values{"client_id": {"someone-else"}}, ""},
		{"relative redirect_uri", url.Values{"redirect_uri": {"/callback"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := noRedirects.Get(authorizeURL(p, tc.extra))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if tc.wantError == "" {
				if res.StatusCode != http.StatusBadRequest {
					t.Errorf("status %d, want 400", res.StatusCode)
				}
				return
			}
			loc, _ := url.Parse(res.Header.Get("Location"))
			if res.StatusCode != http.StatusSeeOther || loc.Query().Get("error") != tc.wantError || loc.Query().Get("state") != "the-state" || loc.Query().Has("code") {
				t.Errorf("%d %s, want 303 with error=%s, the state and no code", res.StatusCode, loc, tc.wantError)
			}
		})
	}
}

func TestTokenRefuses(t *testing.T) {
	p, _ := newTestServer(t, Options{})
	code := func(extra url.Values) string {
		return authorize(t, p, extra).Get("code")
	}
	hint := url.Values{"login_hint": {"a@orybench.test"}}
	pkce := url.Values{"login_hint": {"a@orybench.test"}, "code_challenge": {s256("right")}, "code_challenge_method": {"S256"}}
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"unknown code", url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}, "redirect_uri": {callback}}, 400, "invalid_grant"},
		{"other redirect_uri", url.Values{"grant_type": {"authorization_code"}, "code": {code(hint)}, "redirect_uri": {callback + "x"}}, 400, "invalid_grant"},
		{"wrong grant type", url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{"missing code_verifier", url.Values{"grant_type": {"authorization_code"}, "code": {code(pkce)}, "redirect_uri": {callback}}, 400, "invalid_grant"},
		{"wrong code_verifier", url.Values{"grant_type": {"authorization_code"}, "code": {code(pkce)}, "redirect_uri": {callback}, "code_verifier": {"wrong"}}, 400, "invalid_grant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := exchange(t, p, tc.form, true)
			if a.status != tc.status || a.body["error"] != tc.want {
				t.Errorf("%d %v, want %d %s", a.status, a.body, tc.status, tc.want)
			}
		})
	}

	t.Run("wrong client secret", func(t *testing.T) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code(hint)}, "redirect_uri": {callback}}
		req, _ := http.NewRequest(http.MethodPost, p.Issuer()+TokenPath, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(DefaultClientID, "wrong")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("status %d, want 401", res.StatusCode)
		}
	})

	t.Run("expired code", func(t *testing.T) {
		now := time.Now()
		p, _ := newTestServer(t, Options{Now: func() time.Time { return now }, CodeLifespan: time.Second})
		c := authorize(t, p, hint).Get("code")
		now = now.Add(2 * time.Second)
		a := exchange(t, p, url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {callback}}, true)
		if a.body["error"] != "invalid_grant" {
			t.Errorf("%d %v, want invalid_grant", a.status, a.body)
		}
	})
}

func TestUserinfoRefusesUnknownToken(t *testing.T) {
	p, _ := newTestServer(t, Options{})
	status, body := getJSON(t, p.Issuer()+UserinfoPath, http.Header{"Authorization": {"Bearer nope"}})
	if status != http.StatusUnauthorized || body["error"] != "invalid_token" {
		t.Errorf("%d %v, want 401 invalid_token", status, body)
	}
}

func TestStartAndClose(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	status, d := getJSON(t, s.URL()+DiscoveryPath, nil)
	if status != http.StatusOK || d["issuer"] != s.Issuer() {
		t.Errorf("discovery: %d %v", status, d)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := http.Get(s.URL() + DiscoveryPath); err == nil {
		t.Error("still serving after Close")
	}
}

func TestNewRejectsBadIssuer(t *testing.T) {
	for _, issuer := range []string{"", "127.0.0.1:80", "ftp://x", "http://"} {
		if _, err := New(issuer, Options{}); err == nil {
			t.Errorf("New(%q): no error", issuer)
		}
	}
}
