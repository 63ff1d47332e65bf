package suites

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/target"
)

// TestConformance runs the cases with `go test ./suites` or `ginkgo ./suites`.
// The target comes from the environment as for the orybench binary:
// ORY_SDK_URL (else local Kratos instances), ORYBENCH_ADMIN_URL, ORY_API_KEY,
// ORYBENCH_CAPABILITIES (comma separated, -name for absent),
// ORYBENCH_PROFILES (comma separated local profiles) and ORYBENCH_KRATOS_BIN.
// Ginkgo's flags (-ginkgo.label-filter ...) select and report as usual.
func TestConformance(t *testing.T) {
	opts := target.Options{
		URL:       os.Getenv("ORY_SDK_URL"),
		AdminURL:  os.Getenv("ORYBENCH_ADMIN_URL"),
		APIKey:    os.Getenv("ORY_API_KEY"),
		KratosBin: kratosBin(),
		Profiles:  fields(os.Getenv("ORYBENCH_PROFILES")),
	}
	var err error
	if opts.Capabilities, opts.Without, err = target.ParseDeclared(fields(os.Getenv("ORYBENCH_CAPABILITIES"))); err != nil {
		t.Fatal(err)
	}
	s, err := newSuite(context.Background(), Options{Target: opts, Log: GinkgoWriter})
	if err != nil {
		t.Fatal(err)
	}
	s.runSpecs(t)
}

func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' })
}

// kratosBin finds bin/kratos from the repository root when go test runs in
// the package directory.
func kratosBin() string {
	if b := os.Getenv("ORYBENCH_KRATOS_BIN"); b != "" {
		return b
	}
	if abs, err := filepath.Abs("../bin/kratos"); err == nil {
		if _, err := os.Stat(abs); err == nil {
			return abs
		}
	}
	return ""
}

// TestRunTwice runs the suite twice in one process, as a program that
// embeds it does, and a third time with its context already cancelled:
// each run is a run of its own, and a cancelled one judges nothing.
func TestRunTwice(t *testing.T) {
	opts := Options{
		Target:      target.Options{Profiles: []string{"default"}, KratosBin: kratosBin()},
		LabelFilter: "op:toSession && client:native",
		NoColor:     true,
	}
	// The first run is quiet, reporting its progress; the second verbose.
	var runs []*results.Conformance
	var output [2]bytes.Buffer
	var progress []Progress
	for i := range 2 {
		o := opts
		o.Output, o.Verbose = &output[i], i == 1
		if i == 0 {
			o.Progress = func(p Progress) { progress = append(progress, p) }
		}
		c, err := Run(context.Background(), o)
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		runs = append(runs, c)
	}
	if output[0].Len() != 0 || !strings.Contains(output[1].String(), "Running Suite: ") {
		t.Errorf("Ginkgo's output: %d bytes from the quiet run, want none; %q from the verbose one", output[0].Len(), output[1].String())
	}
	selected := 0
	for _, k := range runs[0].Cases {
		if k.Reason != results.FilteredOut {
			selected++
		}
	}
	for i, p := range progress {
		if p.Done != i+1 || p.Total != selected || p.Failed != 0 || (i > 0 && p.Elapsed < progress[i-1].Elapsed) {
			t.Errorf("progress %d: %+v, want %d of %d done, none failed, time going forward", i, p, i+1, selected)
		}
	}
	if len(progress) != selected {
		t.Errorf("%d progress reports, want one for each of the %d selected cases", len(progress), selected)
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
