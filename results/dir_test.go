package results

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadLoadRun(t *testing.T) {
	l, err := ReadLoadRun("testdata/unversioned/load-whoami")
	if err != nil {
		t.Fatal(err)
	}
	if l.Summary.Scenario != "whoami" || l.Summary.Requests != 2000 || len(l.Series) != 10 {
		t.Errorf("summary %s, %d requests, %d seconds", l.Summary.Scenario, l.Summary.Requests, len(l.Series))
	}
	// run.json says how it was started; what it lacks comes from the summary.
	if l.Run.KratosVersion != "v1.3.1" || l.Run.StartedAt != "2026-11-25T20:02:04Z" ||
		l.Run.Target != l.Summary.Target || l.Run.DurationS != l.Summary.DurationS {
		t.Errorf("run %+v", l.Run)
	}
	// Only overall.hgrm is in the fixture: the others are left out.
	if len(l.Distributions) != 1 || l.Distributions[0].Name != "all steps" || l.Distributions[0].Uncorrected {
		t.Errorf("distributions %+v", l.Distributions)
	}

	if _, err := ReadLoadRun(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a directory without summary.json: %v, want fs.ErrNotExist", err)
	}
}

// A run without run.json was started its duration before summary.json was
// written.
func TestReadLoadRunWithoutRunInfo(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("testdata/unversioned/load-whoami/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, LoadSummaryFile)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	l, err := ReadLoadRun(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := st.ModTime().Add(-9997 * time.Millisecond).UTC().Format("2006-01-02T15:04:05Z")
	if l.Run.StartedAt != want || l.Series != nil || l.Distributions != nil {
		t.Errorf("started %s, want %s; series %v, distributions %v", l.Run.StartedAt, want, l.Series, l.Distributions)
	}
}

func TestReadCapacityRun(t *testing.T) {
	c, err := ReadCapacityRun("testdata/unversioned/capacity-whoami")
	if err != nil {
		t.Fatal(err)
	}
	r := c.Result
	if !r.Found || r.SustainableRate != 34 || r.Ended != EndBracketed || len(r.Steps) != 7 ||
		r.Steps[6].Phase != PhaseConfirm || r.Steps[0].Summary == nil || r.Steps[0].Summary.Requests == 0 {
		t.Errorf("capacity.json read as %+v", r)
	}
	if c.Run.Command == "" || c.Run.Target != r.Target {
		t.Errorf("run %+v", c.Run)
	}
	if _, err := ReadCapacityRun(t.TempDir()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a directory without capacity.json: %v, want fs.ErrNotExist", err)
	}
}

// ReadRuns takes a run's directory or a directory of runs, and finds each
// kind of run by its document.
func TestReadRuns(t *testing.T) {
	r, err := ReadRuns("testdata/unversioned")
	if err != nil {
		t.Fatal(err)
	}
	if r.Conformance == nil || r.ConformanceDir != filepath.Join("testdata", "unversioned", "conformance") ||
		len(r.Loads) != 1 || len(r.Capacities) != 1 || r.Capacities[0].Result.Scenario != "whoami" {
		t.Errorf("conformance %v in %q, %d loads, %d capacity searches", r.Conformance != nil, r.ConformanceDir, len(r.Loads), len(r.Capacities))
	}
	r, err = ReadRuns("testdata/unversioned/load-whoami", "testdata/unversioned/capacity-whoami")
	if err != nil || r.Conformance != nil || len(r.Loads) != 1 || len(r.Capacities) != 1 {
		t.Errorf("two runs' directories: %v, %+v", err, r)
	}
}

func TestReadRunsErrors(t *testing.T) {
	empty := t.TempDir()
	if _, err := ReadRuns(empty); !errors.Is(err, ErrNoResults) || !strings.Contains(err.Error(), empty) {
		t.Errorf("empty directory: %v, want ErrNoResults naming it", err)
	}
	if _, err := ReadRuns(); !errors.Is(err, ErrNoResults) {
		t.Errorf("no directory: %v, want ErrNoResults", err)
	}
	conf := "testdata/unversioned/conformance"
	if _, err := ReadRuns(conf, conf); err == nil || errors.Is(err, ErrNoResults) {
		t.Errorf("two conformance runs: %v", err)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, LoadSummaryFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRuns(bad); err == nil || errors.Is(err, ErrNoResults) {
		t.Errorf("broken summary.json: %v, want a parse error", err)
	}
	if _, err := ReadRuns(filepath.Join(empty, "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
}

// ReadRuns finds a fuzz run by its fuzz.json, in its own directory or one
// level down, next to other runs.
func TestReadRunsFuzz(t *testing.T) {
	parent := t.TempDir()
	for i, stopped := range []string{FuzzStoppedDuration, "interrupted"} {
		f := &Fuzz{Seed: uint64(i + 1), Cases: 10, Stopped: stopped, Contract: &Contract{Name: "kratos-v1.3.1"},
			Findings: []FuzzFinding{{Key: "toSession 500 server-error", Operation: "toSession", Status: 500, Check: "server-error"}}}
		dir := filepath.Join(parent, fmt.Sprintf("fuzz-%d", i+1))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(dir); err != nil {
			t.Fatal(err)
		}
	}
	r, err := ReadRuns(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Fuzzes) != 2 || r.Fuzzes[0].Dir != filepath.Join(parent, "fuzz-1") || r.Fuzzes[0].Result.Seed != 1 ||
		len(r.Fuzzes[0].Result.Findings) != 1 || r.Fuzzes[1].Result.Stopped != "interrupted" {
		t.Errorf("fuzz runs %+v", r.Fuzzes)
	}
	if got := r.Fuzzes[1].Result.Verdict(); got != VerdictFailed {
		t.Errorf("a finding not allowed, interrupted: %s, want failed", got)
	}
	r, err = ReadRuns(filepath.Join(parent, "fuzz-1"), "testdata/unversioned/load-whoami")
	if err != nil || len(r.Fuzzes) != 1 || len(r.Loads) != 1 {
		t.Errorf("a fuzz run's and a load run's directories: %v, %+v", err, r)
	}
	if err := r.CheckContract(&Contract{Name: "other"}); !errors.Is(err, ErrOtherContract) || !strings.Contains(err.Error(), "fuzz-1") {
		t.Errorf("a fuzz run judged against another contract: %v", err)
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, FuzzFile), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadRuns(bad); err == nil || errors.Is(err, ErrNoResults) {
		t.Errorf("broken fuzz.json: %v, want a parse error", err)
	}
}

func TestFuzzVerdict(t *testing.T) {
	finding := []FuzzFinding{{Key: "k"}}
	allowed := []FuzzFinding{{Key: "k", Allowed: true}}
	for _, tc := range []struct {
		name     string
		f        Fuzz
		want     Verdict
		complete bool
	}{
		{"nothing found", Fuzz{Stopped: FuzzStoppedDuration}, VerdictPassed, true},
		{"allowed finding", Fuzz{Stopped: FuzzStoppedMaxRequests, Findings: allowed}, VerdictPassed, true},
		{"new finding", Fuzz{Stopped: FuzzStoppedDuration, Findings: finding}, VerdictFailed, true},
		{"stale entry", Fuzz{Stopped: FuzzStoppedDuration, Findings: allowed, Stale: []string{"x"}}, VerdictFailed, true},
		{"interrupted", Fuzz{Stopped: "interrupted", Findings: allowed}, VerdictIncomplete, false},
		{"target died", Fuzz{Stopped: "target-unreachable: connection refused"}, VerdictIncomplete, false},
		{"not recorded", Fuzz{}, VerdictIncomplete, false},
	} {
		if got := tc.f.Verdict(); got != tc.want || (tc.f.Incomplete() == "") != tc.complete {
			t.Errorf("%s: verdict %s, incomplete %q; want %s, complete %v", tc.name, got, tc.f.Incomplete(), tc.want, tc.complete)
		}
	}
}
