package suites

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// TestConformance runs the suites with `go test ./suites` or `ginkgo ./suites`.
// The target comes from the environment as for the orybench binary:
// ORY_SDK_URL (else local Kratos instances), ORYBENCH_ADMIN_URL, ORY_API_KEY,
// ORYBENCH_CAPABILITIES (comma separated, -name for absent),
// ORYBENCH_PROFILES (comma separated local profiles) and ORYBENCH_KRATOS_BIN.
func TestConformance(t *testing.T) {
	RegisterFailHandler(failOrSkip)
	options = Options{
		Target:    os.Getenv("ORY_SDK_URL"),
		AdminURL:  os.Getenv("ORYBENCH_ADMIN_URL"),
		APIKey:    os.Getenv("ORY_API_KEY"),
		KratosBin: kratosBin(),
		Log:       GinkgoWriter,
	}
	for _, c := range strings.Split(os.Getenv("ORYBENCH_CAPABILITIES"), ",") {
		if c == "" {
			continue
		}
		name, absent := strings.CutPrefix(c, "-")
		capability, err := ParseCapability(name)
		if err != nil {
			t.Fatal(err)
		}
		if absent {
			options.Without = append(options.Without, capability)
		} else {
			options.Capabilities = append(options.Capabilities, capability)
		}
	}
	for _, p := range strings.Split(os.Getenv("ORYBENCH_PROFILES"), ",") {
		if p != "" {
			options.Profiles = append(options.Profiles, p)
		}
	}
	RunSpecs(t, "orybench FrontendApi conformance")
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
