package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orybench/orybench/results"
)

// readComparison reads testdata/compare/compare.json, a real comparison
// (testdata/README.md), and gives its steps the seconds they judged, which
// compare.json does not keep: ten seconds of p50/p99 20/32 ms in the
// baseline, 26/42 ms in the candidate.
func readComparison(t *testing.T) *results.Comparison {
	t.Helper()
	c, err := results.ReadComparison("testdata/compare/compare.json")
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Steps {
		for sec := range 10 {
			c.Steps[i].Seconds[0] = append(c.Steps[i].Seconds[0], results.SecondLatency{T: int64(sec), Requests: 200, P50: 20, P99: 32})
			c.Steps[i].Seconds[1] = append(c.Steps[i].Seconds[1], results.SecondLatency{T: int64(sec), Requests: 200, P50: 26, P99: 42})
		}
	}
	return c
}

func TestCompareRendering(t *testing.T) {
	dir := t.TempDir()
	c := readComparison(t)
	c.Orybench = "test"
	paths, err := WriteComparison(filepath.Join(dir, "out"), c)
	if err == nil {
		var path string
		path, err = c.Write(filepath.Join(dir, "out"))
		paths = append(paths, path)
	}
	if err != nil || len(paths) != 3 {
		t.Fatalf("Write: %v %v", paths, err)
	}
	html, err := os.ReadFile(filepath.Join(dir, "out", CompareHTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	page := string(html)
	expectSelfContained(t, CompareHTMLFile, page)
	for _, want := range []string{
		`id="verdict">REGRESSED`, `id="contract"`, `id="latency"`, `class="regression"`, "updateLogoutFlow",
		`<svg class="ci"`, `<svg class="chart"`, "Per-second latency, whoami", "--fg:#1b1f24", // report.html's styles
	} {
		if !strings.Contains(page, want) {
			t.Errorf("compare.html lacks %q", want)
		}
	}

	md, err := os.ReadFile(filepath.Join(dir, "out", CompareMarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(md))
	var heads, regressedRows int
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			heads++
		}
		if strings.HasPrefix(line, "| whoami | `whoami` |") && strings.Contains(line, "**regressed**") {
			regressedRows++
		}
	}
	if heads < 3 || regressedRows == 0 || !strings.HasPrefix(string(md), "# orybench compare: ❌ REGRESSED") {
		t.Errorf("compare.md: %d headings, %d regressed rows:\n%s", heads, regressedRows, md)
	}

	var back results.Comparison
	data, err := os.ReadFile(filepath.Join(dir, "out", results.ComparisonFile))
	if err == nil {
		err = json.Unmarshal(data, &back)
	}
	if err != nil || back.Verdict != c.Verdict || len(back.Steps) != len(c.Steps) {
		t.Errorf("compare.json: %v, %+v", err, back.Verdict)
	}
}

// A comparison read back from compare.json has no seconds to draw: its
// page has no chart, and says the rest.
func TestCompareRenderingWithoutSeconds(t *testing.T) {
	c, err := results.ReadComparison("testdata/compare/compare.json")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteComparisonHTML(&b, c); err != nil {
		t.Fatal(err)
	}
	if page := b.String(); strings.Contains(page, `<svg class="chart"`) || !strings.Contains(page, `<svg class="ci"`) {
		t.Errorf("compare.html of a comparison without seconds: chart %v, intervals %v",
			strings.Contains(page, `<svg class="chart"`), strings.Contains(page, `<svg class="ci"`))
	}
}

// The notes on a step, such as the candidate's errors, are in compare.md.
func TestCompareNotesErrors(t *testing.T) {
	c := readComparison(t)
	var b strings.Builder
	if err := WriteComparisonMarkdown(&b, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "the candidate's error rate is 30% (the baseline's 0%)") {
		t.Errorf("no note of the errors:\n%s", b.String())
	}
}

func TestFmtRel(t *testing.T) {
	for v, want := range map[float64]string{0.2: "+20%", -0.031: "−3.1%", 0: "0%", -0.0001: "0%", 1.5: "+150%"} {
		if got := fmtRel(v); got != want {
			t.Errorf("fmtRel(%g) = %q, want %q", v, got, want)
		}
	}
}
