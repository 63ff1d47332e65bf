package results_test

import (
	"fmt"
	"log"

	"github.com/orybench/orybench/results"
)

// Read a conformance.json (here one written before documents carried
// format_version) and print what its documented pairs came to.
func ExampleReadConformance() {
	c, err := results.ReadConformance("testdata/unversioned/conformance/conformance.json")
	if err != nil {
		log.Fatal(err)
	}
	cov := c.Coverage
	fmt.Printf("Kratos %s, %d cases, format version %d\n", c.KratosVersion, len(c.Cases), c.FormatVersion)
	fmt.Printf("%d documented pairs: %d passed, %d deviating, %d failed, %d skipped\n",
		cov.DocumentedPairs, cov.PassedPairs, cov.DeviatingPairs, cov.FailedPairs, cov.SkippedPairs)
	for _, p := range c.Pairs {
		if p.Outcome == results.Failed {
			fmt.Printf("failed: %s %d\n", p.Operation, p.Status)
		}
	}
	// Output:
	// Kratos v1.3.1, 15 cases, format version 0
	// 5 documented pairs: 3 passed, 1 deviating, 1 failed, 0 skipped
	// failed: toSession 401
}

// Read every run saved under a directory: a conformance run, load runs and
// capacity searches, each found by its document, here or one level down.
func ExampleReadRuns() {
	runs, err := results.ReadRuns("testdata/unversioned")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("conformance run in", runs.ConformanceDir)
	for _, l := range runs.Loads {
		s := l.Summary
		fmt.Printf("load %s: %d requests at %.0f/s, p99 %.1f ms, passed %v\n", s.Scenario, s.Requests, s.Rate.Achieved, s.Latency.P99, s.Passed)
	}
	for _, c := range runs.Capacities {
		fmt.Printf("capacity %s: %g/s sustainable, confidence %s\n", c.Result.Scenario, c.Result.SustainableRate, c.Result.Confidence.Level)
	}
	// Output:
	// conformance run in testdata/unversioned/conformance
	// load whoami: 2000 requests at 200/s, p99 154.8 ms, passed false
	// capacity whoami: 34/s sustainable, confidence high
}
