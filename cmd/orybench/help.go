package main

import (
	"embed"
	"fmt"
	"slices"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/loadtest/capacity"
	"github.com/orybench/orybench/scenarios"
	"github.com/orybench/orybench/suites"
	"github.com/orybench/orybench/target"
)

// The commands' help, as text a person edits: help/COMMAND.txt holds a
// command's one-line summary, a blank line, its long help and, after a line
// "Examples:", its examples; {{.Name}}s are filled from helpData.
//
//go:embed help/*.txt
var helpFiles embed.FS

// command is a command documented by help/FILE.txt that takes no
// arguments (but flags), and does run.
func command(file, use string, run func(*cobra.Command, []string) error) *cobra.Command {
	short, long, example := help(file)
	return &cobra.Command{Use: use, Short: short, Long: long, Example: example, Args: cobra.NoArgs, RunE: run}
}

// group is a command that only holds subcommands.
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs}
	cmd.AddCommand(subs...)
	return cmd
}

// help is a command's summary, long help and examples.
func help(file string) (short, long, example string) {
	t := template.Must(template.ParseFS(helpFiles, "help/"+file+".txt"))
	var b strings.Builder
	if err := t.Execute(&b, helpData()); err != nil {
		panic(fmt.Sprintf("help/%s.txt: %v", file, err)) // a broken help file is a bug, caught by every test
	}
	short, rest, _ := strings.Cut(b.String(), "\n\n")
	long, example, _ = strings.Cut(rest, "\nExamples:\n")
	return short, strings.TrimRight(long, "\n"), strings.TrimRight(example, "\n")
}

// helpData are the values the help texts quote.
func helpData() map[string]string {
	var profiles strings.Builder
	for _, p := range localkratos.Profiles() {
		fmt.Fprintf(&profiles, "  %-10s %s\n", p.Name, p.Description)
	}
	var caps []string
	for _, c := range target.Capabilities() {
		caps = append(caps, string(c))
	}
	extra := slices.DeleteFunc(target.LocalProfiles(), func(p string) bool { return slices.Contains(suites.StandardProfiles(), p) })
	return map[string]string{
		"Capabilities":  strings.Join(caps, ", "),
		"ExtraProfiles": strings.Join(extra, ", "),
		"RateRule":      capacity.DefaultRateRule,
		"RemoteRateCap": fmt.Sprint(loadtest.RemoteRateCap),
		"TestDomain":    hygiene.Domain,
		"Scenarios":     strings.Join(scenarios.Names(), ", "),
		"MaxDuration":   loadtest.MaxDuration.String(),
		"Profiles":      profiles.String(),
		"KratosVersion": target.LocalKratosVersion,
	}
}
