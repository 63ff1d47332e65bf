package schemagen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
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

// GenerateSource regenerates a pinned contract: it finds src's document
// (Locate) and generates it into src.OutDir(root). It returns the
// document's path and the names written.
func GenerateSource(ctx context.Context, root string, src Source) (spec string, names []string, err error) {
	if spec, err = Locate(ctx, root, src); err != nil {
		return "", nil, err
	}
	names, err = GenerateFile(spec, src, src.OutDir(root))
	return spec, names, err
}
