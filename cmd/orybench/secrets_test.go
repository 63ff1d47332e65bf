//go:build unix

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"github.com/orybench/orybench/results"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// smallScenario is a short load scenario whose steps carry every kind of
// secret: session tokens (whoami), a browser flow's CSRF cookie, and
// passwords (login submits), over a small pool made before the clock.
const smallScenario = `name: small-mix
description: whoami, browser flows and password logins over a small pool
rate: 30
duration: 3s
timeout: 5s
sessions: 6
steps:
  - name: whoami
    operation: toSession
    weight: 6
  - name: login-flow-browser
    operation: createBrowserLoginFlow
    weight: 2
  - name: login-submit
    operation: updateLoginFlow
    weight: 2
`

// writeScenario writes smallScenario into dir and returns its path.
func writeScenario(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "small-mix.yaml")
	if err := os.WriteFile(path, []byte(smallScenario), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunsKeepSecretsAndLeaveNoIdentities runs a full conformance run and
// a load run, as a user would with an Ory Network API key, against a local
// Kratos behind a recording proxy whose URL carries a user and password
// (http://bob:PASSWORD@proxy), and compares the conformance run with
// itself. Then nothing a run wrote (its output directories, its working
// directory, its temporary directory) and nothing it printed holds a
// session token, cookie value, password, CSRF token or TOTP secret that
// crossed the wire, the key, or the URL's password; the password went as
// HTTP Basic credentials on every request to the public API that had no
// Authorization of its own, and never to the admin API's host; and the
// target holds the same identities as before each run.
func TestRunsKeepSecretsAndLeaveNoIdentities(t *testing.T) {
	inst := startKratos(t)
	proxy := newKratosProxy(t, inst)
	admin := adminOf(t, inst)
	seeded := seedIdentities(t, admin)
	baseline := identityIDs(t, admin)

	key := "ory_pat_orybenchFAKEkey" + randomHex(t, 12) // local Kratos ignores it
	work := t.TempDir()
	tmp := filepath.Join(work, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	scenario := writeScenario(t, work)
	o := procOpts{env: []string{"ORY_API_KEY=" + key, "TMPDIR=" + tmp}, dir: work}
	urlPassword := "orybenchURLpw" + randomHex(t, 12)
	publicURL := strings.Replace(proxy.Public.URL, "://", "://bob:"+urlPassword+"@", 1)
	target := []string{"--target", publicURL, "--admin-url", proxy.Admin.URL}
	printed := map[string]string{}

	// The key also on the command line, as a user may pass it.
	code, p := runOrybench(t, o, 5*time.Minute, append([]string{"conform", "--api-key=" + key, "--max-rps", "0",
		"-v", "--out", "conformance"}, target...)...)
	printed["conform stdout"], printed["conform stderr"] = p.stdout.String(), p.stderr.String()
	if code != exitOK && code != exitFailed {
		t.Fatalf("conform: exit %d; stderr:\n%s", code, p.stderr.String())
	}
	if code == exitFailed { // not what this test judges, but worth a look
		for _, k := range readConformance(t, filepath.Join(work, "conformance")).Cases {
			if k.Outcome == results.Failed {
				t.Logf("conform failed %s: %s", k.Name, k.Reason)
			}
		}
	}
	afterConform := identityIDs(t, admin)
	conformance := readConformance(t, filepath.Join(work, "conformance"))

	code, p = runOrybench(t, o, time.Minute, "compare", "conformance", "conformance", "--out", "compare")
	printed["compare stdout"], printed["compare stderr"] = p.stdout.String(), p.stderr.String()
	if code != exitOK && code != exitFailed {
		t.Errorf("compare: exit %d; stderr:\n%s", code, p.stderr.String())
	}

	code, p = runOrybench(t, o, 3*time.Minute, append([]string{"load", "--scenario", scenario, "--warmup", "0s", "--progress=false",
		"--out", "load"}, target...)...)
	printed["load stdout"], printed["load stderr"] = p.stdout.String(), p.stderr.String()
	if code != exitOK && code != exitFailed {
		t.Fatalf("load: exit %d; stderr:\n%s", code, p.stderr.String())
	}
	afterLoad := identityIDs(t, admin)

	t.Run("the URL's credentials go to its host only, and nowhere else", func(t *testing.T) {
		if basic, bare := proxy.Authorizations("public"); basic == 0 || bare > 0 {
			t.Errorf("public API: %d requests with the URL's Basic credentials, %d with no Authorization at all; want some and none", basic, bare)
		}
		if basic, _ := proxy.Authorizations("admin"); basic > 0 {
			t.Errorf("admin API, another host: %d requests with the public URL's Basic credentials, want none", basic)
		}
		want := "target: " + proxy.Public.URL + " (from --target; HTTP Basic authentication as bob:[REDACTED]@" +
			strings.TrimPrefix(proxy.Public.URL, "http://") + "); hasher: the target's own; unpaced (--max-rps 0)\n"
		if !strings.Contains(printed["conform stderr"], want) {
			t.Errorf("conform's stderr does not say %q:\n%s", want, printed["conform stderr"])
		}
		if got := conformance.Target; got.URL != proxy.Public.URL || got.Source != "--target" {
			t.Errorf("conformance.json's target: url %q from %q, want %q from --target", got.URL, got.Source, proxy.Public.URL)
		}
		// Sent with the URL's user information, the redirect a toSession
		// 403 names (the proxy's own URL) did not match.
		for _, k := range conformance.Cases {
			if k.Operation == "toSession" && k.Status == 403 && k.Outcome == results.Failed {
				t.Errorf("%s failed: %s", k.Name, k.Reason)
			}
		}
	})

	t.Run("no secret in what the runs wrote or printed", func(t *testing.T) {
		secrets := proxy.Secrets()
		kinds := map[string]int{}
		for _, kind := range secrets {
			kinds[kind]++
		}
		t.Logf("%d secrets crossed the proxy in %d requests: %v", len(secrets), proxy.requests.Load(), kinds)
		for _, kind := range []string{secretSession, secretCookie, secretPassword, secretCSRF, secretTOTP, secretBasic} {
			if kinds[kind] == 0 {
				t.Errorf("no %s crossed the proxy: the runs did not exercise it, or the proxy does not see it", kind)
			}
		}
		if secrets[key] != secretAPIKey {
			t.Errorf("the API key never reached the admin API: the runs did not use it")
		}
		secrets[key] = secretAPIKey
		secrets[urlPassword] = secretBasic // in case it never crossed

		files := 0
		err := filepath.WalkDir(work, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			files++
			rel, _ := filepath.Rel(work, path)
			for _, leak := range findSecrets(data, secrets) {
				t.Errorf("%s in %s at offset %d", leak.kind, rel, leak.offset)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"conformance/conformance.json", "conformance/junit.xml", "conformance/report.html",
			"load/summary.json", "load/results.bin", "load/report.html", "load/run.json", "compare/compare.json"} {
			if _, err := os.Stat(filepath.Join(work, name)); err != nil {
				t.Errorf("%s was not written, so not checked: %v", name, err)
			}
		}
		for name, out := range printed {
			for _, leak := range findSecrets([]byte(out), secrets) {
				t.Errorf("%s in %s at offset %d", leak.kind, name, leak.offset)
			}
		}
		t.Logf("checked %d files and %d outputs", files, len(printed))
	})

	t.Run("the runs leave the identities they found", func(t *testing.T) {
		for _, id := range seeded {
			if !afterLoad[id] {
				t.Errorf("identity %s, not made by orybench, is gone", id)
			}
		}
		for what, after := range map[string]map[string]bool{"conform": afterConform, "load": afterLoad} {
			if added, removed := diffIDs(baseline, after); len(added)+len(removed) > 0 {
				t.Errorf("after %s: %d identities, %d before (%d left behind, %d removed)",
					what, len(after), len(baseline), len(added), len(removed))
			}
		}
	})
}

type leak struct {
	kind   string
	offset int
}

// findSecrets finds every secret in data, as is and query-escaped, and
// reports its kind and where, never the secret.
func findSecrets(data []byte, secrets map[string]string) []leak {
	var out []leak
	for value, kind := range secrets {
		forms := []string{value}
		if esc := url.QueryEscape(value); esc != value {
			forms = append(forms, esc)
		}
		for _, f := range forms {
			if i := bytes.Index(data, []byte(f)); i >= 0 {
				out = append(out, leak{kind, i})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].offset < out[j].offset })
	return out
}

// diffIDs returns the ids in after and not in before, and the reverse.
func diffIDs(before, after map[string]bool) (added, removed []string) {
	for id := range after {
		if !before[id] {
			added = append(added, id)
		}
	}
	for id := range before {
		if !after[id] {
			removed = append(removed, id)
		}
	}
	return added, removed
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
