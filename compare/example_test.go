package compare_test

import (
	"fmt"
	"log"

	"github.com/orybench/orybench/compare"
)

// Compare a candidate's conformance run with a baseline's: the cases whose
// outcome changed, a case the candidate fails and the baseline did not
// being a regression.
func ExampleDirs() {
	c, err := compare.Dirs("../reports/testdata/conformance", "../reports/testdata/conformance-failing", compare.Options{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("regressed: %v (%d contract cases newly failing)\n", c.Regressed(), c.Verdict.ContractRegressions)
	for _, ch := range c.Contract.Changes {
		fmt.Printf("%s %d %s: %s → %s\n", ch.Operation, ch.Status, ch.Client, ch.From, ch.To)
	}
	// Output:
	// regressed: true (5 contract cases newly failing)
	// toSession 401 browser: passed → failed
	// updateLoginFlow 200 native: expected-failure → failed
	// updateLoginFlow 200 native: expected-failure → failed
	// updateLoginFlow 200 native: expected-failure → failed
	// updateLogoutFlow 403 spa: passed → failed
}
