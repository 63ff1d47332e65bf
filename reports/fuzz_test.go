package reports

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orybench/orybench/results"
)

// fuzzCurl is the new finding's reproducer, as the fuzz package writes it.
const fuzzCurl = `curl -X POST 'http://127.0.0.1:4433/self-service/login?flow='"$FLOW"'' -H 'Content-Type: application/json' --data-binary '{"csrf_token":'"$CSRF_TOKEN"',"identifier":"","method":"password"}'`

// writeFuzzRun writes a fuzz run into a new directory and returns it: two
// findings, one of them allow-listed, a stale allow-list entry, stopped as
// stopped.
func writeFuzzRun(t *testing.T, stopped string) string {
	t.Helper()
	dir := t.TempDir()
	f := &results.Fuzz{Target: results.TargetInfo{URL: "http://127.0.0.1:4433", Local: true}, Contract: &results.Contract{Name: "kratos-v1.3.1"},
		Orybench: "test", Command: "orybench fuzz --seed 42", StartedAt: "2026-12-02T10:00:00Z", DurationS: 300, Seed: 42,
		Cases: 1234, ShrinkRequests: 56, Operations: map[string]int{"updateLoginFlow": 700, "toSession": 534}, Stopped: stopped,
		Findings: []results.FuzzFinding{
			{Key: "updateLoginFlow 500 server-error", Operation: "updateLoginFlow", Status: 500, Check: "server-error",
				Message: "answered 500 Internal Server Error", Mode: "browser", Case: 17, Count: 3, Shrinks: 4,
				Input: map[string]any{"method": "POST", "path": "/self-service/login", "body": `{"identifier":""}`}, Curl: fuzzCurl},
			{Key: "toSession 401 schema /error/reason", Operation: "toSession", Status: 401, Check: "schema", Detail: "/error/reason",
				Message: "the body lacks a required member", Mode: "api", Case: 3, Count: 9, Curl: "curl -X GET 'http://127.0.0.1:4433/sessions/whoami'", Allowed: true},
		},
		Stale: []string{"createBrowserLogoutFlow 500 server-error"}}
	if _, err := f.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestFuzzReport: a fuzz run's section shows its run, its findings (new
// and allowed) with their curl commands and its stale entries; the new
// finding and the stale entry fail the report.
func TestFuzzReport(t *testing.T) {
	dir := writeFuzzRun(t, results.FuzzStoppedDuration)
	r := readFixture(t, dir)
	if len(r.Fuzzes) != 1 {
		t.Fatalf("%d fuzz runs read, want 1", len(r.Fuzzes))
	}
	if got := r.Verdict(); got != results.VerdictFailed {
		t.Errorf("verdict %s, want failed", got)
	}
	if got := r.Incomplete(); len(got) != 0 {
		t.Errorf("incomplete %q, want none: the run went its budget", got)
	}

	var html, md, junit bytes.Buffer
	for _, w := range []struct {
		b      *bytes.Buffer
		render func(*bytes.Buffer) error
	}{
		{&html, func(b *bytes.Buffer) error { return r.WriteHTML(b) }},
		{&md, func(b *bytes.Buffer) error { return r.WriteMarkdown(b) }},
		{&junit, func(b *bytes.Buffer) error { return r.WriteJUnit(b) }},
	} {
		if err := w.render(w.b); err != nil {
			t.Fatal(err)
		}
	}
	page := html.String()
	expectSelfContained(t, HTMLFile, page)
	for _, want := range []string{
		`<section id="fuzz" class="fuzz">`, `id="verdict">FAILED`, "fuzz: seed 42", "kratos-v1.3.1",
		"2 findings, 1 not in the allow-list, 1 allow-list entries stale",
		`<span class="badge bad">NEW</span></td><td class="mono">updateLoginFlow</td><td class="num">500</td><td>server-error</td>`,
		`<span class="badge ok">allowed</span></td><td class="mono">toSession</td><td class="num">401</td><td>schema</td><td class="mono">/error/reason</td>`,
		`<code class="curl">curl -X POST &#39;http://127.0.0.1:4433/self-service/login?flow=&#39;&#34;$FLOW&#34;&#39;&#39;`,
		"minimal input", "&#34;path&#34;: &#34;/self-service/login&#34;",
		`<span class="badge bad">STALE</span> <code>createBrowserLogoutFlow 500 server-error</code>`,
		"updateLoginFlow 700", "1,234",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
	// The new finding comes first: it is what fails the run.
	if strings.Index(page, ">updateLoginFlow<") > strings.Index(page, ">toSession<") {
		t.Errorf("the allowed finding is listed before the new one")
	}

	mdText := md.String()
	for _, want := range []string{
		"# orybench report: ❌ FAILED", "## Fuzz: seed 42: **FAILED**",
		"| ❌ new | `updateLoginFlow` | 500 | server-error | - | answered 500 Internal Server Error | `" + fuzzCurl + "` |",
		"| allowed | `toSession` | 401 | schema | `/error/reason` |",
		"### Stale allow-list entries (1)", "- ❌ `createBrowserLogoutFlow 500 server-error`",
	} {
		if !strings.Contains(mdText, want) {
			t.Errorf("summary.md lacks %s:\n%s", want, mdText)
		}
	}

	var suites junitSuites
	if err := xml.Unmarshal(junit.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	if len(suites.Suites) != 1 || suites.Suites[0].Name != "orybench fuzz" || suites.Tests != 3 || suites.Failures != 2 {
		t.Errorf("junit.xml: %d suites, %d tests, %d failures; want the fuzz suite, 3 and 2:\n%s", len(suites.Suites), suites.Tests, suites.Failures, junit.String())
	}
}

// An interrupted fuzz run that found only what the allow-list accepts is
// incomplete, not a pass, and says so.
func TestFuzzReportInterrupted(t *testing.T) {
	dir := writeFuzzRun(t, "interrupted")
	r := readFixture(t, dir)
	f := &r.Fuzzes[0].Result
	var allowed []results.FuzzFinding
	for _, x := range f.Findings {
		if x.Allowed {
			allowed = append(allowed, x)
		}
	}
	f.Findings, f.Stale = allowed, nil
	if got := r.Verdict(); got != results.VerdictIncomplete {
		t.Errorf("verdict %s, want incomplete", got)
	}
	if got := r.Incomplete(); len(got) != 1 || got[0] != "fuzz (seed 42): stopped: interrupted" {
		t.Errorf("incomplete %q", got)
	}
	if _, err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`id="verdict">INCOMPLETE`, "incomplete: fuzz (seed 42): stopped: interrupted", `<div class="tile bad"><div class="l">stopped</div><div class="v">interrupted</div>`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
}

func TestMDCode(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"curl -X GET 'x'", "`curl -X GET 'x'`"},
		{"echo `id`", "`` echo `id` ``"},
		{"a``b", "``` a``b ```"},
	} {
		if got := mdCode(tc.in); got != tc.want {
			t.Errorf("mdCode(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
