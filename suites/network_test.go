package suites

import (
	"slices"
	"strconv"
	"testing"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/schemas"
)

func TestNetworkOperationsAreWellFormed(t *testing.T) {
	var ids []string
	for _, op := range networkOperations() {
		if op.id == "" || slices.Contains(ids, op.id) {
			t.Errorf("operation %q: empty or listed twice", op.id)
		}
		ids = append(ids, op.id)
		if !op.family.Known() {
			t.Errorf("%s: family %q is not in target's registry", op.id, op.family)
		}
		var statuses []int
		var texts []string
		for _, c := range op.cases {
			name := op.id + " " + strconv.Itoa(c.status)
			if c.status < 100 || slices.Contains(statuses, c.status) {
				t.Errorf("%s: not a status, or a second case of it", name)
			}
			statuses = append(statuses, c.status)
			if (c.drive == nil) == (c.skip == "") {
				t.Errorf("%s: want a call to drive or a reason to skip, exactly one", name)
			}
			if c.text == "" || slices.Contains(texts, c.text) {
				t.Errorf("%s: text %q empty or repeated", name, c.text)
			}
			texts = append(texts, c.text)
			if !slices.Contains(kratosclient.Modes, c.mode) {
				t.Errorf("%s: no client mode", name)
			}
			for _, r := range c.requires {
				if !r.Known() || r == op.family {
					t.Errorf("%s: requires %q: not in the registry, or the family again", name, r)
				}
			}
		}
	}
}

// TestNetworkOperationsAreWhatTheNetworkContractAdds checks the table
// against the Ory Network contract: its rows are the operations Kratos
// v1.3.1's contract does not document, each with a case per status the
// Network contract gives it (its default aside), so that a run under Kratos
// v1.3.1's contract registers none of them.
func TestNetworkOperationsAreWhatTheNetworkContractAdds(t *testing.T) {
	network, err := schemas.Open(schemas.Network)
	if err != nil {
		t.Fatal(err)
	}
	kratos, err := schemas.Open(schemas.Kratos)
	if err != nil {
		t.Fatal(err)
	}
	added := map[string][]int{}
	for _, p := range network.Pairs() {
		if _, ok := kratos.Operation(p.Operation); !ok {
			added[p.Operation] = append(added[p.Operation], p.Status)
		}
	}
	for _, op := range networkOperations() {
		want, ok := added[op.id]
		if !ok {
			t.Errorf("%s: not an operation the Network contract adds (Kratos v1.3.1 documents it, or the Network contract does not)", op.id)
			continue
		}
		delete(added, op.id)
		var got []int
		for _, c := range op.cases {
			got = append(got, c.status)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: cases of statuses %v, the contract documents %v", op.id, got, want)
		}
	}
	for id := range added {
		t.Errorf("%s: added by the Network contract, not in networkOperations", id)
	}
}
