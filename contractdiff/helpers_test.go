package contractdiff

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/orybench/orybench/schemas"
)

// loadDoc is one of the two embedded contracts, "kratos" (Kratos v1.3.1's
// document) or "network" (the Ory Network SDK's), as Contracts compares
// them: trimmed to the frontend operations.
func loadDoc(t testing.TB, which string) Document {
	t.Helper()
	set, err := schemas.Open(which)
	if err != nil {
		t.Fatal(err)
	}
	return Document{Name: which, Title: set.Contract().Title, OpenAPI: set.OpenAPI()}
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
