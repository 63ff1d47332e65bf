package scenarios_test

import (
	"fmt"
	"log"

	"github.com/orybench/orybench/scenarios"
)

// List the built-in scenarios and load one by name (Load takes the path
// of a YAML file as well): its rate profile, its steps with the Kratos
// operation each loads and its share of the hits, and its thresholds.
// loadtest.Run runs it.
func ExampleLoad() {
	fmt.Println("built in:", scenarios.Names())

	sc, err := scenarios.Load("mixed")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %s\n", sc.Name, sc.Description)
	fmt.Printf("%s for %s after a %s warm-up, %d sessions\n", sc.Rate, sc.Duration, sc.Warmup, sc.Sessions)
	for _, st := range sc.Steps {
		fmt.Printf("step %-24s %-28s weight %d\n", st.Name, st.Operation, st.Weight)
	}
	fmt.Println("thresholds:", sc.Thresholds)
	// Output:
	// built in: [flow-creation login login-browser mixed raw recovery-code registration registration-browser session-lifecycle whoami]
	// mixed: weighted mix of toSession, flow creation and password login
	// 200/s for 1m0s after a 5s warm-up, 200 sessions
	// step whoami                   toSession                    weight 90
	// step login-flow-native        createNativeLoginFlow        weight 3
	// step login-flow-browser       createBrowserLoginFlow       weight 3
	// step registration-flow-native createNativeRegistrationFlow weight 3
	// step login-submit             updateLoginFlow              weight 1
	// thresholds: [whoami:p99<50ms error_rate<0.1% rate>=0.99*requested]
}
