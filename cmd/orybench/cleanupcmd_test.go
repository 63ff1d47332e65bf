package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCleanupAdminOnly: cleanup needs the admin API alone (no --target
// beside --admin-url), and --dry-run counts what it would delete and
// deletes nothing.
func TestCleanupAdminOnly(t *testing.T) {
	var deletes int
	admin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/admin/identities":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`[{"id":"a","created_at":"2020-01-01T00:00:00Z","traits":{"email":"orybench-20200101t000000-0a1b2c3d-1@orybench.test"}},
				{"id":"b","created_at":"2020-01-01T00:00:00Z","traits":{"email":"alice@example.com"}}]`))
		case r.Method == http.MethodDelete:
			deletes++
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer admin.Close()
	t.Setenv("ORY_SDK_URL", "")
	t.Setenv("ORY_API_KEY", "")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"cleanup", "--admin-url", admin.URL, "--older-than", "0s", "--dry-run"}, &stdout, &stderr)
	if code != exitOK || deletes != 0 || !strings.Contains(stdout.String(), "would delete (--dry-run: nothing deleted) 1 orybench test identities") {
		t.Fatalf("cleanup --dry-run: exit %d, %d deletes, stdout %q, stderr %q", code, deletes, stdout.String(), stderr.String())
	}
	stdout.Reset()
	code = run(context.Background(), []string{"cleanup", "--admin-url", admin.URL, "--older-than", "0s"}, &stdout, &stderr)
	if code != exitOK || deletes != 1 || !strings.Contains(stdout.String(), "deleted 1 orybench test identities") {
		t.Fatalf("cleanup: exit %d, %d deletes, stdout %q, stderr %q", code, deletes, stdout.String(), stderr.String())
	}
}
