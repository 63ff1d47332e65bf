package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/contractdiff"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/schemas"
)

func newContractCmd() *cobra.Command {
	list := command("contract-list", "list", func(cmd *cobra.Command, _ []string) error {
		w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tOPERATIONS\tPAIRS\tTITLE\tSOURCE\tSHA256")
		for _, c := range schemas.Contracts() {
			set, err := schemas.Open(c.Name)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "%s\t%d\t%d\t%s\t%s@%s %s\t%s\n", c.Name, len(set.Operations()), len(set.Pairs()), c.Title, c.Module, c.Version, c.SourceFile, c.SHA256)
		}
		return w.Flush()
	})
	var asJSON, failOnBreaking bool
	diff := command("contract-diff", "diff BASE REVISION", func(cmd *cobra.Command, args []string) error {
		base, err := openNamed("BASE", args[0])
		if err != nil {
			return err
		}
		revision, err := openNamed("REVISION", args[1])
		if err != nil {
			return err
		}
		r, err := contractdiff.Contracts(cmd.Context(), base, revision)
		if err != nil {
			return err
		}
		if asJSON {
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			err = enc.Encode(r)
		} else {
			err = r.WriteMarkdown(cmd.OutOrStdout())
		}
		if err == nil && failOnBreaking && r.HasBreaking() {
			err = fmt.Errorf("%w: %d breaking changes from %s to %s", errFailed, r.Breaking, r.Base, r.Revision)
		}
		return err
	})
	diff.Args = cobra.ExactArgs(2)
	diff.Flags().BoolVar(&asJSON, "json", false, "print the changes as JSON instead of Markdown")
	diff.Flags().BoolVar(&failOnBreaking, "fail-on-breaking", false, "exit 1 when a change breaks a client of BASE (a CI check)")
	return group("contract", "List the contracts orybench judges by, and what changed between two", list, diff)
}

// openNamed opens the contract a flag or argument names.
func openNamed(what, name string) (*schemas.Set, error) {
	set, err := schemas.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return set, nil
}

// askedContract is the record of the contract --contract names, nil when
// it names none.
func askedContract(name string) (*results.Contract, error) {
	if name == "" {
		return nil, nil
	}
	set, err := openNamed("--contract", name)
	if err != nil {
		return nil, err
	}
	return new(set.Contract()), nil
}
