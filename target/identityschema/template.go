package identityschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/orybench/orybench/internal/hygiene"
)

// Template is a --traits file: what every test identity's traits look like,
// written by hand for a schema orybench cannot satisfy on its own. String
// values may hold placeholders, replaced per identity:
//
//	{{email}}     the identity's address, orybench-<run>-<n>@orybench.test
//	{{username}}  its short username (hygiene.Username): lower-case letters
//	              and digits, 13 to 16 characters, e.g. obsats0618ico
//	              (the address's local part for an address not orybench's)
//	{{n}}         its number n
//
// The file is either the traits object itself, or
//
//	{"traits": {...}, "identifier": "{{username}}", "schema_id": "customer"}
//
// where identifier is what the identity signs in with (default: the
// schema's password identifier trait, else the first value with {{email}}
// or {{username}}) and schema_id the schema the traits are for. Use
// {{email}} or {{username}} in some trait so that `orybench cleanup`
// recognises the identities.
type Template struct {
	traits     map[string]any
	identifier string
	schemaID   string
	schema     *Schema
}

// ParseTemplate reads a --traits file. schema, when not nil, tells which
// traits are the login identifier and the email, and checks the result.
func ParseTemplate(data []byte, schema *Schema) (*Template, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("--traits: not a JSON object: %w", err)
	}
	t := &Template{traits: doc, schema: schema}
	if inner, ok := doc["traits"].(map[string]any); ok && wrapper(doc) {
		t.traits = inner
		t.identifier, _ = doc["identifier"].(string)
		t.schemaID, _ = doc["schema_id"].(string)
	}
	if !strings.Contains(string(data), "{{email}}") && !strings.Contains(string(data), "{{username}}") && !strings.Contains(string(data), "{{n}}") {
		return nil, fmt.Errorf("--traits: no {{email}}, {{username}} or {{n}} placeholder: every identity would be the same")
	}
	if schema != nil && t.schemaID == "" {
		t.schemaID = schema.ID
	}
	return t, nil
}

// wrapper reports whether doc is {"traits": ..., "identifier"?, "schema_id"?}.
func wrapper(doc map[string]any) bool {
	for k := range doc {
		if k != "traits" && k != "identifier" && k != "schema_id" {
			return false
		}
	}
	return true
}

// Identity fills the template in for address.
func (t *Template) Identity(address string) (Identity, error) {
	at := strings.LastIndex(address, "@")
	if at <= 0 {
		return Identity{}, fmt.Errorf("--traits: %q is not an address", address)
	}
	local := address[:at]
	i := len(local)
	for i > 0 && local[i-1] >= '0' && local[i-1] <= '9' {
		i--
	}
	n := local[i:]
	if n == "" {
		n = "0"
	}
	username := local
	if short, ok := hygiene.UsernameFor(address); ok {
		username = short
	}
	fill := strings.NewReplacer("{{email}}", address, "{{username}}", username, "{{n}}", n)
	traits, _ := substitute(t.traits, fill).(map[string]any)
	id := Identity{SchemaID: t.schemaID, Traits: traits}
	switch {
	case t.identifier != "":
		id.Identifier = fill.Replace(t.identifier)
		id.IdentifierTrait = firstPath(traits, "", func(s string) bool { return s == id.Identifier })
	case t.schema != nil && len(t.schema.PasswordIdentifiers()) > 0:
		id.IdentifierTrait = t.schema.PasswordIdentifiers()[0]
		id.Identifier, _ = lookup(traits, id.IdentifierTrait).(string)
	default:
		id.IdentifierTrait = firstPath(t.traits, "", func(s string) bool {
			return strings.Contains(s, "{{email}}") || strings.Contains(s, "{{username}}")
		})
		id.Identifier, _ = lookup(traits, id.IdentifierTrait).(string)
	}
	if t.schema != nil && t.schema.emailTrait() != "" {
		id.EmailTrait = t.schema.emailTrait()
	} else {
		id.EmailTrait = firstPath(t.traits, "", func(s string) bool { return s == "{{email}}" })
	}
	if id.EmailTrait != "" {
		id.Email, _ = lookup(traits, id.EmailTrait).(string)
	}
	if id.Identifier == "" {
		return Identity{}, fmt.Errorf("--traits: cannot tell what the identity signs in with: add \"identifier\"")
	}
	if t.schema != nil {
		if err := t.schema.validate(traits); err != nil {
			return Identity{}, fmt.Errorf("--traits: %w", err)
		}
	}
	return id, nil
}

func substitute(v any, r *strings.Replacer) any {
	switch x := v.(type) {
	case string:
		return r.Replace(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = substitute(e, r)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = substitute(e, r)
		}
		return out
	}
	return v
}

// firstPath is the dotted path of the first string (by sorted keys) that
// match accepts, "" if none.
func firstPath(v any, path string, match func(string) bool) string {
	switch x := v.(type) {
	case string:
		if match(x) {
			return path
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p := firstPath(x[k], join(path, k), match); p != "" {
				return p
			}
		}
	}
	return ""
}
