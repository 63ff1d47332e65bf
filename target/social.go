package target

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
)

// fakeOIDCProvider is the provider id of orybench's fake OIDC provider in
// the local Kratos configuration (localkratos.Options.OIDCIssuer).
const fakeOIDCProvider = "fake"

// AllowedReturnTo is a return_to URL under path that the target accepts.
// Only a local target's allowed URLs are known; elsewhere the error wraps
// ErrUnsupported.
func (t *Target) AllowedReturnTo(path string) (string, error) {
	if t.local == nil {
		return "", unsupported("no return_to URL is known to be allowed on %s", t.name)
	}
	return t.UIURL() + path, nil
}

// SocialSignInForApp signs email in the way a native app signs in with a
// social provider, through orybench's fake provider (CompletableSocialSignIn):
// the app asks for a login flow that returns a session token exchange code,
// hands the provider's authorize URL to a browser, and is called back on
// its return_to with a second code. It returns both codes, which
// exchangeSessionToken takes. The browser keeps no cookies: the codes alone
// tie the steps together.
func (t *Target) SocialSignInForApp(ctx context.Context, email string) (initCode, returnToCode string, err error) {
	returnTo, err := t.AllowedReturnTo("/orybench-app-callback")
	if err != nil {
		return "", "", err
	}
	app, err := t.Client(kratosclient.Native)
	if err != nil {
		return "", "", err
	}
	r, err := app.CreateNativeLoginFlow(ctx, url.Values{"return_session_token_exchange_code": {"true"}, "return_to": {returnTo}})
	if err != nil {
		return "", "", err
	}
	fl, err := r.Flow()
	if r.Status != http.StatusOK || err != nil {
		return "", "", answer("login flow for the app", r)
	}
	if fl.SessionTokenExchangeCode == "" {
		return "", "", fmt.Errorf("login flow for the app: no session_token_exchange_code")
	}
	r, err = app.UpdateLoginFlow(ctx, fl.ID, app.Submission(kratosclient.Fields{
		"method": "oidc", "provider": fakeOIDCProvider,
		"upstream_parameters": map[string]string{"login_hint": email},
	}))
	if err != nil {
		return "", "", err
	}
	if r.Status != http.StatusUnprocessableEntity {
		return "", "", answer("oidc sign-in", r)
	}
	back, err := followRedirects(ctx, r.ErrorBody().RedirectBrowserTo, returnTo)
	if err != nil {
		return "", "", err
	}
	if returnToCode = back.Query().Get("code"); returnToCode == "" {
		return "", "", fmt.Errorf("no ?code= in %s", redact.URL(back.String()))
	}
	return fl.SessionTokenExchangeCode, returnToCode, nil
}

// followRedirects plays a cookie-less browser from start until it is sent
// to a URL under stop, and returns that URL.
func followRedirects(ctx context.Context, start, stop string) (*url.URL, error) {
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	next := start
	for range 10 {
		if strings.HasPrefix(next, stop) {
			return url.Parse(next)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "text/html")
		res, err := hc.Do(req)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", redact.URL(next), err)
		}
		res.Body.Close()
		loc, err := res.Location()
		if err != nil {
			return nil, fmt.Errorf("GET %s answered %d without a redirect", redact.URL(next), res.StatusCode)
		}
		next = loc.String()
	}
	return nil, fmt.Errorf("more than 10 redirects from %s", redact.URL(start))
}
