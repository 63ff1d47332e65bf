package loadtest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/orybench/orybench/loadtest"
)

// Run a raw scenario, one method and URL as `vegeta attack` sends, at 20
// requests a second for one second against a server that fails every
// tenth request, and judge it by two thresholds: the latency one holds, the
// error rate one does not, so Run returns the summary with an error that
// wraps ErrThresholdsFailed. The run's files (summary.json, results.bin,
// the time series and histograms) go to a directory of the caller's.
func ExampleRun() {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%10 == 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	out, err := os.MkdirTemp("", "orybench-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(out)

	thresholds, err := loadtest.ParseThresholds("p99<1s", "error_rate<1%")
	if err != nil {
		log.Fatal(err)
	}
	// The defaults of `orybench load --url`; the options below override
	// the rate and the duration.
	sc := loadtest.RawScenario("GET", srv.URL+"/health/ready", 100, loadtest.DefaultDuration)
	sum, err := loadtest.Run(context.Background(), sc,
		loadtest.WithRate(20),
		loadtest.WithDuration(time.Second),
		loadtest.WithThresholds(thresholds...),
		loadtest.WithOutDir(out),
	)
	if err != nil && !errors.Is(err, loadtest.ErrThresholdsFailed) {
		log.Fatal(err) // the run could not be judged
	}
	fmt.Printf("%s: %d requests, requested %g/s\n", sum.Scenario, sum.Requests, sum.Rate.Requested)
	fmt.Printf("statuses: 200 × %d, 503 × %d\n", sum.StatusCodes["200"], sum.StatusCodes["503"])
	fmt.Printf("errors: %d unexpected statuses\n", sum.Errors.ByKind["unexpected_status"])
	for _, t := range sum.Thresholds {
		fmt.Printf("threshold %s held: %v\n", t.Expr, t.OK)
	}
	fmt.Println("passed:", sum.Passed)
	fmt.Println("thresholds failed:", errors.Is(err, loadtest.ErrThresholdsFailed))
	fmt.Println("files:", strings.Join(sum.Files, " "))
	// Output:
	// raw: 20 requests, requested 20/s
	// statuses: 200 × 18, 503 × 2
	// errors: 2 unexpected statuses
	// threshold p99<1s held: true
	// threshold error_rate<1% held: false
	// passed: false
	// thresholds failed: true
	// files: summary.json results.bin timeseries.jsonl timeseries.hlog overall.hgrm overall.hdr overall.uncorrected.hgrm overall.uncorrected.hdr step-raw.hgrm step-raw.hdr step-raw.uncorrected.hgrm step-raw.uncorrected.hdr
}
