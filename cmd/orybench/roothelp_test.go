package main

import (
	"regexp"
	"testing"
)

// TestRootHelpNamesEveryCommand: the root help describes every command a
// user can run, not a few of them.
func TestRootHelpNamesEveryCommand(t *testing.T) {
	root := newRootCmd()
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		if !regexp.MustCompile(`(?m)^  ` + c.Name() + ` +\S`).MatchString(root.Long) {
			t.Errorf("the root help does not describe %q", c.Name())
		}
	}
}
