package schemas

import "testing"

// TestDeviationsPerContract: a contract has the deviations listed for it and
// no others. Kratos v1.3.1's 403 CSRF error breaks its closed details
// there; Ory Network's document has no closed details, but an enum of two
// error ids, which the same body's security_csrf_violation breaks wherever
// it shows. A deviation expected under Kratos only is not expected under
// Network: the body must keep that contract.
func TestDeviationsPerContract(t *testing.T) {
	csrf := recorded(t, "getLoginFlow.403.csrf.json")
	for _, tt := range []struct {
		contract, op string
		status       int
		body         []byte
		expect       []string
		want         Outcome
		deviation    string
	}{
		{Kratos, "getLoginFlow", 403, csrf, nil, ExpectedFailure, "generic-error-details-closed"},
		{Network, "getLoginFlow", 403, csrf, nil, ExpectedFailure, "network-error-id-enum"},
		// On any operation, documented status or not.
		{Network, "toSession", 403, csrf, nil, ExpectedFailure, "network-error-id-enum"},
		{Network, "updateLoginFlow", 499, csrf, nil, ExpectedFailure, "network-error-id-enum"},
		// Expected under Kratos, listed for Kratos only: not expected here.
		{Network, "getLoginFlow", 403, csrf, []string{"generic-error-details-closed"}, ExpectedFailure, "network-error-id-enum"},
		// An id the enum allows keeps the Network contract.
		{Network, "getLoginFlow", 403, mutated(t, "getLoginFlow.403.csrf.json", func(m map[string]any) { obj(m, "error")["id"] = "quota_exceeded" }), nil, Passed, ""},
	} {
		set, err := Open(tt.contract)
		if err != nil {
			t.Fatal(err)
		}
		v, err := set.Judge(tt.op, tt.status, tt.body, tt.expect...)
		if err != nil {
			t.Fatalf("%s %s %d: %v", tt.contract, tt.op, tt.status, err)
		}
		var got string
		if len(v.Deviations) > 0 {
			got = v.Deviations[0].ID
		}
		if v.Outcome != tt.want || got != tt.deviation {
			t.Errorf("%s %s %d expecting %v: %s by %q, want %s by %q (violations %v)", tt.contract, tt.op, tt.status, tt.expect, v.Outcome, got, tt.want, tt.deviation, v.Violations)
		}
	}
}
