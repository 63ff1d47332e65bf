package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/schemas/schemagen"
)

// pinnedKratosVersion is the Kratos release whose OpenAPI document the
// committed schemas are generated from.
const pinnedKratosVersion = "v1.3.1"

func newSchemasCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schemas",
		Short: "Maintain the JSON Schemas generated from the Kratos OpenAPI document",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newSchemasGenerateCmd())
	return cmd
}

func newSchemasGenerateCmd() *cobra.Command {
	var openapi, out, version string
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate one JSON Schema per FrontendApi response component, plus index.json",
		Long: `Generate reads the Kratos OpenAPI 3.0 document and writes one draft-07 JSON
Schema per component a FrontendApi response uses, and index.json mapping every
(operationId, status) to its schema or to an empty body. Output is
deterministic; CI regenerates and fails on any difference.

By default the document is the pinned Kratos ` + pinnedKratosVersion + ` one from the Go module
cache (go mod download github.com/ory/kratos@` + pinnedKratosVersion + ` puts it there).`,
		Example: `  orybench schemas generate
  orybench schemas generate --openapi api.json --out /tmp/schemas`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				out = filepath.Join("schemas", version)
			}
			if openapi == "" {
				p, err := pinnedSpecPath(cmd.Context(), version)
				if err != nil {
					return err
				}
				openapi = p
			}
			b, err := os.ReadFile(openapi)
			if err != nil {
				return fmt.Errorf("read OpenAPI document: %w", err)
			}
			files, err := schemagen.Generate(b, version)
			if err != nil {
				return err
			}
			names, err := schemagen.Write(out, files)
			if err != nil {
				return err
			}
			for _, n := range names {
				fmt.Fprintln(cmd.OutOrStdout(), filepath.Join(out, n))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d files from %s\n", len(names), openapi)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&openapi, "openapi", "", "OpenAPI 3.0 document (default: the pinned Kratos spec in the Go module cache)")
	f.StringVar(&out, "out", "", "output directory (default schemas/<kratos-version>)")
	f.StringVar(&version, "kratos-version", pinnedKratosVersion, "Kratos version the document belongs to")
	return cmd
}

// pinnedSpecPath finds the Kratos OpenAPI document in the Go module cache.
func pinnedSpecPath(ctx context.Context, version string) (string, error) {
	gomodcache := os.Getenv("GOMODCACHE")
	if gomodcache == "" {
		b, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output()
		if err != nil {
			return "", fmt.Errorf("find the Go module cache (go env GOMODCACHE): %w; pass --openapi", err)
		}
		gomodcache = strings.TrimSpace(string(b))
	}
	p := schemagen.SpecPath(gomodcache, version)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("no Kratos %s OpenAPI document at %s (run: go mod download github.com/ory/kratos@%s, or pass --openapi)", version, p, version)
	}
	return p, nil
}
