package schemagen

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestTranslate(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		refs string // referenced components, space separated
	}{
		{
			name: "annotations dropped",
			in:   `{"type":"string","description":"d","title":"t","example":"e","x-go-enum-desc":"x","default":"a","readOnly":true}`,
			want: `{"type":"string"}`,
		},
		{
			name: "structure kept",
			in:   `{"type":"object","required":["a"],"properties":{"a":{"type":"integer","format":"int64","minimum":1,"maximum":9},"b":{"type":"array","items":{"type":"string","enum":["x","y"]},"minItems":1}},"additionalProperties":false}`,
			want: `{"additionalProperties":false,"properties":{"a":{"format":"int64","maximum":9,"minimum":1,"type":"integer"},"b":{"items":{"enum":["x","y"],"type":"string"},"minItems":1,"type":"array"}},"required":["a"],"type":"object"}`,
		},
		{
			name: "ref rewritten, annotations beside it dropped",
			in:   `{"$ref":"#/components/schemas/session","description":"d"}`,
			want: `{"$ref":"session.json"}`,
			refs: "session",
		},
		{
			name: "nullable typed schema becomes a type array",
			in:   `{"type":"string","format":"uuid4","nullable":true}`,
			want: `{"format":"uuid4","type":["string","null"]}`,
		},
		{
			name: "nullable ref becomes anyOf",
			in:   `{"$ref":"#/components/schemas/identity","nullable":true}`,
			want: `{"anyOf":[{"$ref":"identity.json"},{"type":"null"}]}`,
			refs: "identity",
		},
		{
			name: "nullable enum becomes anyOf",
			in:   `{"type":"string","enum":["a"],"nullable":true}`,
			want: `{"anyOf":[{"enum":["a"],"type":"string"},{"type":"null"}]}`,
		},
		{
			name: "nullable without type accepts anything already",
			in:   `{"nullable":true,"description":"raw"}`,
			want: `{}`,
		},
		{
			name: "nullable false is a no-op",
			in:   `{"type":"boolean","nullable":false}`,
			want: `{"type":"boolean"}`,
		},
		{
			name: "discriminator dropped, oneOf literal",
			in:   `{"oneOf":[{"$ref":"#/components/schemas/a"},{"$ref":"#/components/schemas/b"}],"discriminator":{"propertyName":"k","mapping":{"a":"#/components/schemas/a"}}}`,
			want: `{"oneOf":[{"$ref":"a.json"},{"$ref":"b.json"}]}`,
			refs: "a b",
		},
		{
			name: "additionalProperties schema translated",
			in:   `{"type":"object","additionalProperties":{"$ref":"#/components/schemas/c"}}`,
			want: `{"additionalProperties":{"$ref":"c.json"},"type":"object"}`,
			refs: "c",
		},
		{
			name: "OpenAPI 3.0 boolean exclusive bounds",
			in:   `{"type":"number","minimum":0,"exclusiveMinimum":true,"maximum":5,"exclusiveMaximum":false}`,
			want: `{"exclusiveMinimum":0,"maximum":5,"type":"number"}`,
		},
		{
			name: "property named like a keyword",
			in:   `{"type":"object","properties":{"description":{"type":"string"},"x-y":{"type":"string"}}}`,
			want: `{"properties":{"description":{"type":"string"},"x-y":{"type":"string"}},"type":"object"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &translator{refs: map[string]bool{}}
			got, err := tr.schema(decode(t, tt.in), "#")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(got)
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
			if refs := strings.Join(sortedBoolKeys(tr.refs), " "); refs != tt.refs {
				t.Errorf("refs = %q, want %q", refs, tt.refs)
			}
		})
	}
}

func TestTranslateErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"unknown keyword", `{"type":"object","patternProperties":{}}`, `keyword "patternProperties" is not supported`},
		{"external ref", `{"$ref":"other.json#/x"}`, "unsupported reference"},
		{"structure beside ref", `{"$ref":"#/components/schemas/a","type":"object"}`, `keyword "type" next to $ref`},
		{"nested unknown keyword", `{"properties":{"a/b":{"const":1}}}`, `#/properties/a~1b: keyword "const"`},
		{"exclusive bound without bound", `{"exclusiveMaximum":true}`, "true without maximum"},
		{"boolean schema", `{"items":true}`, "schema is a bool"},
		{"empty oneOf", `{"oneOf":[]}`, "non-empty array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := &translator{refs: map[string]bool{}}
			_, err := tr.schema(decode(t, tt.in), "#")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func decode(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
