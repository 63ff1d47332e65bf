package suites

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/schemas"
)

// networkSDK is the Ory Network contract's module and document.
const networkSDK = "github.com/ory/client-go@v1.22.92"

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
// against the Ory Network SDK's OpenAPI document: its rows are the
// frontend operations Kratos v1.3.1's contract does not document, each
// with a case per status the document gives it (its default aside), so
// that a run under Kratos v1.3.1's contract registers none of them.
func TestNetworkOperationsAreWhatTheNetworkContractAdds(t *testing.T) {
	documented := networkFrontend(t)
	kratos, err := schemas.ForVersion("v1.3.1")
	if err != nil {
		t.Fatal(err)
	}
	added := map[string][]int{}
	for id, statuses := range documented {
		if _, ok := kratos.Operation(id); !ok {
			added[id] = statuses
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

// networkFrontend reads the operations tagged frontend in the Network
// SDK's OpenAPI document, each with its documented statuses, sorted.
func networkFrontend(t *testing.T) map[string][]int {
	t.Helper()
	cache, err := exec.Command("go", "env", "GOMODCACHE").Output() // $GOMODCACHE when set
	if err != nil {
		t.Skipf("no Go module cache (go env GOMODCACHE): %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(cache)), networkSDK, "api", "openapi.yaml"))
	if err != nil {
		t.Skipf("the Ory Network SDK is not in the module cache (go mod download %s): %v", networkSDK, err)
	}
	var doc struct {
		Paths map[string]map[string]yaml.Node `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string][]int{}
	for _, item := range doc.Paths {
		for method, node := range item {
			if method == "parameters" {
				continue
			}
			var op struct {
				ID        string               `yaml:"operationId"`
				Tags      []string             `yaml:"tags"`
				Responses map[string]yaml.Node `yaml:"responses"`
			}
			if err := node.Decode(&op); err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(op.Tags, "frontend") {
				continue
			}
			statuses := []int{}
			for code := range op.Responses {
				if n, err := strconv.Atoi(code); err == nil {
					statuses = append(statuses, n)
				}
			}
			slices.Sort(statuses)
			out[op.ID] = statuses
		}
	}
	if len(out) == 0 {
		t.Fatal("no frontend operation in the Network SDK's document")
	}
	return out
}
