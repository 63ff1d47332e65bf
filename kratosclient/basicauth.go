package kratosclient

import (
	"net/http"
	"net/url"
	"strings"
)

// BasicAuth is a user name and password sent as HTTP Basic authentication
// to one host: what the user information of a URL
// (https://user:password@host) means to curl or a browser, which a reverse
// proxy in front of Kratos may ask for. It is kept apart from the URL, so
// that the URL orybench keeps, prints and writes holds no password
// (SplitUserinfo).
//
// Kratos itself reads no Basic credentials: a session is a cookie, an
// X-Session-Token or an Authorization: Bearer token. So the credentials go
// on every request to Host, those a case makes without a session included.
// Only a request that carries an Authorization header of its own (a session
// token sent as a bearer token, an admin API key) goes without them: one
// header cannot hold both, and what the request means to test wins.
type BasicAuth struct {
	// Host is the host (and port, if the URL names one) the credentials
	// are for, as in the URL.
	Host     string
	Username string
	Password string
}

// String names the user and the host, never the password.
func (a BasicAuth) String() string { return a.Username + ":[REDACTED]@" + a.Host }

// SplitUserinfo checks raw as ParseBaseURL does and returns it without its
// user information, and that information as the credentials of its host
// (nil when it has none). Every URL the user gives passes through it before
// it is kept anywhere.
func SplitUserinfo(raw string) (string, *BasicAuth, error) {
	if _, err := ParseBaseURL(raw); err != nil {
		return raw, nil, err
	}
	u, _ := url.Parse(raw) // as ParseBaseURL did, without trimming the path
	if u.User == nil {
		return raw, nil, nil
	}
	password, _ := u.User.Password()
	auth := &BasicAuth{Host: u.Host, Username: u.User.Username(), Password: password}
	u.User = nil
	return u.String(), auth, nil
}

// WithBasicAuth sends each request to the host of one of auths with its
// credentials, unless the request has an Authorization header of its own.
func WithBasicAuth(auths ...BasicAuth) Option {
	return func(c *Client) { c.basicAuth = append(c.basicAuth, auths...) }
}

// BasicAuthTransport returns rt (nil: http.DefaultTransport) sending each
// request to the host of one of auths with its credentials, unless the
// request has an Authorization header of its own; requests to other hosts
// go as they are. With no auths it is rt.
func BasicAuthTransport(rt http.RoundTripper, auths ...BasicAuth) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	if len(auths) == 0 {
		return rt
	}
	return basicAuthTransport{rt, auths}
}

type basicAuthTransport struct {
	next  http.RoundTripper
	auths []BasicAuth
}

func (t basicAuthTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Authorization") != "" {
		return t.next.RoundTrip(req)
	}
	for _, a := range t.auths {
		if strings.EqualFold(req.URL.Host, a.Host) {
			// A RoundTripper must not change the request it is given.
			req = req.Clone(req.Context())
			req.SetBasicAuth(a.Username, a.Password)
			break
		}
	}
	return t.next.RoundTrip(req)
}
