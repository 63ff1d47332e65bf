//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/results"
)

// TestDeploymentsUnlikeOurs points conform and a whoami load run at
// deployments configured as users' are, through --target as any
// self-hosted Kratos: username (a username of at most 16 characters
// matching ^[a-z][a-z0-9_]+$, a required nested name and enum plan,
// recovery and verification by link, no TOTP) and closed (registration
// closed: identities from the admin API). Neither needs --traits, neither
// fails anything, and each leaves the target's identities as it found
// them: one of somebody else's. On username, the pairs a mailed link
// reaches pass.
// whoamiAnswers is the whoami scenario with its thresholds on answers
// alone: every one a 200 from a real session.
const whoamiAnswers = `name: whoami-answers
rate: 20
duration: 2s
sessions: 10
steps:
  - name: whoami
    operation: toSession
    expect: [200]
thresholds: [error_rate<0.1%]
`

func TestDeploymentsUnlikeOurs(t *testing.T) {
	bin := kratosBinary(t)
	for _, tc := range []struct {
		profile string
		user    map[string]any // an identity orybench did not make
		passed  []string       // pairs that must pass
	}{
		{"username", map[string]any{"username": "alice_smith", "email": "alice@example.com", "name": map[string]any{"first": "Alice", "last": "Smith"}, "plan": "pro"},
			[]string{"updateRecoveryFlow 200", "updateRecoveryFlow 303", "updateVerificationFlow 200", "updateVerificationFlow 303"}},
		{"closed", map[string]any{"email": "alice@example.com"}, nil},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			inst, err := localkratos.Start(t.Context(), localkratos.Options{Bin: bin, Profile: tc.profile})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { inst.Stop() })
			admin := adminOf(t, inst)
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			if _, err := admin.CreateIdentity(ctx, "default", tc.user, "", nil); err != nil {
				t.Fatalf("seed: %v", err)
			}
			baseline := identityIDs(t, admin)
			work := t.TempDir()
			target := []string{"--target", inst.PublicURL, "--admin-url", inst.AdminURL}

			code, p := runOrybench(t, procOpts{dir: work}, 3*time.Minute, append([]string{"conform", "--out", "conformance"}, target...)...)
			if code != exitOK {
				t.Fatalf("conform: exit %d: %s", code, lastLine(p.stderr.String()))
			}
			c := readConformance(t, filepath.Join(work, "conformance"))
			if c.Coverage.FailedPairs+c.Coverage.SetupFailedPairs > 0 {
				t.Errorf("conform: %d pairs failed, %d set-up failed", c.Coverage.FailedPairs, c.Coverage.SetupFailedPairs)
			}
			outcomes := map[string]string{}
			for _, pr := range c.Pairs {
				outcomes[fmt.Sprintf("%s %d", pr.Operation, pr.Status)] = pr.Outcome
			}
			for _, want := range tc.passed {
				if outcomes[want] != results.Passed {
					t.Errorf("%s: %s, want passed", want, outcomes[want])
				}
			}
			expectIdentities(t, admin, baseline, "after conform")

			// whoami over sessions this deployment's schema made, judged on
			// the answers only: a latency threshold is the machine's to move.
			scenario := filepath.Join(work, "whoami-answers.yaml")
			if err := os.WriteFile(scenario, []byte(whoamiAnswers), 0o644); err != nil {
				t.Fatal(err)
			}
			code, p = runOrybench(t, procOpts{dir: work}, 2*time.Minute, append([]string{"load", "--scenario", scenario,
				"--rate", "20", "--duration", "2s", "--progress=false", "--out", "load"}, target...)...)
			if code != exitOK {
				t.Fatalf("load whoami: exit %d: %s", code, lastLine(p.stderr.String()))
			}
			if strings.Contains(p.stderr.String(), "--traits") {
				t.Errorf("load asked for --traits:\n%s", p.stderr.String())
			}
			expectIdentities(t, admin, baseline, "after load")
		})
	}
}
