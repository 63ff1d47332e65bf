package schemas

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xeipuuv/gojsonreference"
	"github.com/xeipuuv/gojsonschema"
)

// Rules that are not JSON Schema keywords.
const (
	// RuleJSON: the body is not one JSON document (empty, HTML, JavaScript,
	// trailing data ...).
	RuleJSON = "json"
)

// Violation is one way a body departs from its schema.
type Violation struct {
	// Pointer is the RFC 6901 JSON pointer of the offending member, "" for
	// the whole body. For "required" it names the missing member and for
	// "additionalProperties" the unexpected one.
	Pointer string
	// Rule is the failing JSON Schema keyword ("required", "type", "enum",
	// "format", "additionalProperties", "oneOf", ...) or RuleJSON.
	Rule string
	// Expected says what the schema wants: a type, a format, the allowed
	// values.
	Expected string
	// Found says what the body has: a type, a (shortened) JSON value,
	// "missing" or "present".
	Found string
}

func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "(body)"
	}
	return fmt.Sprintf("%s: %s: expected %s, found %s", p, v.Rule, v.Expected, v.Found)
}

// ValidationError reports a body that does not match the documented
// response. Violations are sorted by pointer, then rule.
type ValidationError struct {
	Operation string
	// Status is the response the body was checked against: the HTTP status,
	// or 0 for the default response.
	Status     int
	Schema     string
	Violations []Violation
}

func (e *ValidationError) Error() string {
	st := "default"
	if e.Status != 0 {
		st = strconv.Itoa(e.Status)
	}
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.String()
	}
	return fmt.Sprintf("%s %s: body does not match %s: %s", e.Operation, st, e.Schema, strings.Join(parts, "; "))
}

// UndocumentedStatusError reports a status the operation does not document.
// It matches ErrUndocumentedStatus with errors.Is. Whether the default
// response is good enough is the caller's decision: the body has been
// checked against it, with the outcome in Default.
type UndocumentedStatusError struct {
	Operation string
	Status    int
	// HasDefault: the operation documents a default response.
	HasDefault bool
	// Default is the outcome of validating the body against the default
	// response: nil if it fits (or there is none), a *ValidationError if not.
	Default error
}

func (e *UndocumentedStatusError) Error() string {
	msg := fmt.Sprintf("%s: status %d: %s", e.Operation, e.Status, ErrUndocumentedStatus)
	switch {
	case !e.HasDefault:
		return msg + " (and no default response)"
	case e.Default != nil:
		return msg + "; against the default response: " + e.Default.Error()
	default:
		return msg + " (body fits the default response)"
	}
}

func (e *UndocumentedStatusError) Unwrap() error { return ErrUndocumentedStatus }

// Validate checks a response body against the response the operation
// documents for status. It returns nil when the body fits, or when the
// documented response has no content (the body is then not checked: Kratos
// sends a small HTML stub with some redirects, which the spec neither
// documents nor forbids); a *ValidationError when it does not fit; an
// *UndocumentedStatusError for a status the operation does not document; an
// error wrapping ErrUnknownOperation for an unknown operationId.
func (s *Set) Validate(operationID string, status int, body []byte) error {
	op, ok := s.Operation(operationID)
	if !ok {
		return fmt.Errorf("%w: %q", ErrUnknownOperation, operationID)
	}
	if r, ok := op.Response(status); ok {
		return s.validateResponse(op.ID, r, body)
	}
	e := &UndocumentedStatusError{Operation: op.ID, Status: status}
	if d, ok := op.Default(); ok {
		e.HasDefault = true
		e.Default = s.validateResponse(op.ID, d, body)
	}
	return e
}

// Validate checks a body with the DefaultContract set; see Set.Validate.
func Validate(operationID string, status int, body []byte) error {
	s, err := Open(DefaultContract)
	if err != nil {
		return err
	}
	return s.Validate(operationID, status, body)
}

func (s *Set) validateResponse(op string, r Response, body []byte) error {
	if r.EmptyBody {
		return nil
	}
	vs, err := s.check(r.Schema, body)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return nil
	}
	return &ValidationError{Operation: op, Status: r.Status, Schema: r.Schema, Violations: vs}
}

// check validates body against a component schema and returns the
// violations, sorted. The error is for a set that does not compile.
func (s *Set) check(component string, body []byte) ([]Violation, error) {
	if err := s.compile(); err != nil {
		return nil, err
	}
	c, ok := s.compiled[component]
	if !ok {
		return nil, fmt.Errorf("schema set %s: no schema %q", s.contract.Name, component)
	}
	doc, ok := decodeBody(body)
	if !ok {
		return []Violation{{Rule: RuleJSON, Expected: "a JSON document", Found: describeNonJSON(body)}}, nil
	}
	res, err := c.Validate(doc)
	if err != nil {
		return nil, fmt.Errorf("schema set %s: validate against %s: %w", s.contract.Name, component, err)
	}
	if res.Valid() {
		return nil, nil
	}
	out := make([]Violation, 0, len(res.Errors()))
	seen := map[Violation]bool{}
	for _, re := range res.Errors() {
		v := violation(re)
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pointer != out[j].Pointer {
			return out[i].Pointer < out[j].Pointer
		}
		if out[i].Rule != out[j].Rule {
			return out[i].Rule < out[j].Rule
		}
		return out[i].Found < out[j].Found
	})
	return out, nil
}

// decodeBody decodes exactly one JSON document the way gojsonschema wants
// it (numbers as json.Number), once, for gojsonschema to use as is.
func decodeBody(body []byte) (decoded, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return decoded{}, false
	}
	for _, c := range body[dec.InputOffset():] {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' { // JSON whitespace only
			return decoded{}, false
		}
	}
	return decoded{v}, true
}

// decoded is a gojsonschema.JSONLoader for an already decoded document.
type decoded struct{ v any }

func (d decoded) JsonSource() interface{}                       { return d.v }
func (d decoded) LoadJSON() (interface{}, error)                { return d.v, nil }
func (d decoded) LoaderFactory() gojsonschema.JSONLoaderFactory { return embeddedFactory{} }
func (d decoded) JsonReference() (gojsonreference.JsonReference, error) {
	return gojsonreference.NewJsonReference("#")
}

func describeNonJSON(body []byte) string {
	if len(strings.TrimSpace(string(body))) == 0 {
		return "an empty body"
	}
	return "non-JSON " + strconv.Quote(shorten(string(body)))
}

// keywords maps gojsonschema error types to the JSON Schema keyword.
var keywords = map[string]string{
	"false":                           "false",
	"required":                        "required",
	"invalid_type":                    "type",
	"number_any_of":                   "anyOf",
	"number_one_of":                   "oneOf",
	"number_all_of":                   "allOf",
	"number_not":                      "not",
	"missing_dependency":              "dependencies",
	"const":                           "const",
	"enum":                            "enum",
	"array_no_additional_items":       "additionalItems",
	"array_min_items":                 "minItems",
	"array_max_items":                 "maxItems",
	"unique":                          "uniqueItems",
	"contains":                        "contains",
	"array_min_properties":            "minProperties",
	"array_max_properties":            "maxProperties",
	"additional_property_not_allowed": "additionalProperties",
	"invalid_property_pattern":        "patternProperties",
	"invalid_property_name":           "propertyNames",
	"string_gte":                      "minLength",
	"string_lte":                      "maxLength",
	"pattern":                         "pattern",
	"format":                          "format",
	"multiple_of":                     "multipleOf",
	"number_gte":                      "minimum",
	"number_gt":                       "exclusiveMinimum",
	"number_lte":                      "maximum",
	"number_lt":                       "exclusiveMaximum",
	"condition_then":                  "then",
	"condition_else":                  "else",
}

func violation(re gojsonschema.ResultError) Violation {
	d := re.Details()
	v := Violation{Pointer: pointer(re.Context()), Rule: keywords[re.Type()]}
	if v.Rule == "" {
		v.Rule = re.Type()
	}
	switch v.Rule {
	case "required":
		v.Pointer += "/" + escapeSegment(fmt.Sprint(d["property"]))
		v.Expected, v.Found = "present", "missing"
	case "additionalProperties":
		v.Pointer += "/" + escapeSegment(fmt.Sprint(d["property"]))
		v.Expected, v.Found = "no further properties", "present"
	case "type":
		v.Expected, v.Found = fmt.Sprint(d["expected"]), fmt.Sprint(d["given"])
	case "enum", "const":
		v.Expected, v.Found = "one of "+fmt.Sprint(d["allowed"]), jsonValue(re.Value())
	case "format":
		v.Expected, v.Found = fmt.Sprint(d["format"]), jsonValue(re.Value())
	case "oneOf":
		v.Expected, v.Found = "exactly one matching subschema", "none or several"
	case "anyOf":
		v.Expected, v.Found = "a matching subschema", "none"
	default:
		v.Expected, v.Found = re.Description(), jsonValue(re.Value())
	}
	return v
}

// pointer turns a gojsonschema context into a JSON pointer. The context
// only offers String(delimiter); rendering it with two different one-byte
// delimiters shows exactly where the delimiters are, whatever the member
// names contain.
func pointer(c *gojsonschema.JsonContext) string {
	if c == nil {
		return ""
	}
	a, b := c.String("\x00"), c.String("\x01")
	var segs []string
	start := 0
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			segs = append(segs, a[start:i])
			start = i + 1
		}
	}
	segs = append(segs, a[start:])
	var sb strings.Builder
	for _, s := range segs[1:] { // segs[0] is gojsonschema's "(root)"
		sb.WriteByte('/')
		sb.WriteString(escapeSegment(s))
	}
	return sb.String()
}

func escapeSegment(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func jsonValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return shorten(string(b))
}

func shorten(s string) string {
	const max = 60
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !isRuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }
