package results

import (
	"errors"
	"strings"
	"testing"
)

func TestContract(t *testing.T) {
	network := &Contract{Name: "network-v1.22.92", Title: "Ory Network", Module: "github.com/ory/client-go", Version: "v1.22.92",
		SourceFile: "api/openapi.yaml", SHA256: "1f0c2d3e4f5a6b7c8d9e"}
	if got, want := network.String(), "network-v1.22.92: Ory Network (github.com/ory/client-go v1.22.92 api/openapi.yaml, sha256 1f0c2d3e4f5a…)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	var none *Contract
	if got := (&Contract{Name: "file:x.yaml", SHA256: "ab"}).String(); got != "file:x.yaml (sha256 ab)" {
		t.Errorf("a given file's String() = %q", got)
	}
	if got := none.String(); got != "not recorded" {
		t.Errorf("nil String() = %q", got)
	}
	renamed := *network
	renamed.Name = "file:openapi.yaml"
	other := *network
	other.SHA256 = "00"
	for _, c := range []struct {
		a, b *Contract
		same bool
	}{
		{network, network, true},
		{network, &renamed, true}, // the same document under another name
		{network, &other, false},
		{network, nil, false},
		{nil, nil, true},
		{&Contract{Name: "a"}, &Contract{Name: "a"}, true},
		{&Contract{Name: "a"}, &Contract{Name: "b"}, false},
	} {
		if got := c.a.Same(c.b); got != c.same {
			t.Errorf("%v.Same(%v) = %v, want %v", c.a, c.b, got, c.same)
		}
	}
}

func TestRunsCheckContract(t *testing.T) {
	kratos := &Contract{Name: "kratos-v1.3.1", SHA256: "aa"}
	network := &Contract{Name: "network-v1.22.92", SHA256: "bb"}
	r := &Runs{Conformance: &Conformance{Contract: kratos}, ConformanceDir: "out/conformance",
		Loads: []*LoadRun{{Dir: "out/load/whoami", Run: RunInfo{Contract: network}}, {Dir: "out/load/old"}}}
	err := r.CheckContract(kratos)
	if !errors.Is(err, ErrOtherContract) || !strings.HasPrefix(err.Error(), "out/load/whoami: ") || !strings.HasSuffix(err.Error(), "network-v1.22.92, not kratos-v1.3.1") {
		t.Errorf("CheckContract(kratos) = %v", err)
	}
	r.Loads[0].Run.Contract = kratos
	if err := r.CheckContract(kratos); err != nil {
		t.Errorf("every run judged against kratos, or unrecorded: %v", err)
	}
	if err := r.CheckContract(network); err == nil || !strings.HasPrefix(err.Error(), "out/conformance: ") {
		t.Errorf("CheckContract(network) = %v", err)
	}
}
