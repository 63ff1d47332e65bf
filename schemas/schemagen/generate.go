// Package schemagen turns an OpenAPI 3.0 document, JSON or YAML, into the
// files of one contract: a standalone JSON Schema (draft-07) per component
// that a FrontendApi response uses; index.json, which names the contract and
// maps every (operationId, status) of the operations tagged "frontend" to a
// schema or to an empty body; and openapi.json, the document trimmed to those
// operations and the components they reference. Sources lists the pinned
// documents the committed contracts (schemas/<name>/) come from.
//
// The translation keeps structure only (type, properties, required, enum,
// format, items, compositions, additionalProperties, numeric and length
// bounds) and drops every description, title and example. OpenAPI's
// `nullable: true` becomes a type array or an anyOf with {"type":"null"};
// `#/components/schemas/X` references become relative references to
// "X.json"; `discriminator` is dropped and oneOf keeps its literal meaning
// (for the Kratos document both give the same results, see
// TRIGGER-MAP.md "Schema vs. reality"). Any keyword the generator does not
// know is an error, so nothing is lost silently.
//
// Output is deterministic: sorted keys, two-space indentation, a trailing
// newline. Generating twice from the same document gives identical bytes.
package schemagen

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// Tag selects the operations to cover: Kratos tags its FrontendApi "frontend".
const Tag = "frontend"

// IndexFile is the name of the index among the generated files.
const IndexFile = "index.json"

// draft07 is the $schema of every generated file.
const draft07 = "http://json-schema.org/draft-07/schema#"

// methods are the OpenAPI path item fields that hold operations.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// FileName is the generated file name of a component schema.
func FileName(component string) string { return component + ".json" }

// Index is the content of index.json: the contract, where its document
// comes from, and its operations and schemas.
// Its fields are declared in key order so that the file's keys are sorted.
type Index struct {
	Contract       string      `json:"contract"` // Source.Name
	Module         string      `json:"module"`
	OpenAPIVersion string      `json:"openapi_version"`
	Operations     []Operation `json:"operations"`
	Schemas        []string    `json:"schemas"` // component names; files are FileName(name)
	SourceFile     string      `json:"source_file"`
	SpecSHA256     string      `json:"spec_sha256"` // of the document's bytes as shipped
	Tag            string      `json:"tag"`
	Title          string      `json:"title"`
	Version        string      `json:"version"`
}

// Operation is one documented operation and its responses.
type Operation struct {
	Method    string     `json:"method"`
	ID        string     `json:"operation_id"`
	Path      string     `json:"path"`
	Responses []Response `json:"responses"` // by status, "default" last
}

// Response is one documented response: a body schema or an empty body.
type Response struct {
	ContentType string `json:"content_type,omitempty"`
	EmptyBody   bool   `json:"empty_body,omitempty"` // the spec documents no content
	Schema      string `json:"schema,omitempty"`     // component name
	Status      string `json:"status"`               // "200" ... or "default"
}

// Generate translates an OpenAPI 3.0 document, JSON or YAML, into files by
// name: "<component>.json" for every component a response of a Tag
// operation uses, directly or transitively; OpenAPIFile, the document
// trimmed to the Tag operations (see trim); and IndexFile. src names the
// contract; an empty src.Title or src.Version is taken from the document's
// info. A document that is not OpenAPI 3.0 or has no Tag operation is an
// error wrapping ErrNotOpenAPI.
func Generate(openapi []byte, src Source) (map[string][]byte, error) {
	if src.Name == "" {
		return nil, fmt.Errorf("generate: empty contract name")
	}
	doc, err := decodeDocument(openapi)
	if err != nil {
		return nil, err
	}
	oas, err := openAPIVersion(doc)
	if err != nil {
		return nil, err
	}
	info, _ := doc["info"].(map[string]any)
	infoVersion, _ := info["version"].(string)
	if src.Version == "" {
		src.Version = infoVersion
	}
	if src.Title == "" {
		title, _ := info["title"].(string)
		src.Title = strings.TrimSpace(title + " " + infoVersion)
	}
	g := &generator{doc: doc, inline: map[string]any{}}
	ops, err := g.operations()
	if err != nil {
		return nil, err
	}
	if len(ops) == 0 {
		return nil, fmt.Errorf("%w: no operation is tagged %q", ErrNotOpenAPI, Tag)
	}
	sum := sha256.Sum256(openapi)
	idx := Index{
		Contract:       src.Name,
		Title:          src.Title,
		Module:         src.Module,
		Version:        src.Version,
		SourceFile:     src.File,
		OpenAPIVersion: oas,
		SpecSHA256:     hex.EncodeToString(sum[:]),
		Tag:            Tag,
		Operations:     ops,
	}
	files, err := g.components(g.roots(ops))
	if err != nil {
		return nil, err
	}
	for name := range files {
		idx.Schemas = append(idx.Schemas, name)
	}
	sort.Strings(idx.Schemas)
	trimmed, err := g.trim()
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	out := make(map[string][]byte, len(files)+2)
	for name, s := range files {
		if out[FileName(name)], err = encode(s); err != nil {
			return nil, fmt.Errorf("generate: encode %s: %w", name, err)
		}
	}
	if out[OpenAPIFile], err = encode(trimmed); err != nil {
		return nil, fmt.Errorf("generate: encode %s: %w", OpenAPIFile, err)
	}
	if out[IndexFile], err = encode(idx); err != nil {
		return nil, fmt.Errorf("generate: encode index: %w", err)
	}
	return out, nil
}

// openAPIVersion returns the document's "openapi" field, which must be
// 3.0.x.
func openAPIVersion(doc map[string]any) (string, error) {
	raw, present := doc["openapi"]
	v, isString := raw.(string)
	switch {
	case isString && strings.HasPrefix(v, "3.0."):
		return v, nil
	case isString:
		return "", fmt.Errorf("%w: openapi is %q, only 3.0.x is supported", ErrNotOpenAPI, v)
	case present:
		return "", fmt.Errorf("%w: openapi is %v, not a string like \"3.0.3\"", ErrNotOpenAPI, raw)
	case doc["swagger"] != nil:
		return "", fmt.Errorf("%w: it is Swagger %v (OpenAPI 2.0), only 3.0.x is supported", ErrNotOpenAPI, doc["swagger"])
	}
	return "", fmt.Errorf("%w: no \"openapi\" field", ErrNotOpenAPI)
}

type generator struct {
	doc    map[string]any
	inline map[string]any // synthetic components: inline response schemas by name
}

// operations lists the Tag operations sorted by operationId.
func (g *generator) operations() ([]Operation, error) {
	paths, _ := g.doc["paths"].(map[string]any)
	var ops []Operation
	seen := map[string]bool{}
	for _, path := range sortedKeys(paths) {
		item, _ := paths[path].(map[string]any)
		for _, m := range methods {
			op, ok := item[m].(map[string]any)
			if !ok || !hasTag(op, Tag) {
				continue
			}
			id, _ := op["operationId"].(string)
			if id == "" || seen[id] {
				return nil, fmt.Errorf("generate: %s %s: missing or duplicate operationId %q", strings.ToUpper(m), path, id)
			}
			seen[id] = true
			resps, err := g.responses(id, op)
			if err != nil {
				return nil, err
			}
			ops = append(ops, Operation{ID: id, Method: strings.ToUpper(m), Path: path, Responses: resps})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].ID < ops[j].ID })
	return ops, nil
}

func hasTag(op map[string]any, tag string) bool {
	tags, _ := op["tags"].([]any)
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// responses resolves the responses of one operation, "default" last.
func (g *generator) responses(opID string, op map[string]any) ([]Response, error) {
	raw, _ := op["responses"].(map[string]any)
	var out []Response
	for _, status := range sortedKeys(raw) {
		if status != "default" && !isStatusCode(status) {
			return nil, fmt.Errorf("generate: %s: response key %q is not a status code", opID, status)
		}
		r, err := g.response(opID, status, raw[status])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[j].Status == "default" && out[i].Status != "default"
	})
	return out, nil
}

func isStatusCode(s string) bool {
	if len(s) != 3 || s[0] < '1' || s[0] > '5' {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

func (g *generator) response(opID, status string, node any) (Response, error) {
	at := fmt.Sprintf("%s %s", opID, status)
	r, _ := node.(map[string]any)
	refName := ""
	if ref, ok := r["$ref"].(string); ok {
		const prefix = "#/components/responses/"
		if !strings.HasPrefix(ref, prefix) {
			return Response{}, fmt.Errorf("generate: %s: unsupported response reference %q", at, ref)
		}
		refName = strings.TrimPrefix(ref, prefix)
		comps, _ := g.doc["components"].(map[string]any)
		all, _ := comps["responses"].(map[string]any)
		if r, ok = all[refName].(map[string]any); !ok {
			return Response{}, fmt.Errorf("generate: %s: response %q not found", at, ref)
		}
	}
	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		return Response{Status: status, EmptyBody: true}, nil
	}
	if len(content) > 1 {
		return Response{}, fmt.Errorf("generate: %s: %d media types, only one is supported", at, len(content))
	}
	ct := sortedKeys(content)[0]
	media, _ := content[ct].(map[string]any)
	schema, ok := media["schema"].(map[string]any)
	if !ok {
		return Response{}, fmt.Errorf("generate: %s: %s without schema", at, ct)
	}
	name, err := g.schemaName(schema, refName, opID, status)
	if err != nil {
		return Response{}, fmt.Errorf("generate: %s: %w", at, err)
	}
	return Response{Status: status, Schema: name, ContentType: ct}, nil
}

// schemaName names a response schema: the component it references, or for
// an inline schema a synthetic component named after the response component
// (listMySessions) or, failing that, "<operationId>.<status>".
func (g *generator) schemaName(schema map[string]any, refName, opID, status string) (string, error) {
	if ref, ok := schema["$ref"].(string); ok && len(schema) == 1 && strings.HasPrefix(ref, componentRefPrefix) {
		return strings.TrimPrefix(ref, componentRefPrefix), nil
	}
	name := refName
	if name == "" {
		name = opID + "." + status
	}
	if _, clash := g.componentSchema(name); clash {
		return "", fmt.Errorf("inline schema name %q clashes with a component", name)
	}
	g.inline[name] = schema
	return name, nil
}

func (g *generator) componentSchema(name string) (any, bool) {
	comps, _ := g.doc["components"].(map[string]any)
	all, _ := comps["schemas"].(map[string]any)
	s, ok := all[name]
	return s, ok
}

// roots lists the schema names the responses use.
func (g *generator) roots(ops []Operation) []string {
	set := map[string]bool{}
	for _, op := range ops {
		for _, r := range op.Responses {
			if r.Schema != "" {
				set[r.Schema] = true
			}
		}
	}
	var names []string
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// components translates the roots and everything they reference,
// transitively, into root documents by component name.
func (g *generator) components(roots []string) (map[string]map[string]any, error) {
	t := &translator{refs: map[string]bool{}}
	out := map[string]map[string]any{}
	queue := append([]string(nil), roots...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := out[name]; done {
			continue
		}
		src, at := g.inline[name], "#/components/responses/"+escapePointer(name)
		if src == nil {
			var ok bool
			if src, ok = g.componentSchema(name); !ok {
				return nil, fmt.Errorf("generate: component schema %q not found", name)
			}
			at = componentRefPrefix + escapePointer(name)
		}
		s, err := t.schema(src, at)
		if err != nil {
			return nil, fmt.Errorf("generate: %w", err)
		}
		out[name] = rootDocument(s)
		for _, ref := range sortedBoolKeys(t.refs) {
			if _, done := out[ref]; !done {
				queue = append(queue, ref)
			}
		}
	}
	return out, nil
}

// rootDocument adds $schema. draft-07 ignores the siblings of $ref, so a
// root that is a bare reference is wrapped in allOf first.
func rootDocument(s map[string]any) map[string]any {
	if _, ok := s["$ref"]; ok {
		s = map[string]any{"allOf": []any{s}}
	}
	s["$schema"] = draft07
	return s
}

func sortedBoolKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// encode renders v as indented JSON with sorted object keys (encoding/json
// sorts map keys), no HTML escaping and a trailing newline.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
