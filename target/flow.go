package target

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/orybench/orybench/kratosclient"
)

// StartFlow creates a flow of kind as c's kind of caller does and returns
// its id: a native app and an SPA are answered the flow, a browser is sent
// to the UI with ?flow=, which then reads the flow as JSON with the
// browser's cookies. Either way c learns the flow's CSRF token.
func (t *Target) StartFlow(ctx context.Context, c *kratosclient.Client, kind kratosclient.FlowKind) (string, error) {
	var (
		r   *kratosclient.Response
		err error
	)
	if c.Mode() == kratosclient.Native {
		r, err = c.CreateNativeFlow(ctx, kind, nil)
	} else {
		r, err = c.CreateBrowserFlow(ctx, kind, nil)
	}
	if err != nil {
		return "", err
	}
	op := "create " + c.Mode().String() + " " + string(kind) + " flow"
	if c.Mode() == kratosclient.Browser {
		if r.Status != http.StatusSeeOther {
			return "", answer(op, r)
		}
		if loc, err := url.Parse(r.Location()); err == nil && loc.Query().Get("flow") == "" && loc.Query().Get("id") != "" {
			return "", redirectedToError(ctx, c, op, loc.Query().Get("id"))
		}
		id := FlowIDOf(r.Location())
		if id == "" {
			return "", fmt.Errorf("%s: no ?flow= in the redirect to the UI", op)
		}
		_, err := t.ReadFlow(ctx, c, kind, id)
		return id, err
	}
	if r.Status != http.StatusOK {
		return "", answer(op, r)
	}
	fl, err := r.Flow()
	if err != nil {
		return "", err
	}
	return fl.ID, nil
}

// ReadFlow reads flow id of kind as c's UI does (UIOf), and c learns its
// CSRF token.
func (t *Target) ReadFlow(ctx context.Context, c *kratosclient.Client, kind kratosclient.FlowKind, id string) (kratosclient.Flow, error) {
	ui, err := t.UIOf(c)
	if err != nil {
		return kratosclient.Flow{}, err
	}
	r, err := ui.GetFlow(ctx, kind, id)
	if err != nil {
		return kratosclient.Flow{}, err
	}
	if r.Status != http.StatusOK {
		return kratosclient.Flow{}, answer("read the "+string(kind)+" flow as the UI", r)
	}
	fl, err := r.Flow()
	if err != nil {
		return fl, err
	}
	if tok := fl.UI.CSRFToken(); tok != "" {
		c.SetCSRFToken(tok)
	}
	return fl, nil
}

// NewFlow creates a flow of kind as c's kind of caller does (StartFlow) and
// returns it as c's UI reads it.
func (t *Target) NewFlow(ctx context.Context, c *kratosclient.Client, kind kratosclient.FlowKind) (kratosclient.Flow, error) {
	id, err := t.StartFlow(ctx, c, kind)
	if err != nil {
		return kratosclient.Flow{}, err
	}
	return t.ReadFlow(ctx, c, kind, id)
}

// UIOf is who reads c's flows and session as JSON: c itself for a native
// app, else a self-service UI that shares c's cookies, as a server-rendered
// UI forwards a browser's.
func (t *Target) UIOf(c *kratosclient.Client) (*kratosclient.Client, error) {
	if c.Mode() == kratosclient.Native {
		return c, nil
	}
	ui, err := t.Client(kratosclient.SPA)
	if err != nil {
		return nil, err
	}
	ui.ShareCookies(c)
	return ui, nil
}

// WhoAmI is the session c holds, as its UI reads it; an error when whoami
// does not answer 200.
func (t *Target) WhoAmI(ctx context.Context, c *kratosclient.Client) (kratosclient.Session, error) {
	ui, err := t.UIOf(c)
	if err != nil {
		return kratosclient.Session{}, err
	}
	r, err := ui.ToSession(ctx, nil)
	if err != nil {
		return kratosclient.Session{}, err
	}
	if r.Status != http.StatusOK {
		return kratosclient.Session{}, answer("toSession", r)
	}
	return r.Session()
}

// NativeFlows creates n native flows of kind, a few at a time, and returns
// their ids: flows made ahead for a load run's hits.
func (t *Target) NativeFlows(ctx context.Context, kind kratosclient.FlowKind, n int) ([]string, error) {
	ctx = kratosclient.RetryTransient(ctx)
	c, err := t.Client(kratosclient.Native)
	if err != nil {
		return nil, err
	}
	ids := make([]string, n)
	err = parallel(ctx, n, t.concurrency(), func(ctx context.Context, i int) error {
		return retrying(ctx, signUpAttempts, func() error {
			var err error
			ids[i], err = t.StartFlow(ctx, c, kind)
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return ids, nil
}

// FlowIDOf reads the ?flow= (or ?id=) of a redirect target.
func FlowIDOf(location string) string {
	u, err := url.Parse(location)
	if err != nil {
		return ""
	}
	if id := u.Query().Get("flow"); id != "" {
		return id
	}
	return u.Query().Get("id")
}

// Cookie names Kratos sets: the CSRF cookie's name ends in a hash of the
// public base URL, so only its prefix is fixed.
const (
	CSRFCookiePrefix = "csrf_token_"
	SessionCookie    = "ory_kratos_session"
)

// SetCookie returns the cookie r sets whose name starts with prefix.
func SetCookie(r *kratosclient.Response, prefix string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if strings.HasPrefix(c.Name, prefix) {
			return c
		}
	}
	return nil
}

func hasCookie(r *kratosclient.Response, prefix string) bool { return SetCookie(r, prefix) != nil }

// answerError is an answer other than the one a set-up step needs: it says
// the status and what Kratos said, never anything else of the body.
type answerError struct {
	op string
	r  *kratosclient.Response
}

func (e *answerError) Error() string { return e.op + ": " + e.r.Explain() }

// Unwrap is the answer's kratosclient.ErrRateLimited when it is the 429 a
// call gave up on.
func (e *answerError) Unwrap() error { return e.r.RateLimited() }

func answer(op string, r *kratosclient.Response) error { return &answerError{op: op, r: r} }

// answered reports whether err is an unexpected answer, not a failure to
// get one.
func answered(err error) bool { return answerStatus(err) != 0 }

// answerStatus is the status of the unexpected answer err is, 0 when it is
// no answer.
func answerStatus(err error) int {
	var ae *answerError
	var se *kratosclient.StatusError
	switch {
	case errors.As(err, &ae):
		return ae.r.Status
	case errors.As(err, &se):
		return se.Status
	}
	return 0
}

// retrying runs fn until it succeeds, up to attempts times, 50ms apart and
// then twice as long each time, while it fails on an answer; an error
// without an answer (the target is unreachable), or one that says the
// target cannot do it, ends it at once.
func retrying(ctx context.Context, attempts int, fn func() error) error {
	var err error
	for attempt := range attempts {
		if attempt > 0 {
			select {
			case <-time.After(50 * time.Millisecond << (attempt - 1)):
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			}
		}
		if err = fn(); err == nil || !answered(err) || errors.Is(err, ErrUnsupported) || ctx.Err() != nil {
			return err
		}
		var refused *kratosclient.StatusError
		if errors.As(err, &refused) && (refused.Status == http.StatusUnauthorized || refused.Status == http.StatusForbidden) {
			return err // an admin API that refuses the key does not change its mind
		}
	}
	return err
}

// parallel runs fn for 0..n-1 on a few goroutines and returns the first
// error, which cancels the rest.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		wg   sync.WaitGroup
		next = make(chan int)
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					cancel(err)
				}
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	return context.Cause(ctx)
}

// redirectedToError is the error of a browser flow that could not be
// created: Kratos sent the browser to the error UI with the id of the error
// it keeps (a flowError, whose "error" says why).
func redirectedToError(ctx context.Context, c *kratosclient.Client, op, id string) error {
	r, err := c.GetFlowError(ctx, id)
	if err != nil {
		return fmt.Errorf("%s: redirected to the error page (error %s): %w", op, id, err)
	}
	e := r.ErrorBody().Error
	return fmt.Errorf("%s: redirected to the error page: %d %s: %s", op, e.Code, e.Message, e.Reason)
}
