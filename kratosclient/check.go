package kratosclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/orybench/orybench/internal/redact"
)

// This file tells a caller, in one sentence, why a URL is not a usable
// Kratos: before a run starts (Check) and on every failed call (explain).

// Check makes one read-only call to the public API, listIdentitySchemas for
// one schema, and returns why its answer is not one a Kratos public API
// gives, if it is not: no answer (see explain), a redirect, another status,
// or a body that is not Kratos's JSON list.
func (c *Client) Check(ctx context.Context) error {
	r, err := c.ListIdentitySchemas(ctx, url.Values{"page_size": {"1"}})
	if err != nil {
		return err
	}
	var list []struct {
		ID string `json:"id"`
	}
	return expectJSON(r, "the Kratos public API", "a list of identity schemas", &list)
}

// Check makes one read-only call to the admin API, listIdentities for one
// identity, and returns why its answer is not one a Kratos admin API gives:
// a StatusError saying that the API key was refused for 401 and 403, else
// as Client.Check.
func (a *Admin) Check(ctx context.Context) error {
	r, err := a.c.do(ctx, request{method: http.MethodGet, path: "/admin/identities", query: url.Values{"page_size": {"1"}}})
	if err != nil {
		return err
	}
	if r.Status == http.StatusUnauthorized || r.Status == http.StatusForbidden {
		return &StatusError{Op: "list identities", Status: r.Status}
	}
	var list []Identity
	return expectJSON(r, "the Kratos admin API", "a list of identities", &list)
}

// Reach connects to rawURL's host, with a TLS handshake as tlsConfig says
// for https, and closes the connection without sending a request: whether
// a URL that is no Kratos API (a raw load target) can be called at all. Its
// error says why not, as a failed call's does.
func Reach(ctx context.Context, rawURL string, tlsConfig *tls.Config, timeout time.Duration) error {
	u, err := ParseBaseURL(rawURL)
	if err != nil {
		return err
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var conn net.Conn
	if u.Scheme == "https" {
		cfg := tlsConfig.Clone()
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		d := &tls.Dialer{Config: cfg}
		conn, err = d.DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		if ctx.Err() != nil && !errors.Is(context.Cause(ctx), context.Canceled) {
			err = &reasonError{fmt.Sprintf("no connection within %s", timeout), err}
		} else {
			err = explain(ctx, err, u.Host, timeout)
		}
		return fmt.Errorf("connect to %s: %w", u.Host, err)
	}
	return conn.Close()
}

// expectJSON checks that r is a 200 answer whose body decodes into v.
// Redirects are named as such: orybench follows none, so a redirect loop
// is one redirect here.
func expectJSON(r *Response, api, what string, v any) error {
	at := r.Method + " " + redact.URL(r.URL)
	hint := "is this " + api + "?"
	switch {
	case r.Status >= 300 && r.Status < 400:
		return fmt.Errorf("%s: answered %d %s, a redirect to %q, where %s answers 200 (orybench follows no redirect): %s",
			at, r.Status, http.StatusText(r.Status), redact.URL(r.Location()), api, hint)
	case r.Status != http.StatusOK:
		return fmt.Errorf("%s: answered %d %s where %s answers 200: %s", at, r.Status, http.StatusText(r.Status), api, hint)
	case r.ContentType() != "application/json":
		ct := r.ContentType()
		if ct == "" {
			ct = "no Content-Type"
		}
		return fmt.Errorf("%s: answered %s, not JSON: %s", at, ct, hint)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return fmt.Errorf("%s: answered a body that is not JSON (%v at byte %d): %s", at, err, syn.Offset, hint)
		}
		return fmt.Errorf("%s: answered JSON that is not %s: %s", at, what, hint)
	}
	return nil
}

// reasonError is a transport error told in plain words; it unwraps to the
// error it explains, so errors.Is and errors.As still see the cause.
type reasonError struct {
	reason string
	err    error
}

func (e *reasonError) Error() string { return e.reason }
func (e *reasonError) Unwrap() error { return e.err }

// explain says in plain words why a request to host got no answer, for the
// causes a user can act on; other errors are returned as they are. timeout
// is the client's bound on one call; ctx is the call's.
func explain(ctx context.Context, err error, host string, timeout time.Duration) error {
	var (
		dns     *net.DNSError
		verify  *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		name    x509.HostnameError
		invalid x509.CertificateInvalidError
		netErr  net.Error
	)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return &reasonError{"connection refused: nothing listens at " + host, err}
	case errors.As(err, &dns) && dns.IsNotFound:
		return &reasonError{fmt.Sprintf("host %q not found (DNS)", dns.Name), err}
	case errors.As(err, &dns):
		return &reasonError{fmt.Sprintf("host %q could not be resolved: %v", dns.Name, dns.Err), err}
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &name), errors.As(err, &invalid):
		cause := err
		if verify != nil {
			cause = verify.Err
		}
		return &reasonError{"the TLS certificate does not verify: " + cause.Error(), err}
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return &reasonError{"no answer before the deadline", err}
	case ctx.Err() == nil && errors.As(err, &netErr) && netErr.Timeout():
		return &reasonError{fmt.Sprintf("no answer within %s", timeout), err}
	}
	return err
}
