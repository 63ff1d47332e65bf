package kratosclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name    string
		handler http.HandlerFunc
		want    string // "" for no error
	}{
		{"kratos", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.Write([]byte(`[{"id":"default","schema":{}}]`))
		}, ""},
		{"html", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<html>`))
		}, "answered text/html, not JSON"},
		{"no content type", func(w http.ResponseWriter, r *http.Request) { w.Header()["Content-Type"] = nil }, "answered no Content-Type, not JSON"},
		{"server error", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) }, "answered 500 Internal Server Error where the Kratos public API answers 200"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://login.example/?token=secret-token", http.StatusSeeOther)
		}, "answered 303 See Other, a redirect to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := (&recorder{}).server(t, c.handler)
			cl, _ := New(srv.URL, Native)
			err := cl.Check(context.Background())
			if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
				t.Errorf("Check = %v, want %q", err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), "secret-token") {
				t.Errorf("the error leaks a token: %v", err)
			}
		})
	}
}

func TestAdminCheck(t *testing.T) {
	for status, want := range map[int]string{
		200: "",
		401: "the admin API refused the API key",
		403: "the admin API refused the API key",
		404: "answered 404 Not Found where the Kratos admin API answers 200",
	} {
		srv := (&recorder{}).server(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			w.Write([]byte(`[]`))
		})
		a, _ := NewAdmin(srv.URL, "ory_pat_secret")
		err := a.Check(context.Background())
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%d: Check = %v, want %q", status, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "ory_pat_secret") {
			t.Errorf("%d: the error leaks the key: %v", status, err)
		}
	}
}

// TestNoAnswer: a call that gets no answer says how long it waited, for
// the client's bound and for the context's.
func TestNoAnswer(t *testing.T) {
	// Each call gives up and closes its connection, which ends the handler.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	c, _ := New(srv.URL, Native, WithTimeout(200*time.Millisecond))
	if err := c.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "no answer within 200ms") {
		t.Errorf("client timeout: %v", err)
	}
	c, _ = New(srv.URL, Native)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := c.Check(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer before the deadline") {
		t.Errorf("context deadline: %v", err)
	}
}

func TestReach(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	if err := Reach(context.Background(), srv.URL+"/x", nil, time.Second); err != nil {
		t.Errorf("Reach(live) = %v", err)
	}
	srv.Close()
	if err := Reach(context.Background(), srv.URL+"/x", nil, time.Second); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("Reach(closed) = %v", err)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("Reach sent %d requests", n)
	}
}
