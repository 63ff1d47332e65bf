package schemagen

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// miniYAML is a frontend operation in YAML with the scalars whose meaning
// YAML and JSON spell differently.
const miniYAML = `openapi: 3.0.3
info: {title: Mini, version: "1"}
paths:
  /a:
    get:
      operationId: getA
      tags: [frontend]
      responses:
        "200": &ok
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/a'}
        "201": *ok
components:
  schemas:
    a:
      type: object
      properties:
        at: {type: string, format: date-time, example: 2024-01-02T03:04:05Z}
        day: {type: string, enum: [2024-01-02, yes, "on", null]}
        n: {type: integer, maximum: 0x10, minimum: +1, multipleOf: 1.0}
        f: {type: number, maximum: 1e3, minimum: .5}
        s: {type: string, maxLength: 1_000}
        t: {type: boolean, enum: [true, False]}
`

func TestGenerateYAML(t *testing.T) {
	files, err := Generate([]byte(miniYAML), Source{Name: "mini"})
	if err != nil {
		t.Fatal(err)
	}
	var a bytes.Buffer
	if err := json.Compact(&a, files["a.json"]); err != nil {
		t.Fatal(err)
	}
	want := `{"$schema":"http://json-schema.org/draft-07/schema#","properties":{` +
		`"at":{"format":"date-time","type":"string"},` +
		`"day":{"enum":["2024-01-02","yes","on",null],"type":"string"},` +
		`"f":{"maximum":1e3,"minimum":0.5,"type":"number"},` +
		`"n":{"maximum":16,"minimum":1,"multipleOf":1.0,"type":"integer"},` +
		`"s":{"maxLength":1000,"type":"string"},` +
		`"t":{"enum":[true,false],"type":"boolean"}},"type":"object"}`
	if a.String() != want {
		t.Errorf("a.json:\ngot  %s\nwant %s", a.String(), want)
	}
	if !bytes.Contains(files[OpenAPIFile], []byte(`"example": "2024-01-02T03:04:05Z"`)) {
		t.Errorf("the timestamp example is not the string it is written as:\n%s", files[OpenAPIFile])
	}
	var idx Index
	if err := json.Unmarshal(files[IndexFile], &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Operations) != 1 || len(idx.Operations[0].Responses) != 2 || idx.Operations[0].Responses[1].Schema != "a" {
		t.Errorf("operations = %+v, want getA with 200 and its alias 201", idx.Operations)
	}
	if idx.Title != "Mini 1" || idx.Version != "1" {
		t.Errorf("title, version = %q, %q; want them from info: \"Mini 1\", \"1\"", idx.Title, idx.Version)
	}
}

func TestGenerateNotOpenAPI(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"empty", "", "the file is empty"},
		{"text", "just some words\n", "the document is a string"},
		{"JSON array", `[{"openapi":"3.0.3"}]`, "the document is an array"},
		{"broken JSON", `{"openapi": "3.0.3",`, "JSON: unexpected EOF"},
		{"JSON and more", `{"openapi": "3.0.3"} {}`, "data after the document"},
		{"YAML garbage", "a: [1, 2\nb: }\n", "YAML: line"},
		{"JavaScript", "window.x = function() { return [1, 2] }\n", "the document is a string"},
		{"HTML", "<html>\n<body>x: y</body>\n", "YAML: line"},
		{"two YAML documents", strings.Replace(miniYAML, "components:", "---\ncomponents:", 1), "more than one document"},
		{"number key", strings.Replace(miniYAML, `"201": *ok`, `201: *ok`, 1), `key "201" is a int, not a string`},
		{"merge key", strings.Replace(miniYAML, `"201": *ok`, `"201": {<<: *ok}`, 1), `key "<<" is a merge, not a string`},
		{"duplicate key", strings.Replace(miniYAML, `"201": *ok`, `"200": *ok`, 1), `key "200" appears twice`},
		{"infinity", strings.Replace(miniYAML, "1e3", ".inf", 1), ".inf has no JSON equivalent"},
		{"binary", strings.Replace(miniYAML, "example: 2024-01-02T03:04:05Z", "example: !!binary aGk=", 1), "!!binary value"},
		{"swagger 2", "swagger: '2.0'\npaths: {}\n", "it is Swagger 2.0 (OpenAPI 2.0)"},
		{"openapi 3.1", strings.Replace(miniYAML, "3.0.3", "3.1.0", 1), `openapi is "3.1.0"`},
		{"openapi as a number", strings.Replace(miniYAML, "openapi: 3.0.3", "openapi: 3.0", 1), `openapi is 3.0, not a string`},
		{"no frontend operation", strings.Replace(miniYAML, "[frontend]", "[identity]", 1), `no operation is tagged "frontend"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate([]byte(tt.doc), Source{Name: "x"})
			if !errors.Is(err, ErrNotOpenAPI) || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one line wrapping ErrNotOpenAPI and containing %q", err, tt.want)
			}
		})
	}
}

// TestGenerateYAMLEqualsJSON: the pinned Kratos document written as YAML
// generates the same contract as the JSON it is shipped as; only the hash
// of the bytes differs.
func TestGenerateYAMLEqualsJSON(t *testing.T) {
	src, _ := SourceNamed("kratos-v1.3.1")
	spec := pinned(t, src)
	dec := json.NewDecoder(bytes.NewReader(spec))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	asYAML, err := yaml.Marshal(yamlNode(doc))
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := Generate(spec, src)
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := Generate(asYAML, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, files := range []map[string][]byte{fromJSON, fromYAML} {
		var idx Index
		if err := json.Unmarshal(files[IndexFile], &idx); err != nil {
			t.Fatal(err)
		}
		idx.SpecSHA256 = ""
		if files[IndexFile], err = encode(idx); err != nil {
			t.Fatal(err)
		}
	}
	if len(fromYAML) != len(fromJSON) {
		t.Errorf("%d files from YAML, %d from JSON", len(fromYAML), len(fromJSON))
	}
	for name, b := range fromJSON {
		if !bytes.Equal(fromYAML[name], b) {
			t.Errorf("%s differs between the YAML and the JSON document", name)
		}
	}
}

// yamlNode writes a JSON value (decoded with UseNumber) as a YAML node,
// numbers as their JSON text.
func yamlNode(v any) *yaml.Node {
	switch x := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		ks := make([]string, 0, len(x))
		for k := range x {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		for _, k := range ks {
			n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, yamlNode(x[k]))
		}
		return n
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, item := range x {
			n.Content = append(n.Content, yamlNode(item))
		}
		return n
	case string:
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x}
		if strings.Contains(x, "\n") {
			// yaml.v3 writes a literal block it cannot read back when a
			// line starts with a space.
			n.Style = yaml.DoubleQuotedStyle
		}
		return n
	case json.Number:
		tag := "!!int"
		if strings.ContainsAny(string(x), ".eE") {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: string(x)}
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: map[bool]string{true: "true", false: "false"}[x]}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	}
	panic(reflect.TypeOf(v).String())
}
