package fuzz

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/orybench/orybench/schemas"
)

// schema is a JSON Schema of the contract's request side, as decoded.
type schema = map[string]any

// param is one documented request parameter.
type param struct {
	Name, In string
	Required bool
	Schema   schema
}

// opSpec is the request side of one operation.
type opSpec struct {
	ID, Method, Path string
	Params           []param
	// BodyTypes are the media types the request body is documented in,
	// sorted; BodySchema the body's schema (the same in each).
	BodyTypes  []string
	BodySchema schema
}

// spec is the request side of a contract.
type spec struct {
	ops        []opSpec // sorted by id
	components map[string]schema
}

// readSpec reads the request side of every operation of set from its
// trimmed OpenAPI document.
func readSpec(set *schemas.Set) (*spec, error) {
	var doc struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]schema `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(set.OpenAPI(), &doc); err != nil {
		return nil, fmt.Errorf("contract %s: %w", set.Contract().Name, err)
	}
	s := &spec{components: doc.Components.Schemas}
	for path, methods := range doc.Paths {
		for method, raw := range methods {
			var op struct {
				ID         string `json:"operationId"`
				Parameters []struct {
					Name     string `json:"name"`
					In       string `json:"in"`
					Required bool   `json:"required"`
					Schema   schema `json:"schema"`
				} `json:"parameters"`
				RequestBody struct {
					Content map[string]struct {
						Schema schema `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			}
			if json.Unmarshal(raw, &op) != nil || op.ID == "" {
				continue // "parameters" shared by the path's operations, or not an operation
			}
			if _, ok := set.Operation(op.ID); !ok {
				continue
			}
			o := opSpec{ID: op.ID, Method: strings.ToUpper(method), Path: path}
			for _, p := range op.Parameters {
				o.Params = append(o.Params, param{Name: p.Name, In: strings.ToLower(p.In), Required: p.Required, Schema: p.Schema})
			}
			for ct, c := range op.RequestBody.Content {
				o.BodyTypes = append(o.BodyTypes, ct)
				if o.BodySchema == nil {
					o.BodySchema = c.Schema
				}
			}
			sort.Strings(o.BodyTypes)
			if len(o.BodyTypes) > 0 {
				o.BodySchema = op.RequestBody.Content[o.BodyTypes[0]].Schema
			}
			s.ops = append(s.ops, o)
		}
	}
	sort.Slice(s.ops, func(i, j int) bool { return s.ops[i].ID < s.ops[j].ID })
	if len(s.ops) == 0 {
		return nil, fmt.Errorf("contract %s documents no operation", set.Contract().Name)
	}
	return s, nil
}

// resolve follows a schema's $ref into the components, a few levels deep.
func (s *spec) resolve(sc schema) schema {
	for range 8 {
		ref, ok := sc["$ref"].(string)
		if !ok {
			return sc
		}
		next, ok := s.components[strings.TrimPrefix(ref, "#/components/schemas/")]
		if !ok {
			return schema{}
		}
		sc = next
	}
	return sc
}

// op returns the request side of an operation.
func (s *spec) op(id string) (opSpec, bool) {
	i := sort.Search(len(s.ops), func(i int) bool { return s.ops[i].ID >= id })
	if i < len(s.ops) && s.ops[i].ID == id {
		return s.ops[i], true
	}
	return opSpec{}, false
}
