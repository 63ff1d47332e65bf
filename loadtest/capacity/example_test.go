package capacity_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/loadtest/capacity"
)

// Search for the highest rate a target sustains under an SLO. This server
// answers every request at once, so each rate holds: the search doubles
// from its start rate up to its max rate, runs the max rate again to
// confirm it, and ends there, with the max rate as a lower bound of the
// capacity. The steps here are a second long with no warm-up, to keep the
// example short; a real search measures longer (DefaultStepDuration).
func ExampleFind() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()

	// Without a rate rule in the SLO, Find adds DefaultRateRule.
	slo, err := loadtest.ParseThresholds("p99<500ms", "error_rate<1%")
	if err != nil {
		log.Fatal(err)
	}
	sc := loadtest.RawScenario("GET", srv.URL+"/health/ready", 100, loadtest.DefaultDuration)
	res, err := capacity.Find(context.Background(), sc,
		capacity.WithSLO(slo...),
		capacity.WithStartRate(10),
		capacity.WithMaxRate(20),
		capacity.WithStepDuration(time.Second),
		capacity.WithWarmup(0),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("SLO:", res.SLO)
	for _, st := range res.Steps {
		fmt.Printf("step %d: %s at %g/s, held %v\n", st.N, st.Phase, st.Rate, st.Held)
	}
	fmt.Printf("found %v: %g/s sustainable, search ended: %s\n", res.Found, res.SustainableRate, res.Ended)
	fmt.Printf("confidence %s: %s\n", res.Confidence.Level, res.Confidence.Reason)
	// Output:
	// SLO: [p99<500ms error_rate<1% rate>=0.99*requested]
	// step 1: start at 10/s, held true
	// step 2: up at 20/s, held true
	// step 3: confirm at 20/s, held true
	// found true: 20/s sustainable, search ended: max-rate
	// confidence medium: held on all 2 runs, but no rate failed: the capacity is 20/s or more
}
