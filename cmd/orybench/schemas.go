package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/schemas/schemagen"
)

func newSchemasCmd() *cobra.Command {
	return group("schemas", "Maintain the JSON Schemas generated from the pinned OpenAPI documents", newSchemasGenerateCmd())
}

func newSchemasGenerateCmd() *cobra.Command {
	job := schemagen.Job{Root: "."}
	cmd := command("schemas-generate", "generate [contract]", func(cmd *cobra.Command, args []string) error {
		if len(args) == 1 {
			job.Contract = args[0]
		}
		sets, err := schemagen.Regenerate(cmd.Context(), job)
		for _, g := range sets {
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d files in %s from %s\n", g.Contract, len(g.Files), g.Dir, g.From)
		}
		return err
	})
	cmd.Args = cobra.MaximumNArgs(1)
	f := cmd.Flags()
	f.StringVar(&job.OpenAPI, "openapi", "", "generate from this OpenAPI 3.0 document (JSON or YAML) instead of the pinned one")
	f.StringVar(&job.Out, "out", "", "output directory for --openapi (default schemas/<contract>)")
	return cmd
}
