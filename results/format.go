package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// FormatVersion is the format of the result documents this package writes,
// and the newest it reads. It is one number for all of them, since one
// orybench writes a directory's documents together: it is raised when a
// document changes in a way an older reader would misread (a field that
// changes meaning or type), not when a field is added.
//
// Version 1 is the format of the documents written before they carried a
// version: a document without format_version reads as version 1.
const FormatVersion = 1

// ErrNewerFormat is returned, wrapped, by the readers when a document's
// format_version is newer than FormatVersion.
var ErrNewerFormat = errors.New("written by a newer orybench")

// Format is the version field every result document carries first,
// "format_version": conformance.json, summary.json, capacity.json,
// compare.json and run.json. The documents' Write methods set it to
// FormatVersion; a document read from a file written before documents were
// versioned has 0.
type Format struct {
	FormatVersion int `json:"format_version,omitempty"`
}

func (f *Format) format() *Format { return f }

// document is a result document: a type that embeds Format.
type document interface{ format() *Format }

// readAs reads the JSON document at path as a T (readDocument).
func readAs[T any, P interface {
	*T
	document
}](path string) (*T, error) {
	var doc T
	if err := readDocument(path, P(&doc)); err != nil {
		return nil, err
	}
	return &doc, nil
}

// readDocument reads the JSON document at path into doc, after checking
// its version: a document of a newer format is refused before its fields
// are read, since they may mean something else.
func readDocument(path string, doc document) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var f Format
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	switch v := f.FormatVersion; {
	case v > FormatVersion:
		return fmt.Errorf("%s: %w: format_version %d, but this orybench reads up to %d", path, ErrNewerFormat, v, FormatVersion)
	case v < 0:
		return fmt.Errorf("%s: format_version %d is not a version", path, v)
	}
	if err := json.Unmarshal(data, doc); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// writeDocumentIn writes doc as the file name in dir (writeDocument) and
// returns its path.
func writeDocumentIn(dir, name string, doc document) (string, error) {
	path := filepath.Join(dir, name)
	if err := writeDocument(path, doc); err != nil {
		return "", err
	}
	return path, nil
}

// writeDocument writes doc as indented JSON at path, at FormatVersion.
func writeDocument(path string, doc document) error {
	doc.format().FormatVersion = FormatVersion
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	return WriteFile(path, func(w io.Writer) error {
		if _, err := w.Write(append(data, '\n')); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	})
}

// WriteFile writes the file at path through a temporary file beside it,
// renamed into place once write has returned, so that a reader
// never sees half of it and an interrupted write leaves the old file (or
// none). The file is readable by all (0644). write's error is returned as
// it is; the others name path.
func WriteFile(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // gone already once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	err = errors.Join(tmp.Chmod(0o644), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
