package kratosclient

import (
	"context"
	"net/http"
	"net/url"
)

// This file holds one method per FrontendApi operation the Ory Network
// contract (github.com/ory/client-go v1.22.92) adds to Kratos v1.3.1's,
// named as the operation, and Probe, which tells whether a target routes
// a path at all: Kratos v1.3.1 serves none of these operations.

// CreateFedcmFlow is GET /self-service/fed-cm/parameters.
func (c *Client) CreateFedcmFlow(ctx context.Context) (*Response, error) {
	return c.get(ctx, "/self-service/fed-cm/parameters", nil)
}

// UpdateFedcmFlow is POST /self-service/fed-cm/token with a body such as
// JSONBody(map[string]string{"csrf_token": ..., "token": ...}).
func (c *Client) UpdateFedcmFlow(ctx context.Context, body *Body) (*Response, error) {
	return c.do(ctx, request{method: http.MethodPost, path: "/self-service/fed-cm/token", body: body})
}

// InitSamlLogin is GET /self-service/methods/saml/init/{provider}?flow=&purpose=.
func (c *Client) InitSamlLogin(ctx context.Context, provider string, q url.Values) (*Response, error) {
	return c.get(ctx, samlPath("init", provider), q)
}

// InitSamlLoginRequest is POST /self-service/methods/saml/init/{provider}?flow=&purpose=.
func (c *Client) InitSamlLoginRequest(ctx context.Context, provider string, q url.Values) (*Response, error) {
	return c.do(ctx, request{method: http.MethodPost, path: samlPath("init", provider), query: q})
}

// SubmitSamlAssertion is POST /self-service/methods/saml/acs/{provider}
// with a form body of RelayState and SAMLResponse.
func (c *Client) SubmitSamlAssertion(ctx context.Context, provider string, body *Body) (*Response, error) {
	return c.do(ctx, request{method: http.MethodPost, path: samlPath("acs", provider), body: body})
}

// CreateIdPInitiatedSamlBrowserLoginFlow is GET
// /self-service/methods/saml/idp-initiated/{provider}?code=.
func (c *Client) CreateIdPInitiatedSamlBrowserLoginFlow(ctx context.Context, provider string, q url.Values) (*Response, error) {
	return c.get(ctx, samlPath("idp-initiated", provider), q)
}

// GetSamlMetadata is GET /self-service/methods/saml/metadata.
func (c *Client) GetSamlMetadata(ctx context.Context) (*Response, error) {
	return c.get(ctx, "/self-service/methods/saml/metadata", nil)
}

// GetSamlProviderMetadata is GET /self-service/methods/saml/metadata/{provider}.
func (c *Client) GetSamlProviderMetadata(ctx context.Context, provider string) (*Response, error) {
	return c.get(ctx, samlPath("metadata", provider), nil)
}

// GetWebAuthnRelatedOrigins is GET /.well-known/webauthn.
func (c *Client) GetWebAuthnRelatedOrigins(ctx context.Context) (*Response, error) {
	return c.get(ctx, "/.well-known/webauthn", nil)
}

// GetWellKnownChangePassword is GET /.well-known/change-password.
func (c *Client) GetWellKnownChangePassword(ctx context.Context) (*Response, error) {
	return c.get(ctx, "/.well-known/change-password", nil)
}

// DeleteTestLoginFlow is DELETE /self-service/login/test?id=. A browser or
// single page app sends its cookies with it, as the contract allows.
func (c *Client) DeleteTestLoginFlow(ctx context.Context, id string) (*Response, error) {
	return c.do(ctx, request{method: http.MethodDelete, path: "/self-service/login/test", query: idQuery(id)})
}

func samlPath(endpoint, provider string) string {
	return "/self-service/methods/saml/" + endpoint + "/" + url.PathEscape(provider)
}

// Probe GETs path on the public API, with no query, to find out whether
// the target routes it (Response.NotServed). It is for discovery: every
// operation has its own method. GET is used whatever method the path's
// operation has, because a safe method reaches Kratos's router past its
// anti-CSRF middleware, which answers a POST or DELETE it does not exempt
// with 403 whether or not any route matches; a router that routes the
// path for another method answers GET with 405.
func (c *Client) Probe(ctx context.Context, path string) (*Response, error) {
	return c.get(ctx, path, nil)
}

// NotServed reports whether r is the answer of a router with no route for
// the request's path: a 404 whose body is not a JSON error. Kratos
// v1.3.1's router answers such a request "404 page not found" as
// text/plain; a route it serves answers 404 (an unknown flow, say) with a
// JSON error body.
func (r *Response) NotServed() bool {
	if r.Status != http.StatusNotFound {
		return false
	}
	e := r.ErrorBody().Error
	return e.Code == 0 && e.ID == "" && e.Status == "" && e.Message == "" && e.Reason == ""
}
