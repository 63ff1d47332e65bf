package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/schemas/schemagen"
)

func newSchemasCmd() *cobra.Command {
	return group("schemas", "Maintain the JSON Schemas generated from the pinned OpenAPI documents", newSchemasGenerateCmd())
}

func newSchemasGenerateCmd() *cobra.Command {
	var openapi, out string
	cmd := command("schemas-generate", "generate [contract]", func(cmd *cobra.Command, args []string) error {
		var src schemagen.Source
		if len(args) == 1 {
			var ok bool
			if src, ok = schemagen.SourceNamed(args[0]); !ok {
				return fmt.Errorf("unknown contract %q (known: %s)", args[0], strings.Join(sourceNames(), ", "))
			}
		}
		if openapi != "" {
			return generateFromFile(cmd, openapi, out, src)
		}
		if out != "" {
			return errors.New("--out needs --openapi (a pinned contract goes to schemas/<contract>)")
		}
		srcs := schemagen.Sources()
		if src.Name != "" {
			srcs = []schemagen.Source{src}
		}
		for _, s := range srcs {
			spec, names, err := schemagen.GenerateSource(cmd.Context(), ".", s)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d files in %s from %s\n", s.Name, len(names), s.OutDir("."), spec)
		}
		return nil
	})
	cmd.Args = cobra.MaximumNArgs(1)
	f := cmd.Flags()
	f.StringVar(&openapi, "openapi", "", "generate from this OpenAPI 3.0 document (JSON or YAML) instead of the pinned one")
	f.StringVar(&out, "out", "", "output directory for --openapi (default schemas/<contract>)")
	return cmd
}

// generateFromFile generates one set from a given document: as the named
// contract, or, without a name, as "file:<base name>" into out.
func generateFromFile(cmd *cobra.Command, openapi, out string, src schemagen.Source) error {
	if src.Name == "" {
		if out == "" {
			return errors.New("--openapi without a contract name needs --out")
		}
		src.Name = "file:" + filepath.Base(openapi)
	}
	if out == "" {
		out = src.OutDir(".")
	}
	names, err := schemagen.GenerateFile(openapi, src, out)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s: %d files in %s from %s\n", src.Name, len(names), out, openapi)
	return nil
}

func sourceNames() []string {
	var out []string
	for _, s := range schemagen.Sources() {
		out = append(out, s.Name)
	}
	return out
}
