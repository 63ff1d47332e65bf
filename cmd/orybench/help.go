package main

import (
	"embed"
	"fmt"
	"strings"
	"text/template"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/loadtest/capacity"
	"github.com/orybench/orybench/scenarios"
)

// The commands' long help, as text a person edits: help/COMMAND.txt, its
// examples after a line "Examples:", its {{.Name}}s filled from helpData.
//
//go:embed help/*.txt
var helpFiles embed.FS

// long is a command's long help.
func long(command string) string {
	text, _, _ := strings.Cut(helpText(command), "\nExamples:\n")
	return strings.TrimRight(text, "\n")
}

// example is a command's examples.
func example(command string) string {
	_, examples, _ := strings.Cut(helpText(command), "\nExamples:\n")
	return strings.TrimRight(examples, "\n")
}

func helpText(command string) string {
	t := template.Must(template.ParseFS(helpFiles, "help/"+command+".txt"))
	var b strings.Builder
	if err := t.Execute(&b, helpData()); err != nil {
		panic(fmt.Sprintf("help/%s.txt: %v", command, err)) // a broken help file is a bug, caught by every test
	}
	return b.String()
}

// helpData are the values the help texts quote.
func helpData() map[string]string {
	var profiles strings.Builder
	for _, p := range localkratos.Profiles() {
		fmt.Fprintf(&profiles, "  %-10s %s\n", p.Name, p.Description)
	}
	return map[string]string{
		"RateRule":      capacity.DefaultRateRule,
		"RemoteRateCap": fmt.Sprint(loadtest.RemoteRateCap),
		"TestDomain":    hygiene.Domain,
		"Scenarios":     strings.Join(scenarios.Names(), ", "),
		"MaxDuration":   loadtest.MaxDuration.String(),
		"Profiles":      profiles.String(),
		"KratosVersion": pinnedKratosVersion,
	}
}
