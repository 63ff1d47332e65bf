// Package kratosclient is a raw HTTP client for the public Ory Kratos
// FrontendApi and the few admin endpoints orybench needs.
//
// It exists so that the conformance suites and the load runner see exactly
// what Kratos answers: every call returns the status, the headers and the
// body as sent, redirects are never followed, and an error is returned only
// when no HTTP answer was received. A generated SDK hides all of that.
//
// A Client acts as one kind of caller, its Mode: a native app (session token,
// JSON), a browser (cookies, CSRF token in forms, HTML accept) or a single
// page app (cookies, CSRF token in JSON, JSON accept).
package kratosclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/orybench/orybench/internal/redact"
)

// Mode is the kind of caller a Client acts as.
type Mode int

const (
	// Native is an app without a browser: it sends Accept: application/json,
	// authenticates with X-Session-Token and keeps no cookies.
	Native Mode = iota
	// Browser is a server-rendered web app: it keeps cookies, asks for HTML
	// and submits forms that carry the flow's CSRF token.
	Browser
	// SPA is a single page app in a browser: it keeps cookies like Browser
	// but asks for and sends JSON (the CSRF token travels in the JSON body).
	SPA
)

// Modes lists every Mode, in a stable order.
var Modes = []Mode{Native, Browser, SPA}

func (m Mode) String() string {
	switch m {
	case Native:
		return "native"
	case Browser:
		return "browser"
	case SPA:
		return "spa"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// ParseMode is the inverse of Mode.String.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("unknown client mode %q (want native, browser or spa)", s)
}

// Accept header values a real caller of each kind sends. The browser value is
// what Chrome sends for a navigation; the SPA value is axios' default, which
// Kratos negotiates to JSON.
const (
	acceptBrowser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	acceptJSON    = "application/json"
)

// MaxBodyBytes bounds how much of an answer is read. Kratos answers are a few
// kilobytes; anything much larger is not Kratos and is cut off with
// ErrBodyTooLarge rather than read into memory.
const MaxBodyBytes = 4 << 20

// ErrBodyTooLarge is returned when an answer's body exceeds MaxBodyBytes.
var ErrBodyTooLarge = errors.New("response body exceeds the size of any Kratos answer")

// Response is one HTTP answer, as received.
type Response struct {
	Method   string
	URL      string // the request URL, query included
	Status   int
	Header   http.Header
	Body     []byte
	Duration time.Duration
}

// ErrRateLimited is a call the target still answered 429 Too Many Requests
// after every retry WithRateLimitRetries allowed: the client gave up on it.
// Response.RateLimited and the StatusError of such an answer wrap it.
var ErrRateLimited = errors.New("still 429 Too Many Requests after every retry")

// RateLimited returns an error wrapping ErrRateLimited when r is a 429,
// nil otherwise. A call returns a 429 only once it has given up: every
// retry it was allowed was limited too.
func (r *Response) RateLimited() error {
	if r.Status != http.StatusTooManyRequests {
		return nil
	}
	return fmt.Errorf("%s %s: %w", r.Method, redact.URL(r.URL), ErrRateLimited)
}

// ContentType is the answer's media type without parameters ("" if none).
func (r *Response) ContentType() string {
	ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	return strings.TrimSpace(ct)
}

// Location is the redirect target of a 3xx answer.
func (r *Response) Location() string { return r.Header.Get("Location") }

// Decode unmarshals the body as JSON into v.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decode %s %s (status %d): %w", r.Method, redact.URL(r.URL), r.Status, err)
	}
	return nil
}

// Client calls one Kratos deployment as one kind of caller. It is safe for
// concurrent use, though a browser client's cookie jar is shared by all calls,
// as in a real browser.
type Client struct {
	base *url.URL
	mode Mode
	http *http.Client

	pace         *Pace
	limitRetries int
	limitMaxWait time.Duration

	mu           sync.Mutex
	sessionToken string
	csrfToken    string
	header       http.Header

	basicAuth []BasicAuth // WithBasicAuth
}

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient uses hc's transport and timeout. The client's redirect policy
// and cookie jar are always orybench's own.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		c.http.Transport = hc.Transport
		c.http.Timeout = hc.Timeout
	}
}

// WithTimeout bounds every call (default 30s).
func WithTimeout(d time.Duration) Option {
	return func(c *Client) { c.http.Timeout = d }
}

// WithHeader adds a header to every request, e.g. an Ory Network API key.
func WithHeader(key, value string) Option {
	return func(c *Client) { c.header.Add(key, value) }
}

// WithSessionToken makes a native client start out signed in.
func WithSessionToken(token string) Option {
	return func(c *Client) { c.sessionToken = token }
}

// New returns a client for the Kratos public API at baseURL acting as mode.
// baseURL names no user: credentials for a proxy in front of Kratos are
// given apart (SplitUserinfo, WithBasicAuth), so that no URL a call reports
// holds them.
func New(baseURL string, mode Mode, opts ...Option) (*Client, error) {
	u, err := ParseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if u.User != nil {
		return nil, fmt.Errorf("URL %q names a user: give its credentials apart (kratosclient.SplitUserinfo)", redact.URL(baseURL))
	}
	c := &Client{
		base: u,
		mode: mode,
		http: &http.Client{
			Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		header:       http.Header{},
		pace:         NewPace(0),
		limitRetries: DefaultRateLimitRetries,
		limitMaxWait: DefaultRateLimitMaxWait,
	}
	if mode != Native {
		jar, err := cookiejar.New(nil)
		if err != nil {
			return nil, err
		}
		c.http.Jar = jar
	}
	for _, o := range opts {
		o(c)
	}
	if len(c.basicAuth) > 0 {
		c.http.Transport = BasicAuthTransport(c.http.Transport, c.basicAuth...)
	}
	return c, nil
}

// ParseBaseURL checks that s is an absolute http(s) URL and returns it with
// any trailing slash removed from its path.
func ParseBaseURL(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		return nil, fmt.Errorf("invalid URL %q: no scheme: want an http:// or https:// URL, e.g. http://127.0.0.1:4433", redact.URL(s))
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid URL %q: %w", redact.URL(s), errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("invalid URL %q: want an http:// or https:// URL", redact.URL(s))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("invalid URL %q: no host", redact.URL(s))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	return u, nil
}

// Mode is the kind of caller c acts as.
func (c *Client) Mode() Mode { return c.mode }

// BaseURL is the public API's base URL.
func (c *Client) BaseURL() string { return c.base.String() }

// SessionToken is the native session token the client currently holds.
func (c *Client) SessionToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessionToken
}

// SetSessionToken replaces the native session token ("" signs out).
func (c *Client) SetSessionToken(token string) {
	c.mu.Lock()
	c.sessionToken = token
	c.mu.Unlock()
}

// CSRFToken is the anti-CSRF token of the last flow the client fetched.
func (c *Client) CSRFToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.csrfToken
}

// Cookies are the cookies a browser or SPA client holds for the public URL.
func (c *Client) Cookies() []*http.Cookie {
	if c.http.Jar == nil {
		return nil
	}
	return c.http.Jar.Cookies(c.base)
}

// ClearCookies forgets every cookie, as a fresh browser would.
func (c *Client) ClearCookies() {
	if c.http.Jar != nil {
		jar, _ := cookiejar.New(nil)
		c.http.Jar = jar
	}
}

// request is one call through do.
type request struct {
	method string
	path   string
	query  url.Values
	body   *Body
	header http.Header
}

// do sends req as the client's mode does, reads the whole answer and
// remembers what a real caller of that kind would: cookies (by the jar), the
// CSRF token of a flow and, for a native app, a new session token.
func (c *Client) do(ctx context.Context, r request) (*Response, error) {
	u := *c.base
	// r.path is escaped (an id in it is url.PathEscape'd): it is sent as
	// it is, not escaped again.
	u.RawPath = u.EscapedPath() + r.path
	p, err := url.PathUnescape(u.RawPath)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	u.Path = p
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body.Data)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, vs := range c.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("Accept", c.mode.Accept())
	if r.body != nil && r.body.ContentType != "" {
		req.Header.Set("Content-Type", r.body.ContentType)
	}
	if tok := c.SessionToken(); tok != "" && c.mode == Native {
		req.Header.Set("X-Session-Token", tok)
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}

	start := time.Now()
	res, err := c.send(req, r)
	for attempt, limited := 1, 0; err == nil; attempt++ {
		var wait time.Duration
		switch {
		case res.StatusCode == http.StatusTooManyRequests:
			c.pace.limited.Add(1)
			if limited >= c.limitRetries {
				c.pace.gaveUp.Add(1)
				break
			}
			wait = rateLimitWait(res.Header, limited, c.limitMaxWait, time.Now())
			limited++
			c.pace.retried.Add(1)
			c.pace.waited.Add(int64(wait))
		case attempt < 3 && retriesTransient(req.Context()) && transientConflict(res):
			wait = time.Duration(attempt) * 25 * time.Millisecond
			c.pace.conflicts.Add(1)
		}
		if wait == 0 {
			break
		}
		res.Body.Close()
		if err = sleep(ctx, wait); err != nil {
			break
		}
		start = time.Now()
		res, err = c.send(req, r)
	}
	if err != nil {
		// *url.Error repeats the URL, secrets and all: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s %s: %w", r.method, redact.URL(u.String()), explain(ctx, err, u.Host, c.http.Timeout))
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", r.method, redact.URL(u.String()), err)
	}
	if len(data) > MaxBodyBytes {
		return nil, fmt.Errorf("%s %s: %w (%d MiB)", r.method, redact.URL(u.String()), ErrBodyTooLarge, MaxBodyBytes>>20)
	}
	resp := &Response{
		Method:   r.method,
		URL:      u.String(),
		Status:   res.StatusCode,
		Header:   res.Header,
		Body:     data,
		Duration: time.Since(start),
	}
	c.remember(resp)
	return resp, nil
}

// send waits for the pace and sends a copy of req, with r's body from the
// start. A copy: http.Client adds the jar's cookies to the request it is
// given, so a request sent again would carry the cookies of the first
// attempt ahead of those the answer replaced (a stale CSRF cookie first,
// which Kratos reads).
func (c *Client) send(req *http.Request, r request) (*http.Response, error) {
	if err := c.pace.wait(req.Context()); err != nil {
		return nil, err
	}
	req = req.Clone(req.Context())
	if r.body != nil {
		req.Body = io.NopCloser(bytes.NewReader(r.body.Data))
	}
	if _, own := r.header["Cookie"]; own && c.http.Jar != nil {
		// The caller's own Cookie header (nil: none) replaces the jar's
		// cookies, which the answer's then do not replace either.
		hc := *c.http
		hc.Jar = nil
		return hc.Do(req)
	}
	return c.http.Do(req)
}

// remember keeps what a real client keeps from an answer: the CSRF token of a
// flow it was shown (browser and SPA) and a session token it was issued
// (native). Bodies are only parsed when they can hold either.
func (c *Client) remember(r *Response) {
	if r.ContentType() != "application/json" {
		return
	}
	switch {
	case c.mode != Native && bytes.Contains(r.Body, []byte(`"csrf_token"`)):
		if tok := CSRFTokenOf(r.Body); tok != "" {
			c.mu.Lock()
			c.csrfToken = tok
			c.mu.Unlock()
		}
	case c.mode == Native && r.Status == http.StatusOK && bytes.Contains(r.Body, []byte(`"session_token"`)):
		var v struct {
			SessionToken string `json:"session_token"`
		}
		if json.Unmarshal(r.Body, &v) == nil && v.SessionToken != "" {
			c.SetSessionToken(v.SessionToken)
		}
	}
}

// SetCSRFToken replaces the CSRF token the client submits with flows.
func (c *Client) SetCSRFToken(token string) {
	c.mu.Lock()
	c.csrfToken = token
	c.mu.Unlock()
}

// ShareCookies makes c use other's cookie jar, as two tabs (or a server-side
// UI forwarding the browser's cookies) share one browser's cookies.
func (c *Client) ShareCookies(other *Client) {
	c.http.Jar = other.http.Jar
}

type retryKey struct{}

// RetryTransient marks ctx so that calls made with it are sent again, up to
// three times in all, when Kratos answers with a transient database conflict:
// SQLite's shared-cache "database table is locked" (a 500) or "Unable to
// serialize access due to a concurrent update" (a 400), which Kratos on
// in-memory SQLite answers when two writes meet. It is for set-up steps;
// the call under test must never use it.
func RetryTransient(ctx context.Context) context.Context {
	return context.WithValue(ctx, retryKey{}, true)
}

func retriesTransient(ctx context.Context) bool {
	v, _ := ctx.Value(retryKey{}).(bool)
	return v
}

// transientConflict peeks at an error answer for the two conflict messages.
// The body is read fully and replaced, so the caller still sees all of it.
func transientConflict(res *http.Response) bool {
	if res.StatusCode != http.StatusInternalServerError && res.StatusCode != http.StatusBadRequest {
		return false
	}
	data, _ := io.ReadAll(io.LimitReader(res.Body, MaxBodyBytes+1))
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(data))
	return bytes.Contains(data, []byte("database table is locked")) ||
		bytes.Contains(data, []byte("database is locked")) ||
		bytes.Contains(data, []byte("Unable to serialize access due to a concurrent update"))
}
