package schemas

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/orybench/orybench/schemas/schemagen"
)

func TestIndex(t *testing.T) {
	for _, tt := range []struct {
		contract   string
		ops, pairs int
	}{
		{Kratos, 30, 99},
		{Network, 41, 132},
	} {
		s, err := Open(tt.contract)
		if err != nil {
			t.Fatal(err)
		}
		if got := len(s.Operations()); got != tt.ops {
			t.Errorf("%s: %d operations, want %d", tt.contract, got, tt.ops)
		}
		if got := len(s.Pairs()); got != tt.pairs {
			t.Errorf("%s: %d documented pairs, want %d", tt.contract, got, tt.pairs)
		}
		for _, op := range s.Operations() {
			if op.Method == "" || !strings.HasPrefix(op.Path, "/") || len(op.Responses) == 0 {
				t.Errorf("%s: %s: incomplete %+v", tt.contract, op.ID, op)
			}
			for _, r := range op.Responses {
				if r.EmptyBody == (r.Schema != "") || (r.ContentType == "") != r.EmptyBody {
					t.Errorf("%s: %s %d: schema %q content type %q empty %v", tt.contract, op.ID, r.Status, r.Schema, r.ContentType, r.EmptyBody)
				}
				if _, ok := s.Schema(r.Schema); !r.EmptyBody && !ok {
					t.Errorf("%s: %s %d: schema %q not embedded", tt.contract, op.ID, r.Status, r.Schema)
				}
			}
		}
	}

	s := defaultSet(t)
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

// TestRegenerate: the committed files of every contract are exactly what
// the generator makes from its pinned document (also checked by make
// schemas-check).
func TestRegenerate(t *testing.T) {
	for _, src := range schemagen.Sources() {
		spec, err := schemagen.Locate(context.Background(), "..", src)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(spec)
		if err != nil {
			t.Fatal(err)
		}
		files, err := schemagen.Generate(b, src)
		if err != nil {
			t.Fatal(err)
		}
		dir := src.Name
		var want []string
		for name, content := range files {
			want = append(want, name)
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Errorf("%s: %v (run make schemas)", name, err)
				continue
			}
			if !bytes.Equal(got, content) {
				t.Errorf("%s/%s differs from the generator's output (run make schemas)", dir, name)
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
}

// TestResolveAlias: an alias is the newest contract of its family, by
// version numbers, not by text.
func TestResolveAlias(t *testing.T) {
	known := []string{"kratos-v1.10.0", "kratos-v1.3.1", "kratos-v1.9.12", "network-v1.22.92", "network-v1.22.100"}
	for _, tt := range []struct{ name, want string }{
		{"kratos", "kratos-v1.10.0"},
		{"network", "network-v1.22.100"},
		{"kratos-v1.3.1", "kratos-v1.3.1"},
		{"hydra", "hydra"},
		{"./kratos.yaml", "./kratos.yaml"},
	} {
		if got := resolveAlias(known, tt.name); got != tt.want {
			t.Errorf("resolveAlias(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got, want := families(known), []string{"kratos", "network"}; !reflect.DeepEqual(got, want) {
		t.Errorf("families = %v, want %v", got, want)
	}
}

func TestOperationAt(t *testing.T) {
	for _, tt := range []struct {
		contract, method, path, want string
	}{
		{Kratos, "GET", "/sessions/whoami", "toSession"},
		{Kratos, "DELETE", "/sessions/7b1c9a52-0000-4000-8000-000000000000", "disableMySession"},
		{Kratos, "DELETE", "/sessions", "disableMyOtherSessions"},
		{Kratos, "GET", "/sessions", "listMySessions"},
		{Kratos, "POST", "/self-service/login", "updateLoginFlow"},
		{Kratos, "GET", "/self-service/login/flows", "getLoginFlow"},
		{Kratos, "GET", "/self-service/logout/browser", "createBrowserLogoutFlow"},
		{Kratos, "get", "/self-service/logout", "updateLogoutFlow"},
		{Kratos, "GET", "/self-service/login", ""},                 // no such method there
		{Kratos, "GET", "/sessions/a/b", ""},                       // no template that long
		{Kratos, "DELETE", "/sessions/", "disableMyOtherSessions"}, // trailing slash
		{Network, "GET", "/self-service/methods/saml/metadata", "getSamlMetadata"},
		{Network, "GET", "/self-service/methods/saml/metadata/acme", "getSamlProviderMetadata"},
	} {
		s, err := Open(tt.contract)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := s.OperationAt(tt.method, tt.path)
		if got.ID != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: OperationAt(%s %s) = %q, %t, want %q", tt.contract, tt.method, tt.path, got.ID, ok, tt.want)
		}
	}
}
