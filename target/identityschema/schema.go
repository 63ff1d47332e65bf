// Package identityschema reads the identity schema a Kratos deployment
// serves and makes valid, unique, recognisable traits for test identities
// from it: the identifiers the schema marks in its ory.sh/kratos extension
// (email, username, phone), its required fields, formats, enums, patterns,
// lengths, nested objects and arrays.
//
// The unique part of every identity comes from the address it is given
// (hygiene.Email of the run): the email traits get the address, username
// traits the short username derived from it (hygiene.UsernameFor), so
// `orybench cleanup` recognises the identity. A
// schema orybench cannot satisfy is an error that names the field.
package identityschema

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// Schema is an identity schema as orybench uses it.
type Schema struct {
	// ID is the schema's id on the target ("" when parsed from a file).
	ID string
	// Raw is the schema document as served.
	Raw json.RawMessage

	traits *node
	root   map[string]any
}

// Address is a trait Kratos sends mail or SMS to.
type Address struct {
	Path string // dotted path under traits, e.g. "email" or "contact.phone"
	Via  string // "email" or "sms"
}

// Extension is the part of the ory.sh/kratos keyword orybench reads.
type Extension struct {
	Credentials struct {
		Password struct {
			Identifier bool `json:"identifier"`
		} `json:"password"`
		WebAuthn struct {
			Identifier bool `json:"identifier"`
		} `json:"webauthn"`
		Code struct {
			Identifier bool   `json:"identifier"`
			Via        string `json:"via"`
		} `json:"code"`
	} `json:"credentials"`
	Verification struct {
		Via string `json:"via"`
	} `json:"verification"`
	Recovery struct {
		Via string `json:"via"`
	} `json:"recovery"`
}

// marked reports whether Kratos treats the trait as an identifier or an
// address, which makes it unique per identity.
func (e Extension) marked() bool {
	return e.Credentials.Password.Identifier || e.Credentials.WebAuthn.Identifier ||
		e.Credentials.Code.Identifier || e.Verification.Via != "" || e.Recovery.Via != ""
}

// node is one compiled schema: the keywords the synthesiser honours.
type node struct {
	path     string // dotted, under traits
	types    []string
	format   string
	pattern  string
	enum     []any
	constant any
	hasConst bool

	minLength, maxLength *int
	minimum, maximum     *float64
	exclusiveMin         *float64
	exclusiveMax         *float64
	multipleOf           *float64

	properties map[string]*node
	required   []string

	items              *node
	minItems, maxItems *int
	uniqueItems        bool

	ext Extension
}

// maxDepth bounds $ref chains and nesting: real schemas are a few levels
// deep; anything deeper is a cycle.
const maxDepth = 32

// Parse compiles an identity schema document. id is the schema's id on the
// target, used in messages ("" for a file).
func Parse(id string, raw []byte) (*Schema, error) {
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		return nil, fmt.Errorf("identity schema %s: %w", quoteID(id), err)
	}
	s := &Schema{ID: id, Raw: append(json.RawMessage(nil), raw...), root: root}
	c := compiler{root: root}
	top, err := c.compile(root, "", 0)
	if err != nil {
		return nil, fmt.Errorf("identity schema %s: %w", quoteID(id), err)
	}
	t, ok := top.properties["traits"]
	if !ok {
		return nil, fmt.Errorf("identity schema %s: no properties.traits: not a Kratos identity schema", quoteID(id))
	}
	s.traits = t
	rename(t, "")
	return s, nil
}

func quoteID(id string) string {
	if id == "" {
		return "(file)"
	}
	return fmt.Sprintf("%q", id)
}

// rename sets every node's path relative to traits.
func rename(n *node, path string) {
	n.path = path
	for k, p := range n.properties {
		rename(p, join(path, k))
	}
	if n.items != nil {
		rename(n.items, path+"[]")
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

type compiler struct{ root map[string]any }

func (c compiler) compile(v map[string]any, path string, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: nested or referenced more than %d levels deep (a $ref cycle?)", field(path), maxDepth)
	}
	v, err := c.resolve(v, path, depth)
	if err != nil {
		return nil, err
	}
	n := &node{path: path, properties: map[string]*node{}}
	// allOf merges into the node; of anyOf/oneOf the first branch is used.
	for _, kw := range []string{"allOf", "anyOf", "oneOf"} {
		branches, _ := v[kw].([]any)
		for _, b := range branches {
			bm, ok := b.(map[string]any)
			if !ok {
				continue
			}
			sub, err := c.compile(bm, path, depth+1)
			if err != nil {
				return nil, err
			}
			merge(n, sub)
			if kw != "allOf" {
				break
			}
		}
	}
	if err := c.keywords(n, v, path, depth); err != nil {
		return nil, err
	}
	if len(n.types) == 0 {
		n.types = inferTypes(n)
	}
	return n, nil
}

// resolve follows a local $ref ("#/definitions/x", "#/$defs/x", any JSON
// pointer into the document). Remote references are not fetched.
func (c compiler) resolve(v map[string]any, path string, depth int) (map[string]any, error) {
	for range maxDepth {
		ref, ok := v["$ref"].(string)
		if !ok {
			return v, nil
		}
		if !strings.HasPrefix(ref, "#") {
			return nil, fmt.Errorf("%s: $ref %q is not in the schema itself; orybench follows only local references (use --traits)", field(path), ref)
		}
		target, err := pointer(c.root, strings.TrimPrefix(ref, "#"))
		if err != nil {
			return nil, fmt.Errorf("%s: $ref %q: %w", field(path), ref, err)
		}
		// Keywords beside $ref (draft 2019+) are kept on top of the target.
		merged := map[string]any{}
		for k, x := range target {
			merged[k] = x
		}
		for k, x := range v {
			if k != "$ref" {
				merged[k] = x
			}
		}
		v = merged
	}
	return nil, fmt.Errorf("%s: $ref chain longer than %d (a cycle?)", field(path), maxDepth)
}

func pointer(root map[string]any, p string) (map[string]any, error) {
	var cur any = root
	if p != "" && p != "/" {
		for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
			part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
			m, ok := cur.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("no %q", part)
			}
			if cur, ok = m[part]; !ok {
				return nil, fmt.Errorf("no %q", part)
			}
		}
	}
	m, ok := cur.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("does not point at a schema object")
	}
	return m, nil
}

func (c compiler) keywords(n *node, v map[string]any, path string, depth int) error {
	switch t := v["type"].(type) {
	case string:
		n.types = []string{t}
	case []any:
		n.types = nil
		for _, x := range t {
			if s, ok := x.(string); ok {
				n.types = append(n.types, s)
			}
		}
	}
	if s, ok := v["format"].(string); ok {
		n.format = s
	}
	if s, ok := v["pattern"].(string); ok {
		n.pattern = s
	}
	if e, ok := v["enum"].([]any); ok {
		n.enum = e
	}
	if x, ok := v["const"]; ok {
		n.constant, n.hasConst = x, true
	}
	setInt(&n.minLength, v["minLength"])
	setInt(&n.maxLength, v["maxLength"])
	setInt(&n.minItems, v["minItems"])
	setInt(&n.maxItems, v["maxItems"])
	setFloat(&n.minimum, v["minimum"])
	setFloat(&n.maximum, v["maximum"])
	setFloat(&n.multipleOf, v["multipleOf"])
	// exclusiveMinimum is a number since draft 6 and a flag on minimum in draft 4.
	switch x := v["exclusiveMinimum"].(type) {
	case float64:
		n.exclusiveMin = &x
	case bool:
		if x && n.minimum != nil {
			n.exclusiveMin, n.minimum = n.minimum, nil
		}
	}
	switch x := v["exclusiveMaximum"].(type) {
	case float64:
		n.exclusiveMax = &x
	case bool:
		if x && n.maximum != nil {
			n.exclusiveMax, n.maximum = n.maximum, nil
		}
	}
	if b, ok := v["uniqueItems"].(bool); ok {
		n.uniqueItems = b
	}
	if req, ok := v["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok && !slices.Contains(n.required, s) {
				n.required = append(n.required, s)
			}
		}
	}
	if ext, ok := v["ory.sh/kratos"]; ok {
		data, _ := json.Marshal(ext)
		if err := json.Unmarshal(data, &n.ext); err != nil {
			return fmt.Errorf("%s: ory.sh/kratos: %w", field(path), err)
		}
	}
	if props, ok := v["properties"].(map[string]any); ok {
		for k, p := range props {
			pm, ok := p.(map[string]any)
			if !ok {
				continue
			}
			sub, err := c.compile(pm, join(path, k), depth+1)
			if err != nil {
				return err
			}
			if old, ok := n.properties[k]; ok {
				merge(old, sub)
			} else {
				n.properties[k] = sub
			}
		}
	}
	if items, ok := v["items"].(map[string]any); ok {
		sub, err := c.compile(items, path+"[]", depth+1)
		if err != nil {
			return err
		}
		n.items = sub
	}
	return nil
}

// merge adds what sub constrains to n (allOf).
func merge(n, sub *node) {
	if len(sub.types) > 0 {
		n.types = sub.types
	}
	for _, p := range []struct{ dst, src *string }{{&n.format, &sub.format}, {&n.pattern, &sub.pattern}} {
		if *p.src != "" {
			*p.dst = *p.src
		}
	}
	if sub.enum != nil {
		n.enum = sub.enum
	}
	if sub.hasConst {
		n.constant, n.hasConst = sub.constant, true
	}
	for _, p := range []struct{ dst, src **int }{{&n.minLength, &sub.minLength}, {&n.maxLength, &sub.maxLength}, {&n.minItems, &sub.minItems}, {&n.maxItems, &sub.maxItems}} {
		if *p.src != nil {
			*p.dst = *p.src
		}
	}
	for _, p := range []struct{ dst, src **float64 }{{&n.minimum, &sub.minimum}, {&n.maximum, &sub.maximum}, {&n.exclusiveMin, &sub.exclusiveMin}, {&n.exclusiveMax, &sub.exclusiveMax}, {&n.multipleOf, &sub.multipleOf}} {
		if *p.src != nil {
			*p.dst = *p.src
		}
	}
	n.uniqueItems = n.uniqueItems || sub.uniqueItems
	for k, p := range sub.properties {
		if old, ok := n.properties[k]; ok {
			merge(old, p)
		} else {
			n.properties[k] = p
		}
	}
	for _, r := range sub.required {
		if !slices.Contains(n.required, r) {
			n.required = append(n.required, r)
		}
	}
	if sub.items != nil {
		n.items = sub.items
	}
	if sub.ext.marked() {
		n.ext = sub.ext
	}
}

func inferTypes(n *node) []string {
	switch {
	case n.hasConst:
		return []string{jsonType(n.constant)}
	case len(n.enum) > 0:
		return []string{jsonType(n.enum[0])}
	case len(n.properties) > 0 || len(n.required) > 0:
		return []string{"object"}
	case n.items != nil || n.minItems != nil:
		return []string{"array"}
	case n.format != "" || n.pattern != "" || n.minLength != nil || n.maxLength != nil:
		return []string{"string"}
	case n.minimum != nil || n.maximum != nil || n.exclusiveMin != nil || n.exclusiveMax != nil || n.multipleOf != nil:
		return []string{"number"}
	}
	return []string{"string"}
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	}
	return "object"
}

func setInt(dst **int, v any) {
	if f, ok := v.(float64); ok && f >= 0 {
		i := int(f)
		*dst = &i
	}
}

func setFloat(dst **float64, v any) {
	if f, ok := v.(float64); ok {
		*dst = &f
	}
}

// field names a trait in messages: traits.name.first.
func field(path string) string {
	if path == "" {
		return "traits"
	}
	return "traits." + path
}

// sortedKeys lists the node's properties in a stable order.
func (n *node) sortedKeys() []string {
	keys := make([]string, 0, len(n.properties))
	for k := range n.properties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// walk visits every node under n, depth first, in a stable order.
func (n *node) walk(fn func(*node)) {
	fn(n)
	for _, k := range n.sortedKeys() {
		n.properties[k].walk(fn)
	}
	if n.items != nil {
		n.items.walk(fn)
	}
}

// PasswordIdentifiers lists the traits a password login accepts as the
// identifier, in a stable order.
func (s *Schema) PasswordIdentifiers() []string {
	var out []string
	s.traits.walk(func(n *node) {
		if n.ext.Credentials.Password.Identifier {
			out = append(out, n.path)
		}
	})
	return out
}

// CodeIdentifiers lists the traits a one-time-code login accepts.
func (s *Schema) CodeIdentifiers() []Address {
	return s.addresses(func(n *node) (string, bool) {
		return n.ext.Credentials.Code.Via, n.ext.Credentials.Code.Identifier
	})
}

// RecoveryAddresses lists the traits recovery mails or texts go to.
func (s *Schema) RecoveryAddresses() []Address {
	return s.addresses(func(n *node) (string, bool) { return n.ext.Recovery.Via, n.ext.Recovery.Via != "" })
}

// VerificationAddresses lists the traits verification mails or texts go to.
func (s *Schema) VerificationAddresses() []Address {
	return s.addresses(func(n *node) (string, bool) { return n.ext.Verification.Via, n.ext.Verification.Via != "" })
}

// addresses lists the traits for which via says a channel applies.
func (s *Schema) addresses(via func(*node) (string, bool)) []Address {
	var out []Address
	s.traits.walk(func(n *node) {
		if v, ok := via(n); ok {
			out = append(out, Address{n.path, v})
		}
	})
	return out
}

// Leaves lists the dotted paths of every scalar trait (what a registration
// form shows as traits.<path> inputs), sorted.
func (s *Schema) Leaves() []string {
	var out []string
	s.traits.walk(func(n *node) {
		if n.path != "" && len(n.properties) == 0 && !strings.Contains(n.path, "[]") && !slices.Contains(n.types, "array") {
			out = append(out, n.path)
		}
	})
	return out
}

// HasTrait reports whether the schema declares the trait at path.
func (s *Schema) HasTrait(path string) bool {
	found := false
	s.traits.walk(func(n *node) { found = found || n.path == path })
	return found
}

// Format is the declared format of the trait at path ("" if none or absent).
func (s *Schema) Format(path string) string {
	format := ""
	s.traits.walk(func(n *node) {
		if n.path == path {
			format = n.format
		}
	})
	return format
}
