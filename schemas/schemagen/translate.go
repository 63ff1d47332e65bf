package schemagen

import (
	"fmt"
	"sort"
	"strings"
)

// componentRefPrefix is the only kind of $ref the generator follows.
const componentRefPrefix = "#/components/schemas/"

// dropped lists the OpenAPI 3.0 Schema Object keywords that carry no
// structure: documentation, examples, serialisation hints and the
// discriminator (a dispatch hint; oneOf keeps its literal meaning).
var dropped = map[string]bool{
	"description":   true,
	"title":         true,
	"example":       true,
	"externalDocs":  true,
	"xml":           true,
	"deprecated":    true,
	"readOnly":      true,
	"writeOnly":     true,
	"default":       true,
	"discriminator": true,
}

// copied lists the keywords whose value means the same in OpenAPI 3.0 and
// JSON Schema draft-07 and is copied unchanged.
var copied = map[string]bool{
	"type":          true,
	"format":        true,
	"enum":          true,
	"required":      true,
	"minimum":       true,
	"maximum":       true,
	"multipleOf":    true,
	"minLength":     true,
	"maxLength":     true,
	"pattern":       true,
	"minItems":      true,
	"maxItems":      true,
	"uniqueItems":   true,
	"minProperties": true,
	"maxProperties": true,
}

// translator rewrites OpenAPI 3.0 Schema Objects into draft-07 schemas and
// records which components they reference.
type translator struct {
	refs map[string]bool // component names referenced so far
}

// schema translates one OpenAPI Schema Object found at at (a JSON pointer
// into the OpenAPI document, used in errors).
func (t *translator) schema(node any, at string) (map[string]any, error) {
	in, ok := node.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: schema is a %T, want an object", at, node)
	}
	nullable, err := nullableFlag(in, at)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if ref, ok := in["$ref"]; ok {
		out, err = t.ref(in, ref, at)
	} else {
		out, err = t.keywords(in, at)
	}
	if err != nil {
		return nil, err
	}
	if nullable {
		return allowNull(out), nil
	}
	return out, nil
}

func nullableFlag(in map[string]any, at string) (bool, error) {
	v, ok := in["nullable"]
	if !ok {
		return false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, fmt.Errorf("%s/nullable: %T, want a boolean", at, v)
	}
	return b, nil
}

// ref rewrites a $ref to a component into a reference to that component's
// file. OpenAPI 3.0 ignores a $ref's siblings; the generator honours
// nullable (handled by the caller), drops annotations and refuses any other
// sibling rather than silently losing structure.
func (t *translator) ref(in map[string]any, ref any, at string) (map[string]any, error) {
	s, ok := ref.(string)
	if !ok || !strings.HasPrefix(s, componentRefPrefix) {
		return nil, fmt.Errorf("%s/$ref: unsupported reference %v", at, ref)
	}
	name := strings.TrimPrefix(s, componentRefPrefix)
	if name == "" || strings.ContainsAny(name, "/#") {
		return nil, fmt.Errorf("%s/$ref: unsupported reference %q", at, s)
	}
	for k := range in {
		if k == "$ref" || k == "nullable" || dropped[k] || strings.HasPrefix(k, "x-") {
			continue
		}
		return nil, fmt.Errorf("%s: keyword %q next to $ref is not supported", at, k)
	}
	t.refs[name] = true
	return map[string]any{"$ref": FileName(name)}, nil
}

// keywords translates a schema without $ref keyword by keyword.
func (t *translator) keywords(in map[string]any, at string) (map[string]any, error) {
	out := make(map[string]any, len(in))
	for _, k := range sortedKeys(in) {
		v := in[k]
		p := at + "/" + escapePointer(k)
		var err error
		switch {
		case k == "nullable", dropped[k], strings.HasPrefix(k, "x-"):
			continue
		case copied[k]:
			out[k] = v
		case k == "exclusiveMinimum", k == "exclusiveMaximum":
			err = exclusiveBound(in, out, k, p)
		case k == "properties":
			out[k], err = t.properties(v, p)
		case k == "items", k == "not":
			out[k], err = t.schema(v, p)
		case k == "additionalProperties":
			if b, ok := v.(bool); ok {
				out[k] = b
				continue
			}
			out[k], err = t.schema(v, p)
		case k == "allOf", k == "anyOf", k == "oneOf":
			out[k], err = t.list(v, p)
		default:
			err = fmt.Errorf("%s: keyword %q is not supported by the generator", at, k)
		}
		if err != nil {
			return nil, err
		}
	}
	// OpenAPI 3.0 exclusive bounds are booleans qualifying minimum/maximum;
	// exclusiveBound moved the number, so drop the inclusive keyword.
	for _, pair := range [][2]string{{"exclusiveMinimum", "minimum"}, {"exclusiveMaximum", "maximum"}} {
		if _, ok := out[pair[0]]; ok {
			delete(out, pair[1])
		}
	}
	return out, nil
}

// exclusiveBound turns OpenAPI 3.0's boolean exclusiveMinimum/Maximum into
// draft-07's numeric form.
func exclusiveBound(in, out map[string]any, k, at string) error {
	b, ok := in[k].(bool)
	if !ok {
		return fmt.Errorf("%s: %T, want a boolean (OpenAPI 3.0)", at, in[k])
	}
	if !b {
		return nil
	}
	bound := map[string]string{"exclusiveMinimum": "minimum", "exclusiveMaximum": "maximum"}[k]
	n, ok := in[bound]
	if !ok {
		return fmt.Errorf("%s: true without %s", at, bound)
	}
	out[k] = n
	return nil
}

func (t *translator) properties(v any, at string) (map[string]any, error) {
	props, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: %T, want an object", at, v)
	}
	out := make(map[string]any, len(props))
	for _, name := range sortedKeys(props) {
		s, err := t.schema(props[name], at+"/"+escapePointer(name))
		if err != nil {
			return nil, err
		}
		out[name] = s
	}
	return out, nil
}

func (t *translator) list(v any, at string) ([]any, error) {
	items, ok := v.([]any)
	if !ok || len(items) == 0 {
		return nil, fmt.Errorf("%s: want a non-empty array", at)
	}
	out := make([]any, len(items))
	for i, item := range items {
		s, err := t.schema(item, fmt.Sprintf("%s/%d", at, i))
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// allowNull applies OpenAPI 3.0 `nullable: true` to a translated schema:
// nothing to do for a schema that already accepts anything, a type array
// for a plain typed schema, and anyOf with {"type":"null"} otherwise
// ($ref, enum, compositions), because those would reject null on their own.
func allowNull(s map[string]any) map[string]any {
	if len(s) == 0 {
		return s
	}
	_, hasRef := s["$ref"]
	_, hasEnum := s["enum"]
	typ, hasType := s["type"].(string)
	composed := false
	for _, k := range []string{"allOf", "anyOf", "oneOf", "not"} {
		if _, ok := s[k]; ok {
			composed = true
		}
	}
	if hasType && !hasRef && !hasEnum && !composed {
		s["type"] = []any{typ, "null"}
		return s
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// escapePointer escapes one JSON pointer segment (RFC 6901).
func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}
