//go:build unix

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orybench/orybench/results"
)

// TestJourneysLive runs each built-in journey briefly (2s at 3 journeys/s)
// against the local default profile: every journey completes, and the
// identities the registrations made are removed with the admin API, so the
// target is left with the identities it had. Without an admin API they
// stay, and orybench cleanup recognises and removes them (and only them).
func TestJourneysLive(t *testing.T) {
	inst := startKratos(t)
	admin := adminOf(t, inst)
	seeded := seedIdentities(t, admin)
	baseline := identityIDs(t, admin)
	withAdmin := []string{"--target", inst.PublicURL, "--admin-url", inst.AdminURL}
	load := func(name string, target ...string) *results.LoadSummary {
		t.Helper()
		out := filepath.Join(t.TempDir(), filepath.Base(name))
		code, p := runOrybench(t, procOpts{}, 2*time.Minute, append([]string{"load", "--scenario", name, "--rate", "3",
			"--duration", "2s", "--warmup", "0s", "--out", out, "--progress=false"}, target...)...)
		if code != exitOK {
			t.Fatalf("load --scenario %s: exit %d; stdout:\n%s\nstderr:\n%s", name, code, p.stdout.String(), p.stderr.String())
		}
		sum, err := results.ReadLoadSummary(filepath.Join(out, results.LoadSummaryFile))
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	for _, name := range []string{"registration", "registration-browser", "login-browser", "recovery-code", "session-lifecycle"} {
		sum := load(name, withAdmin...)
		j := sum.Journey
		if j == nil {
			t.Fatalf("%s: no journey in the summary", name)
		}
		t.Logf("%s: %d journeys, p50 %.1fms p99 %.1fms, steps %v", name, j.Completed, j.Latency.P50, j.Latency.P99, stepNames(sum))
		if j.Started != 6 || j.Completed != 6 || len(j.StoppedBy) != 0 || sum.Errors.Total != 0 {
			t.Errorf("%s: started %d, completed %d, stopped by %+v, errors %+v; want 6 journeys completed", name, j.Started, j.Completed, j.StoppedBy, sum.Errors)
		}
		if registers := strings.HasPrefix(name, "registration"); registers && (j.IdentitiesRegistered != 6 || j.IdentitiesRemoved != 6) {
			t.Errorf("%s: %d identities registered, %d removed; want 6 and 6", name, j.IdentitiesRegistered, j.IdentitiesRemoved)
		}
		if sum.CleanupError != "" {
			t.Errorf("%s: clean-up error %s", name, sum.CleanupError)
		}
	}
	// A single page app signs in and out (its CSRF token taken from the flow
	// it was answered), and its cookie no longer holds a session.
	spa := filepath.Join(t.TempDir(), "logout-spa.yaml")
	if err := os.WriteFile(spa, []byte(spaLogout), 0o644); err != nil {
		t.Fatal(err)
	}
	if sum := load(spa, withAdmin...); sum.Journey.Completed != 6 || sum.Errors.Total != 0 {
		t.Errorf("spa logout: journey %+v, errors %+v; want 6 completed", sum.Journey, sum.Errors)
	}
	if added, removed := diffIDs(baseline, identityIDs(t, admin)); len(added)+len(removed) > 0 {
		t.Errorf("after the journeys: %d identities added, %d removed; want the target as it was", len(added), len(removed))
	}

	// No admin API: the registrations stay, for orybench cleanup.
	sum := load("registration", "--target", inst.PublicURL)
	left, _ := diffIDs(baseline, identityIDs(t, admin))
	// (Opening the target without an admin API registers one identity of
	// its own to find out what registration does: it stays too.)
	if sum.Journey.IdentitiesRemoved != 0 || sum.Journey.IdentitiesRegistered != 6 || len(left) < 6 {
		t.Errorf("without an admin API: %d registered, %d removed, %d left on the target; want 6, 0 and at least 6",
			sum.Journey.IdentitiesRegistered, sum.Journey.IdentitiesRemoved, len(left))
	}
	code, p := runOrybench(t, procOpts{}, 2*time.Minute, append([]string{"cleanup", "--older-than", "0s"}, withAdmin...)...)
	if want := fmt.Sprintf("deleted %d orybench test identities", len(left)); code != exitOK || !strings.Contains(p.stdout.String(), want) {
		t.Errorf("cleanup: exit %d, %q; want %q", code, p.stdout.String(), want)
	}
	after := identityIDs(t, admin)
	if added, removed := diffIDs(baseline, after); len(added)+len(removed) > 0 {
		t.Errorf("after cleanup: %d identities added, %d removed; want the target as it was", len(added), len(removed))
	}
	for _, id := range seeded {
		if !after[id] {
			t.Errorf("identity %s, which orybench did not make, was removed", id)
		}
	}
}

const spaLogout = `name: logout-spa
rate: 3
sessions: 5
journey:
  client: spa
  steps:
    - {name: create, operation: createBrowserLoginFlow}
    - name: submit
      operation: updateLoginFlow
      flow: "{{ create.id }}"
      body: {method: password, identifier: "{{ identity.identifier }}", password: "{{ identity.password }}"}
    - {name: logout, operation: createBrowserLogoutFlow}
    - {name: out, operation: updateLogoutFlow, query: {token: "{{ logout.logout_token }}"}}
    - {name: gone, operation: toSession, expect: [401]}
`

func stepNames(sum *results.LoadSummary) []string {
	var out []string
	for _, st := range sum.Steps {
		out = append(out, fmt.Sprintf("%s p50 %.1fms", st.Name, st.Latency.P50))
	}
	return out
}
