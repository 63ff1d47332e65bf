package loadtest

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckContract(t *testing.T) {
	// What a contract documents of the operations (as Kratos v1.3.1 and Ory
	// Network's documents do for toSession: Network adds 400).
	kratos := func(op string) ([]int, bool) {
		switch op {
		case "toSession":
			return []int{200, 401, 403}, true
		case "createNativeLoginFlow":
			return []int{200, 400}, true
		}
		return nil, false
	}
	network := func(op string) ([]int, bool) {
		if op == "toSession" {
			return []int{200, 400, 401, 403}, true
		}
		return kratos(op)
	}
	sc := &Scenario{Name: "x", Steps: []Step{
		{Name: "whoami", Operation: OpToSession, Expect: Statuses(200, 400)},
		{Name: "login", Operation: OpCreateNativeLoginFlow},        // the default: 200
		{Name: "raw", URL: "/health/alive", Expect: Statuses(418)}, // raw: not checked
	}}
	if err := sc.CheckContract("network-v1.22.92", network); err != nil {
		t.Errorf("network documents toSession 400: %v", err)
	}
	err := sc.CheckContract("kratos-v1.3.1", kratos)
	if want := "steps[0].expect: contract kratos-v1.3.1 documents no 400 for toSession (it documents 200, 401, 403)"; err == nil || err.Error() != want || !errors.Is(err, ErrUsage) {
		t.Errorf("kratos: %v, want %q", err, want)
	}

	// A class needs one documented status in it; an operation the contract
	// lacks is named.
	var classes StatusSet
	for c := 200; c < 300; c++ {
		classes.add(c)
	}
	for c := 500; c < 600; c++ {
		classes.add(c)
	}
	sc.Steps[0].Expect = classes
	sc.Steps[1].Operation = "createFedcmFlow"
	err = sc.CheckContract("kratos-v1.3.1", kratos)
	for _, want := range []string{
		"steps[0].expect: contract kratos-v1.3.1 documents no 5xx for toSession",
		"steps[1].operation: createFedcmFlow is not an operation of contract kratos-v1.3.1",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v lacks %q", err, want)
		}
	}
}
