//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orybench/orybench/reports"
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
	fuzzRun := func(dir string, extra ...string) string {
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
		return p.stderr.String()
	}

	// Without an admin API the console says what stays and what removes it.
	if stderr := fuzzRun("public"); !strings.Contains(stderr, "orybench cleanup --admin-url") {
		t.Errorf("a run without an admin API says nothing about orybench cleanup:\n%s", stderr)
	}
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

	if stderr := fuzzRun("admin", "--admin-url", inst.AdminURL); strings.Contains(stderr, "orybench cleanup") {
		t.Errorf("a run that removed its identities points at orybench cleanup:\n%s", stderr)
	}
	expectIdentities(t, admin, baseline, "after a run with the admin API")
	after := identityIDs(t, admin)
	for _, id := range seeded {
		if !after[id] {
			t.Errorf("identity %s, which orybench did not make, was removed", id)
		}
	}
}

// TestFuzzTargetDies stops the Kratos a fuzz run is sending to: the run
// ends within seconds, exit 1, with fuzz.json written, its findings so far
// in it and the reason it stopped.
func TestFuzzTargetDies(t *testing.T) {
	inst := startKratos(t)
	out := filepath.Join(t.TempDir(), "fuzz")
	p := startOrybench(t, procOpts{}, "fuzz", "--target", inst.PublicURL, "--seed", "1", "--duration", "2m", "--out", out)
	time.Sleep(4 * time.Second) // hundreds of cases, a few findings
	stopped := time.Now()
	if err := inst.Stop(); err != nil {
		t.Logf("stop: %v", err)
	}
	code := p.wait(t, time.Minute)
	t.Logf("exit %d %s after the target stopped: %s", code, time.Since(stopped).Round(time.Millisecond), lastLine(p.stderr.String()))
	if code != exitFailed {
		t.Errorf("exit %d, want %d", code, exitFailed)
	}
	doc, err := results.ReadFuzz(filepath.Join(out, results.FuzzFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.Stopped, "target-unreachable") || len(doc.Findings) == 0 || doc.Cases == 0 {
		t.Errorf("fuzz.json: stopped %q after %d cases with %d findings; want the findings so far, stopped as unreachable", doc.Stopped, doc.Cases, len(doc.Findings))
	}
}

// TestFuzzSIGINT interrupts a fuzz run: it exits (1 for its findings, else
// 2) with fuzz.json and the junit.xml its report would hold, which fails
// the run as INCOMPLETE.
func TestFuzzSIGINT(t *testing.T) {
	inst := startKratos(t)
	out := filepath.Join(t.TempDir(), "fuzz")
	p := startOrybench(t, procOpts{}, "fuzz", "--target", inst.PublicURL, "--admin-url", inst.AdminURL,
		"--seed", "1", "--duration", "2m", "--out", out)
	time.Sleep(3 * time.Second) // hundreds of cases sent
	_, code := p.signal(t, os.Interrupt)
	doc, err := results.ReadFuzz(filepath.Join(out, results.FuzzFile))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Stopped != "interrupted" || doc.Cases == 0 {
		t.Errorf("fuzz.json: stopped %q after %d cases; want interrupted, after some", doc.Stopped, doc.Cases)
	}
	// Findings the allow-list does not accept fail the run before the
	// interruption leaves it unjudged.
	if want := map[bool]int{true: exitFailed, false: exitUsage}[doc.Failed()]; code != want {
		t.Errorf("exit %d, want %d (%d findings); stderr:\n%s", code, want, len(doc.Findings), p.stderr.String())
	}
	reported := t.TempDir()
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"report", "--in", out, "--out", reported}, &stdout, &stderr); code != exitFailed {
		t.Errorf("report of the interrupted run: exit %d, want %d; stderr:\n%s", code, exitFailed, stderr.String())
	}
	checkIncompleteJUnit(t, filepath.Join(out, reports.JUnitFile), filepath.Join(reported, reports.JUnitFile))
}
