//go:build unix

package main

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/orybench/orybench/results"
)

// TestFuzzRemoteIdentities fuzzes registration on a Kratos someone else
// started (--target, as any self-hosted one), where the cases that
// register succeed as every kind of caller. Without an admin API the
// identities they made stay, and `orybench cleanup` recognises every one
// of them (and nothing else); with one, the run removes them itself and
// the target is left with the identities it had.
func TestFuzzRemoteIdentities(t *testing.T) {
	inst := startKratos(t)
	admin := adminOf(t, inst)
	seeded := seedIdentities(t, admin)
	baseline := identityIDs(t, admin)
	work := t.TempDir()
	fuzzRun := func(dir string, extra ...string) {
		t.Helper()
		args := append([]string{"fuzz", "--target", inst.PublicURL, "--seed", "3", "--operation", "updateRegistrationFlow",
			"--duration", "0", "--max-requests", "200", "--out", filepath.Join(work, dir)}, extra...)
		code, p := runOrybench(t, procOpts{}, 3*time.Minute, args...)
		if code != exitOK && code != exitFailed {
			t.Fatalf("fuzz %v: exit %d: %s", extra, code, lastLine(p.stderr.String()))
		}
		doc, err := results.ReadFuzz(filepath.Join(work, dir, results.FuzzFile))
		if err != nil {
			t.Fatal(err)
		}
		if doc.Stopped != results.FuzzStoppedMaxRequests {
			t.Fatalf("fuzz %v stopped: %s", extra, doc.Stopped)
		}
	}

	fuzzRun("public")
	left, _ := diffIDs(baseline, identityIDs(t, admin))
	t.Logf("without an admin API, 200 requests left %d identities", len(left))
	if len(left) == 0 {
		t.Fatal("no case registered anyone: nothing shows the clean-up works")
	}
	code, p := runOrybench(t, procOpts{}, 2*time.Minute, "cleanup", "--older-than", "0s", "--target", inst.PublicURL, "--admin-url", inst.AdminURL)
	if code != exitOK {
		t.Fatalf("cleanup: exit %d: %s", code, p.stderr.String())
	}
	expectIdentities(t, admin, baseline, "after cleanup")

	fuzzRun("admin", "--admin-url", inst.AdminURL)
	expectIdentities(t, admin, baseline, "after a run with the admin API")
	after := identityIDs(t, admin)
	for _, id := range seeded {
		if !after[id] {
			t.Errorf("identity %s, which orybench did not make, was removed", id)
		}
	}
}
