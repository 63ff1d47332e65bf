package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/results"
)

// TestFuzzLocalSmoke: a short `orybench fuzz` against the local default
// profile completes its budget and writes fuzz.json, junit.xml and its
// report, exit 0 or 1 (Kratos v1.3.1 has findings), every finding with a
// curl command that holds no session token or cookie.
func TestFuzzLocalSmoke(t *testing.T) {
	bin := kratosBinary(t)
	t.Setenv("ORY_SDK_URL", "")
	// As in a GitHub Actions job: the run appends its summary to the job's.
	stepSummary := filepath.Join(t.TempDir(), "step-summary.md")
	if err := os.WriteFile(stepSummary, []byte("# earlier steps\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GITHUB_STEP_SUMMARY", stepSummary)
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"fuzz", "--kratos-bin", bin, "--seed", "1", "--duration", "0", "--max-requests", "150", "--out", out}, &stdout, &stderr)
	if code != exitOK && code != exitFailed {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	doc, err := results.ReadFuzz(filepath.Join(out, results.FuzzFile))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Stopped != "max-requests" || doc.Cases == 0 || doc.Cases+doc.ShrinkRequests > 150 || doc.FormatVersion != results.FormatVersion {
		t.Errorf("stopped %q after %d cases and %d shrinking requests (format %d); want 150 requests in all", doc.Stopped, doc.Cases, doc.ShrinkRequests, doc.FormatVersion)
	}
	if (code == exitFailed) != doc.Failed() {
		t.Errorf("exit %d, but fuzz.json says failed=%v", code, doc.Failed())
	}
	for _, name := range []string{reports.JUnitFile, reports.HTMLFile, reports.MarkdownFile} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}
	if want := "report: " + filepath.Join(out, reports.HTMLFile) + "\n"; !strings.Contains(stdout.String(), want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
	}
	md, err := os.ReadFile(filepath.Join(out, reports.MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "## Fuzz: seed 1: ") || strings.Contains(string(md), "INCOMPLETE") {
		t.Errorf("summary.md lacks the fuzz run's section, or calls the run incomplete:\n%s", md)
	}
	if job, err := os.ReadFile(stepSummary); err != nil || string(job) != "# earlier steps\n"+string(md)+"\n" {
		t.Errorf("$GITHUB_STEP_SUMMARY holds %q (%v), want the earlier steps' and then summary.md", job, err)
	}
	// A session cookie's value is long; a cookie a case sends in place of
	// the jar's carries a short hostile value, which is no secret.
	sessionCookie := regexp.MustCompile(`ory_kratos_session=[A-Za-z0-9_=-]{20,}`)
	for _, f := range doc.Findings {
		if !strings.HasPrefix(f.Curl, "curl ") || strings.Contains(f.Curl, "ory_st_") || sessionCookie.MatchString(f.Curl) {
			t.Errorf("finding %s: curl %q", f.Key, f.Curl)
		}
	}
}
