package fuzz

import (
	"bytes"
	"encoding/json"
	"iter"
	"net/url"
	"slices"
	"strconv"
)

// Kinds of Node.
const (
	kindNull   = "null"
	kindBool   = "bool"
	kindNumber = "number"
	kindString = "string"
	kindArray  = "array"
	kindObject = "object"
)

// Node is a JSON value as generated: an object keeps its members in order
// and may hold one key twice, which no Go map can.
type Node struct {
	Kind    string
	Bool    bool
	Number  float64
	String  string
	Items   []*Node
	Members []Member
}

// Member is one member of an object Node.
type Member struct {
	Key   string
	Value *Node
}

func str(s string) *Node { return &Node{Kind: kindString, String: s} }

// clone is a deep copy of n.
func (n *Node) clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Items = make([]*Node, len(n.Items))
	for i, it := range n.Items {
		c.Items[i] = it.clone()
	}
	c.Members = make([]Member, len(n.Members))
	for i, m := range n.Members {
		c.Members[i] = Member{m.Key, m.Value.clone()}
	}
	return &c
}

// JSON encodes n, duplicate keys and all, with live replacing the
// placeholders of live values.
func (n *Node) JSON(live func(string) string) []byte {
	var b bytes.Buffer
	n.writeJSON(&b, live)
	return b.Bytes()
}

func quote(s string) []byte {
	q, _ := json.Marshal(s) // a string always encodes
	return q
}

func (n *Node) writeJSON(b *bytes.Buffer, live func(string) string) {
	switch n.Kind {
	case kindBool:
		b.WriteString(strconv.FormatBool(n.Bool))
	case kindNumber:
		b.WriteString(strconv.FormatFloat(n.Number, 'g', -1, 64))
	case kindString:
		b.Write(quote(live(n.String)))
	case kindArray:
		b.WriteByte('[')
		for i, it := range n.Items {
			if i > 0 {
				b.WriteByte(',')
			}
			it.writeJSON(b, live)
		}
		b.WriteByte(']')
	case kindObject:
		b.WriteByte('{')
		for i, m := range n.Members {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(quote(m.Key))
			b.WriteByte(':')
			m.Value.writeJSON(b, live)
		}
		b.WriteByte('}')
	default:
		b.WriteString("null")
	}
}

// Form encodes n as a form, as Kratos's own UI does: dotted keys for
// nested objects, a key repeated for each item of an array.
func (n *Node) Form(live func(string) string) []byte {
	var pairs []string
	n.writeForm(&pairs, "", live)
	var b bytes.Buffer
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(pairs[i]) + "=" + url.QueryEscape(pairs[i+1]))
	}
	return b.Bytes()
}

func (n *Node) writeForm(pairs *[]string, key string, live func(string) string) {
	switch n.Kind {
	case kindObject:
		for _, m := range n.Members {
			k := m.Key
			if key != "" {
				k = key + "." + k
			}
			m.Value.writeForm(pairs, k, live)
		}
	case kindArray:
		for _, it := range n.Items {
			it.writeForm(pairs, key, live)
		}
	case kindString:
		*pairs = append(*pairs, key, live(n.String))
	case kindNull:
		*pairs = append(*pairs, key, "")
	default:
		*pairs = append(*pairs, key, string(n.JSON(live)))
	}
}

// holds reports whether n (nil: no body) holds one of the strings.
func (n *Node) holds(ss ...string) bool {
	if n == nil {
		return false
	}
	if n.Kind == kindString && slices.Contains(ss, n.String) {
		return true
	}
	for _, it := range n.Items {
		if it.holds(ss...) {
			return true
		}
	}
	for _, m := range n.Members {
		if m.Value.holds(ss...) {
			return true
		}
	}
	return false
}

// simpler yields the values one step simpler than n, simplest first: for
// a container, without one of its members or items, or with one of them
// simpler; for a string, shorter. It yields them as they are asked for,
// and each shares with n what it leaves as it was: a body nested hundreds
// deep is not copied for each try. Nodes are not changed in place once
// made, so sharing is safe.
func (n *Node) simpler() iter.Seq[*Node] {
	return func(yield func(*Node) bool) {
		switch n.Kind {
		case kindObject:
			for ms := range simplerIn(n.Members, func(m Member) *Node { return m.Value }, func(m Member, v *Node) Member { m.Value = v; return m }) {
				c := *n
				c.Members = ms
				if !yield(&c) {
					return
				}
			}
		case kindArray:
			for items := range simplerIn(n.Items, func(it *Node) *Node { return it }, func(_ *Node, v *Node) *Node { return v }) {
				c := *n
				c.Items = items
				if !yield(&c) {
					return
				}
			}
		case kindString:
			if isLive(n.String) {
				return
			}
			r := []rune(n.String)
			if len(r) > 1 && yield(str(string(r[:len(r)/2]))) {
				yield(str(string(r[1:])))
			}
		case kindNumber:
			if n.Number != 0 {
				yield(&Node{Kind: kindNumber})
			}
		}
	}
}

// simplerIn yields xs without one of its elements, then with one of them
// simpler (node is an element's value, with an element with another).
func simplerIn[T any](xs []T, node func(T) *Node, with func(T, *Node) T) iter.Seq[[]T] {
	return func(yield func([]T) bool) {
		for i := range xs {
			if !yield(slices.Delete(slices.Clone(xs), i, i+1)) {
				return
			}
		}
		for i, x := range xs {
			for s := range node(x).simpler() {
				c := slices.Clone(xs)
				c[i] = with(x, s)
				if !yield(c) {
					return
				}
			}
		}
	}
}
