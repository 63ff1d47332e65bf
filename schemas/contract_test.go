package schemas_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/orybench/orybench/schemas"
	"github.com/orybench/orybench/schemas/schemagen"
)

func TestContracts(t *testing.T) {
	got := schemas.Contracts()
	want := []schemas.Contract{
		{Name: schemas.Kratos, Title: "Ory Kratos v1.3.1", Module: "github.com/ory/kratos", Version: "v1.3.1", SourceFile: "spec/api.json"},
		{Name: schemas.Network, Title: "Ory Network, SDK v1.22.92", Module: "github.com/ory/client-go", Version: "v1.22.92", SourceFile: "api/openapi.yaml"},
	}
	if len(got) != len(want) {
		t.Fatalf("Contracts() = %+v, want %d contracts", got, len(want))
	}
	for i := range want {
		if len(got[i].SHA256) != 64 {
			t.Errorf("%s: SHA256 = %q, want a hex SHA-256", got[i].Name, got[i].SHA256)
		}
		want[i].SHA256 = got[i].SHA256
		if got[i] != want[i] {
			t.Errorf("Contracts()[%d] = %+v, want %+v", i, got[i], want[i])
		}
		if s, err := schemas.Open(want[i].Name); err != nil || s.Contract() != got[i] {
			t.Errorf("Open(%s).Contract() = %+v, %v; want %+v", want[i].Name, s.Contract(), err, got[i])
		}
	}
	// Every contract schemagen generates is embedded, and no other.
	var names, sources []string
	for _, c := range got {
		names = append(names, c.Name)
	}
	for _, s := range schemagen.Sources() {
		sources = append(sources, s.Name)
	}
	if !reflect.DeepEqual(names, sources) {
		t.Errorf("embedded %v, schemagen.Sources %v", names, sources)
	}
}

func TestOpenNamesAndAliases(t *testing.T) {
	for _, tt := range []struct{ alias, name string }{
		{"kratos", schemas.Kratos},
		{"network", schemas.Network},
		{schemas.DefaultContract, schemas.Kratos},
	} {
		a, err := schemas.Open(tt.alias)
		if err != nil {
			t.Fatal(err)
		}
		b, err := schemas.Open(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if a != b {
			t.Errorf("Open(%q) and Open(%q) are two sets", tt.alias, tt.name)
		}
		if a.Contract().Name != tt.name {
			t.Errorf("Open(%q) is %s, want %s", tt.alias, a.Contract().Name, tt.name)
		}
	}
}

// TestOpenFile: a set generated from a file is the embedded set of the
// same document: the Network contract from its pinned YAML, and the
// Kratos contract from its own trimmed openapi.json (trimming is
// idempotent).
func TestOpenFile(t *testing.T) {
	src, _ := schemagen.SourceNamed(schemas.Network)
	yamlPath, err := schemagen.Locate(context.Background(), "..", src)
	if err != nil {
		t.Fatal(err)
	}
	kratos, err := schemas.Open(schemas.Kratos)
	if err != nil {
		t.Fatal(err)
	}
	jsonPath := filepath.Join(t.TempDir(), "kratos.json")
	if err := os.WriteFile(jsonPath, kratos.OpenAPI(), 0o644); err != nil {
		t.Fatal(err)
	}
	kratosDoc := sha256.Sum256(kratos.OpenAPI())
	for _, tt := range []struct {
		path, embedded string
		want           schemas.Contract
	}{
		{yamlPath, schemas.Network, schemas.Contract{Name: "file:openapi.yaml", Title: "Ory APIs v1.22.92", Version: "v1.22.92", SourceFile: yamlPath}},
		{jsonPath, schemas.Kratos, schemas.Contract{Name: "file:kratos.json", Title: "Ory Identities API", SourceFile: jsonPath, SHA256: hex.EncodeToString(kratosDoc[:])}},
	} {
		t.Run(tt.want.Name, func(t *testing.T) {
			want, err := schemas.Open(tt.embedded)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want.SHA256 == "" { // the pinned document itself
				tt.want.SHA256 = want.Contract().SHA256
			}
			got, err := schemas.Open(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			if got.Contract() != tt.want {
				t.Errorf("Contract() = %+v, want %+v", got.Contract(), tt.want)
			}
			if !reflect.DeepEqual(got.Operations(), want.Operations()) {
				t.Errorf("operations differ from %s's", tt.embedded)
			}
			if string(got.OpenAPI()) != string(want.OpenAPI()) {
				t.Errorf("OpenAPI() differs from %s's", tt.embedded)
			}
			for _, op := range want.Operations() {
				for _, r := range op.Responses {
					a, _ := got.Schema(r.Schema)
					b, _ := want.Schema(r.Schema)
					if string(a) != string(b) {
						t.Errorf("schema %s differs from %s's", r.Schema, tt.embedded)
					}
				}
			}
			if d := got.Deviations(); len(d) != 0 {
				t.Errorf("a file's set has %d known deviations, want none", len(d))
			}
			if again, err := schemas.Open(tt.path); err != nil || again == got {
				t.Errorf("Open(file) twice = the same set or %v; want a fresh set", err)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	notOpenAPI := []struct{ path, why string }{
		{write("notes.txt", "these are notes, not an API\n"), "the document is a string"},
		{write("swagger.json", `{"swagger": "2.0", "info": {"title": "x", "version": "1"}, "paths": {}}`), "Swagger 2.0"},
		{write("garbage.yaml", "openapi: 3.0.3\npaths: [\n  - : :\n"), "YAML: line"},
		{write("no-frontend.yaml", "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\n"), `no operation is tagged "frontend"`},
		{filepath.Join("testdata", "getWebAuthnJavaScript.200.body"), "not an OpenAPI 3.0 document"},
		{dir, "it is a directory"},
	}
	for _, tt := range notOpenAPI {
		_, err := schemas.Open(tt.path)
		msg := fmt.Sprint(err)
		if !errors.Is(err, schemas.ErrNotOpenAPI) || !strings.HasPrefix(msg, tt.path+": not an OpenAPI 3.0 document") ||
			!strings.Contains(msg, tt.why) || strings.Contains(msg, "\n") {
			t.Errorf("Open(%s) = %v; want one line naming the file, wrapping ErrNotOpenAPI and saying %q", tt.path, err, tt.why)
		}
	}
	for _, name := range []string{"kratos-v9.9.9", "Kratos", "", "v1.3.1", filepath.Join(dir, "missing.yaml")} {
		_, err := schemas.Open(name)
		msg := fmt.Sprint(err)
		if !errors.Is(err, schemas.ErrUnknownContract) || !strings.Contains(msg, schemas.Kratos) || !strings.Contains(msg, schemas.Network) ||
			!strings.Contains(msg, "path of an OpenAPI 3.0 document") {
			t.Errorf("Open(%q) = %v; want ErrUnknownContract listing the contracts and the path option", name, err)
		}
	}
}

func TestChoose(t *testing.T) {
	tests := []struct{ asked, url, want string }{
		{"", "https://x.projects.oryapis.com", schemas.Network},
		{"", "https://abc.oryapis.com:443", schemas.Network},
		{"", "https://oryapis.com/", schemas.Network},
		{"", "https://ABC.OryAPIs.com./", schemas.Network},
		{"", "http://127.0.0.1:4433", schemas.Kratos},
		{"", "https://auth.example.com", schemas.Kratos},
		{"", "", schemas.Kratos},
		{"", "https://oryapis.com.evil.example", schemas.Kratos},
		{"", "https://eviloryapis.com", schemas.Kratos},
		{"", "https://x.oryapis.com@evil.example/", schemas.Kratos},
		{"", "::not a url", schemas.Kratos},
		// What is asked for wins over both defaults.
		{"kratos", "https://x.projects.oryapis.com", "kratos"},
		{schemas.Network, "http://127.0.0.1:4433", schemas.Network},
		{"openapi.yaml", "", "openapi.yaml"},
	}
	for _, tt := range tests {
		if got := schemas.Choose(tt.asked, tt.url); got != tt.want {
			t.Errorf("Choose(%q, %q) = %s, want %s", tt.asked, tt.url, got, tt.want)
		}
	}
}

// TestCaptchaNode: Ory Network documents the "captcha" node group, Kratos
// v1.3.1 does not: a login flow showing a captcha fits the one contract
// and breaks the other, at the node's group.
func TestCaptchaNode(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "createNativeLoginFlow.200.native.json"))
	if err != nil {
		t.Fatal(err)
	}
	var flow map[string]any
	if err := json.Unmarshal(b, &flow); err != nil {
		t.Fatal(err)
	}
	ui := flow["ui"].(map[string]any)
	nodes := ui["nodes"].([]any)
	ui["nodes"] = append(nodes, map[string]any{
		"type": "input", "group": "captcha", "messages": []any{}, "meta": map[string]any{},
		"attributes": map[string]any{"name": "transient_payload.captcha_turnstile_response", "type": "hidden", "node_type": "input", "disabled": false},
	})
	body, err := json.Marshal(flow)
	if err != nil {
		t.Fatal(err)
	}
	network, err := schemas.Open(schemas.Network)
	if err != nil {
		t.Fatal(err)
	}
	if err := network.Validate("createNativeLoginFlow", 200, body); err != nil {
		t.Errorf("Network: %v", err)
	}
	kratos, err := schemas.Open(schemas.Kratos)
	if err != nil {
		t.Fatal(err)
	}
	var ve *schemas.ValidationError
	if err := kratos.Validate("createNativeLoginFlow", 200, body); !errors.As(err, &ve) {
		t.Fatalf("Kratos: %v, want a *ValidationError", err)
	}
	want := fmt.Sprintf("/ui/nodes/%d/group", len(nodes))
	for _, v := range ve.Violations {
		if v.Pointer == want && v.Rule == "enum" {
			return
		}
	}
	t.Errorf("Kratos: violations %v, want an enum violation at %s", ve.Violations, want)
}

func TestStatuses(t *testing.T) {
	for _, tt := range []struct {
		contract, op string
		want         []int
	}{
		{schemas.Kratos, "toSession", []int{200, 401, 403}},
		{schemas.Network, "toSession", []int{200, 400, 401, 403}},
		{schemas.Network, "getWebAuthnRelatedOrigins", []int{200}},
		{schemas.Kratos, "getWebAuthnRelatedOrigins", nil},
	} {
		set, err := schemas.Open(tt.contract)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := set.Statuses(tt.op)
		if !slices.Equal(got, tt.want) || ok != (tt.want != nil) {
			t.Errorf("%s: Statuses(%s) = %v, %v; want %v", tt.contract, tt.op, got, ok, tt.want)
		}
	}
}
