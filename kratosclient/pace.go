package kratosclient

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Pace is shared by the clients of one run: it spaces their requests to at
// most a given rate (a token bucket of one token, so requests are evenly
// spread rather than sent in bursts) and counts how often the target
// answered 429 Too Many Requests. The zero rate only counts.
type Pace struct {
	interval time.Duration

	mu   sync.Mutex
	next time.Time

	requests, limited, retried, gaveUp atomic.Int64
	conflicts                          atomic.Int64 // transient database conflicts sent again
	waited                             atomic.Int64 // nanoseconds spent honouring Retry-After
}

// NewPace returns a pace of at most rps requests a second; rps <= 0 does
// not pace, it only counts.
func NewPace(rps float64) *Pace {
	p := &Pace{}
	if rps > 0 {
		p.interval = time.Duration(float64(time.Second) / rps)
	}
	return p
}

// PaceStats is what a Pace counted.
type PaceStats struct {
	// Requests is every request sent, retries included.
	Requests int64
	// Limited is every 429 answer received.
	Limited int64
	// Retried is how many 429 answers were retried after waiting.
	Retried int64
	// GaveUp is how many calls still had a 429 after every retry, and
	// returned it.
	GaveUp int64
	// Waited is the time spent waiting for a rate limit to lift.
	Waited time.Duration
	// Conflicts is how many answers to set-up calls were transient
	// database conflicts sent again (RetryTransient).
	Conflicts int64
}

// Stats returns the counts so far.
func (p *Pace) Stats() PaceStats {
	return PaceStats{
		Requests: p.requests.Load(),
		Limited:  p.limited.Load(),
		Retried:  p.retried.Load(),
		GaveUp:   p.gaveUp.Load(),
		Waited:   time.Duration(p.waited.Load()),

		Conflicts: p.conflicts.Load(),
	}
}

// wait blocks until the pace allows one more request.
func (p *Pace) wait(ctx context.Context) error {
	p.requests.Add(1)
	if p.interval == 0 {
		return nil
	}
	p.mu.Lock()
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = p.next.Add(p.interval)
	p.mu.Unlock()
	return sleep(ctx, time.Until(at))
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// WithPace makes the client wait for p before every request and count its
// 429 answers in p. Clients without one have a pace of their own that only
// counts.
func WithPace(p *Pace) Option {
	return func(c *Client) {
		if p != nil {
			c.pace = p
		}
	}
}

// Defaults of WithRateLimitRetries.
const (
	DefaultRateLimitRetries = 3
	DefaultRateLimitMaxWait = 10 * time.Second
)

// WithRateLimitRetries says how the client answers a 429: it sends the call
// again up to retries times, each time after the wait the answer asks for
// (Retry-After in seconds or as a date, else Ory Network's x-ratelimit-reset
// in seconds, else 1s, 2s, 4s...), never longer than maxWait at a time. The
// last answer is returned as it is, 429 or not. retries 0 returns the first
// 429. The default is DefaultRateLimitRetries and DefaultRateLimitMaxWait.
//
// Retrying is right for the call under test too: a 429 says nothing of the
// contract, and the answer to the retried call is the one to judge.
func WithRateLimitRetries(retries int, maxWait time.Duration) Option {
	return func(c *Client) {
		c.limitRetries = max(retries, 0)
		if maxWait > 0 {
			c.limitMaxWait = maxWait
		}
	}
}

// rateLimitWait is how long to wait before retry number attempt (0-based)
// of a call answered 429 with h.
func rateLimitWait(h http.Header, attempt int, maxWait time.Duration, now time.Time) time.Duration {
	d := time.Duration(-1)
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			d = time.Duration(s) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			d = max(t.Sub(now), 0)
		}
	}
	if d < 0 {
		if s, err := strconv.Atoi(h.Get("X-Ratelimit-Reset")); err == nil && s >= 0 {
			d = time.Duration(s) * time.Second
		}
	}
	if d < 0 {
		d = time.Second << min(attempt, 5)
	}
	if d == 0 {
		// "Retry at once" would just be limited again: leave the bucket a moment.
		d = 100 * time.Millisecond
	}
	return min(d, maxWait)
}
