package schemas

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/mod/semver"

	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/schemas/schemagen"
)

// The embedded contracts.
const (
	// Kratos is the contract of Ory Kratos v1.3.1 (its spec/api.json).
	Kratos = "kratos-v1.3.1"
	// Network is the contract of the Ory Network SDK
	// (github.com/ory/client-go v1.22.92, its api/openapi.yaml).
	Network = "network-v1.22.92"
	// DefaultContract is the contract the package-level functions use.
	DefaultContract = Kratos
)

// Every embedded contract is a folder "<family>-v<version>" that schemagen
// generates (schemagen.Sources).
//
//go:embed *-v*/*.json
var embedded embed.FS

// Contract says which OpenAPI document a set was generated from: the
// record every result document carries (results.Contract).
type Contract = results.Contract

// Contracts lists the embedded contracts, sorted by name.
func Contracts() []Contract {
	var out []Contract
	for _, name := range embeddedNames() {
		c := Contract{Name: name}
		if idx, err := readIndex(embeddedFiles(name)); err == nil {
			c = contractOf(idx)
		}
		out = append(out, c)
	}
	return out
}

// embeddedNames lists the embedded contracts' names, sorted.
func embeddedNames() []string {
	entries, _ := fs.ReadDir(embedded, ".") // sorted by name
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	return out
}

var sets sync.Map // embedded contract name -> *setResult

type setResult struct {
	once sync.Once
	set  *Set
	err  error
}

// Open returns the schema set of a contract: an embedded one by name
// (Contracts), "kratos" or "network" for the newest embedded contract of
// that family, or else nameOrPath is the path of an OpenAPI 3.0 document,
// JSON or YAML, whose set is generated in memory as schemagen does (named
// "file:<base name>", without known deviations).
//
// An embedded contract is loaded once: every call with its name or alias
// returns the same *Set. A file is read and generated on every call. A name
// that is neither embedded nor an existing file is an error wrapping
// ErrUnknownContract; a file that is not an OpenAPI 3.0 document with
// frontend operations, one wrapping ErrNotOpenAPI.
func Open(nameOrPath string) (*Set, error) {
	known := embeddedNames()
	name := resolveAlias(known, nameOrPath)
	if !slices.Contains(known, name) {
		return openFile(known, nameOrPath)
	}
	v, _ := sets.LoadOrStore(name, &setResult{})
	r := v.(*setResult)
	r.once.Do(func() { r.set, r.err = load(name, embeddedFiles(name)) })
	return r.set, r.err
}

// Errors of Open. Each is wrapped with details; test for them with
// errors.Is.
var (
	// ErrUnknownContract: the name is no embedded contract, alias or file.
	ErrUnknownContract = errors.New("unknown contract")
	// ErrNotOpenAPI: the file given to Open is not an OpenAPI 3.0 document
	// with frontend operations (schemagen.ErrNotOpenAPI).
	ErrNotOpenAPI = schemagen.ErrNotOpenAPI
)

func openFile(known []string, p string) (*Set, error) {
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) || p == "" {
		return nil, fmt.Errorf("%w %q: known contracts are %s (aliases %s), or give the path of an OpenAPI 3.0 document (JSON or YAML)",
			ErrUnknownContract, p, strings.Join(known, ", "), strings.Join(families(known), ", "))
	}
	if err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%s: %w: it is a directory", p, ErrNotOpenAPI)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("contract: %w", err)
	}
	name := "file:" + filepath.Base(p)
	files, err := schemagen.Generate(b, schemagen.Source{Name: name, File: p})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return load(name, func(f string) ([]byte, error) {
		b, ok := files[f]
		if !ok {
			return nil, fmt.Errorf("%s: %w", f, fs.ErrNotExist)
		}
		return b, nil
	})
}

// embeddedFiles reads the files of an embedded contract.
func embeddedFiles(name string) func(string) ([]byte, error) {
	return func(f string) ([]byte, error) { return embedded.ReadFile(path.Join(name, f)) }
}

// family is a contract name without its version: "kratos" for
// kratos-v1.3.1.
func family(name string) (fam, version string) {
	i := strings.LastIndex(name, "-v")
	if i <= 0 {
		return "", ""
	}
	return name[:i], name[i+1:]
}

// families lists the aliases of the sorted names.
func families(known []string) []string {
	var out []string
	for _, name := range known {
		if f, _ := family(name); f != "" && (len(out) == 0 || out[len(out)-1] != f) {
			out = append(out, f)
		}
	}
	return out
}

// resolveAlias maps a family alias to its newest contract; any other name
// is returned unchanged.
func resolveAlias(known []string, name string) string {
	best, bestVersion := name, ""
	for _, c := range known {
		if f, v := family(c); f == name && (bestVersion == "" || semver.Compare(v, bestVersion) > 0) {
			best, bestVersion = c, v
		}
	}
	return best
}

// Choose is the contract a run against targetURL is judged by: the one
// asked for (--contract: a name or a file, for Open) when there is one;
// else Network for an Ory Network project (a host that is oryapis.com or
// ends in ".oryapis.com"), and Kratos for everything else, self-hosted or
// local (an empty URL stands for the local profiles, which run Kratos
// v1.3.1).
func Choose(asked, targetURL string) string {
	if asked != "" {
		return asked
	}
	u, err := url.Parse(targetURL)
	if err != nil {
		return Kratos
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "oryapis.com" || strings.HasSuffix(host, ".oryapis.com") {
		return Network
	}
	return Kratos
}
