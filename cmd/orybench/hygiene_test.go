//go:build unix

package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCleanupAfterCrash kills orybench (SIGKILL: no clean-up of its own)
// in the middle of a load run, once its session pool is made, and in the
// middle of a conformance run, once its specs have made identities. Both
// leave identities behind; orybench cleanup keeps them while they are
// younger than --older-than, then removes every one of them and nothing
// else: the target is back to the identities it had, including two that
// orybench did not make (one with an address that only looks like its own).
func TestCleanupAfterCrash(t *testing.T) {
	inst := startKratos(t)
	admin := adminOf(t, inst)
	seeded := seedIdentities(t, admin)
	baseline := identityIDs(t, admin)
	target := []string{"--target", inst.PublicURL, "--admin-url", inst.AdminURL}
	work := t.TempDir()

	crash := func(p *proc) {
		t.Helper()
		p.signal(t, syscall.SIGKILL)
	}
	// A load run, killed once the clock runs: the pool is made.
	loadDir := work + "/load"
	p := startOrybench(t, procOpts{}, append([]string{"load", "--scenario", writeScenario(t, work), "--warmup", "0s",
		"--duration", "1m", "--out", loadDir, "--progress=false"}, target...)...)
	waitMeasuring(t, loadDir, 1, 2*time.Minute)
	crash(p)
	afterLoad := identityIDs(t, admin)
	leftByLoad, _ := diffIDs(baseline, afterLoad)

	// A conformance run, killed in the middle of its specs.
	p = startOrybench(t, procOpts{}, append([]string{"conform", "-v", "--max-rps", "0", "--out", work + "/conformance"}, target...)...)
	waitSpecs(t, p, 40)
	crash(p)
	left, _ := diffIDs(baseline, identityIDs(t, admin))
	t.Logf("left behind: %d by the load run, %d in all", len(leftByLoad), len(left))
	if len(leftByLoad) == 0 || len(left) <= len(leftByLoad) {
		t.Fatalf("left %d identities (%d by load): want some by each killed run, or there is nothing to clean up",
			len(left), len(leftByLoad))
	}

	cleanup := func(olderThan string) string {
		t.Helper()
		code, p := runOrybench(t, procOpts{}, 2*time.Minute, append([]string{"cleanup", "--older-than", olderThan}, target...)...)
		if code != exitOK {
			t.Fatalf("cleanup --older-than %s: exit %d; stderr:\n%s", olderThan, code, p.stderr.String())
		}
		return strings.TrimSpace(p.stdout.String())
	}
	// Made within the hour: kept.
	out := cleanup("1h")
	if want := fmt.Sprintf("deleted 0 orybench test identities older than 1h0m0s, kept %d younger ones", len(left)); !strings.Contains(out, want) {
		t.Errorf("cleanup --older-than 1h: %q, want %q", out, want)
	}
	if now := identityIDs(t, admin); len(now) != len(baseline)+len(left) {
		t.Errorf("cleanup --older-than 1h: %d identities, want %d", len(now), len(baseline)+len(left))
	}
	// Any age: all removed, and only they.
	out = cleanup("0s")
	if want := fmt.Sprintf("deleted %d orybench test identities older than 0s, kept 0", len(left)); !strings.Contains(out, want) {
		t.Errorf("cleanup --older-than 0s: %q, want %q", out, want)
	}
	after := identityIDs(t, admin)
	if added, removed := diffIDs(baseline, after); len(added)+len(removed) > 0 {
		t.Errorf("after cleanup: %d identities still left, %d of those before removed", len(added), len(removed))
	}
	for _, id := range seeded {
		if !after[id] {
			t.Errorf("cleanup removed identity %s, which orybench did not make", id)
		}
	}
}
