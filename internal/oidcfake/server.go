package oidcfake

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a Provider listening on loopback.
type Server struct {
	*Provider
	srv  *http.Server
	done chan error

	once     sync.Once
	closeErr error
}

// Start serves a new Provider on a free loopback port until Close.
func Start(opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oidcfake: listen: %w", err)
	}
	p, err := New("http://"+ln.Addr().String(), opts)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &Server{
		Provider: p,
		srv:      &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second},
		done:     make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(ln) }()
	return s, nil
}

// URL is the server's base URL, which is also its issuer.
func (s *Server) URL() string { return s.Issuer() }

// Close stops the server, letting requests in flight finish for up to a
// second. Later calls return the first call's result.
func (s *Server) Close() error {
	s.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		s.closeErr = s.srv.Shutdown(ctx)
		if err := <-s.done; !errors.Is(err, http.ErrServerClosed) {
			s.closeErr = errors.Join(s.closeErr, err)
		}
	})
	return s.closeErr
}
