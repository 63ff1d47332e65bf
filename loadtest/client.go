package loadtest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"syscall"
	"time"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
)

// RemoteRateCap is the highest rate Run sends to a host that is not
// loopback without WithAllowRemote.
const RemoteRateCap = 50

// checkURL parses an http(s) URL with a host.
func checkURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("invalid URL %q: %w", redact.URL(raw), errors.Unwrap(err))
	case (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "":
		return nil, fmt.Errorf("%q is not an http(s) URL with a host", redact.URL(raw))
	case u.User != nil:
		// Else written into results.bin with every request.
		return nil, fmt.Errorf("%q names a user: give its credentials with WithBasicAuth (kratosclient.SplitUserinfo)", redact.URL(raw))
	}
	return u, nil
}

// errNotLoopback is returned by the dialer of a guarded client.
var errNotLoopback = errors.New("refusing to connect to an address that is not loopback")

// loopbackOnly is a net.Dialer Control that refuses any address that is not
// loopback, whatever a name resolved to.
func loopbackOnly(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %s", errNotLoopback, address)
	}
	return nil
}

// connTracker remembers the connections of a client so that an interrupted
// run can end requests in flight at once instead of waiting for timeouts.
type connTracker struct {
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	conns  map[*trackedConn]struct{}
	closed bool
}

func newConnTracker() *connTracker {
	ctx, cancel := context.WithCancel(context.Background())
	return &connTracker{ctx: ctx, cancel: cancel, conns: map[*trackedConn]struct{}{}}
}

var errAborted = errors.New("request aborted at the end of the run")

func (t *connTracker) dial(next func(ctx context.Context, network, addr string) (net.Conn, error)) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(t.ctx, cancel)()
		c, err := next(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		tc := &trackedConn{Conn: c, t: t}
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.closed {
			c.Close()
			return nil, errAborted
		}
		t.conns[tc] = struct{}{}
		return tc, nil
	}
}

// abort closes every connection and fails every dial from now on.
func (t *connTracker) abort() {
	t.cancel()
	t.mu.Lock()
	t.closed = true
	conns := t.conns
	t.conns = map[*trackedConn]struct{}{}
	t.mu.Unlock()
	for c := range conns {
		c.Conn.Close()
	}
}

type trackedConn struct {
	net.Conn
	t    *connTracker
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.t.mu.Lock()
		delete(c.t.conns, c)
		c.t.mu.Unlock()
	})
	return c.Conn.Close()
}

// newClient returns the HTTP client of an attack: no proxy, no redirects
// followed (a redirect is an answer to judge), connections kept alive, TLS
// as tlsConfig says, the dialer limited to loopback when guard is set,
// Basic credentials on requests to their hosts (WithBasicAuth).
func newClient(timeout time.Duration, maxConns int, guard bool, tlsConfig *tls.Config, tracker *connTracker, auths []kratosclient.BasicAuth) *http.Client {
	dialer := &net.Dialer{Timeout: min(timeout, 10*time.Second), KeepAlive: 30 * time.Second}
	if guard {
		dialer.Control = loopbackOnly
	}
	tr := &http.Transport{
		Proxy:               nil,
		DialContext:         tracker.dial(dialer.DialContext),
		TLSClientConfig:     tlsConfig.Clone(),
		MaxIdleConns:        0,
		MaxIdleConnsPerHost: 10000,
		MaxConnsPerHost:     maxConns,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: min(timeout, 10*time.Second),
	}
	return &http.Client{
		Timeout:       timeout,
		Transport:     kratosclient.BasicAuthTransport(tr, auths...),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
