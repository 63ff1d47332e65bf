package schemagen

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestTrimMini(t *testing.T) {
	files, err := Generate([]byte(miniSpec), mini)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI    string                               `json:"openapi"`
		Info       map[string]any                       `json:"info"`
		Paths      map[string]map[string]any            `json:"paths"`
		Components map[string]map[string]map[string]any `json:"components"`
		Servers    any                                  `json:"servers"`
		Tags       any                                  `json:"tags"`
	}
	if err := json.Unmarshal(files[OpenAPIFile], &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" || doc.Info["title"] != "Mini" || doc.Servers != nil || doc.Tags != nil {
		t.Errorf("header: openapi %q info %v servers %v tags %v; want 3.0.3, the info, no servers or tags", doc.OpenAPI, doc.Info, doc.Servers, doc.Tags)
	}
	paths := map[string][]string{}
	for p, item := range doc.Paths {
		paths[p] = keys(item)
	}
	wantPaths := map[string][]string{"/a": {"get", "parameters"}, "/list": {"delete"}}
	if !reflect.DeepEqual(paths, wantPaths) {
		t.Errorf("paths = %v, want %v (admin operations removed, path parameters kept)", paths, wantPaths)
	}
	comps := map[string][]string{}
	for section, m := range doc.Components {
		comps[section] = keys(m)
	}
	wantComps := map[string][]string{
		"parameters":      {"p"},
		"responses":       {"emptyResponse", "listA"},
		"schemas":         {"a", "alias", "b", "err", "errKind"},
		"securitySchemes": {"tok"},
	}
	if !reflect.DeepEqual(comps, wantComps) {
		t.Errorf("components = %v, want %v", comps, wantComps)
	}
	if ex := doc.Components["schemas"]["err"]["properties"].(map[string]any)["message"].(map[string]any)["example"]; ex != "<boom>" {
		t.Errorf("err's message example = %v, want it kept as is", ex)
	}
}

// TestTrimPinned: the trimmed document of each pinned contract holds every
// frontend operation and no other, and every reference in it resolves
// inside it.
func TestTrimPinned(t *testing.T) {
	for _, src := range Sources() {
		t.Run(src.Name, func(t *testing.T) {
			files := generatePinned(t, src)
			var idx Index
			if err := json.Unmarshal(files[IndexFile], &idx); err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, op := range idx.Operations {
				want = append(want, op.Method+" "+op.Path+" "+op.ID)
			}
			doc, err := decodeDocument(files[OpenAPIFile])
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for path, item := range doc["paths"].(map[string]any) {
				for m, op := range item.(map[string]any) {
					if isMethod(m) {
						id, _ := op.(map[string]any)["operationId"].(string)
						got = append(got, strings.ToUpper(m)+" "+path+" "+id)
					}
				}
			}
			sort.Strings(want)
			sort.Strings(got)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("operations of %s:\n got %v\nwant %v", OpenAPIFile, got, want)
			}
			for _, ref := range refsIn(doc) {
				if _, ok := resolvePointer(doc, strings.TrimPrefix(ref, "#")); !ok {
					t.Errorf("%s does not resolve inside %s", ref, OpenAPIFile)
				}
			}
			if len(files[OpenAPIFile]) > 512<<10 {
				t.Errorf("%s is %d bytes; it is meant to stay small", OpenAPIFile, len(files[OpenAPIFile]))
			}
		})
	}
}

// refsIn lists every $ref value in a document.
func refsIn(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, sub := range x {
			if s, ok := sub.(string); ok && k == "$ref" {
				out = append(out, s)
			}
			out = append(out, refsIn(sub)...)
		}
	case []any:
		for _, sub := range x {
			out = append(out, refsIn(sub)...)
		}
	}
	return out
}

// resolvePointer follows a JSON pointer through objects.
func resolvePointer(v any, pointer string) (any, bool) {
	for _, seg := range strings.Split(strings.TrimPrefix(pointer, "/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[unescapePointer(seg)]; !ok {
			return nil, false
		}
	}
	return v, true
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
