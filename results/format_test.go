package results

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// documentFile is a result document as its reader and writer take it.
type documentFile struct {
	// old is a file written before documents carried a version.
	old   string
	read  func(path string) (document, error)
	write func(doc document, dir string) (string, error)
}

var documentFiles = []documentFile{
	{
		old:   "testdata/unversioned/conformance/conformance.json",
		read:  func(p string) (document, error) { return ReadConformance(p) },
		write: func(d document, dir string) (string, error) { return d.(*Conformance).Write(dir) },
	},
	{
		old:   "testdata/unversioned/load-whoami/summary.json",
		read:  func(p string) (document, error) { return ReadLoadSummary(p) },
		write: func(d document, dir string) (string, error) { return d.(*LoadSummary).Write(dir) },
	},
	{
		old:   "testdata/unversioned/load-whoami/run.json",
		read:  func(p string) (document, error) { return ReadRunInfo(p) },
		write: func(d document, dir string) (string, error) { return d.(*RunInfo).Write(dir) },
	},
	{
		old:   "testdata/unversioned/capacity-whoami/capacity.json",
		read:  func(p string) (document, error) { return ReadCapacity(p) },
		write: func(d document, dir string) (string, error) { return d.(*CapacityResult).Write(dir) },
	},
	{
		old:   "testdata/unversioned/compare/compare.json",
		read:  func(p string) (document, error) { return ReadComparison(p) },
		write: func(d document, dir string) (string, error) { return d.(*Comparison).Write(dir) },
	},
}

// TestReadUnversioned: every document reads from a file written before
// documents carried a version, as version 0, and is written back at
// FormatVersion, first of its fields, with the same fields otherwise.
func TestReadUnversioned(t *testing.T) {
	for _, f := range documentFiles {
		t.Run(filepath.Base(f.old), func(t *testing.T) {
			doc, err := f.read(f.old)
			if err != nil {
				t.Fatal(err)
			}
			if v := doc.format().FormatVersion; v != 0 {
				t.Errorf("format version %d, want 0 (absent)", v)
			}
			path, err := f.write(doc, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if want := "{\n  \"format_version\": " + strconv.Itoa(FormatVersion) + ",\n"; !strings.HasPrefix(string(data), want) {
				t.Errorf("%s starts %.60q, want %q", path, data, want)
			}
			if filepath.Base(path) != filepath.Base(f.old) {
				t.Errorf("written as %s, read as %s", filepath.Base(path), filepath.Base(f.old))
			}
			if missing := missingKeys(t, f.old, path); len(missing) > 0 {
				t.Errorf("written back without %v", missing)
			}
			back, err := f.read(path)
			if err != nil || back.format().FormatVersion != FormatVersion {
				t.Errorf("read back: %v, version %d", err, back.format().FormatVersion)
			}
		})
	}
}

// TestReadNewerFormat: a document of a newer format is refused, naming the
// file and both versions, before its fields are read (they may have
// changed type).
func TestReadNewerFormat(t *testing.T) {
	for _, f := range documentFiles {
		t.Run(filepath.Base(f.old), func(t *testing.T) {
			var doc map[string]any
			readJSON(t, f.old, &doc)
			newer := FormatVersion + 1
			doc["format_version"] = newer
			for k := range doc {
				if k != "format_version" {
					doc[k] = []string{"a field of another type"}
				}
			}
			data, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), filepath.Base(f.old))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err = f.read(path)
			if !errors.Is(err, ErrNewerFormat) {
				t.Fatalf("err = %v, want ErrNewerFormat", err)
			}
			want := path + ": written by a newer orybench: format_version " + strconv.Itoa(newer) +
				", but this orybench reads up to " + strconv.Itoa(FormatVersion)
			if err.Error() != want {
				t.Errorf("err = %q, want %q", err, want)
			}
		})
	}
}

func TestReadBadFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), ConformanceFile)
	for content, want := range map[string]string{
		`{"format_version": -1}`:  "format_version -1 is not a version",
		`{"format_version": "1"}`: "cannot unmarshal string",
		`{`:                       "unexpected end of JSON input",
	} {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadConformance(path); err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), path+": ") {
			t.Errorf("%s: err = %v, want %q naming the file", content, err, want)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// missingKeys returns the top-level keys of the JSON object in from that
// the one in to lacks.
func missingKeys(t *testing.T, from, to string) []string {
	t.Helper()
	var a, b map[string]json.RawMessage
	readJSON(t, from, &a)
	readJSON(t, to, &b)
	var out []string
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}
