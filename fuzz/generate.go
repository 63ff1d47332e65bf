package fuzz

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/orybench/orybench/kratosclient"
)

// Placeholders of the live values a case is sent with: a fresh flow's id,
// its CSRF token and the session token of a signed-in native app. A case
// holds them, not the values, so that the same seed gives the same cases.
const (
	liveFlow    = "{{flow}}"
	liveCSRF    = "{{csrf_token}}"
	liveSession = "{{session_token}}"
)

func isLive(s string) bool {
	switch s {
	case liveFlow, liveCSRF, liveSession, liveIdentifier, liveEmail, livePassword:
		return true
	}
	return false
}

// Field is one query parameter or header of a case. Omit sends a header
// the client always sends (Accept, Content-Type) not at all.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value,omitempty"`
	Omit  bool   `json:"omit,omitempty"`
}

// Case is one generated request, before its live values are filled in.
type Case struct {
	Index     int
	Operation string
	Mode      kratosclient.Mode
	Method    string
	Path      string // escaped, path parameters filled in
	Query     []Field
	Header    []Field
	// Encoding is how Body is sent: "json", "form" or "" (no body).
	// ContentType is the Content-Type sent, "" for none.
	Encoding    string
	ContentType string
	Body        *Node
	// Cookies is how a browser's or an SPA's cookies are sent: "" as the
	// jar holds them, cookiesNone not at all, cookiesValue+v each with the
	// value v.
	Cookies string
}

// Ways of sending cookies other than a browser's.
const (
	cookiesNone  = "none"
	cookiesValue = "value:"
)

// Record is the case as the request log and a finding write it: live
// values as their placeholders.
type Record struct {
	Index       int     `json:"index"`
	Operation   string  `json:"operation"`
	Mode        string  `json:"mode"`
	Method      string  `json:"method"`
	Path        string  `json:"path"`
	Query       []Field `json:"query,omitempty"`
	Header      []Field `json:"header,omitempty"`
	ContentType string  `json:"content_type,omitempty"`
	Body        string  `json:"body,omitempty"`
	Cookies     string  `json:"cookies,omitempty"`
}

// Record returns c as logged.
func (c Case) Record() Record {
	return Record{Index: c.Index, Operation: c.Operation, Mode: c.Mode.String(), Method: c.Method, Path: c.Path,
		Query: c.Query, Header: c.Header, ContentType: c.ContentType, Body: string(c.body(func(s string) string { return s })), Cookies: c.Cookies}
}

// body encodes c's body with live filling in the placeholders.
func (c Case) body(live func(string) string) []byte {
	switch {
	case c.Body == nil:
		return nil
	case c.Encoding == "form":
		return c.Body.Form(live)
	default:
		return c.Body.JSON(live)
	}
}

func (c Case) clone() Case {
	c.Query = slices.Clone(c.Query)
	c.Header = slices.Clone(c.Header)
	c.Body = c.Body.clone()
	return c
}

// Hostile strings: boundary and invalid values every string may be
// swapped for.
var hostile = []string{
	"", " ", "0", "-1", "true", "null", "[]", "{}",
	"ünïcödé 日本語 🙂", "\u202e\u200b", "a\x00b", "\x00", "\r\n\t", "\x1b[31m",
	`"`, `'`, `\`, `";--`, `<script>alert(1)</script>`, "%00", "%", "../../etc/passwd",
	"https://evil.example/", "javascript:alert(1)", "//evil.example", "http://[::1",
}

// generator makes the cases of one run: case i of seed s is always the
// same request.
type generator struct {
	spec *spec
	ops  []opSpec
	seed uint64
	// traits is the shape of the target's traits (traitsNode), nil when
	// the target made no sample identity.
	traits *Node
}

// generate makes case i.
func (g *generator) generate(i int) Case {
	r := rand.New(rand.NewPCG(g.seed, uint64(i)))
	op := g.ops[r.IntN(len(g.ops))]
	c := Case{Index: i, Operation: op.ID, Method: op.Method, Mode: modeFor(op.ID, r)}
	c.Path = op.Path
	for _, p := range op.Params {
		switch p.In {
		case "path":
			c.Path = strings.ReplaceAll(c.Path, "{"+p.Name+"}", escapePath(g.scalar(r, p.Schema)))
		case "query":
			if live := liveParam(op, p.Name); live != "" && r.IntN(8) > 0 {
				c.Query = append(c.Query, Field{Name: p.Name, Value: live})
			} else if p.Required || r.IntN(2) == 0 {
				c.Query = append(c.Query, Field{Name: p.Name, Value: g.scalar(r, p.Schema)})
			}
		}
	}
	if len(c.Query) > 0 && r.IntN(10) == 0 {
		// A parameter given twice, the second time hostile: which one
		// does the server read?
		q := c.Query[r.IntN(len(c.Query))]
		c.Query = append(c.Query, Field{Name: q.Name, Value: hostile[r.IntN(len(hostile))]})
	}
	if op.Method != "GET" && len(op.BodyTypes) > 0 {
		c.Encoding = "json"
		if slices.Contains(op.BodyTypes, "application/x-www-form-urlencoded") && (c.Mode == kratosclient.Browser) != (r.IntN(5) == 0) {
			c.Encoding = "form"
		}
		c.ContentType = map[string]string{"json": "application/json", "form": "application/x-www-form-urlencoded"}[c.Encoding]
		c.Body = g.value(r, op.BodySchema, 0)
		g.liveIdentity(r, c.Body)
		if c.Body.Kind == kindObject && c.Mode != kratosclient.Native && r.IntN(8) > 0 {
			c.Body.Members = append(c.Body.Members, Member{"csrf_token", str(liveCSRF)})
		}
		for range r.IntN(4) {
			c.Body = mutate(r, c.Body, 0)
		}
		switch r.IntN(10) {
		case 0:
			c.Header = append(c.Header, Field{Name: "Content-Type", Omit: true})
			c.ContentType = ""
		case 1:
			c.ContentType = []string{"text/plain", "application/xml", "multipart/form-data", "application/json; charset=latin1", "application/x-www-form-urlencoded"}[r.IntN(5)]
			c.Header = append(c.Header, Field{Name: "Content-Type", Value: c.ContentType})
		}
	}
	switch r.IntN(8) {
	case 0:
		c.Header = append(c.Header, Field{Name: "Accept", Omit: true})
	case 1:
		c.Header = append(c.Header, Field{Name: "Accept", Value: []string{"*/*", "text/html", "application/xml", "application/json;q=0", "text/plain"}[r.IntN(5)]})
	}
	if r.IntN(10) == 0 {
		c.Header = append(c.Header, Field{Name: "X-Session-Token", Value: headerValue(hostile[r.IntN(len(hostile))])})
	}
	if c.Mode != kratosclient.Native && r.IntN(10) == 0 {
		c.Cookies = cookiesNone
		if r.IntN(3) > 0 {
			c.Cookies = cookiesValue + cookieValue(hostile[r.IntN(len(hostile))])
		}
	}
	return c
}

// liveIdentity gives a body's traits the target's shape and its password
// a strong one, most of the time: the identifier, the address and the
// password are a fresh test identity's when the case is sent.
func (g *generator) liveIdentity(r *rand.Rand, body *Node) {
	if g.traits == nil || body.Kind != kindObject {
		return
	}
	for i, m := range body.Members {
		switch {
		case m.Key == "traits" && r.IntN(8) > 0:
			body.Members[i].Value = g.traits.clone()
		case m.Key == "password" && r.IntN(8) > 0:
			body.Members[i].Value = str(livePassword)
		}
	}
}

// modeFor is the kind of caller a case of op is sent as: the one its name
// says (createNative..., createBrowser...), else any.
func modeFor(op string, r *rand.Rand) kratosclient.Mode {
	switch {
	case strings.Contains(op, "Native"):
		return kratosclient.Native
	case strings.Contains(op, "Browser"):
		return []kratosclient.Mode{kratosclient.Browser, kratosclient.SPA}[r.IntN(2)]
	}
	return kratosclient.Modes[r.IntN(len(kratosclient.Modes))]
}

// liveParam is the placeholder a query parameter of op takes inside a
// live flow: the flow's id.
func liveParam(op opSpec, name string) string {
	if flowKindOf(op.ID) != "" && (name == "flow" || (name == "id" && strings.HasPrefix(op.ID, "get"))) {
		return liveFlow
	}
	return ""
}

// flowKindOf is the kind of flow an operation belongs to, "" for none.
func flowKindOf(op string) kratosclient.FlowKind {
	for _, k := range []kratosclient.FlowKind{kratosclient.Login, kratosclient.Registration, kratosclient.Recovery, kratosclient.Verification, kratosclient.Settings} {
		name := string(k)
		if strings.Contains(op, strings.ToUpper(name[:1])+name[1:]+"Flow") {
			return k
		}
	}
	return ""
}

// needsSession reports whether op is called signed in.
func needsSession(op string) bool {
	return strings.Contains(op, "Settings") || strings.Contains(op, "Session") || strings.Contains(op, "Logout")
}

// endsSession reports whether op may end the session it is called with.
func endsSession(op string) bool {
	return strings.Contains(op, "Logout") || strings.HasPrefix(op, "disableMy")
}

func escapePath(s string) string {
	if s == "" {
		return "x"
	}
	return url.PathEscape(s)
}

// scalar is a string for a parameter of schema sc: a valid value or a
// hostile one.
func (g *generator) scalar(r *rand.Rand, sc schema) string {
	n := g.value(r, sc, 0)
	if r.IntN(3) == 0 {
		n = mutate(r, n, 0)
	}
	switch n.Kind {
	case kindString:
		return n.String
	case kindNull:
		return ""
	}
	return string(n.JSON(func(s string) string { return s }))
}

// value is a valid value of schema sc, as far as the contract says.
func (g *generator) value(r *rand.Rand, sc schema, depth int) *Node {
	sc = g.spec.resolve(sc)
	if alts, ok := sc["oneOf"].([]any); ok && len(alts) > 0 {
		alt := r.IntN(len(alts))
		v := g.value(r, asSchema(alts[alt]), depth+1)
		if d, ok := sc["discriminator"].(map[string]any); ok {
			setDiscriminator(v, d, alts[alt])
		}
		return v
	}
	if alts, ok := sc["anyOf"].([]any); ok && len(alts) > 0 {
		return g.value(r, asSchema(alts[r.IntN(len(alts))]), depth+1)
	}
	if e, ok := sc["enum"].([]any); ok && len(e) > 0 {
		if s, ok := e[r.IntN(len(e))].(string); ok {
			return str(s)
		}
	}
	typ, _ := sc["type"].(string)
	if typ == "" && sc["properties"] != nil {
		typ = "object"
	}
	switch typ {
	case "object":
		n := &Node{Kind: kindObject}
		if depth > 4 {
			return n
		}
		props, _ := sc["properties"].(map[string]any)
		required := map[string]bool{}
		if req, ok := sc["required"].([]any); ok {
			for _, x := range req {
				if s, ok := x.(string); ok {
					required[s] = true
				}
			}
		}
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if k == "csrf_token" || (!required[k] && r.IntN(3) > 0) {
				continue
			}
			n.Members = append(n.Members, Member{k, g.value(r, asSchema(props[k]), depth+1)})
		}
		return n
	case "array":
		n := &Node{Kind: kindArray}
		for range r.IntN(3) {
			n.Items = append(n.Items, g.value(r, asSchema(sc["items"]), depth+1))
		}
		return n
	case "boolean":
		return &Node{Kind: kindBool, Bool: r.IntN(2) == 0}
	case "integer", "number":
		return &Node{Kind: kindNumber, Number: float64(r.IntN(100))}
	}
	format, _ := sc["format"].(string)
	switch format {
	case "uuid":
		return str(fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Uint64()&(1<<48-1)))
	case "email":
		return str(fmt.Sprintf("fuzz-%d@example.invalid", r.IntN(1e6)))
	case "date-time":
		return str("2026-01-02T03:04:05Z")
	}
	return str(fmt.Sprintf("fuzz%d", r.IntN(1e6)))
}

// setDiscriminator sets the discriminating property of v to the mapping
// key of the alternative chosen.
func setDiscriminator(v *Node, d map[string]any, alt any) {
	prop, _ := d["propertyName"].(string)
	ref, _ := asSchema(alt)["$ref"].(string)
	mapping, _ := d["mapping"].(map[string]any)
	for key, to := range mapping {
		if to == ref && v.Kind == kindObject && prop != "" {
			for i, m := range v.Members {
				if m.Key == prop {
					v.Members[i].Value = str(key)
					return
				}
			}
			v.Members = append(v.Members, Member{prop, str(key)})
			return
		}
	}
}

func asSchema(v any) schema {
	s, _ := v.(map[string]any)
	return s
}

// mutate makes n invalid or hostile in one place: a value swapped for
// another type, a hostile or very long string, null, deep nesting, a member
// dropped or given twice.
func mutate(r *rand.Rand, n *Node, depth int) *Node {
	n = n.clone()
	if (n.Kind == kindObject && len(n.Members) > 0 || n.Kind == kindArray && len(n.Items) > 0) && depth < 6 && r.IntN(3) > 0 {
		if n.Kind == kindArray {
			i := r.IntN(len(n.Items))
			n.Items[i] = mutate(r, n.Items[i], depth+1)
			return n
		}
		i := r.IntN(len(n.Members))
		switch r.IntN(6) {
		case 0:
			n.Members = append(n.Members[:i], n.Members[i+1:]...)
		case 1:
			n.Members = append(n.Members, Member{n.Members[i].Key, mutate(r, n.Members[i].Value, depth+1)})
		default:
			if !isLive(n.Members[i].Value.String) {
				n.Members[i].Value = mutate(r, n.Members[i].Value, depth+1)
			}
		}
		return n
	}
	switch r.IntN(10) {
	case 0:
		return &Node{Kind: kindNull}
	case 6:
		return str("")
	case 1:
		return &Node{Kind: kindNumber, Number: []float64{-1, 0, 1e308, 9007199254740993, 0.5}[r.IntN(5)]}
	case 2:
		return &Node{Kind: kindBool, Bool: r.IntN(2) == 0}
	case 3:
		return &Node{Kind: kindArray, Items: []*Node{n}}
	case 4:
		deep := n
		for range 100 + r.IntN(100) {
			deep = &Node{Kind: kindObject, Members: []Member{{"a", deep}}}
		}
		return deep
	case 5:
		return str(strings.Repeat([]string{"a", "é", "🙂", "%"}[r.IntN(4)], []int{256, 1024, 10000}[r.IntN(3)]))
	default:
		return str(hostile[r.IntN(len(hostile))])
	}
}

// cookieValue is s as a cookie's value may be in a Cookie header: no
// separator of cookies, and a header's characters.
func cookieValue(s string) string {
	if strings.ContainsAny(s, ";") {
		return "x"
	}
	return headerValue(s)
}

// headerValue is s if a header may carry it, else "x": Go's client refuses
// to send control characters in a header, so they would never reach the
// target.
func headerValue(s string) string {
	for _, b := range []byte(s) {
		if b < 0x20 && b != '\t' || b == 0x7f {
			return "x"
		}
	}
	return s
}
