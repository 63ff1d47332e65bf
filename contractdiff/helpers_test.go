package contractdiff

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// loadDoc reads one of the two real contracts, "kratos" (Kratos v1.3.1's
// document) or "network" (the Ory Network SDK's), from the Go module
// cache, and fails the test when it is not there.
func loadDoc(t testing.TB, which string) Document {
	t.Helper()
	var title, module, file string
	switch which {
	case "kratos":
		title, module, file = "Ory Kratos v1.3.1", "github.com/ory/kratos@v1.3.1", "spec/api.json"
	case "network":
		title, module, file = "Ory Network (client-go v1.22.92)", "github.com/ory/client-go@v1.22.92", "api/openapi.yaml"
	default:
		t.Fatalf("no contract %q", which)
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		out, err := exec.Command("go", "env", "GOMODCACHE").Output()
		if err != nil {
			t.Fatalf("go env GOMODCACHE: %v", err)
		}
		cache = strings.TrimSpace(string(out))
	}
	b, err := os.ReadFile(filepath.Join(cache, module, file))
	if err != nil {
		t.Fatalf("%v (run: go mod download %s)", err, module)
	}
	return Document{Name: which, Title: title, OpenAPI: b}
}

// compare runs Compare and fails the test on its error.
func compare(t testing.TB, base, revision Document) *Report {
	t.Helper()
	r, err := Compare(context.Background(), base, revision)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// testdataDoc reads a contract from testdata.
func testdataDoc(t testing.TB, name string) Document {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return Document{Name: name, OpenAPI: b}
}
