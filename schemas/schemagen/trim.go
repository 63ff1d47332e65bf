package schemagen

import (
	"fmt"
	"slices"
	"strings"
)

// OpenAPIFile is the name of the trimmed OpenAPI document among the
// generated files.
const OpenAPIFile = "openapi.json"

// componentsPrefix starts every reference the trimmed document keeps.
const componentsPrefix = "#/components/"

// trim cuts the document down to the contract the schemas cover: openapi
// and info; the path items of the Tag operations, each without its other
// operations; the document-wide security requirements, if any; and the
// components all of these reference, transitively (through $ref, a
// discriminator's mapping and the names in security requirements). Values
// are kept as they are, descriptions included.
func (g *generator) trim() (map[string]any, error) {
	out := map[string]any{"openapi": g.doc["openapi"]}
	if info, ok := g.doc["info"]; ok {
		out["info"] = info
	}
	refs := refCollector{seen: map[[2]string]bool{}, schemes: map[string]bool{}}
	paths := map[string]any{}
	all, _ := g.doc["paths"].(map[string]any)
	for _, path := range sortedKeys(all) {
		item, _ := all[path].(map[string]any)
		kept := map[string]any{}
		tagged := false
		for k, v := range item {
			op, isOp := v.(map[string]any)
			switch {
			case !isMethod(k):
				kept[k] = v
			case isOp && hasTag(op, Tag):
				kept[k], tagged = v, true
			}
		}
		if !tagged {
			continue
		}
		if _, ok := kept["$ref"]; ok {
			return nil, fmt.Errorf("trim: path %s: a path item $ref is not supported", path)
		}
		paths[path] = kept
		if err := refs.walk(kept, "#/paths/"+escapePointer(path)); err != nil {
			return nil, err
		}
	}
	out["paths"] = paths
	if sec, ok := g.doc["security"]; ok {
		out["security"] = sec
		if err := refs.walk(map[string]any{"security": sec}, "#"); err != nil {
			return nil, err
		}
	}
	src, _ := g.doc["components"].(map[string]any)
	defined, _ := src["securitySchemes"].(map[string]any)
	for _, name := range sortedBoolKeys(refs.schemes) {
		if _, ok := defined[name]; ok {
			refs.add("securitySchemes", name)
		}
	}
	comps, err := g.referenced(&refs)
	if err != nil {
		return nil, err
	}
	if len(comps) > 0 {
		out["components"] = comps
	}
	return out, nil
}

// referenced resolves the collected references, and those of everything
// they pull in, into a components object.
func (g *generator) referenced(refs *refCollector) (map[string]any, error) {
	src, _ := g.doc["components"].(map[string]any)
	out := map[string]any{}
	for len(refs.queue) > 0 {
		ref := refs.queue[0]
		refs.queue = refs.queue[1:]
		section, _ := src[ref[0]].(map[string]any)
		v, ok := section[ref[1]]
		if !ok {
			return nil, fmt.Errorf("trim: %s%s/%s is referenced but not defined", componentsPrefix, ref[0], escapePointer(ref[1]))
		}
		dst, _ := out[ref[0]].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			out[ref[0]] = dst
		}
		dst[ref[1]] = v
		if err := refs.walk(v, componentsPrefix+ref[0]+"/"+escapePointer(ref[1])); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// refCollector finds the components a part of the document references.
type refCollector struct {
	seen  map[[2]string]bool // {section, name}
	queue [][2]string
	// schemes are the security schemes requirements name. Unlike a
	// reference, a name may be undefined (Kratos v1.3.1 names a
	// "sessionToken" scheme it does not define), and stays so.
	schemes map[string]bool
}

func (r *refCollector) add(section, name string) {
	k := [2]string{section, name}
	if !r.seen[k] {
		r.seen[k] = true
		r.queue = append(r.queue, k)
	}
}

// walk collects the references in v, found at the JSON pointer at.
func (r *refCollector) walk(v any, at string) error {
	switch x := v.(type) {
	case []any:
		for i, item := range x {
			if err := r.walk(item, fmt.Sprintf("%s/%d", at, i)); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, k := range sortedKeys(x) {
			p := at + "/" + escapePointer(k)
			var err error
			switch s, isString := x[k].(string); {
			case k == "$ref" && isString:
				err = r.ref(s, p)
			case k == "discriminator":
				err = r.mapping(x[k], p)
			case k == "security":
				r.security(x[k])
			}
			if err != nil {
				return err
			}
			if err := r.walk(x[k], p); err != nil {
				return err
			}
		}
	}
	return nil
}

// ref records a "#/components/<section>/<name>[/...]" reference; any other
// reference would leave the trimmed document incomplete.
func (r *refCollector) ref(ref, at string) error {
	rest, ok := strings.CutPrefix(ref, componentsPrefix)
	parts := strings.SplitN(rest, "/", 3)
	if !ok || len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return fmt.Errorf("trim: %s: unsupported reference %q", at, ref)
	}
	r.add(parts[0], unescapePointer(parts[1]))
	return nil
}

// mapping records the schemas a discriminator maps to: references, or bare
// schema names.
func (r *refCollector) mapping(v any, at string) error {
	d, _ := v.(map[string]any)
	m, _ := d["mapping"].(map[string]any)
	for _, k := range sortedKeys(m) {
		target, _ := m[k].(string)
		if strings.HasPrefix(target, "#") {
			if err := r.ref(target, at+"/mapping/"+escapePointer(k)); err != nil {
				return err
			}
			continue
		}
		r.add("schemas", target)
	}
	return nil
}

// security records the security schemes that requirements name.
func (r *refCollector) security(v any) {
	reqs, _ := v.([]any)
	for _, req := range reqs {
		m, _ := req.(map[string]any)
		for name := range m {
			r.schemes[name] = true
		}
	}
}

func isMethod(k string) bool { return slices.Contains(methods, k) }

// unescapePointer undoes escapePointer.
func unescapePointer(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}
