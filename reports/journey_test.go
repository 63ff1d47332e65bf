package reports

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/orybench/orybench/results"
)

// renderAll renders r's report.html and summary.md, and its first load
// run's terminal summary.
func renderAll(t *testing.T, r *Report) (page, md, text string) {
	t.Helper()
	var h, m, x bytes.Buffer
	if err := errors.Join(r.WriteHTML(&h), r.WriteMarkdown(&m), WriteLoadText(&x, &r.Loads[0].Summary, "out")); err != nil {
		t.Fatal(err)
	}
	return h.String(), m.String(), x.String()
}

// inOrder reports whether each of subs occurs in s after the one before.
func inOrder(s string, subs ...string) bool {
	at := 0
	for _, sub := range subs {
		i := strings.Index(s[at:], sub)
		if i < 0 {
			return false
		}
		at += i + len(sub)
	}
	return true
}

// A journey run (testdata/load-session-lifecycle, a real run) shows its
// journeys: client, journeys per second, counts, journey latency corrected
// and uncorrected, where journeys stopped; its steps in the journey's
// order; and a percentile chart of whole journeys beside each step's.
func TestJourneyRendered(t *testing.T) {
	r := readFixture(t, "testdata/load-session-lifecycle")
	s := &r.Loads[0].Summary
	j := s.Journey
	if j == nil || j.Completed == 0 {
		t.Fatalf("fixture: no completed journeys in %+v", j)
	}
	// The run stopped none; two made-up stops show the table.
	j.Stopped = 2
	j.StoppedBy = []results.JourneyStop{{Step: "submit", Kind: "unexpected_status", Count: 2}}
	page, md, text := renderAll(t, r)

	steps := []string{"create", "submit", "whoami", "logout"}
	for i, st := range s.Steps {
		if st.Name != steps[i] {
			t.Fatalf("fixture: steps %+v, want %v", s.Steps, steps)
		}
	}
	for _, want := range []string{
		"<h3>Journey</h3>",
		`<div class="l">client</div><div class="v">native</div><div class="s">think 100 ms between requests</div>`,
		`<div class="l">journeys/s</div><div class="v">3/s</div><div class="s">requested 3/s</div>`,
		`<div class="l">completed/s</div><div class="v">3/s</div>`,
		`<div class="l">journeys</div><div class="v">15</div><div class="s">15 completed, 2 stopped</div>`,
		`<div class="l">journey p50</div><div class="v">` + fmtMS(j.Latency.P50) + `</div><div class="s">uncorrected ` + fmtMS(j.LatencyUncorrected.P50) + `</div>`,
		`<div class="l">journey p99</div><div class="v">` + fmtMS(j.Latency.P99) + `</div><div class="s">uncorrected ` + fmtMS(j.LatencyUncorrected.P99) + `</div>`,
		`<div class="l">journey max</div><div class="v">` + fmtMS(j.Latency.Max) + `</div>`,
		`<tr><td class="mono">submit</td><td>unexpected status</td><td class="num">2</td></tr>`,
		// a threshold without a step judges whole journeys
		`<td class="mono">error_rate&lt;1%</td><td>whole journeys</td>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
	// Where a journey's time goes: each step's mean times its requests
	// per journey, whoami five times.
	var sum float64
	for _, st := range s.Steps {
		sum += st.LatencyUncorrected.Mean * float64(st.Requests) / float64(j.Started)
	}
	whoami := s.Steps[2]
	part := fmtMS(whoami.LatencyUncorrected.Mean) + " mean × 5 per journey = " + fmtMS(5*whoami.LatencyUncorrected.Mean)
	split := "actual send: " + fmtMS(sum) + " in all" // the sum of the parts
	for name, out := range map[string]string{"report.html": page, "summary.md": md} {
		for _, want := range []string{part, split, "Stopped journeys count the requests they made"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q", name, want)
			}
		}
	}
	if got := strings.Count(page[strings.Index(page, `<div class="bar"`):], "<span style=\"width:"); got < len(steps) {
		t.Errorf("the bar of a journey's time has %d parts, want %d", got, len(steps))
	}
	if strings.Contains(page, "<div class=\"l\">identities</div>") {
		t.Errorf("report.html counts identities of a journey that registered none")
	}
	var rows []string
	for _, st := range steps {
		rows = append(rows, `<td class="mono" rowspan="2">`+st+`</td>`)
	}
	if !inOrder(page, rows...) {
		t.Errorf("report.html's steps are not in the journey's order %v", steps)
	}
	// The percentile chart: the journey's pair and a line per step, not
	// the mix of all requests.
	fig := page[strings.Index(page, `-hdr-fig"`):]
	fig = fig[:strings.Index(fig, "</figure>")]
	legend := fig[strings.Index(fig, `<div class="legend">`):strings.Index(fig, "<svg class=\"chart\"")]
	for _, name := range append([]string{"journey", "journey, uncorrected"}, steps...) {
		if !strings.Contains(legend, "</svg>"+name+"</span>") {
			t.Errorf("percentile chart's legend lacks %q: %s", name, legend)
		}
	}
	if strings.Contains(legend, "all steps") {
		t.Errorf("percentile chart of a journey draws all requests mixed: %s", legend)
	}
	if !strings.Contains(fig, "whole journeys (journey.hgrm)") {
		t.Errorf("percentile chart's note does not say it draws whole journeys")
	}

	for _, want := range []string{
		"### Journey",
		"| client | journeys/s | completed/s | journeys | journey p50 | journey p90 | journey p99 | journey max |",
		"| native (think 100 ms between requests) | 3/s (requested 3/s) |",
		"15 (15 completed, 2 stopped)",
		fmtMS(j.Latency.P50) + " (uncorrected " + fmtMS(j.LatencyUncorrected.P50) + ")",
		"#### Journeys stopped",
		"| `submit` | unexpected status | 2 |",
		"| `error_rate<1%` | whole journeys |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %s", want)
		}
	}
	rows = rows[:0]
	for _, st := range steps {
		rows = append(rows, "| `"+st+"` | ")
	}
	if !inOrder(md[strings.Index(md, "### Steps"):], rows...) {
		t.Errorf("summary.md's steps are not in the journey's order %v:\n%s", steps, md)
	}

	for _, want := range []string{
		"journeys             native client, requested 3.00/s, achieved 3.00/s, completed 3.00/s; 15 started, 15 completed, 2 stopped\n",
		"journey              p50 " + trimFloat(j.Latency.P50, 3),
		"(from intended start)\n",
		"journey uncorrected  p50 ",
		"(sum of its requests)\n",
		"stopped by           submit: unexpected status 2\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("terminal summary lacks %q:\n%s", want, text)
		}
	}
}

// A registration journey (testdata/load-registration, a real run) counts
// the identities it made and removed; one that could not remove them all
// says how many are left, and marks it.
func TestJourneyIdentities(t *testing.T) {
	r := readFixture(t, "testdata/load-registration")
	j := r.Loads[0].Summary.Journey
	if j == nil || j.IdentitiesRegistered == 0 || j.IdentitiesRemoved != j.IdentitiesRegistered {
		t.Fatalf("fixture: %+v", j)
	}
	n := fmtCount(j.IdentitiesRegistered)
	page, md, text := renderAll(t, r)
	said := n + " registered (warm-up included), " + n + " removed through the admin API"
	for name, out := range map[string]string{"report.html": page, "summary.md": md, "terminal": text} {
		if !strings.Contains(out, said) {
			t.Errorf("%s lacks %q", name, said)
		}
	}
	if !strings.Contains(page, `<div class="tile"><div class="l">identities</div><div class="v">`+n+`</div><div class="s">`+n+` removed after the run</div>`) {
		t.Errorf("report.html has no identities tile")
	}
	if strings.Contains(page, `<table class="stops">`) || strings.Contains(md, "Journeys stopped") {
		t.Errorf("a run that stopped no journey shows a table of stops")
	}

	j.IdentitiesRemoved = 0
	page, _, text = renderAll(t, r)
	if !strings.Contains(page, `<div class="tile bad"><div class="l">identities</div>`) {
		t.Errorf("identities left behind are not marked")
	}
	if left := ", " + n + " left for orybench cleanup"; !strings.Contains(text, left) {
		t.Errorf("terminal summary lacks %q:\n%s", left, text)
	}
}

// A run that is no journey has no journey block.
func TestNoJourneyBlock(t *testing.T) {
	page, md, text := renderAll(t, readFixture(t, "testdata/load-flow-creation"))
	if strings.Contains(page, "<h3>Journey</h3>") || strings.Contains(md, "### Journey") || strings.Contains(text, "journeys ") {
		t.Errorf("a run of single requests shows a journey block")
	}
	if !strings.Contains(page, "<td>all steps</td>") {
		t.Errorf("a step-less threshold no longer applies to all steps")
	}
}

// A capacity search over a journey scenario counts journeys per second,
// and judges its runs by their journeys' latency.
func TestJourneyCapacityWording(t *testing.T) {
	r := readFixture(t, "testdata/capacity-whoami")
	res := &r.Capacities[0].Result
	var md0 bytes.Buffer
	if err := r.WriteMarkdown(&md0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md0.String(), "requests/s") || strings.Contains(md0.String(), "journeys/s") {
		t.Fatalf("a search of single requests does not count requests/s")
	}
	for i := range res.Steps {
		if sum := res.Steps[i].Summary; sum != nil {
			j := results.JourneySummary{Client: "native", Latency: sum.Latency}
			j.Latency.P90 = 1234 // the journeys' own
			sum.Journey = &j
		}
	}
	var page, md, text bytes.Buffer
	if err := errors.Join(r.WriteHTML(&page), r.WriteMarkdown(&md), WriteCapacityText(&text, res, "out"), WriteCapacityStepText(&text, res.Steps[0])); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"report.html": page.String(), "summary.md": md.String(), "terminal": text.String()} {
		if strings.Contains(out, "requests/s") || !strings.Contains(out, "journeys/s") {
			t.Errorf("%s of a journey search does not count journeys/s:\n%s", name, out)
		}
	}
	if !strings.Contains(text.String(), "  stopped ") || strings.Contains(text.String(), "errors") {
		t.Errorf("a journey search's step line does not call its error rate the journeys stopped: %s", text.String())
	}
	for _, want := range []string{"achieved throughput (journeys/s)", `<th class="num">journeys stopped</th>`, `<td class="num">` + fmtMS(1234) + `</td>`} {
		if !strings.Contains(page.String(), want) {
			t.Errorf("report.html lacks %s", want)
		}
	}
}
