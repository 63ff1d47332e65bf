package kratosclient

import (
	"context"
	"net/http"
	"net/url"
)

// Request is any call of the public API, for callers that make their own
// (generated) requests: Method and escaped Path relative to the base URL,
// Query, and Header, which is sent on top of the client's own headers
// (Accept for its mode, X-Session-Token for a native app): a key set to
// nil or an empty slice is not sent at all, so that a request can lack
// the Accept header every other call sends.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   *Body
}

// Send sends r as c's kind of caller does every other call: with its
// cookies, pace and rate-limit retries, redirects not followed. c keeps
// from the answer what it keeps from any (a CSRF token, a session token).
// A Cookie header in r.Header (nil: no cookies at all) is sent in place of
// the cookies c holds, which stay as they were.
func (c *Client) Send(ctx context.Context, r Request) (*Response, error) {
	h := http.Header{}
	for k, vs := range r.Header {
		h[http.CanonicalHeaderKey(k)] = vs
	}
	return c.do(ctx, request{method: r.Method, path: r.Path, query: r.Query, body: r.Body, header: h})
}

// Accept is the Accept header a caller of kind m sends.
func (m Mode) Accept() string {
	if m == Browser {
		return acceptBrowser
	}
	return acceptJSON
}
