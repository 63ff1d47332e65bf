package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/schemas/schemagen"
)

// pinnedKratosVersion is the Kratos release whose OpenAPI document the
// committed schemas are generated from.
const pinnedKratosVersion = "v1.3.1"

func newSchemasCmd() *cobra.Command {
	return group("schemas", "Maintain the JSON Schemas generated from the Kratos OpenAPI document", newSchemasGenerateCmd())
}

func newSchemasGenerateCmd() *cobra.Command {
	var openapi, out, version string
	cmd := command("schemas-generate", "generate", func(cmd *cobra.Command, _ []string) error {
		if out == "" {
			out = filepath.Join("schemas", version)
		}
		if openapi == "" {
			p, err := schemagen.FindSpec(cmd.Context(), version)
			if err != nil {
				return fmt.Errorf("%w; pass --openapi", err)
			}
			openapi = p
		}
		names, err := schemagen.GenerateFile(openapi, version, out)
		if err != nil {
			return err
		}
		for _, n := range names {
			fmt.Fprintln(cmd.OutOrStdout(), filepath.Join(out, n))
		}
		fmt.Fprintf(cmd.OutOrStdout(), "%d files from %s\n", len(names), openapi)
		return nil
	})
	f := cmd.Flags()
	f.StringVar(&openapi, "openapi", "", "OpenAPI 3.0 document (default: the pinned Kratos spec in the Go module cache)")
	f.StringVar(&out, "out", "", "output directory (default schemas/<kratos-version>)")
	f.StringVar(&version, "kratos-version", pinnedKratosVersion, "Kratos version the document belongs to")
	return cmd
}
