// Package oidcfake is an OpenID Connect provider that signs everybody in
// without asking: orybench points Kratos's generic OIDC provider at it so
// that a social sign-in, and the session token exchange that depends on one,
// completes offline.
//
// It serves discovery, an authorization endpoint that approves at once and
// redirects back with a code, a token endpoint that returns an RS256-signed
// ID token, the signing key as a JWKS, and userinfo. The email claim is the
// authorization request's login_hint (Kratos passes it through from the
// oidc method's upstream_parameters), else Options.Email; the subject is
// derived from the email, so one email is always one account.
//
// It is a test double: it checks what a provider must (client credentials,
// redirect_uri, single-use codes, PKCE) so that Kratos's side of the protocol
// is exercised, and nothing a real provider would (users, consent).
package oidcfake

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Default client credentials, as orybench's local Kratos configuration
// (localkratos/config/kratos.yml.tmpl) registers them.
const (
	DefaultClientID     = "orybench-fake-client"
	DefaultClientSecret = "orybench-fake-secret"
)

// Paths the provider serves, relative to its issuer URL.
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	AuthorizePath = "/oauth2/auth"
	TokenPath     = "/oauth2/token"
	JWKSPath      = "/.well-known/jwks.json"
	UserinfoPath  = "/userinfo"
)

// Options configure a Provider. The zero value accepts the default client
// and needs a login_hint in every authorization request.
type Options struct {
	// ClientID and ClientSecret are the one client the provider accepts
	// ("" means DefaultClientID / DefaultClientSecret).
	ClientID, ClientSecret string
	// Email is the email claim when an authorization request carries no
	// login_hint. With neither, the request is answered with
	// error=login_required.
	Email string
	// CodeLifespan bounds the time between authorization and token
	// exchange (default one minute).
	CodeLifespan time.Duration
	// TokenLifespan is the lifetime of ID and access tokens (default one
	// hour).
	TokenLifespan time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Provider is the fake OpenID Connect provider, an http.Handler for the
// paths above. It is safe for concurrent use.
type Provider struct {
	issuer string
	opts   Options
	key    *rsa.PrivateKey
	keyID  string
	mux    *http.ServeMux

	mu     sync.Mutex
	codes  map[string]grant // authorization code -> what it grants
	tokens map[string]grant // access token -> what it grants
}

// grant is what one authorization decided.
type grant struct {
	email         string
	redirectURI   string
	nonce         string
	codeChallenge string
	expires       time.Time
}

// New returns a provider whose issuer identifier is issuer, the URL it will
// be served at (no trailing slash: OIDC compares it byte for byte).
func New(issuer string, opts Options) (*Provider, error) {
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("oidcfake: issuer %q is not an absolute http(s) URL", issuer)
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.CodeLifespan == 0 {
		opts.CodeLifespan = time.Minute
	}
	if opts.TokenLifespan == 0 {
		opts.TokenLifespan = time.Hour
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("oidcfake: signing key: %w", err)
	}
	p := &Provider{
		issuer: strings.TrimRight(issuer, "/"),
		opts:   opts,
		key:    key,
		keyID:  randomString(8),
		mux:    http.NewServeMux(),
		codes:  map[string]grant{},
		tokens: map[string]grant{},
	}
	p.mux.HandleFunc("GET "+DiscoveryPath, p.discovery)
	p.mux.HandleFunc("GET "+AuthorizePath, p.authorize)
	p.mux.HandleFunc("POST "+TokenPath, p.token)
	p.mux.HandleFunc("GET "+JWKSPath, p.jwks)
	p.mux.HandleFunc("GET "+UserinfoPath, p.userinfo)
	p.mux.HandleFunc("POST "+UserinfoPath, p.userinfo)
	return p, nil
}

// Issuer is the provider's issuer identifier, the issuer_url to configure.
func (p *Provider) Issuer() string { return p.issuer }

// Subject is the sub claim the provider issues for email.
func Subject(email string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(email)))
	return "orybench-" + hex.EncodeToString(sum[:12])
}

func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) { p.mux.ServeHTTP(w, r) }

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.issuer,
		"authorization_endpoint":                p.issuer + AuthorizePath,
		"token_endpoint":                        p.issuer + TokenPath,
		"jwks_uri":                              p.issuer + JWKSPath,
		"userinfo_endpoint":                     p.issuer + UserinfoPath,
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "email"},
		"claims_supported":                      []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "email", "email_verified"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

// authorize approves every valid request at once: 303 back to redirect_uri
// with a code and the request's state. Requests that cannot be redirected
// safely (unknown client, no redirect_uri) get a 400 page instead.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != p.opts.ClientID {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || !back.IsAbs() {
		http.Error(w, "redirect_uri must be an absolute URL", http.StatusBadRequest)
		return
	}
	answer := back.Query()
	if s := q.Get("state"); s != "" {
		answer.Set("state", s)
	}
	redirect := func() {
		back.RawQuery = answer.Encode()
		http.Redirect(w, r, back.String(), http.StatusSeeOther)
	}
	fail := func(code, description string) {
		answer.Set("error", code)
		answer.Set("error_description", description)
		redirect()
	}
	if q.Get("response_type") != "code" {
		fail("unsupported_response_type", "only the authorization code flow is supported")
		return
	}
	if !hasScope(q.Get("scope"), "openid") {
		fail("invalid_scope", "the openid scope is required")
		return
	}
	challenge := q.Get("code_challenge")
	if challenge != "" && q.Get("code_challenge_method") != "S256" {
		fail("invalid_request", "only the S256 code_challenge_method is supported")
		return
	}
	email := q.Get("login_hint")
	if email == "" {
		email = p.opts.Email
	}
	if !strings.Contains(email, "@") {
		fail("login_required", "no login_hint email and no default email configured")
		return
	}
	code := randomString(24)
	p.mu.Lock()
	p.sweep()
	p.codes[code] = grant{
		email:         email,
		redirectURI:   q.Get("redirect_uri"),
		nonce:         q.Get("nonce"),
		codeChallenge: challenge,
		expires:       p.opts.Now().Add(p.opts.CodeLifespan),
	}
	p.mu.Unlock()
	answer.Set("code", code)
	redirect()
}

// token exchanges a code for an access token and an ID token (RFC 6749
// section 4.1.3, OIDC Core 3.1.3). Client authentication is
// client_secret_basic or client_secret_post.
func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	id, secret, basic := r.BasicAuth()
	if basic {
		// RFC 6749 section 2.3.1: both are form-urlencoded inside Basic.
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if !equal(id, p.opts.ClientID) || !equal(secret, p.opts.ClientSecret) {
		w.Header().Set("WWW-Authenticate", `Basic realm="oidcfake"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code is supported")
		return
	}
	code := r.PostForm.Get("code")
	p.mu.Lock()
	g, ok := p.codes[code]
	delete(p.codes, code) // single use, whatever happens next
	p.mu.Unlock()
	now := p.opts.Now()
	switch {
	case !ok || now.After(g.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown, used or expired code")
		return
	case r.PostForm.Get("redirect_uri") != g.redirectURI:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
		return
	case g.codeChallenge != "" && s256(r.PostForm.Get("code_verifier")) != g.codeChallenge:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
		return
	}
	claims := map[string]any{
		"iss":            p.issuer,
		"sub":            Subject(g.email),
		"aud":            p.opts.ClientID,
		"iat":            now.Unix(),
		"auth_time":      now.Unix(),
		"exp":            now.Add(p.opts.TokenLifespan).Unix(),
		"email":          g.email,
		"email_verified": true,
	}
	if g.nonce != "" {
		claims["nonce"] = g.nonce
	}
	idToken, err := p.sign(claims)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	access := randomString(24)
	g.expires = now.Add(p.opts.TokenLifespan)
	p.mu.Lock()
	p.tokens[access] = g
	p.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access,
		"token_type":   "Bearer",
		"expires_in":   int(p.opts.TokenLifespan.Seconds()),
		"scope":        "openid email",
		"id_token":     idToken,
	})
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	scheme, access, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	p.mu.Lock()
	g, ok := p.tokens[access]
	p.mu.Unlock()
	if !strings.EqualFold(scheme, "Bearer") || !ok || p.opts.Now().After(g.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token", "unknown or expired access token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"sub": Subject(g.email), "email": g.email, "email_verified": true})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	pub := p.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA",
		"use": "sig",
		"alg": "RS256",
		"kid": p.keyID,
		"n":   b64(pub.N.Bytes()),
		"e":   b64(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

// sign encodes claims as a JWS compact serialisation signed with RS256.
func (p *Provider) sign(claims map[string]any) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "kid": p.keyID})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	input := b64(header) + "." + b64(payload)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, p.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}

// sweep forgets expired codes and tokens; p.mu is held.
func (p *Provider) sweep() {
	now := p.opts.Now()
	for k, g := range p.codes {
		if now.After(g.expires) {
			delete(p.codes, k)
		}
	}
	for k, g := range p.tokens {
		if now.After(g.expires) {
			delete(p.tokens, k)
		}
	}
}

func hasScope(scope, want string) bool {
	for _, s := range strings.Fields(scope) {
		if s == want {
			return true
		}
	}
	return false
}

func s256(verifier string) string {
	if verifier == "" {
		return "\x00" // matches no challenge
	}
	sum := sha256.Sum256([]byte(verifier))
	return b64(sum[:])
}

func equal(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b64(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}
