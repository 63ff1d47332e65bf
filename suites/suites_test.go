package suites

import (
	"context"
	. "github.com/onsi/ginkgo/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
