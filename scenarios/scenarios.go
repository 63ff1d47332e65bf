// Package scenarios holds orybench's built-in load scenarios as YAML files
// (see README.md and loadtest.ParseScenario for the format): whoami,
// flow-creation, login, mixed and raw.
package scenarios

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.yaml
var files embed.FS

// Lookup returns the YAML of the built-in scenario called name, and its file
// name for error messages.
func Lookup(name string) (data []byte, file string, ok bool) {
	file = name + ".yaml"
	data, err := files.ReadFile(file)
	if err != nil {
		return nil, "", false
	}
	return data, "scenarios/" + file, true
}

// Names returns the names of the built-in scenarios, sorted.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}
