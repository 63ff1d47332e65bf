package reports

import (
	"bytes"
	"encoding/xml"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/orybench/orybench/results"
)

// testdata/capacity-whoami is a real capacity search (testdata/README.md).

func TestReadCapacity(t *testing.T) {
	r := readFixture(t, "testdata/capacity-whoami")
	if len(r.Capacities) != 1 || len(r.Loads) != 0 || r.Conformance != nil {
		t.Fatalf("%d capacity searches, %d loads, conformance %v; want the one search", len(r.Capacities), len(r.Loads), r.Conformance != nil)
	}
	c := r.Capacities[0]
	if !c.Result.Found || c.Result.SustainableRate <= 0 || len(c.Result.Steps) == 0 || c.Run.Command == "" {
		t.Fatalf("capacity %+v, run %+v", c.Result, c.Run)
	}
	if r.Verdict() != results.VerdictPassed {
		t.Errorf("a search that found a sustainable rate does not pass the report")
	}
	// The steps' own directories (load runs) are not runs of the report,
	// read from the search's directory or from its parent.
	parent := t.TempDir()
	copyDir(t, "testdata/capacity-whoami", filepath.Join(parent, "capacity"))
	copyDir(t, "testdata/load-whoami", filepath.Join(parent, "capacity", "steps", "01-50"))
	for _, dir := range []string{parent, filepath.Join(parent, "capacity")} {
		if r := readFixture(t, dir); len(r.Capacities) != 1 || len(r.Loads) != 0 {
			t.Errorf("from %s: %d searches, %d loads; want the search alone", dir, len(r.Capacities), len(r.Loads))
		}
	}
}

func TestCapacityHTML(t *testing.T) {
	r := readFixture(t, "testdata/capacity-whoami", "testdata/load-whoami")
	res := r.Capacities[0].Result
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	rate := trimFloat(res.SustainableRate, 1)
	for _, want := range []string{
		`<section id="capacity-` + res.Scenario + `" class="capacity">`,
		`<svg class="chart" id="capacity-` + res.Scenario + `-curve"`,
		`data-series="sustainable rate ` + rate + `/s"`,
		`data-series="SLO ` + strings.ReplaceAll(res.SLO[0], "<", "&lt;") + `"`,
		`data-series="p50"`, `data-series="p99"`,
		`id="load-whoami"`, // the load run is still there
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	// A dot per measured run, a table row per step.
	measured := 0
	for _, st := range res.Steps {
		if st.Summary != nil && st.Summary.Requests > 0 {
			measured++
		}
	}
	if got := strings.Count(page, `<circle class="dot"`); got != measured {
		t.Errorf("%d dots, want one per measured run (%d)", got, measured)
	}
	section := page[strings.Index(page, `class="capacity"`):]
	if got := strings.Count(section, "<tr><td class=\"num\">"); got != len(res.Steps) {
		t.Errorf("%d step rows, want %d", got, len(res.Steps))
	}
	// The overview names the search with its verdict.
	if !strings.Contains(page, "sustainable "+rate+" requests/s, confidence "+res.Confidence.Level) {
		t.Errorf("the overview does not give the sustainable rate and its confidence")
	}
}

func TestCapacityMarkdownAndJUnit(t *testing.T) {
	r := readFixture(t, "testdata/capacity-whoami")
	res := r.Capacities[0].Result
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	text := md.String()
	if !strings.Contains(text, "## Capacity: "+res.Scenario+": passed") || !strings.Contains(text, "| sustainable rate | confidence |") {
		t.Errorf("summary.md has no capacity table:\n%s", text)
	}
	for _, st := range res.Steps {
		row := regexp.MustCompile(`(?m)^\| ` + strconv.Itoa(st.N) + ` \| ` + string(st.Phase) + ` \| `)
		if !row.MatchString(text) {
			t.Errorf("summary.md has no row for step %d", st.N)
		}
	}

	var j bytes.Buffer
	if err := r.WriteJUnit(&j); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(j.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	if len(suites.Suites) != 1 || suites.Tests != 1 || suites.Failures != 0 || suites.Suites[0].Name != "orybench capacity "+res.Scenario {
		t.Errorf("junit.xml: %+v", suites)
	}
}

// A search that found nothing fails the report, in every format.
func TestCapacityNotFound(t *testing.T) {
	r := &Report{Runs: results.Runs{Capacities: []*results.CapacityRun{{Dir: "x", Result: results.CapacityResult{Scenario: "whoami", SLO: []string{"p99<50ms"},
		Ended: results.EndMinRate, Confidence: results.CapacityConfidence{Level: "none", Reason: "no rate held the SLO, down to 1/s"},
		Steps: []results.CapacityStep{{N: 1, Phase: results.PhaseStart, Rate: 1, Achieved: 1, P99: 80,
			Breached: []string{"p99<50ms"}, Summary: &results.LoadSummary{Requests: 10, Latency: results.Latency{P50: 60, P99: 80}}}}}}}}}
	if r.Verdict() != results.VerdictFailed {
		t.Fatal("a search that found nothing passes the report")
	}
	var html, md, j bytes.Buffer
	if err := r.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteJUnit(&j); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), `id="verdict">FAILED`) || strings.Contains(html.String(), `data-series="sustainable rate`) {
		t.Errorf("report.html does not show the failure, or marks a sustainable rate")
	}
	if !strings.Contains(md.String(), "## Capacity: whoami: **FAILED**") {
		t.Errorf("summary.md:\n%s", md.String())
	}
	if !strings.Contains(j.String(), `<failure message="no rate held the SLO: no rate held the SLO, down to 1/s"`) {
		t.Errorf("junit.xml:\n%s", j.String())
	}
}

// An overloaded run's latency, far above the SLO, is drawn at the top edge
// rather than flattening the rest of the curve, and the note says so.
func TestCapacityChartClipsOverload(t *testing.T) {
	step := func(n int, rate, p50, p99 float64, held bool) results.CapacityStep {
		return results.CapacityStep{N: n, Rate: rate, Achieved: rate, P50: p50, P99: p99, Held: held,
			Summary: &results.LoadSummary{Requests: 100, Latency: results.Latency{P50: p50, P99: p99}}}
	}
	res := results.CapacityResult{Found: true, SustainableRate: 200, SLO: []string{"p99<50ms", "error_rate<0.1%"},
		Steps: []results.CapacityStep{step(1, 100, 10, 20, true), step(2, 200, 12, 30, true), step(3, 400, 4000, 9000, false), step(4, 200, 11, 28, true)}}
	c, legend, note := capacityChart("c", res)
	_, _, _, top := c.bounds()
	if top < 50 || top > 200 {
		t.Errorf("y axis up to %g ms: want the SLO's 50 ms in view, the overload clipped", top)
	}
	for _, l := range c.Lines {
		for _, y := range l.Y {
			if y > top {
				t.Errorf("%s: %g above the axis top %g", l.Name, y, top)
			}
		}
	}
	if !strings.Contains(note, "drawn at the top edge (3 points)") {
		t.Errorf("note %q does not say that 3 points were clipped (p50, p99, the failed run's dot)", note)
	}
	// The lines go through one point per rate: the rates, not the runs.
	for _, l := range c.Lines {
		if l.Name == "p99" && len(l.X) != 3 {
			t.Errorf("p99 line through %d points, want 3 (100, 200, 400/s)", len(l.X))
		}
	}
	names := ""
	for _, li := range legend {
		names += li.Name + "; "
	}
	for _, want := range []string{"p50", "p99", "run held the SLO (at its p99)", "run breached the SLO (at its p99)", "SLO p99<50ms", "sustainable rate 200/s"} {
		if !strings.Contains(names, want+";") {
			t.Errorf("legend %q lacks %q", names, want)
		}
	}
}

func TestSLOLatencies(t *testing.T) {
	got := sloLatencies([]string{"p99<50ms", "error_rate<0.1%", "whoami:p99<20ms", "p90 <= 1s", "rate>=0.99*requested", "mean<500us", "max>1ms"})
	want := []sloLatency{{"p99<50ms", "p99", 50}, {"p90 <= 1s", "p90", 1000}, {"mean<500us", "mean", 0.5}}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}
