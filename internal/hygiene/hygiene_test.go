package hygiene

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orybench/orybench/kratosclient"
)

func TestEmailIsRecognised(t *testing.T) {
	run := NewRunID()
	for _, tc := range []struct {
		traits map[string]any
		want   bool
	}{
		{map[string]any{"email": Email(run, 1)}, true},
		{map[string]any{"name": map[string]any{"first": "x"}, "contact": []any{Email(run, 7)}}, true},
		{map[string]any{"email": "alice@example.com"}, false},
		{map[string]any{"email": "orybench-someone@orybench.test"}, false},
		{map[string]any{"email": strings.Replace(Email(run, 1), Domain, "example.com", 1)}, false},
		// A username identity: the token alone, at any depth.
		{map[string]any{"username": Token(run, 3), "name": map[string]any{"first": "Ory"}}, true},
		{map[string]any{"account": map[string]any{"handle": strings.ReplaceAll(Token(run, 4), "-", "_")}}, true},
		{map[string]any{"username": strings.ReplaceAll(Token(run, 4), "-", ".")}, true},
		{map[string]any{"username": "orybench"}, false},
		{map[string]any{"username": "orybench-someone"}, false},
		{map[string]any{"username": "x" + Token(run, 5)}, false},
		{map[string]any{"username": Token(run, 5) + "x"}, false},
	} {
		if got := IsTestIdentity(kratosclient.Identity{Traits: tc.traits}); got != tc.want {
			t.Errorf("IsTestIdentity(%v) = %v, want %v", tc.traits, got, tc.want)
		}
	}
}

func TestCleanupDeletesOnlyOldTestIdentities(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	run := "20261125t100000-0a1b2c3d"
	idents := []kratosclient.Identity{
		{ID: "old-test", Traits: map[string]any{"email": Email(run, 1)}, CreatedAt: now.Add(-2 * time.Hour)},
		{ID: "young-test", Traits: map[string]any{"email": Email(run, 2)}, CreatedAt: now.Add(-10 * time.Minute)},
		{ID: "old-user", Traits: map[string]any{"email": "alice@example.com"}, CreatedAt: now.Add(-48 * time.Hour)},
	}
	var (
		mu      sync.Mutex
		deleted []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/admin/identities":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(idents)
		case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/admin/identities/"):
			mu.Lock()
			deleted = append(deleted, strings.TrimPrefix(r.URL.Path, "/admin/identities/"))
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	admin, err := kratosclient.NewAdmin(srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Cleanup(context.Background(), admin, time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Result{Scanned: 3, Deleted: 1, Kept: 1}); res != want {
		t.Errorf("Cleanup = %+v, want %+v", res, want)
	}
	if !slices.Equal(deleted, []string{"old-test"}) {
		t.Errorf("deleted %v, want [old-test]", deleted)
	}
}
