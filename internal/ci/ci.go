// Package ci tells tests whether they run on CI, where a check a busy
// machine cannot pass must fail rather than be skipped.
package ci

import (
	"fmt"
	"os"
	"testing"
)

// On reports whether the tests run on CI: CI=true, as GitHub Actions and
// most CI services set it.
func On() bool { return os.Getenv("CI") == "true" }

// SkipLocally skips t with the reason on a developer's machine, and fails
// it with the same reason on CI (On), where a skipped check would let a
// regression through unseen.
func SkipLocally(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if On() {
		t.Fatal(msg + " (CI=true: a skip here would hide a regression, so it fails)")
		return
	}
	t.Skip(msg)
}
