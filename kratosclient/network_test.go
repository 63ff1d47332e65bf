package kratosclient

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

func TestNetworkOperationsSendWhatTheContractDocuments(t *testing.T) {
	rec := &recorder{}
	srv := rec.server(t, func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "ory_kratos_test_flow", Value: "hmac", Path: "/"})
		w.WriteHeader(http.StatusNoContent)
	})
	flow := url.Values{"flow": {"f1"}, "purpose": {"login"}}
	for _, tc := range []struct {
		name     string
		mode     Mode
		call     func(context.Context, *Client) (*Response, error)
		method   string
		path     string // escaped, as sent
		query    url.Values
		body     string
		bodyType string
	}{
		{"createFedcmFlow", SPA, func(ctx context.Context, c *Client) (*Response, error) { return c.CreateFedcmFlow(ctx) },
			"GET", "/self-service/fed-cm/parameters", url.Values{}, "", ""},
		{"updateFedcmFlow", SPA, func(ctx context.Context, c *Client) (*Response, error) {
			return c.UpdateFedcmFlow(ctx, JSONBody(map[string]string{"csrf_token": "c", "token": "t"}))
		}, "POST", "/self-service/fed-cm/token", url.Values{}, `{"csrf_token":"c","token":"t"}`, "application/json"},
		{"initSamlLogin", Browser, func(ctx context.Context, c *Client) (*Response, error) {
			return c.InitSamlLogin(ctx, "acme corp/1", flow)
		},
			"GET", "/self-service/methods/saml/init/acme%20corp%2F1", flow, "", ""},
		{"initSamlLoginRequest", Browser, func(ctx context.Context, c *Client) (*Response, error) {
			return c.InitSamlLoginRequest(ctx, "acme", flow)
		}, "POST", "/self-service/methods/saml/init/acme", flow, "", ""},
		{"submitSamlAssertion", Browser, func(ctx context.Context, c *Client) (*Response, error) {
			return c.SubmitSamlAssertion(ctx, "acme", FormBody(url.Values{"RelayState": {"r"}, "SAMLResponse": {"s"}}))
		}, "POST", "/self-service/methods/saml/acs/acme", url.Values{}, "RelayState=r&SAMLResponse=s", "application/x-www-form-urlencoded"},
		{"createIdPInitiatedSamlBrowserLoginFlow", Browser, func(ctx context.Context, c *Client) (*Response, error) {
			return c.CreateIdPInitiatedSamlBrowserLoginFlow(ctx, "acme", url.Values{"code": {"c1"}})
		}, "GET", "/self-service/methods/saml/idp-initiated/acme", url.Values{"code": {"c1"}}, "", ""},
		{"getSamlMetadata", Native, func(ctx context.Context, c *Client) (*Response, error) { return c.GetSamlMetadata(ctx) },
			"GET", "/self-service/methods/saml/metadata", url.Values{}, "", ""},
		{"getSamlProviderMetadata", Native, func(ctx context.Context, c *Client) (*Response, error) {
			return c.GetSamlProviderMetadata(ctx, "acme")
		}, "GET", "/self-service/methods/saml/metadata/acme", url.Values{}, "", ""},
		{"getWebAuthnRelatedOrigins", SPA, func(ctx context.Context, c *Client) (*Response, error) { return c.GetWebAuthnRelatedOrigins(ctx) },
			"GET", "/.well-known/webauthn", url.Values{}, "", ""},
		{"getWellKnownChangePassword", Browser, func(ctx context.Context, c *Client) (*Response, error) { return c.GetWellKnownChangePassword(ctx) },
			"GET", "/.well-known/change-password", url.Values{}, "", ""},
		{"deleteTestLoginFlow", SPA, func(ctx context.Context, c *Client) (*Response, error) { return c.DeleteTestLoginFlow(ctx, "f1") },
			"DELETE", "/self-service/login/test", url.Values{"id": {"f1"}}, "", ""},
		{"probe", Native, func(ctx context.Context, c *Client) (*Response, error) {
			return c.Probe(ctx, "/self-service/login/test")
		},
			"GET", "/self-service/login/test", url.Values{}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(srv.URL, tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			// A first call sets a cookie, which browsers and SPAs send with
			// the second, the one checked.
			for range 2 {
				r, err := tc.call(ctx, c)
				if err != nil {
					t.Fatal(err)
				}
				if r.Method != tc.method || r.Status != http.StatusNoContent {
					t.Fatalf("answer %s %d, want %s 204", r.Method, r.Status, tc.method)
				}
			}
			got := rec.last
			if got.Method != tc.method || got.URL.EscapedPath() != tc.path {
				t.Errorf("sent %s %s, want %s %s", got.Method, got.URL.EscapedPath(), tc.method, tc.path)
			}
			if q := got.URL.Query(); q.Encode() != tc.query.Encode() {
				t.Errorf("query %v, want %v", q, tc.query)
			}
			if rec.body != tc.body || got.Header.Get("Content-Type") != tc.bodyType {
				t.Errorf("body %q (%q), want %q (%q)", rec.body, got.Header.Get("Content-Type"), tc.body, tc.bodyType)
			}
			wantAccept := map[Mode]string{Native: acceptJSON, SPA: acceptJSON, Browser: acceptBrowser}[tc.mode]
			if a := got.Header.Get("Accept"); a != wantAccept {
				t.Errorf("Accept %q, want %q", a, wantAccept)
			}
			if cookie := got.Header.Get("Cookie"); (cookie != "") != (tc.mode != Native) {
				t.Errorf("Cookie %q sent by a %s client", cookie, tc.mode)
			}
		})
	}
}

func TestNotServedAndExplain(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		contentType string
		body        string
		notServed   bool
		explain     string
	}{
		// Kratos v1.3.1, GET /self-service/fed-cm/parameters.
		{"the router's 404", 404, "text/plain; charset=utf-8", "404 page not found\n", true, "status 404; 404 page not found"},
		// Kratos v1.3.1, GET /self-service/login/flows?id=<unknown>.
		{"a served route's 404", 404, "application/json", `{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}`,
			false, "status 404; error: Unable to locate the resource"},
		{"a 404 without a body", 404, "", "", true, "status 404"},
		{"a 404 HTML page", 404, "text/html", "<html><body>Not Found</body></html>", true, "status 404 (text/html)"},
		// Kratos v1.3.1, GET /self-service/logout/api (DELETE only).
		{"another method's route", 405, "text/plain; charset=utf-8", "Method Not Allowed\n", false, "status 405; Method Not Allowed"},
		{"a redirect", 303, "text/html; charset=utf-8", `<a href="https://ui.example.org/settings">See Other</a>.`, false, "status 303 (text/html)"},
		{"a served route's 200", 200, "application/json", `{"origins":[]}`, false, "status 200"},
		{"a secret in a plain body is not quoted", 404, "text/plain", "404 no route for token=ory_st_abc", true, "status 404; 404 no route for token=[REDACTED]"},
	} {
		r := &Response{Status: tc.status, Header: http.Header{}, Body: []byte(tc.body)}
		if tc.contentType != "" {
			r.Header.Set("Content-Type", tc.contentType)
		}
		if got := r.NotServed(); got != tc.notServed {
			t.Errorf("%s: NotServed() = %v, want %v", tc.name, got, tc.notServed)
		}
		if got := r.Explain(); got != tc.explain {
			t.Errorf("%s: Explain() = %q, want %q", tc.name, got, tc.explain)
		}
	}
}
