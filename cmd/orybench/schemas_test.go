//go:build unix

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSchemasGenerate: bad arguments are one line and exit code 2; a given
// document is generated into --out.
func TestSchemasGenerate(t *testing.T) {
	dir := t.TempDir()
	swagger := filepath.Join(dir, "swagger.yaml")
	if err := os.WriteFile(swagger, []byte("swagger: '2.0'\npaths: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"nope"}, `unknown contract "nope" (known: kratos-v1.3.1, network-v1.22.92)`},
		{[]string{"a", "b"}, "accepts at most 1 arg(s)"},
		{[]string{"--out", dir}, "--out needs --openapi"},
		{[]string{"--openapi", swagger}, "--openapi without a contract name needs --out"},
		{[]string{"--openapi", swagger, "--out", dir}, swagger + ": not an OpenAPI 3.0 document: it is Swagger 2.0"},
		{[]string{"--openapi", filepath.Join(dir, "missing.json"), "--out", dir}, "missing.json: no such file"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), append([]string{"schemas", "generate"}, tt.args...), &stdout, &stderr)
		checkBadOutput(t, strings.Join(tt.args, " "), code, stdout.String(), stderr.String(), tt.want)
	}

	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	spec := filepath.Join("..", "..", "schemas", "kratos-v1.3.1", "openapi.json")
	if code := run(context.Background(), []string{"schemas", "generate", "--openapi", spec, "--out", out}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d: %s", code, stderr.String())
	}
	if want := "file:openapi.json: 59 files in " + out + " from " + spec + "\n"; stdout.String() != want {
		t.Errorf("stdout = %q, want %q", stdout.String(), want)
	}
	for _, f := range []string{"index.json", "openapi.json", "loginFlow.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}
