package schemagen

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Write stores files (as returned by Generate) in dir, creating it if
// needed, and returns the names it wrote, sorted. Files of an earlier run
// that the new set no longer contains (components listed by the old
// index.json) are removed, so that dir mirrors the document; nothing else
// in dir is touched. A file whose content is unchanged is not rewritten.
func Write(dir string, files map[string][]byte) ([]string, error) {
	if _, ok := files[IndexFile]; !ok {
		return nil, fmt.Errorf("write %s: no %s among the files", dir, IndexFile)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	stale, err := previousFiles(dir)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		if name != filepath.Base(name) || name == "." || name == ".." {
			return nil, fmt.Errorf("write %s: file name %q is not a plain name", dir, name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		delete(stale, name)
		p := filepath.Join(dir, name)
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, files[name]) {
			continue
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return nil, fmt.Errorf("write: %w", err)
		}
	}
	for name := range stale {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("write: remove stale file: %w", err)
		}
	}
	return names, nil
}

// previousFiles lists the component files named by an existing index.json
// in dir; none if there is no index yet.
func previousFiles(dir string) (map[string]bool, error) {
	b, err := os.ReadFile(filepath.Join(dir, IndexFile))
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	var idx Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, fmt.Errorf("write: existing %s: %w", filepath.Join(dir, IndexFile), err)
	}
	out := make(map[string]bool, len(idx.Schemas))
	for _, name := range idx.Schemas {
		f := FileName(name)
		if f == filepath.Base(f) {
			out[f] = true
		}
	}
	return out, nil
}

// GenerateFile generates the contract src from the OpenAPI document at
// specPath (Generate) and writes it into dir (Write); it returns the names
// written.
func GenerateFile(specPath string, src Source, dir string) ([]string, error) {
	b, err := os.ReadFile(specPath)
	if err != nil {
		return nil, fmt.Errorf("read OpenAPI document: %w", err)
	}
	files, err := Generate(b, src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", specPath, err)
	}
	return Write(dir, files)
}

// Job says what Regenerate generates: every pinned contract, the one named
// Contract, or, with OpenAPI, the sets of a given document.
type Job struct {
	// Root is the repository's root: where schemas/ and the modules that
	// pin the documents are.
	Root string
	// Contract names one pinned contract; empty for all of them.
	Contract string
	// OpenAPI, when set, is the document to generate from instead of the
	// pinned one: as Contract into its folder (or Out), or, with no
	// Contract, as "file:<base name>" into Out.
	OpenAPI, Out string
}

// Generated is one set Regenerate wrote: the contract's name, its folder,
// the document it came from and the names of the files written.
type Generated struct {
	Contract, Dir, From string
	Files               []string
}

// Regenerate generates the sets job asks for: each pinned contract from its
// document (Locate) into its folder under job.Root, or the given document.
// Its errors name what is wrong with job in one line.
func Regenerate(ctx context.Context, job Job) ([]Generated, error) {
	var src Source
	if job.Contract != "" {
		var ok bool
		if src, ok = SourceNamed(job.Contract); !ok {
			var names []string
			for _, s := range Sources() {
				names = append(names, s.Name)
			}
			return nil, fmt.Errorf("unknown contract %q (known: %s)", job.Contract, strings.Join(names, ", "))
		}
	}
	switch {
	case job.OpenAPI == "" && job.Out != "":
		return nil, errors.New("--out needs --openapi (a pinned contract goes to schemas/<contract>)")
	case job.OpenAPI != "" && src.Name == "" && job.Out == "":
		return nil, errors.New("--openapi without a contract name needs --out")
	case job.OpenAPI != "":
		if src.Name == "" {
			src.Name = "file:" + filepath.Base(job.OpenAPI)
		}
		g := Generated{Contract: src.Name, Dir: cmp.Or(job.Out, src.OutDir(job.Root)), From: job.OpenAPI}
		var err error
		if g.Files, err = GenerateFile(job.OpenAPI, src, g.Dir); err != nil {
			return nil, err
		}
		return []Generated{g}, nil
	}
	srcs := Sources()
	if src.Name != "" {
		srcs = []Source{src}
	}
	var out []Generated
	for _, s := range srcs {
		g := Generated{Contract: s.Name, Dir: s.OutDir(job.Root)}
		var err error
		if g.From, err = Locate(ctx, job.Root, s); err != nil {
			return out, err
		}
		if g.Files, err = GenerateFile(g.From, s, g.Dir); err != nil {
			return out, err
		}
		out = append(out, g)
	}
	return out, nil
}
