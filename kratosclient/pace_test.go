package kratosclient

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRateLimitWait(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		header  http.Header
		attempt int
		want    time.Duration
	}{
		{"Retry-After seconds", http.Header{"Retry-After": {"2"}}, 0, 2 * time.Second},
		{"Retry-After date", http.Header{"Retry-After": {now.Add(3 * time.Second).Format(http.TimeFormat)}}, 0, 3 * time.Second},
		{"Retry-After in the past", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0, 100 * time.Millisecond},
		{"Retry-After capped", http.Header{"Retry-After": {"3600"}}, 0, 5 * time.Second},
		{"Ory Network reset", http.Header{"X-Ratelimit-Reset": {"1"}}, 0, time.Second},
		{"Retry-After wins over reset", http.Header{"Retry-After": {"4"}, "X-Ratelimit-Reset": {"1"}}, 0, 4 * time.Second},
		{"no hint: back off", http.Header{}, 0, time.Second},
		{"no hint, third retry", http.Header{}, 2, 4 * time.Second},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 1, 2 * time.Second},
	} {
		if got := rateLimitWait(tc.header, tc.attempt, 5*time.Second, now); got != tc.want {
			t.Errorf("%s: wait %s, want %s", tc.name, got, tc.want)
		}
	}
}

// limiter answers 429 to the first n requests, then 200.
func limiter(t *testing.T, n int64, retryAfter string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if string(body) != "" && string(body) != `{"a":1}` {
			t.Errorf("retried with body %q", body)
		}
		if seen.Add(1) <= n {
			w.Header().Set("Retry-After", retryAfter)
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestA429IsRetriedAfterRetryAfterAndCounted(t *testing.T) {
	srv, seen := limiter(t, 2, "0")
	pace := NewPace(0)
	c, _ := New(srv.URL, Native, WithPace(pace))
	r, err := c.UpdateLoginFlow(context.Background(), "f", JSONBody(map[string]int{"a": 1}))
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusOK || seen.Load() != 3 {
		t.Errorf("status %d after %d requests, want 200 after 3", r.Status, seen.Load())
	}
	want := PaceStats{Requests: 3, Limited: 2, Retried: 2, Waited: 200 * time.Millisecond}
	if got := pace.Stats(); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
}

func TestA429OutlastingTheRetriesIsReturned(t *testing.T) {
	srv, seen := limiter(t, 100, "0")
	pace := NewPace(0)
	c, _ := New(srv.URL, Native, WithPace(pace), WithRateLimitRetries(1, time.Second))
	r, err := c.ToSession(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != http.StatusTooManyRequests || seen.Load() != 2 {
		t.Errorf("status %d after %d requests, want 429 after 2", r.Status, seen.Load())
	}
	if s := pace.Stats(); s.Limited != 2 || s.Retried != 1 || s.GaveUp != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestNoRetriesReturnsTheFirst429(t *testing.T) {
	srv, seen := limiter(t, 1, "0")
	c, _ := New(srv.URL, Native, WithRateLimitRetries(0, 0))
	r, err := c.ToSession(context.Background(), nil)
	if err != nil || r.Status != http.StatusTooManyRequests || seen.Load() != 1 {
		t.Errorf("got %v %v after %d requests, want the first 429", r, err, seen.Load())
	}
}

func TestARetryWaitEndsWithTheContext(t *testing.T) {
	srv, _ := limiter(t, 100, "30")
	c, _ := New(srv.URL, Native, WithRateLimitRetries(3, time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.ToSession(ctx, nil); err == nil {
		t.Error("want the context's error")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("waited %s past the context", d)
	}
}

func TestPaceSpacesRequestsOfEveryClientSharingIt(t *testing.T) {
	srv, _ := limiter(t, 0, "")
	pace := NewPace(50) // one request every 20ms
	a, _ := New(srv.URL, Native, WithPace(pace))
	b, _ := New(srv.URL, SPA, WithPace(pace))
	start := time.Now()
	for range 3 {
		for _, c := range []*Client{a, b} {
			if _, err := c.ToSession(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Six requests: the first at once, five more 20ms apart.
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("6 requests at 50/s took %s, want at least 100ms", d)
	}
	if got := pace.Stats().Requests; got != 6 {
		t.Errorf("counted %d requests, want 6", got)
	}
}

// conflicted answers its first n requests as Kratos on in-memory SQLite
// answers a write that met another: 500, "database table is locked".
func conflicted(t *testing.T, n int64) (*httptest.Server, *atomic.Int64) {
	var seen atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if seen.Add(1) <= n {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"code":500,"message":"sqlite create: named insert: database table is locked"}}`)
			return
		}
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestConflictRetriesSendAgainAndCount(t *testing.T) {
	for _, tc := range []struct {
		name      string
		conflicts int64
		setUp     bool // the call is a set-up step (RetryTransient)
		status    int
		sent      int64
		counted   int64
	}{
		{"a call under test: the 500 is the answer", 1, false, http.StatusInternalServerError, 1, 0},
		{"a set-up step: sent again", 2, true, http.StatusOK, 3, 2},
		{"a set-up step: three attempts at most", 5, true, http.StatusInternalServerError, 3, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, seen := conflicted(t, tc.conflicts)
			pace := NewPace(0)
			c, _ := New(srv.URL, Native, WithPace(pace))
			ctx := context.Background()
			if tc.setUp {
				ctx = RetryTransient(ctx)
			}
			r, err := c.UpdateVerificationFlow(ctx, "f", JSONBody(map[string]string{"code": "1"}))
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != tc.status || seen.Load() != tc.sent || pace.Stats().Conflicts != tc.counted {
				t.Errorf("status %d after %d requests, %d counted; want %d after %d, %d counted",
					r.Status, seen.Load(), pace.Stats().Conflicts, tc.status, tc.sent, tc.counted)
			}
		})
	}
}

// TestSentAgainWithTheJarsCookies: a call sent again (a 429 or a conflict
// retried) carries the cookies the jar holds then, once each, not those of
// the first attempt too: Kratos reads the first of two CSRF cookies.
func TestSentAgainWithTheJarsCookies(t *testing.T) {
	var (
		mu      sync.Mutex
		cookies [][]string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		cookies = append(cookies, r.Header.Values("Cookie"))
		n := len(cookies)
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "csrf_token_x", Value: fmt.Sprint("v", n), Path: "/"})
		w.Header().Set("Content-Type", "application/json")
		if n < 3 {
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error":{"code":500,"message":"database table is locked"}}`)
			return
		}
		io.WriteString(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	c, _ := New(srv.URL, Browser)
	r, err := c.CreateBrowserSettingsFlow(RetryTransient(context.Background()), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{nil, {"csrf_token_x=v1"}, {"csrf_token_x=v2"}}
	if r.Status != http.StatusOK || !reflect.DeepEqual(cookies, want) {
		t.Errorf("status %d, Cookie headers %q; want 200, %q", r.Status, cookies, want)
	}
}
