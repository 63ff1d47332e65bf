package suites

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/target"
)

// TestRunTwice runs the suite twice in one process, as a program that
// embeds it does, and a third time with its context already cancelled:
// each run is a run of its own, and a cancelled one judges nothing.
func TestRunTwice(t *testing.T) {
	opts := Options{
		Target:      target.Options{Profiles: []string{"default"}, KratosBin: kratosBin()},
		LabelFilter: "op:toSession && client:native",
		NoColor:     true,
	}
	var runs []*results.Conformance
	for i := range 2 {
		c, err := Run(context.Background(), opts)
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		runs = append(runs, c)
	}
	for i, c := range runs {
		passed := 0
		for _, k := range c.Cases {
			switch {
			case k.Operation == "toSession" && k.Client == "native" && k.Outcome == results.Passed:
				passed++
			case k.Outcome == results.Failed:
				t.Errorf("run %d: %s failed: %s", i+1, k.Name, k.Reason)
			}
		}
		if passed < 4 {
			t.Errorf("run %d: %d native toSession cases passed, want at least 4", i+1, passed)
		}
		if len(c.Target.Discovered) != 1 || c.Target.Discovered[0].Name != "local:default" {
			t.Errorf("run %d discovered %+v", i+1, c.Target.Discovered)
		}
	}
	if runs[0].Target.Discovered[0].URL == runs[1].Target.Discovered[0].URL {
		t.Errorf("both runs checked %s: the second did not start a Kratos of its own", runs[0].Target.Discovered[0].URL)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	c, _ := Run(ctx, opts)
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("a cancelled run took %s", d)
	}
	seen := 0
	for _, k := range c.Cases {
		if k.Operation != "toSession" || k.Client != "native" {
			continue
		}
		seen++
		if k.Outcome != results.Skipped || !strings.Contains(k.Reason, "interrupted") {
			t.Errorf("cancelled run: %s %s %q, want skipped as interrupted", k.Name, k.Outcome, k.Reason)
		}
	}
	if seen == 0 || c.Failed() {
		t.Errorf("cancelled run: %d native toSession cases, failed %t", seen, c.Failed())
	}
}
