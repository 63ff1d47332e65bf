package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orybench/orybench/results"
)

// edited copies the saved run in reports/testdata/name into a directory of
// its own and lets edit change its result document there.
func edited[T any](t *testing.T, name, file string, read func(string) (*T, error), edit func(*T), write func(*T, string) (string, error)) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("../../reports/testdata", name))); err != nil {
		t.Fatal(err)
	}
	doc, err := read(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	edit(doc)
	if _, err := write(doc, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

func editedConformance(t *testing.T, edit func(*results.Conformance)) string {
	return edited(t, "conformance", results.ConformanceFile, results.ReadConformance, edit, (*results.Conformance).Write)
}

// complete is the completeness of the fixture's whole run.
func complete(c *results.Conformance) *results.Completeness {
	n := len(c.Cases)
	return &results.Completeness{CasesTotal: n, CasesSelected: n, CasesRun: n}
}

// cutShort makes c a run cut short after its first cases: the rest were
// not reached, and so not judged.
func cutShort(c *results.Conformance) {
	c.Completeness = complete(c)
	c.Completeness.Interrupted = "interrupted: context canceled"
	c.Completeness.CasesRun = 10
	for i := 10; i < len(c.Cases); i++ {
		c.Cases[i].Outcome, c.Cases[i].Reason = results.Skipped, results.NotReached
	}
	c.Pairs, c.Coverage = results.JudgePairs(c.Pairs, c.Cases)
}

// filtered makes c a run label-filtered to the operation op.
func filtered(op string) func(*results.Conformance) {
	return func(c *results.Conformance) {
		c.Completeness = complete(c)
		c.Completeness.LabelFilter = "op:" + op
		c.Completeness.CasesSelected, c.Completeness.CasesRun = 0, 0
		for i, k := range c.Cases {
			if k.Operation == op {
				c.Completeness.CasesSelected++
				c.Completeness.CasesRun++
			} else {
				c.Cases[i].Outcome, c.Cases[i].Reason = results.Skipped, results.FilteredOut
			}
		}
		c.Pairs, c.Coverage = results.JudgePairs(c.Pairs, c.Cases)
	}
}

// A run that did not complete (an interrupted or filtered conformance run,
// a load run stopped by Ctrl-C or a target that went down, an interrupted
// capacity search) is INCOMPLETE in every rendering, never PASSED, and
// orybench report exits 1 saying why; a load run stopped by a breached
// threshold is FAILED.
func TestReportIncomplete(t *testing.T) {
	load := func(edit func(*results.LoadSummary)) string {
		return edited(t, "load-whoami", results.LoadSummaryFile, results.ReadLoadSummary, func(s *results.LoadSummary) {
			s.Passed = true // held every threshold it judged
			for i := range s.Thresholds {
				s.Thresholds[i].OK = true
			}
			edit(s)
		}, (*results.LoadSummary).Write)
	}
	for _, tc := range []struct {
		name, dir string
		want      results.Verdict
		why       string // what the error line says of why
	}{
		{"conformance complete", editedConformance(t, func(c *results.Conformance) { c.Completeness = complete(c) }), results.VerdictPassed, ""},
		{"conformance interrupted", editedConformance(t, cutShort), results.VerdictIncomplete, "conformance: interrupted (interrupted: context canceled); 210 of 220 selected cases not run"},
		{"conformance filtered", editedConformance(t, filtered("toSession")), results.VerdictIncomplete, `cases selected by --label-filter "op:toSession"`},
		{"load complete", load(func(*results.LoadSummary) {}), results.VerdictPassed, ""},
		{"load interrupted", load(func(s *results.LoadSummary) { s.Stopped = results.StoppedInterrupted }), results.VerdictIncomplete, "load whoami: stopped early: interrupted"},
		{"load target down", load(func(s *results.LoadSummary) { s.Stopped = results.StoppedTargetDown }), results.VerdictIncomplete, "load whoami: stopped early: target down"},
		{"load stopped by a breach", load(func(s *results.LoadSummary) {
			s.Stopped, s.Passed, s.Thresholds[0].OK = results.StoppedBreached, false, false
		}), results.VerdictFailed, "the report shows failures"},
		{"capacity interrupted", edited(t, "capacity-whoami", results.CapacityFile, results.ReadCapacity,
			func(r *results.CapacityResult) { r.Ended = results.EndInterrupted }, (*results.CapacityResult).Write), results.VerdictIncomplete, "capacity whoami: the search ended interrupted"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"report", "--in", tc.dir, "--out", out}, &stdout, &stderr)
			wantCode := exitFailed
			if tc.want == results.VerdictPassed {
				wantCode = exitOK
			}
			if code != wantCode || !strings.Contains(stderr.String(), tc.why) || strings.Count(stderr.String(), "\n") > 1 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line saying %q", code, stderr.String(), wantCode, tc.why)
			}
			read := func(name string) string {
				b, err := os.ReadFile(filepath.Join(out, name))
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			html, md, junit := read("report.html"), read("summary.md"), read("junit.xml")
			want := map[results.Verdict][3]string{
				results.VerdictPassed:     {`id="verdict">PASSED`, "# orybench report: ✅ PASSED", `failures="0"`},
				results.VerdictIncomplete: {`id="verdict">INCOMPLETE`, "# orybench report: ⚠️ INCOMPLETE", `type="incomplete"`},
				results.VerdictFailed:     {`id="verdict">FAILED`, "# orybench report: ❌ FAILED", `type="threshold"`},
			}[tc.want]
			for i, got := range []string{html, md, junit} {
				if !strings.Contains(got, want[i]) {
					t.Errorf("%s does not hold %q", []string{"report.html", "summary.md", "junit.xml"}[i], want[i])
				}
			}
			if tc.want != results.VerdictPassed && (strings.Contains(html, "PASSED") || strings.Contains(md, "PASSED")) {
				t.Errorf("a run that is %s reads PASSED", tc.want)
			}
			if tc.want == results.VerdictIncomplete && !strings.Contains(md, "**INCOMPLETE**") {
				t.Errorf("summary.md's run table does not say INCOMPLETE:\n%s", md)
			}
		})
	}
}

// Compare a full conformance run with one that is interrupted, filtered
// otherwise than the baseline, or that skipped pairs the baseline judged:
// never "no regression".
func TestCompareIncompleteCandidate(t *testing.T) {
	full := editedConformance(t, func(c *results.Conformance) { c.Completeness = complete(c) })
	lostTOTP := editedConformance(t, func(c *results.Conformance) {
		c.Completeness = complete(c)
		for i, k := range c.Cases {
			if k.Operation == "toSession" {
				c.Cases[i].Outcome, c.Cases[i].Reason = results.Skipped, "target lacks capability totp: declared absent"
			}
		}
		c.Pairs, c.Coverage = results.JudgePairs(c.Pairs, c.Cases)
	})
	for _, tc := range []struct {
		name, baseline, candidate string
		code                      int
		want                      string // on stderr
	}{
		{"same run", full, full, exitOK, ""},
		{"interrupted candidate", full, editedConformance(t, cutShort), exitUsage, "the candidate is incomplete: no verdict: "},
		{"filtered candidate", full, editedConformance(t, filtered("toSession")), exitUsage, `conformance label-filtered by "op:toSession", the baseline by ""`},
		{"pairs lost", full, lostTOTP, exitFailed, "pairs no longer judged: 3"},
		{"filtered alike", editedConformance(t, filtered("toSession")), editedConformance(t, filtered("toSession")), exitOK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"compare", "--out", out, tc.baseline, tc.candidate}, &stdout, &stderr)
			if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want exit %d saying %q", code, stderr.String(), tc.code, tc.want)
			}
			if tc.code == exitUsage && (stdout.Len() > 0 || strings.Count(stderr.String(), "\n") != 1) {
				t.Errorf("no verdict, yet stdout %q, stderr %q", stdout.String(), stderr.String())
			}
			if tc.code != exitFailed {
				return
			}
			c, err := results.ReadComparison(filepath.Join(out, results.ComparisonFile))
			if err != nil {
				t.Fatal(err)
			}
			if !c.Regressed() || c.Verdict.LostPairs != 3 || len(c.Contract.LostPairs) != 3 || c.Contract.LostPairs[0].Reason != "target lacks capability totp: declared absent" {
				t.Errorf("verdict %+v, lost pairs %+v", c.Verdict, c.Contract.LostPairs)
			}
			md, err := os.ReadFile(filepath.Join(out, "compare.md"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(md), "REGRESSED: 3 pairs no longer judged") || !strings.Contains(string(md), "| `toSession 401` | passed | **skipped** | target lacks capability totp: declared absent |") {
				t.Errorf("compare.md does not show the lost pairs:\n%s", md)
			}
		})
	}
}
