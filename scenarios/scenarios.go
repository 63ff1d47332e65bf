// Package scenarios holds orybench's built-in load scenarios as YAML files
// (see README.md and loadtest.ParseScenario for the format): whoami,
// flow-creation, login, mixed and raw, and the journeys registration,
// registration-browser, login-browser, recovery-code and session-lifecycle.
package scenarios

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sort"
	"strings"

	"github.com/orybench/orybench/loadtest"
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

// MaxFileBytes bounds a scenario file: a few kilobytes of YAML, so a larger
// one (or /dev/zero) is a mistake.
const MaxFileBytes = 1 << 20

// Load returns the built-in scenario called name, else the scenario in the
// YAML file name (at most MaxFileBytes). Its error says which.
func Load(name string) (*loadtest.Scenario, error) {
	if data, file, ok := Lookup(name); ok {
		return loadtest.ParseScenario(file, data)
	}
	data, err := readBounded(name, MaxFileBytes)
	if err != nil {
		return nil, &NotFoundError{Name: name, Err: err}
	}
	return loadtest.ParseScenario(name, data)
}

// NotFoundError is a name that is neither a built-in scenario nor a
// readable file.
type NotFoundError struct {
	Name string
	Err  error // why the file could not be read
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%q is neither a built-in scenario (%s) nor a readable file: %v", e.Name, strings.Join(Names(), ", "), e.Err)
}

func (e *NotFoundError) Unwrap() error { return e.Err }

// readBounded reads the file name, which must be at most limit bytes.
func readBounded(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d KiB", limit>>10)
	}
	return data, nil
}
