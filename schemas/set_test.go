package schemas

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/orybench/orybench/schemas/schemagen"
)

func TestIndex(t *testing.T) {
	s := defaultSet(t)
	if got := Versions(); !reflect.DeepEqual(got, []string{"v1.3.1"}) {
		t.Errorf("Versions() = %v, want [v1.3.1]", got)
	}
	if got, want := len(s.Operations()), 30; got != want {
		t.Errorf("%d operations, want %d", got, want)
	}
	if got, want := len(s.Pairs()), 99; got != want {
		t.Errorf("%d documented pairs, want %d", got, want)
	}
	if len(s.SpecSHA256()) != 64 {
		t.Errorf("SpecSHA256 = %q, want a hex sha256", s.SpecSHA256())
	}
	for _, op := range s.Operations() {
		if op.Method == "" || !strings.HasPrefix(op.Path, "/") || len(op.Responses) == 0 {
			t.Errorf("%s: incomplete %+v", op.ID, op)
		}
		for _, r := range op.Responses {
			if r.EmptyBody == (r.Schema != "") || (r.ContentType == "") != r.EmptyBody {
				t.Errorf("%s %d: schema %q content type %q empty %v", op.ID, r.Status, r.Schema, r.ContentType, r.EmptyBody)
			}
			if _, ok := s.Schema(r.Schema); !r.EmptyBody && !ok {
				t.Errorf("%s %d: schema %q not embedded", op.ID, r.Status, r.Schema)
			}
		}
	}

	tests := []struct {
		op, method, path string
		status           int
		schema           string
		empty            bool
	}{
		{"createBrowserLoginFlow", "GET", "/self-service/login/browser", 303, "", true},
		{"updateLoginFlow", "POST", "/self-service/login", 422, "errorBrowserLocationChangeRequired", false},
		{"listMySessions", "GET", "/sessions", 200, "listMySessions", false},
		{"disableMySession", "DELETE", "/sessions/{id}", 204, "", true},
		{"getFlowError", "GET", "/self-service/errors", 403, "errorGeneric", false},
		{"getWebAuthnJavaScript", "GET", "/.well-known/ory/webauthn.js", 200, "webAuthnJavaScript", false},
	}
	for _, tt := range tests {
		op, ok := s.Operation(tt.op)
		if !ok {
			t.Errorf("%s missing", tt.op)
			continue
		}
		r, ok := op.Response(tt.status)
		if !ok || op.Method != tt.method || op.Path != tt.path || r.Schema != tt.schema || r.EmptyBody != tt.empty {
			t.Errorf("%s %d = %s %s %+v, want %s %s schema %q empty %v", tt.op, tt.status, op.Method, op.Path, r, tt.method, tt.path, tt.schema, tt.empty)
		}
	}
	if _, ok := s.Operation("getFlowError"); ok {
		op, _ := s.Operation("getFlowError")
		if _, ok := op.Default(); ok {
			t.Errorf("getFlowError documents no default response")
		}
	}
}

func TestForVersion(t *testing.T) {
	a, err := ForVersion("v1.3.1")
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := ForVersion("v1.3.1"); a != b {
		t.Errorf("ForVersion returned two sets for one version")
	}
	for _, v := range []string{"v9.9.9", "", ".", "..", "../schemas", "v1.3.1/index.json"} {
		if _, err := ForVersion(v); !errors.Is(err, ErrUnknownVersion) {
			t.Errorf("ForVersion(%q) = %v, want ErrUnknownVersion", v, err)
		}
	}
}

// TestRegenerate: the committed files are exactly what the generator makes
// from the pinned Kratos document (also checked by make schemas-check).
func TestRegenerate(t *testing.T) {
	spec := pinnedSpec(t)
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	files, err := schemagen.Generate(b, DefaultVersion)
	if err != nil {
		t.Fatal(err)
	}
	dir := DefaultVersion
	var want []string
	for name, content := range files {
		want = append(want, name)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v (run make schemas)", name, err)
			continue
		}
		if !bytes.Equal(got, content) {
			t.Errorf("%s differs from the generator's output (run make schemas)", name)
		}
	}
	have, _ := filepath.Glob(filepath.Join(dir, "*"))
	for i := range have {
		have[i] = filepath.Base(have[i])
	}
	sort.Strings(want)
	sort.Strings(have)
	if !reflect.DeepEqual(have, want) {
		t.Errorf("files in %s = %v, want %v", dir, have, want)
	}
}

func pinnedSpec(t *testing.T) string {
	t.Helper()
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			t.Skipf("go env GOMODCACHE: %v", err)
		}
		cache = strings.TrimSpace(string(out))
	}
	p := schemagen.SpecPath(cache, DefaultVersion)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("pinned Kratos spec not in the module cache (go mod download github.com/ory/kratos@%s): %v", DefaultVersion, err)
	}
	return p
}
