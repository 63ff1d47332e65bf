package reports

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

// The fixtures are real runs (reports/testdata/README.md): a conformance
// run, a conformance run with failures, and a short whoami load run.

func readFixture(t *testing.T, dirs ...string) *Report {
	t.Helper()
	r, err := Read(dirs...)
	if err != nil {
		t.Fatal(err)
	}
	r.Orybench = "test"
	return r
}

func TestReadDetectsResults(t *testing.T) {
	tests := []struct {
		name      string
		dirs      []string
		wantConf  bool
		wantLoads int
	}{
		{"conformance", []string{"testdata/conformance"}, true, 0},
		{"load", []string{"testdata/load-whoami"}, false, 1},
		{"both", []string{"testdata/conformance-failing", "testdata/load-whoami"}, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := readFixture(t, tt.dirs...)
			if (r.Conformance != nil) != tt.wantConf || len(r.Loads) != tt.wantLoads {
				t.Errorf("conformance %v, %d loads; want %v, %d", r.Conformance != nil, len(r.Loads), tt.wantConf, tt.wantLoads)
			}
		})
	}
}

func TestReadParentDirectory(t *testing.T) {
	parent := t.TempDir()
	for _, name := range []string{"conformance", "load-whoami"} {
		copyDir(t, filepath.Join("testdata", name), filepath.Join(parent, name))
	}
	r := readFixture(t, parent)
	if r.Conformance == nil || len(r.Loads) != 1 {
		t.Errorf("from the parent directory: conformance %v, %d loads", r.Conformance != nil, len(r.Loads))
	}
}

func TestReadErrors(t *testing.T) {
	if _, err := Read(t.TempDir()); !errors.Is(err, results.ErrNoResults) {
		t.Errorf("empty directory: %v, want ErrNoResults", err)
	}
	if _, err := Read("testdata/conformance", "testdata/conformance-failing"); err == nil {
		t.Errorf("two conformance runs: no error")
	}
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "summary.json"), []byte("{"), 0o644)
	if _, err := Read(bad); err == nil || errors.Is(err, results.ErrNoResults) {
		t.Errorf("broken summary.json: %v, want a parse error", err)
	}
}

func TestWriteSelfContainedHTML(t *testing.T) {
	r := readFixture(t, "testdata/conformance-failing", "testdata/load-whoami")
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	expectSelfContained(t, "report.html", page)
	for _, want := range []string{
		`id="conformance"`, `class="matrix"`, `id="failures"`, "expected", "actual",
		`id="load-whoami"`, `Latency over time`, `Latency by percentile`, `Status codes over time`, `Throughput and errors over time`,
		"p99&lt;50ms", "v1.3.1", "<dt>hasher</dt><dd>bcrypt cost 12 (Kratos default)</dd>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	if got := strings.Count(page, `<th scope="row">`); got != 30 {
		t.Errorf("matrix rows = %d, want 30", got)
	}
}

// expectSelfContained checks that a page makes a browser fetch nothing: no
// external script, style, font, image or frame (links to upstream issues
// are plain anchors), under a Content-Security-Policy.
func expectSelfContained(t *testing.T, name, page string) {
	t.Helper()
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`<script`), regexp.MustCompile(`<link`), regexp.MustCompile(`<img`),
		regexp.MustCompile(`<iframe`), regexp.MustCompile(`\bsrc=`), regexp.MustCompile(`url\(`), regexp.MustCompile(`@import`),
	} {
		if loc := bad.FindStringIndex(page); loc != nil {
			t.Errorf("%s has %q at %d: %s", name, bad, loc[0], page[loc[0]:min(len(page), loc[0]+80)])
		}
	}
	if !strings.Contains(page, `Content-Security-Policy`) {
		t.Errorf("%s: no Content-Security-Policy", name)
	}
}

func TestRedactsSecrets(t *testing.T) {
	r := readFixture(t, "testdata/conformance-failing", "testdata/load-whoami")
	const secret = "s3cr3t-value-42"
	r.Conformance.Command = "orybench conform --api-key " + secret + " --target https://user:" + secret + "@example.org"
	r.Conformance.Target.URL = "https://user:" + secret + "@example.org/?token=" + secret
	k := &r.Conformance.Cases[0]
	k.Outcome = results.Failed
	k.Request = "POST https://example.org/self-service/login?flow=1&session_token=" + secret
	k.Failure = `body: {"session_token":"` + secret + `"} and ory_st_` + secret
	k.Violations = []results.Violation{{Pointer: "/session_token", Rule: "type", Expected: "string", Found: `"` + secret + `"`}}
	k.Violations[0].Found = "session_token=" + secret
	r.Loads[0].Run.Command = "orybench load --api-key=" + secret
	for name, render := range map[string]func(*bytes.Buffer) error{
		HTMLFile:     func(b *bytes.Buffer) error { return r.WriteHTML(b) },
		MarkdownFile: func(b *bytes.Buffer) error { return r.WriteMarkdown(b) },
		JUnitFile:    func(b *bytes.Buffer) error { return r.WriteJUnit(b) },
	} {
		var b bytes.Buffer
		if err := render(&b); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), secret) {
			i := strings.Index(b.String(), secret)
			t.Errorf("%s shows the secret: …%s…", name, b.String()[max(0, i-80):i+len(secret)])
		}
	}
}

func TestMarkdown(t *testing.T) {
	r := readFixture(t, "testdata/conformance-failing", "testdata/load-whoami")
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	if tag := regexp.MustCompile(`<[a-zA-Z/]`).FindString(md); tag != "" {
		t.Errorf("summary.md has HTML: %q", tag)
	}
	for _, want := range []string{"# orybench report: ❌ FAILED", "## Conformance", "### Failed cases", "### Coverage matrix",
		"| `toSession` |", "**FAIL**", "## Load: whoami", "### Thresholds", "`p99<50ms`", "### Steps"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q", want)
		}
	}
	// Every table row has the column count of its header.
	cols := 0
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = 0
			continue
		}
		n := len(regexp.MustCompile(`(^|[^\\])\|`).FindAllString(line, -1)) - 1
		if cols == 0 {
			cols = n
		} else if n != cols {
			t.Errorf("row with %d columns under a header of %d: %s", n, cols, line)
		}
	}
}

func TestJUnit(t *testing.T) {
	r := readFixture(t, "testdata/conformance-failing", "testdata/load-whoami")
	var b bytes.Buffer
	if err := r.WriteJUnit(&b); err != nil {
		t.Fatal(err)
	}
	var got junitSuites
	if err := xml.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	if len(got.Suites) != 2 {
		t.Fatalf("%d suites, want conformance and load", len(got.Suites))
	}
	conf, load := got.Suites[0], got.Suites[1]
	failed := len(failuresOf(r.Conformance))
	if conf.Tests != len(r.Conformance.Cases) || conf.Failures != failed || failed == 0 {
		t.Errorf("conformance suite: %d tests, %d failures; want %d, %d", conf.Tests, conf.Failures, len(r.Conformance.Cases), failed)
	}
	sum := r.Loads[0].Summary
	if load.Tests != len(sum.Thresholds) || len(load.Cases) != len(sum.Thresholds) {
		t.Errorf("load suite: %d tests, want one per threshold (%d)", load.Tests, len(sum.Thresholds))
	}
	if got.Tests != conf.Tests+load.Tests || got.Failures != conf.Failures+load.Failures {
		t.Errorf("totals %d/%d do not add up", got.Tests, got.Failures)
	}
	for i, c := range conf.Cases {
		k := r.Conformance.Cases[i]
		if c.Failure != nil && k.Request != "" && !strings.Contains(c.Failure.Text, "request: "+k.Request) {
			t.Errorf("failure of %q does not say its request", c.Name)
		}
	}

	// A breached threshold is a failed testcase, one that held is not.
	for i, th := range sum.Thresholds {
		if (load.Cases[i].Failure != nil) == th.OK {
			t.Errorf("threshold %s (ok %v): failure %+v", th.Expr, th.OK, load.Cases[i].Failure)
		}
	}
}

func TestWriteFiles(t *testing.T) {
	r := readFixture(t, "testdata/load-whoami")
	dir := t.TempDir()
	paths, err := r.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) != 3 {
		t.Fatalf("wrote %v", paths)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("left %d files behind, want 3", len(entries))
	}
}

func TestTimelineDownsamples(t *testing.T) {
	var pts []results.SeriesPoint
	for i := 0; i < 3600; i++ {
		p := results.SeriesPoint{T: int64(i), Requests: 100, P50: 1, P99: 10, StatusCodes: map[string]uint64{"200": 100}}
		if i == 1234 {
			p.P99 = 999
		}
		if i == 2000 {
			p.Requests, p.StatusCodes = 0, nil // a silent second
		}
		pts = append(pts, p)
	}
	tl := newTimeline(pts, MaxChartPoints)
	if len(tl.T) > MaxChartPoints || tl.Window != 6 {
		t.Fatalf("%d points in windows of %d s, want ≤ %d in 6 s", len(tl.T), tl.Window, MaxChartPoints)
	}
	peak := 0.0
	for _, v := range tl.P99 {
		peak = math.Max(peak, v)
	}
	if peak != 999 {
		t.Errorf("the spike was averaged away: peak p99 %v", peak)
	}
	if got := tl.Requests[2000/6]; math.Abs(got-100*5.0/6) > 1e-9 {
		t.Errorf("requests/s of the window with a silent second = %v", got)
	}
	if tl.HasUncorrected || tl.HasP90 {
		t.Errorf("no uncorrected or p90 values, yet the timeline says it has them")
	}
	short := newTimeline(pts[:10], MaxChartPoints)
	if short.Window != 1 || len(short.T) != 10 {
		t.Errorf("10 s run: %d points in %d s windows", len(short.T), short.Window)
	}
}

func TestThresholdActual(t *testing.T) {
	tests := []struct {
		expr string
		v    float64
		want string
	}{
		{"p99<50ms", 45.055, "45.055 ms"},
		{"whoami:p99<20ms", 3.1, "3.1 ms"},
		{"error_rate<0.1%", 0.0005, "0.05%"},
		{"rate_limited<1%", 0, "0%"},
		{"rate>=0.99*requested", 200.057, "200.1/s"},
	}
	for _, tt := range tests {
		if got := FormatThresholdActual(tt.expr, tt.v); got != tt.want {
			t.Errorf("FormatThresholdActual(%q, %v) = %q, want %q", tt.expr, tt.v, got, tt.want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	got := niceTicks(0, 47, 5)
	if got[0] != 0 || got[len(got)-1] < 47 || len(got) > 8 {
		t.Errorf("niceTicks(0, 47) = %v", got)
	}
	labels := []string{}
	for _, tk := range percentileTicks(1, 1e4) {
		labels = append(labels, tk.Label)
	}
	if strings.Join(labels, " ") != "0% 90% 99% 99.9% 99.99%" {
		t.Errorf("percentile ticks %v", labels)
	}
}

func TestDeviationsFromReasons(t *testing.T) {
	c := &results.Conformance{Cases: []results.Case{{Operation: "toSession", Status: 403, Outcome: results.ExpectedFailure,
		Reason: "a-b: one; thing (https://github.com/ory/kratos/issues/1); c-d: other (https://example.org/x)"}}}
	got := deviationsOf(c)
	if len(got) != 2 || got[0].ID != "a-b" || got[0].Summary != "one; thing" || got[1].Upstream != "https://example.org/x" {
		t.Errorf("deviations %+v", got)
	}
}

// TestCommandLine: secrets replaced, and the line pastes into a shell:
// sh -c "printf '%s\n' <line>" gives back the arguments one by one.
func TestCommandLine(t *testing.T) {
	args := []string{"orybench", "load", "--api-key", "k1", "--admin-token=k2", "--rate", "5",
		"--threshold", "p99<50ms", "--slo", "p99<1s,error_rate<0.1%", "--label-filter", "op:toSession && !negative", "--out", "it's here", "--traits", ""}
	got := CommandLine(args)
	if strings.Contains(got, "k1") || strings.Contains(got, "k2") || !strings.Contains(got, "--rate 5") {
		t.Errorf("CommandLine = %q", got)
	}
	out, err := exec.Command("sh", "-c", "printf '%s\\n' "+got).Output()
	if err != nil {
		t.Fatalf("sh -c %q: %v", got, err)
	}
	want := slices.Clone(args)
	want[3], want[4] = redact.Placeholder, "--admin-token="+redact.Placeholder
	if back := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n"); !slices.Equal(back, want) {
		t.Errorf("the shell read %q back as\n%q\nwant\n%q", got, back, want)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestWriteMatrix(t *testing.T) {
	r := readFixture(t, "testdata/conformance-failing")
	var b bytes.Buffer
	if err := WriteMatrix(&b, r.Conformance); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "operation ") || !strings.HasPrefix(lines[1], "createBrowserLoginFlow ") || !strings.HasPrefix(lines[30], "updateVerificationFlow ") {
		t.Errorf("matrix rows:\n%s", strings.Join(lines[:31], "\n"))
	}
	for _, want := range []string{matrixLegend, "FAIL", "99 documented pairs: 70 passed, 22 deviating, 2 failed"} {
		if !strings.Contains(out, want) {
			t.Errorf("matrix lacks %q", want)
		}
	}
	// Each deviation is printed once, its text on one line and then the
	// deviating pairs it covers; every deviating pair is under one.
	_, devBlock, _ := strings.Cut(out, "known spec deviations")
	texts, listed := map[string]int{}, map[string]int{}
	for line := range strings.Lines(devBlock) {
		switch {
		case strings.HasPrefix(line, "  dev  "):
			id, _, _ := strings.Cut(strings.TrimPrefix(line, "  dev  "), ":")
			texts[id]++
		case strings.HasPrefix(line, "       "):
			for p := range strings.SplitSeq(strings.TrimSpace(line), ",") {
				listed[strings.TrimSpace(p)]++
			}
		}
	}
	if len(texts) < 4 {
		t.Errorf("%d deviations listed, want the fixture's several:\n%s", len(texts), devBlock)
	}
	for id, n := range texts {
		if n != 1 {
			t.Errorf("deviation %s printed %d times", id, n)
		}
	}
	for _, p := range r.Conformance.Pairs {
		pair := fmt.Sprintf("%s %d", p.Operation, p.Status)
		if want := map[bool]int{true: 1}[p.Outcome == results.Deviating]; listed[pair] < want || (want == 0 && listed[pair] > 0) {
			t.Errorf("pair %s (%s) listed under %d deviations", pair, p.Outcome, listed[pair])
		}
	}
	if n := strings.Count(out, "genericError.details is declared"); n != 1 {
		t.Errorf("a deviation's text appears %d times, want once", n)
	}
}

func TestWriteFailures(t *testing.T) {
	r := readFixture(t, "testdata/conformance-failing")
	var b bytes.Buffer
	if err := WriteFailures(&b, r.Conformance); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	n := r.Conformance.FailedCases() + r.Conformance.SetupFailedCases()
	if n == 0 || !strings.Contains(out, fmt.Sprintf("%d failed cases:", n)) {
		t.Fatalf("WriteFailures of %d failed cases:\n%s", n, out)
	}
	for _, k := range r.Conformance.Cases {
		if k.Outcome != results.Failed {
			continue
		}
		if !strings.Contains(out, "  FAIL "+k.Name+" ["+k.Client+"]") {
			t.Errorf("no line for failed case %q", k.Name)
		}
		if first, _, _ := strings.Cut(cmp.Or(k.Failure, k.Reason), "\n"); !strings.Contains(out, "      "+first) {
			t.Errorf("case %q's failure %q not printed", k.Name, first)
		}
	}
	b.Reset()
	passing := readFixture(t, "testdata/conformance")
	if err := WriteFailures(&b, passing.Conformance); err != nil || b.Len() != 0 {
		t.Errorf("WriteFailures of a passing run printed %q (%v)", b.String(), err)
	}
}

func TestContractShown(t *testing.T) {
	r := readFixture(t, "testdata/conformance", "testdata/load-whoami")
	r.Conformance.Contract = &results.Contract{Name: "network-v1.22.92", Title: "Ory Network, SDK v1.22.92",
		Module: "github.com/ory/client-go", Version: "v1.22.92", SourceFile: "api/openapi.yaml", SHA256: "0123456789abcdef"}
	var page, md, junit bytes.Buffer
	if err := errors.Join(r.WriteHTML(&page), r.WriteMarkdown(&md), r.WriteJUnit(&junit)); err != nil {
		t.Fatal(err)
	}
	full := "network-v1.22.92: Ory Network, SDK v1.22.92 (github.com/ory/client-go v1.22.92 api/openapi.yaml, sha256 0123456789ab…)"
	// The header names every run's contract; the load run recorded none.
	if want := `<div class="contract" id="contract">contract: ` + full + `; not recorded</div>`; !strings.Contains(page.String(), want) {
		t.Errorf("report.html's header lacks %q", want)
	}
	if want := "<dt>contract</dt><dd>" + full + "</dd>"; !strings.Contains(page.String(), want) {
		t.Errorf("the conformance section lacks %q", want)
	}
	if want := "contract: " + full + "; not recorded\n"; !strings.Contains(md.String(), want) {
		t.Errorf("summary.md lacks %q", want)
	}
	if want := `name="contract" value="network-v1.22.92: Ory Network`; !strings.Contains(junit.String(), want) {
		t.Errorf("junit.xml lacks %q", want)
	}
}

// TestRenderJUnitIsRenders: the junit.xml an interrupted run gets alone
// (RenderJUnit) is the one its whole report holds (Render), for each kind
// of run.
func TestRenderJUnitIsRenders(t *testing.T) {
	for _, fixture := range []string{"conformance", "conformance-failing", "load-whoami", "capacity-whoami"} {
		t.Run(fixture, func(t *testing.T) {
			whole, alone := t.TempDir(), t.TempDir()
			copyDir(t, filepath.Join("testdata", fixture), whole)
			copyDir(t, filepath.Join("testdata", fixture), alone)
			if _, err := Render(whole, "test"); err != nil {
				t.Fatal(err)
			}
			path, err := RenderJUnit(alone)
			if err != nil {
				t.Fatal(err)
			}
			if path != filepath.Join(alone, JUnitFile) {
				t.Errorf("RenderJUnit wrote %s, want %s", path, filepath.Join(alone, JUnitFile))
			}
			want, err := os.ReadFile(filepath.Join(whole, JUnitFile))
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) || len(got) == 0 {
				t.Errorf("RenderJUnit's junit.xml (%d bytes) differs from Render's (%d bytes)", len(got), len(want))
			}
			if _, err := os.Stat(filepath.Join(alone, HTMLFile)); err == nil {
				t.Errorf("RenderJUnit wrote %s too", HTMLFile)
			}
		})
	}
}
