package identityschema

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xeipuuv/gojsonschema"

	"github.com/orybench/orybench/internal/hygiene"
)

// Identity is one synthesised test identity.
type Identity struct {
	// SchemaID is the schema the traits are valid for ("" when unknown:
	// the target's default).
	SchemaID string
	// Traits are the identity's traits.
	Traits map[string]any
	// Identifier is what the identity signs in with a password: the value
	// of the trait the schema marks as the password identifier ("" when
	// the schema marks none).
	Identifier string
	// IdentifierTrait is that trait's dotted path, e.g. "username".
	IdentifierTrait string
	// Email is the address recovery and verification mails go to: the
	// address the identity was made from when the schema has an email
	// trait, else "".
	Email string
	// EmailTrait is that trait's dotted path, e.g. "email".
	EmailTrait string
}

// Generator makes the test identity for an address (hygiene.Email of the
// run, or any address whose local part is unique): a Schema's or a
// Template's Identity method.
type Generator func(address string) (Identity, error)

// role is what a string trait stands for.
type role int

const (
	plain role = iota
	emailRole
	phoneRole
	usernameRole
)

func roleOf(n *node) role {
	e := n.ext
	switch {
	case n.format == "tel" || e.Credentials.Code.Via == "sms" || e.Verification.Via == "sms" || e.Recovery.Via == "sms":
		return phoneRole
	case n.format == "email" || e.Credentials.Code.Via == "email" || e.Verification.Via == "email" || e.Recovery.Via == "email" ||
		(e.Credentials.Code.Identifier && e.Credentials.Code.Via == ""):
		return emailRole
	case e.Credentials.Password.Identifier || e.Credentials.WebAuthn.Identifier:
		return usernameRole
	}
	return plain
}

// Identity makes valid traits for address from the schema. Email traits
// get the address (a second one local+2@domain, and so on), username
// traits the run's short username for it (hygiene.UsernameFor), where that
// is too long and the identity has an email trait (which recognises it) the
// compact one (hygiene.CompactUsernameFor), or where neither fits (or
// address is not an orybench address) its local part
// (with _ or . for - where the pattern wants), phone
// traits a number in the fictional NANP range 555-0100..0199 derived from
// the address; other required traits get the simplest valid value. The
// traits are then validated against the schema; what cannot be satisfied
// is an error naming the trait.
func (s *Schema) Identity(address string) (Identity, error) {
	at := strings.LastIndex(address, "@")
	if at <= 0 || at == len(address)-1 {
		return Identity{}, fmt.Errorf("identity schema %s: %q is not an address", quoteID(s.ID), address)
	}
	g := &synth{address: address, local: address[:at], domain: address[at+1:], seen: map[role]int{},
		recognisable: s.emailTrait() != ""}
	v, err := g.value(s.traits, true)
	if err != nil {
		return Identity{}, fmt.Errorf("identity schema %s: %w", quoteID(s.ID), err)
	}
	traits, ok := v.(map[string]any)
	if !ok {
		return Identity{}, fmt.Errorf("identity schema %s: traits are not an object", quoteID(s.ID))
	}
	id := Identity{SchemaID: s.ID, Traits: traits}
	if ids := s.PasswordIdentifiers(); len(ids) > 0 {
		id.IdentifierTrait = ids[0]
		id.Identifier, _ = lookup(traits, ids[0]).(string)
	}
	id.EmailTrait = s.emailTrait()
	if id.EmailTrait != "" {
		id.Email, _ = lookup(traits, id.EmailTrait).(string)
	}
	if err := s.validate(traits); err != nil {
		return Identity{}, err
	}
	return id, nil
}

// emailTrait is the trait recovery and verification use, else the first
// email-format identifier, else the first email-format trait.
func (s *Schema) emailTrait() string {
	var addr, ident, any string
	s.traits.walk(func(n *node) {
		if strings.Contains(n.path, "[]") || roleOf(n) != emailRole {
			return
		}
		switch {
		case addr == "" && (n.ext.Recovery.Via == "email" || n.ext.Verification.Via == "email"):
			addr = n.path
		case ident == "" && n.ext.marked():
			ident = n.path
		case any == "":
			any = n.path
		}
	})
	for _, p := range []string{addr, ident, any} {
		if p != "" {
			return p
		}
	}
	return ""
}

// lookup reads a dotted path from traits.
func lookup(traits map[string]any, path string) any {
	var cur any = traits
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	return cur
}

// validate checks traits against the schema as a JSON Schema validator
// does. A schema the validator cannot load (a remote $ref) is not checked
// here; Kratos will say.
func (s *Schema) validate(traits map[string]any) error {
	sch, err := gojsonschema.NewSchema(gojsonschema.NewGoLoader(s.root))
	if err != nil {
		return nil
	}
	res, err := sch.Validate(gojsonschema.NewGoLoader(map[string]any{"traits": traits}))
	if err != nil || res.Valid() {
		return nil
	}
	var msgs []string
	for _, e := range res.Errors() {
		msgs = append(msgs, fmt.Sprintf("%s: %s", e.Field(), e.Description()))
	}
	return fmt.Errorf("identity schema %s: orybench's traits do not validate: %s: use --traits", quoteID(s.ID), strings.Join(msgs, "; "))
}

type synth struct {
	address, local, domain string
	seen                   map[role]int // how many traits of each role so far
	// recognisable: the identity has an email trait, which gets address
	// and so recognises it whatever its username.
	recognisable bool
}

// value makes a value for n; fill says the caller needs one (required, or
// holding an identifier).
func (g *synth) value(n *node, fill bool) (any, error) {
	if n.hasConst {
		if n.ext.marked() {
			return nil, fmt.Errorf("%s: an identifier with a const value cannot be unique per identity: use --traits", field(n.path))
		}
		return n.constant, nil
	}
	if len(n.enum) > 0 {
		if n.ext.marked() {
			return nil, fmt.Errorf("%s: an identifier limited to an enum cannot be unique per identity: use --traits", field(n.path))
		}
		return n.enum[0], nil
	}
	switch pickType(n.types) {
	case "object":
		return g.object(n)
	case "array":
		return g.array(n)
	case "integer":
		return number(n, true)
	case "number":
		return number(n, false)
	case "boolean":
		return false, nil
	case "null":
		return nil, nil
	}
	return g.str(n)
}

// pickType prefers the type that carries the most: a nullable string is a
// string.
func pickType(types []string) string {
	for _, t := range []string{"object", "string", "integer", "number", "boolean", "array", "null"} {
		if slices.Contains(types, t) {
			return t
		}
	}
	return "string"
}

func (g *synth) object(n *node) (map[string]any, error) {
	out := map[string]any{}
	for _, k := range n.sortedKeys() {
		p := n.properties[k]
		if !slices.Contains(n.required, k) && !marksInside(p) {
			continue
		}
		v, err := g.value(p, true)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	for _, k := range n.required {
		if _, ok := n.properties[k]; !ok {
			return nil, fmt.Errorf("%s: required, but the schema does not say what it is: use --traits", field(join(n.path, k)))
		}
	}
	return out, nil
}

// marksInside reports whether n or anything under it is an identifier or
// an address: those are filled even when optional.
func marksInside(n *node) bool {
	found := false
	n.walk(func(x *node) { found = found || x.ext.marked() })
	return found
}

func (g *synth) array(n *node) ([]any, error) {
	count := 0
	if n.minItems != nil {
		count = *n.minItems
	}
	if count == 0 && n.items != nil && marksInside(n.items) {
		count = 1
	}
	if n.maxItems != nil && count > *n.maxItems {
		return nil, fmt.Errorf("%s: minItems exceeds maxItems", field(n.path))
	}
	out := make([]any, 0, count)
	if count > 0 && n.items == nil {
		return nil, fmt.Errorf("%s: needs %d items but does not say what they are: use --traits", field(n.path), count)
	}
	for i := range count {
		var v any
		var err error
		if len(n.items.enum) > 0 && n.uniqueItems {
			if i >= len(n.items.enum) {
				return nil, fmt.Errorf("%s: needs %d distinct items of an enum of %d", field(n.path), count, len(n.items.enum))
			}
			v = n.items.enum[i]
		} else if v, err = g.value(n.items, true); err != nil {
			return nil, err
		}
		if s, ok := v.(string); ok && n.uniqueItems && i > 0 && !n.items.ext.marked() {
			v = s + strconv.Itoa(i)
		}
		out = append(out, v)
	}
	return out, nil
}

func (g *synth) str(n *node) (string, error) {
	r := roleOf(n)
	k := g.seen[r]
	g.seen[r]++
	var candidates []string
	switch r {
	case emailRole:
		if k == 0 {
			candidates = []string{g.address}
		} else {
			candidates = []string{fmt.Sprintf("%s+%d@%s", g.local, k+1, g.domain)}
		}
	case usernameRole:
		// The short username first (it fits most schemas), then the
		// address's local part, which longer minimum lengths want.
		u := g.local
		if k > 0 {
			u = fmt.Sprintf("%s-%d", g.local, k+1)
		} else if short, ok := hygiene.UsernameFor(g.address); ok {
			candidates = []string{short}
			if compact, _ := hygiene.CompactUsernameFor(g.address); g.recognisable {
				// Shorter, but recognised only by the address beside it.
				candidates = append(candidates, compact)
			}
		}
		candidates = append(candidates, u, strings.ReplaceAll(u, "-", "_"), strings.ReplaceAll(u, "-", "."), strings.ToLower(u), g.address)
	case phoneRole:
		candidates = []string{phone(g.address, k)}
	default:
		if d, ok := formatDefaults[n.format]; ok {
			candidates = []string{d}
		}
	}
	minLen, maxLen := 0, -1
	if n.minLength != nil {
		minLen = *n.minLength
	}
	if n.maxLength != nil {
		maxLen = *n.maxLength
	}
	var re interface{ MatchString(string) bool }
	if n.pattern != "" {
		compiled, err := compilePattern(n.path, n.pattern)
		if err != nil {
			return "", err
		}
		re = compiled
	}
	fits := func(s string) bool {
		l := utf8.RuneCountInString(s)
		return l >= minLen && (maxLen < 0 || l <= maxLen) && (re == nil || re.MatchString(s))
	}
	for _, c := range candidates {
		if fits(c) {
			return c, nil
		}
	}
	if r != plain {
		// A unique trait must carry the run's token: no made-up value will do.
		why := fmt.Sprintf("%s %q", roleName[r], candidates[0])
		switch {
		case re != nil && !slices.ContainsFunc(candidates, re.MatchString):
			return "", fmt.Errorf("%s: no unique value orybench can recognise (%s, and variants) matches pattern %q: use --traits", field(n.path), why, n.pattern)
		default:
			return "", fmt.Errorf("%s: length %s leaves no room for a unique value orybench can recognise (%s is %d characters): use --traits", field(n.path), lengthBound(minLen, maxLen), why, utf8.RuneCountInString(candidates[0]))
		}
	}
	if n.format != "" && len(candidates) > 0 && n.pattern == "" {
		return "", fmt.Errorf("%s: format %s with length %s: use --traits", field(n.path), n.format, lengthBound(minLen, maxLen))
	}
	if n.pattern != "" {
		return fromPattern(n.path, n.pattern, minLen, maxLen)
	}
	s := "orybench"
	for utf8.RuneCountInString(s) < minLen {
		s += "x"
	}
	if maxLen >= 0 && len(s) > maxLen {
		s = s[:maxLen]
	}
	return s, nil
}

var roleName = map[role]string{emailRole: "address", usernameRole: "username", phoneRole: "phone number"}

func lengthBound(minLen, maxLen int) string {
	if maxLen < 0 {
		return fmt.Sprintf("≥ %d", minLen)
	}
	return fmt.Sprintf("%d..%d", minLen, maxLen)
}

// formatDefaults are valid values for the formats Kratos's validator
// checks (github.com/ory/jsonschema/v3), for traits that need not be unique.
var formatDefaults = map[string]string{
	"date":          "2000-01-01",
	"date-time":     "2000-01-01T00:00:00Z",
	"time":          "12:00:00Z",
	"uri":           "https://orybench.test/",
	"iri":           "https://orybench.test/",
	"uri-reference": "https://orybench.test/",
	"iri-reference": "https://orybench.test/",
	"uriref":        "https://orybench.test/",
	"uri-template":  "https://orybench.test/{id}",
	"hostname":      "orybench.test",
	"ipv4":          "192.0.2.1",
	"ip-address":    "192.0.2.1",
	"ipv6":          "2001:db8::1",
	"uuid":          "00000000-0000-4000-8000-000000000000",
	"regex":         "^orybench$",
	"json-pointer":  "/orybench",
}

// nanpAreas are US area codes whose 555-0100..0199 numbers are fictional
// (reserved for films and examples) yet valid to libphonenumber, which
// Kratos validates tel traits with: no text ever reaches a person.
var nanpAreas = []string{"201", "202", "203", "205", "206", "207", "208", "209", "210", "212", "213", "214", "215", "216", "217", "218", "219", "224", "225", "228"}

// phone is the k-th phone number of an address: fictional, derived from the
// address so that a run's identities differ (2000 numbers in all).
func phone(address string, k int) string {
	sum := sha256.Sum256([]byte(address))
	v := (binary.BigEndian.Uint32(sum[:4]) + uint32(k)) % uint32(len(nanpAreas)*100)
	return fmt.Sprintf("+1%s55501%02d", nanpAreas[v/100], v%100)
}

func number(n *node, integer bool) (any, error) {
	lo, hi := math.Inf(-1), math.Inf(1)
	loOpen, hiOpen := false, false
	if n.minimum != nil {
		lo = *n.minimum
	}
	if n.exclusiveMin != nil && *n.exclusiveMin >= lo {
		lo, loOpen = *n.exclusiveMin, true
	}
	if n.maximum != nil {
		hi = *n.maximum
	}
	if n.exclusiveMax != nil && *n.exclusiveMax <= hi {
		hi, hiOpen = *n.exclusiveMax, true
	}
	ok := func(x float64) bool {
		return (x > lo || (!loOpen && x == lo)) && (x < hi || (!hiOpen && x == hi))
	}
	step := 1.0
	if n.multipleOf != nil && *n.multipleOf > 0 {
		step = *n.multipleOf
	}
	var candidates []float64
	if !math.IsInf(lo, -1) {
		c := math.Ceil(lo/step) * step
		candidates = append(candidates, c, c+step)
	}
	candidates = append(candidates, 0)
	if !math.IsInf(hi, 1) {
		c := math.Floor(hi/step) * step
		candidates = append(candidates, c, c-step)
	}
	for _, c := range candidates {
		if integer && c != math.Trunc(c) {
			continue
		}
		if ok(c) {
			if integer {
				return int64(c), nil
			}
			return c, nil
		}
	}
	return nil, fmt.Errorf("%s: orybench finds no number within the schema's bounds: use --traits", field(n.path))
}
