package schemas

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// recorded reads a body recorded from Kratos v1.3.1 by testdata/record.sh.
func recorded(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mutated decodes a recorded JSON body, applies change and re-encodes it.
func mutated(t testing.TB, name string, change func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(recorded(t, name), &m); err != nil {
		t.Fatal(err)
	}
	change(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// obj walks into nested objects and arrays: obj(m, "ui", "nodes", 0).
func obj(m any, path ...any) map[string]any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m = m.(map[string]any)[k]
		case int:
			m = m.([]any)[k]
		}
	}
	return m.(map[string]any)
}

func defaultSet(t testing.TB) *Set {
	t.Helper()
	s, err := Open(DefaultContract)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
