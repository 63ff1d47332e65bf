package kratosclient

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// This file holds one method per FrontendApi operationId of Kratos v1.3.1,
// named as the operation. Query parameters are passed as url.Values so that a
// caller can send exactly what it means to, documented or not.

// FlowKind names the self-service flows that share the same route shapes.
type FlowKind string

const (
	Login        FlowKind = "login"
	Registration FlowKind = "registration"
	Recovery     FlowKind = "recovery"
	Settings     FlowKind = "settings"
	Verification FlowKind = "verification"
)

// FlowKinds lists the self-service flows with create/get/update operations.
var FlowKinds = []FlowKind{Login, Registration, Recovery, Settings, Verification}

func (c *Client) get(ctx context.Context, path string, q url.Values) (*Response, error) {
	return c.do(ctx, request{method: http.MethodGet, path: path, query: q})
}

func flowQuery(flowID string) url.Values {
	if flowID == "" {
		return nil
	}
	return url.Values{"flow": {flowID}}
}

func idQuery(id string) url.Values {
	if id == "" {
		return nil
	}
	return url.Values{"id": {id}}
}

// CreateNativeFlow is GET /self-service/{flow}/api (createNative*Flow).
func (c *Client) CreateNativeFlow(ctx context.Context, f FlowKind, q url.Values) (*Response, error) {
	return c.get(ctx, "/self-service/"+string(f)+"/api", q)
}

// CreateBrowserFlow is GET /self-service/{flow}/browser (createBrowser*Flow).
func (c *Client) CreateBrowserFlow(ctx context.Context, f FlowKind, q url.Values) (*Response, error) {
	return c.get(ctx, "/self-service/"+string(f)+"/browser", q)
}

// GetFlow is GET /self-service/{flow}/flows?id= (get*Flow).
func (c *Client) GetFlow(ctx context.Context, f FlowKind, id string) (*Response, error) {
	return c.get(ctx, "/self-service/"+string(f)+"/flows", idQuery(id))
}

// UpdateFlow is POST /self-service/{flow}?flow= (update*Flow). An empty
// flowID omits the parameter.
func (c *Client) UpdateFlow(ctx context.Context, f FlowKind, flowID string, body *Body) (*Response, error) {
	return c.do(ctx, request{method: http.MethodPost, path: "/self-service/" + string(f), query: flowQuery(flowID), body: body})
}

// UpdateFlowWithToken is update*Flow with the token query parameter the
// contract documents for a mailed link ("usually set in a link"): POST
// /self-service/{flow}?flow=&token=. Kratos v1.3.1 serves a GET of the
// same URL, the link as a mail reader's browser opens it, with the same
// handler; the contract documents only the POST.
func (c *Client) UpdateFlowWithToken(ctx context.Context, f FlowKind, flowID, token string, body *Body) (*Response, error) {
	q := flowQuery(flowID)
	if q == nil {
		q = url.Values{}
	}
	q.Set("token", token)
	return c.do(ctx, request{method: http.MethodPost, path: "/self-service/" + string(f), query: q, body: body})
}

// FollowLink is a GET of a mailed link's path and query on the client's
// base URL: the link as a mail reader's browser opens it. It is no
// operation of the contract (see UpdateFlowWithToken).
func (c *Client) FollowLink(ctx context.Context, link string) (*Response, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("follow link: %w", err)
	}
	path := strings.TrimPrefix(u.EscapedPath(), strings.TrimSuffix(c.base.EscapedPath(), "/"))
	return c.get(ctx, path, u.Query())
}

// CreateNativeLoginFlow is GET /self-service/login/api.
func (c *Client) CreateNativeLoginFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.CreateNativeFlow(ctx, Login, q)
}

// CreateBrowserLoginFlow is GET /self-service/login/browser.
func (c *Client) CreateBrowserLoginFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.CreateBrowserFlow(ctx, Login, q)
}

// GetLoginFlow is GET /self-service/login/flows?id=.
func (c *Client) GetLoginFlow(ctx context.Context, id string) (*Response, error) {
	return c.GetFlow(ctx, Login, id)
}

// UpdateLoginFlow is POST /self-service/login?flow=.
func (c *Client) UpdateLoginFlow(ctx context.Context, flowID string, body *Body) (*Response, error) {
	return c.UpdateFlow(ctx, Login, flowID, body)
}

// CreateNativeRegistrationFlow is GET /self-service/registration/api.
func (c *Client) CreateNativeRegistrationFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.CreateNativeFlow(ctx, Registration, q)
}

// CreateBrowserRegistrationFlow is GET /self-service/registration/browser.
func (c *Client) CreateBrowserRegistrationFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.CreateBrowserFlow(ctx, Registration, q)
}

// GetRegistrationFlow is GET /self-service/registration/flows?id=.
func (c *Client) GetRegistrationFlow(ctx context.Context, id string) (*Response, error) {
	return c.GetFlow(ctx, Registration, id)
}

// UpdateRegistrationFlow is POST /self-service/registration?flow=.
func (c *Client) UpdateRegistrationFlow(ctx context.Context, flowID string, body *Body) (*Response, error) {
	return c.UpdateFlow(ctx, Registration, flowID, body)
}

// CreateNativeRecoveryFlow is GET /self-service/recovery/api.
func (c *Client) CreateNativeRecoveryFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.CreateNativeFlow(ctx, Recovery, q)
}

// CreateBrowserRecoveryFlow is GET /self-service/recovery/browser.
func (c *Client) CreateBrowserRecoveryFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.CreateBrowserFlow(ctx, Recovery, q)
}

// GetRecoveryFlow is GET /self-service/recovery/flows?id=.
func (c *Client) GetRecoveryFlow(ctx context.Context, id string) (*Response, error) {
	return c.GetFlow(ctx, Recovery, id)
}

// UpdateRecoveryFlow is POST /self-service/recovery?flow=.
func (c *Client) UpdateRecoveryFlow(ctx context.Context, flowID string, body *Body) (*Response, error) {
	return c.UpdateFlow(ctx, Recovery, flowID, body)
}

// CreateNativeSettingsFlow is GET /self-service/settings/api.
func (c *Client) CreateNativeSettingsFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.CreateNativeFlow(ctx, Settings, q)
}

// CreateBrowserSettingsFlow is GET /self-service/settings/browser.
func (c *Client) CreateBrowserSettingsFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.CreateBrowserFlow(ctx, Settings, q)
}

// GetSettingsFlow is GET /self-service/settings/flows?id=.
func (c *Client) GetSettingsFlow(ctx context.Context, id string) (*Response, error) {
	return c.GetFlow(ctx, Settings, id)
}

// UpdateSettingsFlow is POST /self-service/settings?flow=.
func (c *Client) UpdateSettingsFlow(ctx context.Context, flowID string, body *Body) (*Response, error) {
	return c.UpdateFlow(ctx, Settings, flowID, body)
}

// CreateNativeVerificationFlow is GET /self-service/verification/api.
func (c *Client) CreateNativeVerificationFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.CreateNativeFlow(ctx, Verification, q)
}

// CreateBrowserVerificationFlow is GET /self-service/verification/browser.
func (c *Client) CreateBrowserVerificationFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.CreateBrowserFlow(ctx, Verification, q)
}

// GetVerificationFlow is GET /self-service/verification/flows?id=.
func (c *Client) GetVerificationFlow(ctx context.Context, id string) (*Response, error) {
	return c.GetFlow(ctx, Verification, id)
}

// UpdateVerificationFlow is POST /self-service/verification?flow=.
func (c *Client) UpdateVerificationFlow(ctx context.Context, flowID string, body *Body) (*Response, error) {
	return c.UpdateFlow(ctx, Verification, flowID, body)
}

// CreateBrowserLogoutFlow is GET /self-service/logout/browser.
func (c *Client) CreateBrowserLogoutFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.get(ctx, "/self-service/logout/browser", q)
}

// UpdateLogoutFlow is GET /self-service/logout?token=&return_to=.
func (c *Client) UpdateLogoutFlow(ctx context.Context, q url.Values) (*Response, error) {
	return c.get(ctx, "/self-service/logout", q)
}

// PerformNativeLogout is DELETE /self-service/logout/api with a body such as
// JSONBody(map[string]string{"session_token": tok}).
func (c *Client) PerformNativeLogout(ctx context.Context, body *Body) (*Response, error) {
	return c.do(ctx, request{method: http.MethodDelete, path: "/self-service/logout/api", body: body})
}

// GetFlowError is GET /self-service/errors?id=.
func (c *Client) GetFlowError(ctx context.Context, id string) (*Response, error) {
	return c.get(ctx, "/self-service/errors", idQuery(id))
}

// ToSession is GET /sessions/whoami.
func (c *Client) ToSession(ctx context.Context, q url.Values) (*Response, error) {
	return c.get(ctx, "/sessions/whoami", q)
}

// ListMySessions is GET /sessions.
func (c *Client) ListMySessions(ctx context.Context, q url.Values) (*Response, error) {
	return c.get(ctx, "/sessions", q)
}

// DisableMyOtherSessions is DELETE /sessions.
func (c *Client) DisableMyOtherSessions(ctx context.Context) (*Response, error) {
	return c.do(ctx, request{method: http.MethodDelete, path: "/sessions"})
}

// DisableMySession is DELETE /sessions/{id}.
func (c *Client) DisableMySession(ctx context.Context, id string) (*Response, error) {
	return c.do(ctx, request{method: http.MethodDelete, path: "/sessions/" + url.PathEscape(id)})
}

// ExchangeSessionToken is GET /sessions/token-exchange?init_code=&return_to_code=.
func (c *Client) ExchangeSessionToken(ctx context.Context, q url.Values) (*Response, error) {
	return c.get(ctx, "/sessions/token-exchange", q)
}

// GetWebAuthnJavaScript is GET /.well-known/ory/webauthn.js.
func (c *Client) GetWebAuthnJavaScript(ctx context.Context) (*Response, error) {
	return c.get(ctx, "/.well-known/ory/webauthn.js", nil)
}
