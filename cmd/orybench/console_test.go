//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orybench/orybench/results"
)

// consoleFilter selects cases that show known deviations on several
// pairs and on every standard profile's kind of case.
const consoleFilter = "op:toSession || op:getLoginFlow || op:getWebAuthnJavaScript"

// TestConformQuietConsole runs conform as make run does, on the standard
// profiles, and reads its console: stderr says where the run goes and how
// far it got in progress lines; stdout has the matrix, each known
// deviation once with the pairs it covers, and no Ginkgo output. What
// comes before the matrix fits in 80 lines.
func TestConformQuietConsole(t *testing.T) {
	bin := kratosBinary(t)
	dir := t.TempDir()
	code, p := runOrybench(t, procOpts{}, 3*time.Minute, "conform", "--kratos-bin", bin, "--label-filter", consoleFilter, "--out", dir)
	stdout, stderr := p.stdout.String(), p.stderr.String()
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	c := readConformance(t, dir)
	progress := regexp.MustCompile(`(?m)^cases (\d+)/(\d+) done, 0 failed, \d+s$`).FindAllStringSubmatch(stderr, -1)
	if len(progress) == 0 || progress[len(progress)-1][1] != fmt.Sprint(len(c.Cases)-filteredOut(c)) || progress[len(progress)-1][1] != progress[len(progress)-1][2] {
		t.Errorf("progress lines %q: want the last to say all %d selected cases are done; stderr:\n%s", progress, len(c.Cases)-filteredOut(c), stderr)
	}
	for _, ginkgo := range []string{"Running Suite", "Report Entries", "Ran ", "•"} {
		if strings.Contains(stdout+stderr, ginkgo) {
			t.Errorf("the quiet console holds Ginkgo's %q:\n%s\n%s", ginkgo, stderr, stdout)
		}
	}
	matrixAt := strings.Index(stdout, "operation ")
	if matrixAt < 0 {
		t.Fatalf("no matrix on stdout:\n%s", stdout)
	}
	if before := strings.Count(stderr, "\n") + strings.Count(stdout[:matrixAt], "\n"); before > 80 {
		t.Errorf("%d lines before the matrix, want at most 80:\n%s%s", before, stderr, stdout[:matrixAt])
	} else {
		t.Logf("%d lines before the matrix", before)
	}
	// generic-error-details-closed covers toSession 403 and getLoginFlow 403
	// and 410 here: its text once, then its pairs.
	const text = "genericError.details is declared as an object"
	if n := strings.Count(stdout, text); n != 1 {
		t.Errorf("the deviation's text is printed %d times, want once:\n%s", n, stdout)
	}
	if want := "getLoginFlow 403, getLoginFlow 410, toSession 403"; !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks the deviation's pairs %q:\n%s", want, stdout)
	}
}

// filteredOut counts the cases the label filter left out.
func filteredOut(c *results.Conformance) int {
	n := 0
	for _, k := range c.Cases {
		if k.Reason == results.FilteredOut {
			n++
		}
	}
	return n
}

// TestConformVerboseJSON: -v prints Ginkgo's report of each case, and
// --format json puts conformance.json alone on stdout, so that Ginkgo's
// output, the matrix and the rest go to stderr.
func TestConformVerboseJSON(t *testing.T) {
	bin := kratosBinary(t)
	dir := t.TempDir()
	code, p := runOrybench(t, procOpts{}, 3*time.Minute, "conform", "--profile", "default", "--kratos-bin", bin,
		"--label-filter", consoleFilter, "--out", dir, "-v", "--format", "json")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, p.stderr.String())
	}
	checkJSONStdout(t, p, filepath.Join(dir, results.ConformanceFile))
	for _, want := range []string{"Running Suite", "orybench.expected-failure", "operation ", "report: "} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if strings.Contains(p.stderr.String(), "cases 1/") {
		t.Errorf("a verbose run printed progress lines beside Ginkgo's")
	}
}

// TestRunsJSON: load, capacity and fuzz with --format json print
// summary.json, capacity.json and fuzz.json alone on stdout.
func TestRunsJSON(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	for _, tc := range []struct {
		file string
		args []string
		fail bool // exit 1 is a result too (Kratos v1.3.1 has fuzz findings)
	}{
		{results.LoadSummaryFile, []string{"load", "--url", srv.URL + "/", "--rate", "50", "--duration", "1s"}, false},
		{results.CapacityFile, []string{"capacity", "--url", srv.URL + "/", "--start-rate", "20", "--max-rate", "40", "--step", "1s", "--warmup", "0s"}, false},
		{results.FuzzFile, []string{"fuzz", "--kratos-bin", kratosBinary(t), "--seed", "1", "--duration", "0", "--max-requests", "20"}, true},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			dir := t.TempDir()
			code, p := runOrybench(t, procOpts{}, 2*time.Minute, append(tc.args, "--out", dir, "--format", "json")...)
			if code != exitOK && !(tc.fail && code == exitFailed) {
				t.Fatalf("exit %d; stderr:\n%s", code, p.stderr.String())
			}
			checkJSONStdout(t, p, filepath.Join(dir, tc.file))
		})
	}
}

// checkJSONStdout checks that p's stdout is the document at path, alone.
func checkJSONStdout(t *testing.T, p *proc, path string) {
	t.Helper()
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	got := p.stdout.String()
	if !json.Valid([]byte(got)) {
		t.Fatalf("stdout is not one JSON document:\n%.2000s", got)
	}
	if !bytes.Equal([]byte(got), want) {
		t.Errorf("stdout (%d bytes) is not %s (%d bytes)", len(got), path, len(want))
	}
}
