package ci

import (
	"fmt"
	"testing"
)

// recorder is a testing.TB that records how SkipLocally ended it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()           {}
func (r *recorder) Fatal(args ...any) { r.fatal = fmt.Sprint(args...) }
func (r *recorder) Skip(args ...any)  { r.skip = fmt.Sprint(args...) }

func TestSkipLocally(t *testing.T) {
	for _, tc := range []struct {
		env         string
		fails, skip bool
	}{
		{"true", true, false},
		{"", false, true},
		{"false", false, true},
	} {
		t.Setenv("CI", tc.env)
		r := &recorder{TB: t}
		SkipLocally(r, "too busy: %d attempts", 3)
		if (r.fatal != "") != tc.fails || (r.skip != "") != tc.skip {
			t.Errorf("CI=%q: fatal %q, skip %q; want fails %t, skipped %t", tc.env, r.fatal, r.skip, tc.fails, tc.skip)
		}
		if got := r.fatal + r.skip; got[:len("too busy: 3 attempts")] != "too busy: 3 attempts" {
			t.Errorf("CI=%q: reason %q", tc.env, got)
		}
	}
}
