//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/results"
)

// TestConformTargetDies kills the Kratos under a conformance run: the cases
// left fail on the refused connections, the run ends on its own soon after
// (nothing waits on a target that is gone), writes conformance.json,
// junit.xml and the report, and exits 1.
func TestConformTargetDies(t *testing.T) {
	inst := startKratos(t)
	dir := t.TempDir()
	p := startOrybench(t, procOpts{}, "conform", "-v", "--target", inst.PublicURL, "--admin-url", inst.AdminURL,
		"--max-rps", "0", "--out", dir)
	waitSpecs(t, p, 30)
	killed := time.Now()
	if err := syscall.Kill(inst.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t, 3*time.Minute)
	took := time.Since(killed)
	t.Logf("exit %d %s after the kill: %s", code, took, lastLine(p.stderr.String()))
	if code != exitFailed {
		t.Errorf("exit %d, want %d; stderr:\n%s", code, exitFailed, p.stderr.String())
	}
	// Nothing waits on the dead target: the cases left fail at once. What
	// takes time is reporting 150-odd failures, slow in a -race binary on a
	// busy machine (about 1s in a plain one).
	if took > 2*time.Minute {
		t.Errorf("the run went on for %s after its target died", took)
	}
	if !strings.Contains(lastLine(p.stderr.String()), "documented pairs failed") {
		t.Errorf("last line %q does not say what failed", lastLine(p.stderr.String()))
	}
	c := readConformance(t, dir)
	n := outcomes(c)
	refused := 0
	for _, k := range c.Cases {
		if k.Outcome == results.Failed && strings.Contains(k.Reason, "connection refused") {
			refused++
		}
	}
	t.Logf("cases: %v, %d failed on a refused connection", n, refused)
	if n[results.Passed] == 0 || refused == 0 || c.Coverage.FailedPairs == 0 {
		t.Errorf("passed %d, failed on a refused connection %d, failed pairs %d: want the cases before the kill passed and those after failed",
			n[results.Passed], refused, c.Coverage.FailedPairs)
	}
	for _, name := range []string{"junit.xml", reports.HTMLFile} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", name, err)
		}
	}
}

// TestSIGINT interrupts the real binary at points of a run other tests do
// not: while a load run makes its session pool, while it removes it, while
// a conformance run reads its target, and in the middle of its specs.
// Each exits within 2s with what it had (the attack itself: TestLoadSIGINT)
// and leaves no identity behind.
func TestSIGINT(t *testing.T) {
	// One Kratos for all: each case leaves it as it found it, or fails.
	inst := startKratos(t)
	admin := adminOf(t, inst)

	// load, making its pool: the first identity starts the signal, and
	// every identity creation is slowed so that the set-up is still on.
	// The pool's identities are those made after discovery, which signs
	// one up to read its settings flow; each is made by registration or
	// through the admin API, as the target allows.
	t.Run("load set-up", func(t *testing.T) {
		retryTimed(t, func(t *testing.T, timed func(took, limit time.Duration, what string)) {
			proxy := newKratosProxy(t, inst)
			baseline := identityIDs(t, admin)
			var discovered atomic.Bool
			seen := signalOnce(proxy, func(r *http.Request) bool {
				if r.URL.Path == "/self-service/settings/api" {
					discovered.Store(true)
				}
				creates := r.Method == http.MethodPost && (r.URL.Path == "/admin/identities" || r.URL.Path == "/self-service/registration")
				return creates && discovered.Load()
			}, 300*time.Millisecond)
			dir := t.TempDir()
			p := startOrybench(t, procOpts{}, "load", "--scenario", writeScenario(t, t.TempDir()), "--warmup", "0s",
				"--target", proxy.Public.URL, "--admin-url", proxy.Admin.URL, "--out", dir, "--progress=false")
			took, code := interrupt(t, p, seen)
			timed(took, 2*time.Second, "exit after SIGINT during the set-up")
			if code != exitUsage || !strings.Contains(lastLine(p.stderr.String()), "interrupt") {
				t.Errorf("exit %d, last line %q; want %d, interrupted", code, lastLine(p.stderr.String()), exitUsage)
			}
			// Nothing was measured: no summary, and no identity left.
			if _, err := os.Stat(filepath.Join(dir, "summary.json")); err == nil {
				t.Errorf("summary.json written for a run that never started")
			}
			expectIdentities(t, admin, baseline, "after SIGINT during the set-up")
		})
	})

	// load, removing its pool after the attack: the run is over and
	// judged, so its files stand; the removal goes on, bounded.
	t.Run("load clean-up", func(t *testing.T) {
		retryTimed(t, func(t *testing.T, timed func(took, limit time.Duration, what string)) {
			proxy := newKratosProxy(t, inst)
			baseline := identityIDs(t, admin)
			dir := t.TempDir()
			p := startOrybench(t, procOpts{}, "load", "--scenario", writeScenario(t, t.TempDir()), "--warmup", "0s",
				"--target", proxy.Public.URL, "--admin-url", proxy.Admin.URL, "--out", dir, "--progress=false")
			// The set-up may remove a half-made user too: the signal waits
			// for the first removal after the attack has begun.
			waitMeasuring(t, dir, 1, time.Minute)
			seen := signalOnce(proxy, func(r *http.Request) bool { return r.Method == http.MethodDelete }, 0)
			took, code := interrupt(t, p, seen)
			timed(took, 2*time.Second, "exit after SIGINT during the clean-up")
			if code != exitOK && code != exitFailed {
				t.Errorf("exit %d, want the verdict of the finished run (0 or 1); stderr:\n%s", code, p.stderr.String())
			}
			s := readSummary(t, dir)
			if s.Stopped != "" || s.Requests < 80 {
				t.Errorf("stopped %q after %d requests; want the whole run (90)", s.Stopped, s.Requests)
			}
			expectIdentities(t, admin, baseline, "after SIGINT during the clean-up")
		})
	})

	// conform, reading its target before any spec: the set-up gives up.
	t.Run("conform set-up", func(t *testing.T) {
		retryTimed(t, func(t *testing.T, timed func(took, limit time.Duration, what string)) {
			proxy := newKratosProxy(t, inst)
			baseline := identityIDs(t, admin)
			// The suite's discovery lists the schemas 100 a page; the
			// target check before it asks for one (see TestCheckInterrupted).
			seen := signalOnce(proxy, func(r *http.Request) bool {
				return strings.HasPrefix(r.URL.Path, "/schemas") && r.URL.Query().Get("page_size") != "1"
			}, 0)
			dir := t.TempDir()
			p := startOrybench(t, procOpts{}, "conform", "--target", proxy.Public.URL, "--admin-url", proxy.Admin.URL,
				"--max-rps", "0", "--out", dir)
			took, code := interrupt(t, p, seen)
			timed(took, 2*time.Second, "exit after SIGINT during the conformance set-up")
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitUsage, p.stderr.String())
			}
			c := readConformance(t, dir)
			if n := outcomes(c); n[results.Failed] != 0 || n[results.Passed] != 0 {
				t.Errorf("cases %v: want none judged", n)
			}
			expectIdentities(t, admin, baseline, "after SIGINT during the conformance set-up")
		})
	})

	// conform, in the middle of its specs: what ran is saved, the spec
	// interrupted is not counted a failure, the run is not judged.
	t.Run("conform specs", func(t *testing.T) {
		retryTimed(t, func(t *testing.T, timed func(took, limit time.Duration, what string)) {
			baseline := identityIDs(t, admin)
			dir := t.TempDir()
			p := startOrybench(t, procOpts{}, "conform", "-v", "--target", inst.PublicURL, "--admin-url", inst.AdminURL,
				"--max-rps", "0", "--out", dir)
			waitSpecs(t, p, 30)
			took, code := p.signal(t, os.Interrupt)
			timed(took, 2*time.Second, "exit after SIGINT during the specs")
			if code != exitUsage || !strings.Contains(lastLine(p.stderr.String()), "interrupted") {
				t.Errorf("exit %d, last line %q; want %d, interrupted", code, lastLine(p.stderr.String()), exitUsage)
			}
			c := readConformance(t, dir)
			n := outcomes(c)
			interrupted, notRun := 0, 0
			for _, k := range c.Cases {
				switch {
				case strings.HasPrefix(k.Reason, "interrupted"):
					interrupted++
					if k.Outcome != results.Skipped {
						t.Errorf("%s: %s, but it was interrupted, not judged", k.Name, k.Outcome)
					}
				case strings.HasPrefix(k.Reason, results.NotReached), strings.HasPrefix(k.Reason, "not run"):
					notRun++
				}
			}
			t.Logf("cases %v, %d interrupted, %d not run", n, interrupted, notRun)
			if n[results.Passed] < 20 || notRun == 0 {
				t.Errorf("cases %v, %d not run: want the specs before the signal judged, the rest not run", n, notRun)
			}
			// The document says it is incomplete, and its report says so.
			if comp := c.Completeness; comp == nil || comp.Interrupted == "" || comp.CasesRun >= comp.CasesSelected {
				t.Errorf("completeness %+v: want interrupted, with cases not run", comp)
			}
			var stdout, stderr strings.Builder
			reported := t.TempDir()
			if code := run(t.Context(), []string{"report", "--in", dir, "--out", reported}, &stdout, &stderr); code != exitFailed ||
				!strings.Contains(stderr.String(), "INCOMPLETE") {
				t.Errorf("report of the interrupted run: exit %d, stderr %q; want %d, INCOMPLETE", code, stderr.String(), exitFailed)
			}
			// Its junit.xml is the report's, and says INCOMPLETE.
			checkIncompleteJUnit(t, filepath.Join(dir, reports.JUnitFile), filepath.Join(reported, reports.JUnitFile))
			expectIdentities(t, admin, baseline, "after SIGINT during the specs")
		})
	})
}

// signalOnce makes the proxy close the returned channel at the first
// request that match accepts, and hold every such request for delay.
func signalOnce(p *kratosProxy, match func(*http.Request) bool, delay time.Duration) <-chan struct{} {
	seen := make(chan struct{})
	var once sync.Once
	hook := func(r *http.Request) {
		if match(r) {
			once.Do(func() { close(seen) })
			if delay > 0 {
				select {
				case <-time.After(delay):
				case <-r.Context().Done():
				}
			}
		}
	}
	p.onRequest.Store(&hook)
	return seen
}

// interrupt sends SIGINT once seen is closed and returns how long the
// process took to exit after it, and its exit code.
func interrupt(t *testing.T, p *proc, seen <-chan struct{}) (time.Duration, int) {
	t.Helper()
	select {
	case <-seen:
	case <-p.done:
		t.Fatalf("orybench ended before the point of the signal; stderr:\n%s", p.stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("the point of the signal never came")
	}
	return p.signal(t, os.Interrupt)
}

// expectIdentities fails unless the target holds exactly the identities
// of baseline.
func expectIdentities(t *testing.T, admin *kratosclient.Admin, baseline map[string]bool, when string) {
	t.Helper()
	after := identityIDs(t, admin)
	if added, removed := diffIDs(baseline, after); len(added)+len(removed) > 0 {
		t.Errorf("%s: %d identities left behind, %d removed", when, len(added), len(removed))
	}
}

// checkIncompleteJUnit checks that the junit.xml an interrupted run left
// at path parses, has a case failed as incomplete (a conformance, load or
// fuzz run's "run completed", a capacity search's one case), and is the
// one orybench report renders of the same results (at report).
func checkIncompleteJUnit(t *testing.T, path, report string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("junit.xml of the interrupted run: %v", err)
	}
	var doc struct {
		XMLName xml.Name `xml:"testsuites"`
		Name    string   `xml:"name,attr"`
		Suites  []struct {
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Type    string `xml:"type,attr"`
					Message string `xml:"message,attr"`
				} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(got, &doc); err != nil {
		t.Fatalf("junit.xml of the interrupted run does not parse: %v\n%s", err, got)
	}
	incomplete := false
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if c.Failure != nil && c.Failure.Type == "incomplete" &&
				strings.HasPrefix(c.Failure.Message, "INCOMPLETE: ") {
				incomplete = true
			}
		}
	}
	if doc.Name != "orybench" || !incomplete {
		t.Errorf("junit.xml of the interrupted run: testsuites %q, a case failed as incomplete: %v; want orybench, true", doc.Name, incomplete)
	}
	want, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("junit.xml of the interrupted run (%d bytes) is not the one orybench report renders (%d bytes)", len(got), len(want))
	}
}

// TestCapacityInterrupted cancels a capacity search in its third step, as
// Ctrl-C does: it exits 2 with capacity.json and the junit.xml its report
// would hold, which fails the search as INCOMPLETE.
func TestCapacityInterrupted(t *testing.T) {
	ts := httptest.NewServer(newKnownCapacity(8, 5*time.Millisecond))
	defer ts.Close()
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stop := time.AfterFunc(2500*time.Millisecond, cancel)
	defer stop.Stop()
	var stdout, stderr strings.Builder
	code := run(ctx, []string{"capacity", "--url", ts.URL + "/", "--out", dir,
		"--start-rate", "20", "--step", "1s", "--warmup", "0s", "--max-duration", "30s"}, &stdout, &stderr)
	if code != exitUsage {
		t.Fatalf("exit %d, want %d (interrupted); output:\n%s%s", code, exitUsage, stdout.String(), stderr.String())
	}
	if _, err := results.ReadCapacity(filepath.Join(dir, results.CapacityFile)); err != nil {
		t.Fatal(err)
	}
	reported := t.TempDir()
	stdout.Reset()
	stderr.Reset()
	if code := run(t.Context(), []string{"report", "--in", dir, "--out", reported}, &stdout, &stderr); code != exitFailed {
		t.Errorf("report of the interrupted search: exit %d, want %d; stderr:\n%s", code, exitFailed, stderr.String())
	}
	checkIncompleteJUnit(t, filepath.Join(dir, reports.JUnitFile), filepath.Join(reported, reports.JUnitFile))
}
