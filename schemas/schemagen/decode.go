package schemagen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrNotOpenAPI: the bytes are not an OpenAPI 3.0 document the generator
// can cover: neither a JSON nor a YAML object, no "openapi: 3.0.x", or no
// operation tagged Tag. Generate wraps it with the reason.
var ErrNotOpenAPI = errors.New("not an OpenAPI 3.0 document")

// maxYAMLValues bounds the values a YAML document may expand to through
// aliases, so that a small file cannot make the generator build a huge tree.
const maxYAMLValues = 1 << 22

// decodeDocument reads an OpenAPI document, JSON or YAML, into the values
// encoding/json produces with UseNumber: map[string]any, []any, string,
// json.Number, bool and nil. A document whose first non-blank byte is "{"
// is read as JSON, anything else as YAML.
func decodeDocument(b []byte) (map[string]any, error) {
	var v any
	var err error
	if t := bytes.TrimLeft(b, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		v, err = decodeJSON(b)
	} else {
		v, err = decodeYAML(b)
	}
	if err != nil {
		return nil, err
	}
	doc, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w: the document is %s, not an object", ErrNotOpenAPI, kind(v))
	}
	return doc, nil
}

func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrNotOpenAPI, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: JSON: data after the document", ErrNotOpenAPI)
	}
	return v, nil
}

func decodeYAML(b []byte) (any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("%w: the file is empty", ErrNotOpenAPI)
		}
		return nil, fmt.Errorf("%w: YAML: %s", ErrNotOpenAPI, oneLine(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		return nil, fmt.Errorf("%w: YAML: more than one document", ErrNotOpenAPI)
	}
	c := yamlConverter{budget: maxYAMLValues}
	v, err := c.value(&root)
	if err != nil {
		return nil, fmt.Errorf("%w: YAML: %v", ErrNotOpenAPI, err)
	}
	return v, nil
}

// yamlConverter turns a yaml.Node tree into JSON values. It works on the
// nodes, not on yaml's own decoding into Go values, so that every scalar
// keeps its meaning in JSON: timestamps stay the strings they are written
// as, numbers keep their text where it is valid JSON, and a key that is not
// a string is an error rather than a silently stringified value.
type yamlConverter struct {
	budget int
}

func (c *yamlConverter) value(n *yaml.Node) (any, error) {
	if c.budget--; c.budget < 0 {
		return nil, fmt.Errorf("aliases expand to more than %d values", maxYAMLValues)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return nil, fmt.Errorf("line %d: empty document", n.Line)
		}
		return c.value(n.Content[0])
	case yaml.AliasNode:
		return c.value(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, item := range n.Content {
			v, err := c.value(item)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.MappingNode:
		return c.mapping(n)
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil, fmt.Errorf("line %d: unknown YAML node kind %d", n.Line, n.Kind)
}

func (c *yamlConverter) mapping(n *yaml.Node) (map[string]any, error) {
	out := make(map[string]any, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		for k.Kind == yaml.AliasNode {
			k = k.Alias
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" {
			return nil, fmt.Errorf("line %d: key %q is a %s, not a string (quote it)", k.Line, k.Value, strings.TrimPrefix(k.ShortTag(), "!!"))
		}
		if _, dup := out[k.Value]; dup {
			return nil, fmt.Errorf("line %d: key %q appears twice", k.Line, k.Value)
		}
		v, err := c.value(n.Content[i+1])
		if err != nil {
			return nil, err
		}
		out[k.Value] = v
	}
	return out, nil
}

// scalar converts one YAML scalar by its resolved tag.
func scalar(n *yaml.Node) (any, error) {
	switch tag := n.ShortTag(); tag {
	case "!!str", "!!timestamp", "!!merge": // a "<<" value is a string; as a key it is refused
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, fmt.Errorf("line %d: %v", n.Line, err)
		}
		return b, nil
	case "!!int", "!!float":
		return number(n)
	default:
		return nil, fmt.Errorf("line %d: %s value %q has no JSON equivalent", n.Line, tag, n.Value)
	}
}

// number keeps a YAML number's text when it is a JSON number, and writes
// the others (0x1F, +1, .5, 1_000) in JSON's form. Infinities and NaN have
// none.
func number(n *yaml.Node) (json.Number, error) {
	if (n.Value != "" && (n.Value[0] == '-' || n.Value[0] >= '0' && n.Value[0] <= '9')) && json.Valid([]byte(n.Value)) {
		return json.Number(n.Value), nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		return "", fmt.Errorf("line %d: %v", n.Line, err)
	}
	switch x := v.(type) {
	case int:
		return json.Number(strconv.Itoa(x)), nil
	case int64:
		return json.Number(strconv.FormatInt(x, 10)), nil
	case uint64:
		return json.Number(strconv.FormatUint(x, 10)), nil
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return "", fmt.Errorf("line %d: %s has no JSON equivalent", n.Line, n.Value)
		}
		return json.Number(strconv.FormatFloat(x, 'g', -1, 64)), nil
	}
	return "", fmt.Errorf("line %d: number %q decodes to a %T", n.Line, n.Value, v)
}

// kind names a decoded JSON value's type for messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("a %T", v)
}

// oneLine folds a message onto one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
