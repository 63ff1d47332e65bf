package schemagen

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// miniSpec has two frontend operations, an admin one (one on a path of its
// own, one next to a frontend operation), a response component with an
// inline schema, an empty response, an alias component, a cycle, a
// path-level parameter, a discriminator mapping and security requirements
// (one naming an undefined scheme).
const miniSpec = `{
  "openapi": "3.0.3",
  "info": {"title": "Mini", "version": "0.0.1"},
  "servers": [{"url": "https://example.org"}],
  "tags": [{"name": "frontend"}],
  "paths": {
    "/a": {"parameters": [{"$ref": "#/components/parameters/p"}],
      "get": {"operationId": "getA", "tags": ["frontend"], "responses": {
      "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/a"}}}},
      "303": {"$ref": "#/components/responses/emptyResponse"},
      "default": {"description": "err", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/err"}}}}}},
      "post": {"operationId": "adminPostA", "tags": ["identity"], "responses": {
      "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/adminOnly"}}}}}}},
    "/list": {"delete": {"operationId": "listA", "tags": ["frontend"], "security": [{"tok": []}, {"undefinedScheme": []}], "responses": {
      "200": {"$ref": "#/components/responses/listA"}}}},
    "/admin": {"get": {"operationId": "adminGet", "tags": ["identity"], "responses": {
      "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/adminOnly"}}}}}}}
  },
  "components": {
    "parameters": {"p": {"name": "p", "in": "query", "schema": {"type": "string"}}},
    "securitySchemes": {"tok": {"type": "apiKey", "in": "header", "name": "X-Tok"}, "adminTok": {"type": "http", "scheme": "basic"}},
    "responses": {
      "emptyResponse": {"description": "empty"},
      "listA": {"description": "list", "content": {"application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/a"}}}}}
    },
    "schemas": {
      "a": {"type": "object", "description": "A", "required": ["id"], "properties": {
        "id": {"type": "string", "format": "uuid"},
        "next": {"$ref": "#/components/schemas/a", "nullable": true},
        "b": {"$ref": "#/components/schemas/alias"}}},
      "alias": {"$ref": "#/components/schemas/b"},
      "b": {"type": "integer"},
      "err": {"type": "object", "discriminator": {"propertyName": "kind", "mapping": {"x": "#/components/schemas/errKind"}},
        "properties": {"message": {"type": "string", "example": "<boom>"}}},
      "errKind": {"type": "string"},
      "adminOnly": {"type": "string"}
    }
  }
}`

// mini is the Source of miniSpec.
var mini = Source{Name: "mini-v0.0.1", Title: "Mini", Module: "example.org/mini", Version: "v0.0.1", File: "mini.json"}

func TestGenerateMini(t *testing.T) {
	files, err := Generate([]byte(miniSpec), mini)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	want := []string{"a.json", "alias.json", "b.json", "err.json", "index.json", "listA.json", "openapi.json"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("files = %v, want %v", names, want)
	}

	var idx Index
	if err := json.Unmarshal(files[IndexFile], &idx); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(miniSpec))
	header := Index{Contract: mini.Name, Title: mini.Title, Module: mini.Module, Version: mini.Version, SourceFile: mini.File,
		OpenAPIVersion: "3.0.3", SpecSHA256: hex.EncodeToString(sum[:]), Tag: Tag}
	got := idx
	got.Operations, got.Schemas = nil, nil
	if !reflect.DeepEqual(got, header) {
		t.Errorf("index header = %+v, want %+v", got, header)
	}
	wantOps := []Operation{
		{Method: "GET", ID: "getA", Path: "/a", Responses: []Response{
			{Status: "200", Schema: "a", ContentType: "application/json"},
			{Status: "303", EmptyBody: true},
			{Status: "default", Schema: "err", ContentType: "application/json"},
		}},
		{Method: "DELETE", ID: "listA", Path: "/list", Responses: []Response{
			{Status: "200", Schema: "listA", ContentType: "application/json"},
		}},
	}
	if !reflect.DeepEqual(idx.Operations, wantOps) {
		t.Errorf("operations = %+v, want %+v", idx.Operations, wantOps)
	}

	tests := []struct{ file, want string }{
		{"a.json", `{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"b":{"$ref":"alias.json"},"id":{"format":"uuid","type":"string"},"next":{"anyOf":[{"$ref":"a.json"},{"type":"null"}]}},"required":["id"],"type":"object"}`},
		{"alias.json", `{"$schema":"http://json-schema.org/draft-07/schema#","allOf":[{"$ref":"b.json"}]}`},
		{"listA.json", `{"$schema":"http://json-schema.org/draft-07/schema#","items":{"$ref":"a.json"},"type":"array"}`},
		{"err.json", `{"$schema":"http://json-schema.org/draft-07/schema#","properties":{"message":{"type":"string"}},"type":"object"}`},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		if err := json.Compact(&buf, files[tt.file]); err != nil {
			t.Fatal(err)
		}
		if buf.String() != tt.want {
			t.Errorf("%s:\ngot  %s\nwant %s", tt.file, buf.String(), tt.want)
		}
	}
	for name, b := range files {
		if !bytes.HasSuffix(b, []byte("}\n")) || !bytes.HasPrefix(b, []byte("{\n  \"")) {
			t.Errorf("%s: not two-space indented with a trailing newline", name)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"swagger 2", `"openapi": "3.0.3"`, `"swagger": "2.0"`, "not an OpenAPI 3.0 document: it is Swagger 2.0"},
		{"openapi 3.1", `"openapi": "3.0.3"`, `"openapi": "3.1.0"`, "only 3.0.x"},
		{"no openapi field", `"openapi": "3.0.3"`, `"x-openapi": "3.0.3"`, `no "openapi" field`},
		{"undefined reference", `"$ref": "#/components/responses/emptyResponse"`, `"$ref": "#/components/responses/gone"`, `response "#/components/responses/gone" not found`},
		{"missing component", `"b": {"type": "integer"},`, ``, `component schema "b" not found`},
		{"no frontend operation", `"frontend"`, `"other"`, "not an OpenAPI 3.0 document: no operation is tagged"},
		{"bad status key", `"303":`, `"3xx":`, "not a status code"},
		{"inline name clash", `"adminOnly"`, `"listA"`, "clashes with a component"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := strings.Replace(miniSpec, tt.from, tt.to, -1)
			if spec == miniSpec {
				t.Fatalf("test does not change the spec")
			}
			_, err := Generate([]byte(spec), mini)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Generate([]byte(miniSpec), Source{}); err == nil {
		t.Errorf("empty contract name accepted")
	}
}

// TestGeneratePinnedSpec checks the real documents: their operations and
// documented pairs, and byte-identical output on a second run.
func TestGeneratePinnedSpec(t *testing.T) {
	want := map[string][2]int{"kratos-v1.3.1": {30, 99}, "network-v1.22.92": {41, 132}}
	for _, src := range Sources() {
		t.Run(src.Name, func(t *testing.T) {
			a := generatePinned(t, src)
			b := generatePinned(t, src)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("two runs differ")
			}
			checkPinned(t, a, want[src.Name])
		})
	}
}

// generatePinned generates a source's contract from its pinned document.
func generatePinned(t *testing.T, src Source) map[string][]byte {
	t.Helper()
	files, err := Generate(pinned(t, src), src)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func pinned(t *testing.T, src Source) []byte {
	t.Helper()
	p, err := Locate(context.Background(), "../..", src)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkPinned(t *testing.T, a map[string][]byte, want [2]int) {
	var idx Index
	if err := json.Unmarshal(a[IndexFile], &idx); err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for _, op := range idx.Operations {
		for _, r := range op.Responses {
			if r.Status != "default" {
				pairs++
			}
		}
	}
	if got := [2]int{len(idx.Operations), pairs}; got != want {
		t.Errorf("%d operations, %d pairs; want %d, %d", got[0], got[1], want[0], want[1])
	}
	banned := map[string]bool{"description": true, "title": true, "example": true, "discriminator": true, "nullable": true}
	for name, content := range a {
		if name == IndexFile || name == OpenAPIFile {
			continue
		}
		var doc any
		if err := json.Unmarshal(content, &doc); err != nil {
			t.Fatal(err)
		}
		for _, k := range keywords(doc) {
			if banned[k] || strings.HasPrefix(k, "x-") {
				t.Errorf("%s uses keyword %q", name, k)
			}
		}
		if bytes.Contains(content, []byte("#/components")) {
			t.Errorf("%s refers to the OpenAPI document", name)
		}
	}
}

// keywords lists the keywords used anywhere in a schema, skipping the
// member names under "properties".
func keywords(v any) []string {
	var out []string
	switch s := v.(type) {
	case map[string]any:
		for k, sub := range s {
			out = append(out, k)
			if k == "properties" {
				for _, p := range sub.(map[string]any) {
					out = append(out, keywords(p)...)
				}
				continue
			}
			out = append(out, keywords(sub)...)
		}
	case []any:
		for _, sub := range s {
			out = append(out, keywords(sub)...)
		}
	}
	return out
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	first := map[string][]byte{
		IndexFile:  []byte(`{"schemas":["a","old"]}` + "\n"),
		"a.json":   []byte("{}\n"),
		"old.json": []byte("{}\n"),
	}
	if _, err := Write(dir, first); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.json"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	second := map[string][]byte{
		IndexFile: []byte(`{"schemas":["a"]}` + "\n"),
		"a.json":  []byte("{\"type\":\"string\"}\n"),
	}
	names, err := Write(dir, second)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a.json", IndexFile}; !reflect.DeepEqual(names, want) {
		t.Errorf("names = %v, want %v", names, want)
	}
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if want := []string{"a.json", IndexFile, "notes.json"}; !reflect.DeepEqual(got, want) {
		t.Errorf("dir = %v, want %v (old.json removed, notes.json kept)", got, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "a.json")); string(b) != "{\"type\":\"string\"}\n" {
		t.Errorf("a.json = %q", b)
	}

	if _, err := Write(dir, map[string][]byte{IndexFile: nil, "../x.json": nil}); err == nil {
		t.Errorf("a path outside dir was accepted")
	}
	if _, err := Write(dir, map[string][]byte{"a.json": nil}); err == nil {
		t.Errorf("files without an index were accepted")
	}
}
