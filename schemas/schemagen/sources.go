package schemagen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Source is the pinned document of one contract: a file inside a Go module
// at a version that a go.mod and go.sum of this repository pin.
type Source struct {
	// Name names the contract and its folder, schemas/<Name>; it has the
	// form "<family>-<version>" (kratos-v1.3.1).
	Name string
	// Title is how people call the contract.
	Title string
	// Module and Version are the Go module that ships the document.
	Module, Version string
	// File is the document's slash-separated path inside the module.
	File string
	// ModDir is the slash-separated path, from the repository root, of the
	// Go module whose go.mod and go.sum pin Module at Version.
	ModDir string
}

// Sources lists the contracts generated into schemas/, sorted by name.
func Sources() []Source {
	return []Source{
		{
			Name:    "kratos-v1.3.1",
			Title:   "Ory Kratos v1.3.1",
			Module:  "github.com/ory/kratos",
			Version: "v1.3.1",
			File:    "spec/api.json",
			ModDir:  "kratos",
		},
		{
			Name:    "network-v1.22.92",
			Title:   "Ory Network, SDK v1.22.92",
			Module:  "github.com/ory/client-go",
			Version: "v1.22.92",
			File:    "api/openapi.yaml",
			ModDir:  "schemas/sources/network",
		},
	}
}

// SourceNamed returns the source of the named contract.
func SourceNamed(name string) (Source, bool) {
	for _, s := range Sources() {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// OutDir is where the contract's files go under the repository root.
func (s Source) OutDir(root string) string {
	return filepath.Join(root, "schemas", s.Name)
}

// Locate returns the path of the source document in the Go module cache. It
// runs `go mod download -json <Module>` in ModDir (under the repository
// root), which downloads the version ModDir's go.mod requires if needed and
// verifies it against go.sum, and checks that this version is s.Version.
func Locate(ctx context.Context, root string, s Source) (string, error) {
	dir := filepath.Join(root, filepath.FromSlash(s.ModDir))
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", s.Module)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var m struct{ Version, Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil || m.Error != "" || runErr != nil {
		msg := strings.TrimSpace(m.Error + " " + stderr.String())
		if msg == "" && runErr != nil {
			msg = runErr.Error()
		}
		return "", fmt.Errorf("locate %s: go mod download %s in %s: %s", s.Name, s.Module, dir, strings.Join(strings.Fields(msg), " "))
	}
	if m.Version != s.Version {
		return "", fmt.Errorf("locate %s: %s/go.mod requires %s %s, the source table says %s", s.Name, dir, s.Module, m.Version, s.Version)
	}
	return filepath.Join(m.Dir, filepath.FromSlash(s.File)), nil
}
