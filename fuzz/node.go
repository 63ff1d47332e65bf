package fuzz

import (
	"bytes"
	"encoding/json"
	"net/url"
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

// simpler lists the values one step simpler than n, simplest first: for a
// container, without one of its members or items, or with one of them
// simpler; for a string, shorter.
func (n *Node) simpler() []*Node {
	var out []*Node
	switch n.Kind {
	case kindObject:
		for i := range n.Members {
			c := n.clone()
			c.Members = append(c.Members[:i], c.Members[i+1:]...)
			out = append(out, c)
		}
		for i, m := range n.Members {
			for _, s := range m.Value.simpler() {
				c := n.clone()
				c.Members[i].Value = s
				out = append(out, c)
			}
		}
	case kindArray:
		for i := range n.Items {
			c := n.clone()
			c.Items = append(c.Items[:i], c.Items[i+1:]...)
			out = append(out, c)
		}
		for i, it := range n.Items {
			for _, s := range it.simpler() {
				c := n.clone()
				c.Items[i] = s
				out = append(out, c)
			}
		}
	case kindString:
		if isLive(n.String) {
			break
		}
		r := []rune(n.String)
		if len(r) > 1 {
			out = append(out, str(string(r[:len(r)/2])), str(string(r[1:])))
		}
	case kindNumber:
		if n.Number != 0 {
			out = append(out, &Node{Kind: kindNumber})
		}
	}
	return out
}
