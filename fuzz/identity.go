package fuzz

import (
	"encoding/json"
	"sort"

	"github.com/orybench/orybench/target"
)

// Placeholders of a new test identity's values, filled in for each case
// that holds one with a fresh identity (target.Target.NewIdentity), whose
// identifier and address the target's clean-up then looks for: a
// registration a case makes, whatever its kind of caller, is removed.
const (
	liveIdentifier = "{{identifier}}"
	liveEmail      = "{{email}}"
	livePassword   = "{{password}}"
)

// traitsNode is the shape of the target's traits, as the sample identity
// has them, with its identifier and its address as placeholders: the
// generator starts a registration's (or a profile's) traits from it, so
// that a case gets past trait validation and its mutations reach deeper.
func traitsNode(id target.Identity) *Node {
	var traits any // as JSON has them: numbers float64
	if b, err := json.Marshal(id.Traits); err != nil || len(id.Traits) == 0 || json.Unmarshal(b, &traits) != nil {
		return nil
	}
	return nodeOf(traits, map[string]string{id.Identifier: liveIdentifier, id.Email: liveEmail})
}

func nodeOf(v any, live map[string]string) *Node {
	switch v := v.(type) {
	case map[string]any:
		n := &Node{Kind: kindObject}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			n.Members = append(n.Members, Member{k, nodeOf(v[k], live)})
		}
		return n
	case []any:
		n := &Node{Kind: kindArray}
		for _, it := range v {
			n.Items = append(n.Items, nodeOf(it, live))
		}
		return n
	case string:
		if p, ok := live[v]; ok && v != "" {
			return str(p)
		}
		return str(v)
	case bool:
		return &Node{Kind: kindBool, Bool: v}
	case float64:
		return &Node{Kind: kindNumber, Number: v}
	}
	return &Node{Kind: kindNull}
}
