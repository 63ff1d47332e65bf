package reports_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/orybench/orybench/reports"
)

// Read the runs saved in several directories (a conformance run, a load
// run and a capacity search) and render their report (report.html,
// summary.md, junit.xml) into a directory. reports.Render does the same
// for one results directory, into that directory.
func ExampleReport_Write() {
	r, err := reports.Read("testdata/conformance", "testdata/load-whoami", "testdata/capacity-whoami")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("conformance failed:", r.Conformance.Failed())
	for _, l := range r.Loads {
		fmt.Printf("load %s passed: %v\n", l.Summary.Scenario, l.Summary.Passed)
	}
	for _, c := range r.Capacities {
		fmt.Printf("capacity %s found: %v\n", c.Result.Scenario, c.Result.Found)
	}
	fmt.Println("report:", r.Verdict())

	out, err := os.MkdirTemp("", "orybench-report-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(out)
	r.Orybench = "v0.0.0-example" // the version named in the report
	paths, err := r.Write(out)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range paths {
		fmt.Println("wrote", filepath.Base(p))
	}
	// Output:
	// conformance failed: false
	// load whoami passed: false
	// capacity whoami found: true
	// report: failed
	// wrote report.html
	// wrote summary.md
	// wrote junit.xml
}

// Print a saved load run's summary as `orybench load` prints it on a
// terminal at the end of a run: here a run whose p99 threshold was
// breached.
func ExampleWriteLoadText() {
	l := read("testdata/load-whoami").Loads[0]
	if err := reports.WriteLoadText(os.Stdout, &l.Summary, l.Dir); err != nil {
		log.Fatal(err)
	}
	// Output:
	// scenario     whoami → http://127.0.0.1:20658, 10.0s, 2000 requests
	// rate         requested 200.1/s, achieved 200.1/s, unsent 0
	// latency      p50 3.025  p90 55.967  p99 154.751  p99.9 212.095  max 221.055 ms (from intended send)
	// uncorrected  p50 2.777  p90 46.335  p99 154.623  p99.9 211.839  max 220.927 ms (from actual send)
	// statuses     200:2000, rate limited 0
	// errors       0 none
	// step whoami  2000 requests, p50 3.025 p99 154.751 ms, 200:2000, errors 0
	// threshold    ok       error_rate<0.1% (actual 0)
	// threshold    ok       rate>=0.99*requested (actual 200.062)
	// threshold    BREACHED p99<50ms (actual 154.751)
	// files        testdata/load-whoami
	// result       FAILED
}

// Print a saved capacity search's result as `orybench capacity` prints it
// on a terminal at the end of a search.
func ExampleWriteCapacityText() {
	c := read("testdata/capacity-whoami").Capacities[0]
	if err := reports.WriteCapacityText(os.Stdout, &c.Result, c.Dir); err != nil {
		log.Fatal(err)
	}
	// Output:
	// sustainable rate  34 requests/s
	// slo               p99<50ms, error_rate<0.1%, rate>=0.99*requested
	// confidence        high: held on all 2 runs; 35/s failed, 2.9% above
	// search            whoami → http://127.0.0.1:31307, 7 steps in 1m28s, ended: bracketed
	// files             testdata/capacity-whoami
}

// read reads the saved results in dir.
func read(dir string) *reports.Report {
	r, err := reports.Read(dir)
	if err != nil {
		log.Fatal(err)
	}
	return r
}
