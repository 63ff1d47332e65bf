package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReportCommand(t *testing.T) {
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"report",
		"--in", "../../reports/testdata/conformance-failing", "--in", "../../reports/testdata/load-whoami", "--out", out}, &stdout, &stderr)
	if code != exitFailed {
		t.Errorf("exit %d, want %d (the fixtures hold failures); stderr: %s", code, exitFailed, stderr.String())
	}
	for _, name := range []string{"report.html", "summary.md", "junit.xml"} {
		if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	if !strings.Contains(stdout.String(), "report.html") {
		t.Errorf("stdout does not name the report: %q", stdout.String())
	}

	code = run(context.Background(), []string{"report", "--in", "../../reports/testdata/conformance", "--out", t.TempDir()}, &stdout, &stderr)
	if code != exitOK {
		t.Errorf("passing run: exit %d; stderr: %s", code, stderr.String())
	}
	for _, args := range [][]string{
		{"report", "--out", out},
		{"report", "--in", t.TempDir(), "--out", out},
	} {
		if code := run(context.Background(), args, &stdout, &stderr); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}
