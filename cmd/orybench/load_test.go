//go:build unix

package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/results"
)

// waitMeasuring waits until the run in dir has measured whole seconds.
func waitMeasuring(t *testing.T, dir string, seconds int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		data, _ := os.ReadFile(filepath.Join(dir, "timeseries.jsonl"))
		if strings.Count(string(data), "\n") >= seconds {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no %d seconds measured in %s after %s", seconds, dir, timeout)
}

func readSummary(t *testing.T, dir string) results.LoadSummary {
	t.Helper()
	sp, err := results.ReadLoadSummary(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := *sp
	for _, f := range append(s.Files, "summary.json", "results.bin", "timeseries.jsonl") {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", f, err)
		}
	}
	return s
}

// TestLoadSIGINT interrupts `orybench load` with SIGINT while requests hang
// in flight: it writes every file and exits within 2s, with exit code 2.
func TestLoadSIGINT(t *testing.T) {
	retryTimed(t, loadSIGINT)
}

func loadSIGINT(t *testing.T, timed func(took, limit time.Duration, what string)) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 300 {
			<-r.Context().Done() // hang, as an overloaded target does
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	p := startOrybench(t, procOpts{}, "load", "--url", srv.URL+"/", "--rate", "200", "--duration", "1m",
		"--out", dir, "--progress=false")
	waitMeasuring(t, dir, 2, 15*time.Second)

	took, code := p.signal(t, os.Interrupt)
	t.Logf("output:\n%s", p.stdout.String())
	timed(took, 2*time.Second, "exit after SIGINT")
	if code != exitUsage {
		t.Errorf("exit code %d, want %d (interrupted: not judged)", code, exitUsage)
	}
	s := readSummary(t, dir)
	if s.Stopped != "interrupted" || s.Requests < 300 || s.Canceled == 0 || s.Errors.Total != 0 {
		t.Errorf("stopped %q, requests %d, canceled %d, errors %+v; want interrupted, ≥300, some, none",
			s.Stopped, s.Requests, s.Canceled, s.Errors)
	}
	// Its junit.xml is the report's, and says INCOMPLETE.
	reported := t.TempDir()
	var stdout, stderr strings.Builder
	if code := run(t.Context(), []string{"report", "--in", dir, "--out", reported}, &stdout, &stderr); code != exitFailed {
		t.Errorf("report of the interrupted run: exit %d, want %d; stderr:\n%s", code, exitFailed, stderr.String())
	}
	checkIncompleteJUnit(t, filepath.Join(dir, reports.JUnitFile), filepath.Join(reported, reports.JUnitFile))
}

// TestLoadTargetDies kills the local Kratos in the middle of a whoami run:
// the run ends on its own within about 2s (1s of nothing but refused
// connections, then the stop), counts the errors by kind, writes every
// file and the report, and exits 1: the target answered, then failed under
// the load.
func TestLoadTargetDies(t *testing.T) {
	retryTimed(t, loadTargetDies)
}

func loadTargetDies(t *testing.T, timed func(took, limit time.Duration, what string)) {
	inst := startKratos(t)
	dir := t.TempDir()
	p := startOrybench(t, procOpts{}, "load", "--scenario", "whoami", "--rate", "200", "--duration", "1m", "--warmup", "0s",
		"--target", inst.PublicURL, "--admin-url", inst.AdminURL, "--out", dir, "--progress=false")
	waitMeasuring(t, dir, 2, 60*time.Second)

	killed := time.Now()
	if err := syscall.Kill(inst.Pid(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	code := p.wait(t, 30*time.Second)
	took := time.Since(killed)
	t.Logf("exit %d %s after the kill; output:\n%s%s", code, took, p.stdout.String(), p.stderr.String())
	timed(took, 4*time.Second, "exit after Kratos died (about 2s: 1s to tell it is down, 1s grace)")
	if code != exitFailed {
		t.Errorf("exit code %d, want %d (the target went down under load: judged, failed)", code, exitFailed)
	}
	if !strings.Contains(p.stderr.String(), "orybench: failed: target down") {
		t.Errorf("no line says the target went down")
	}
	if strings.Contains(p.stderr.String(), "level=") {
		t.Errorf("the console holds log records (level=…), not lines a person reads")
	}
	s := readSummary(t, dir)
	if s.Stopped != "target down" || s.Requests < 400 {
		t.Errorf("stopped %q after %d requests; want target down after ≥400", s.Stopped, s.Requests)
	}
	if s.Errors.ByKind["connection_refused"]+s.Errors.ByKind["connection_reset"] == 0 {
		t.Errorf("errors %+v, want refused or reset connections counted", s.Errors)
	}
	if s.CleanupError == "" {
		t.Errorf("no cleanup error, but Kratos was gone before the sessions could be revoked")
	}
	for _, name := range []string{"report.html", "summary.md", "run.json"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", name, err)
		}
	}
}
