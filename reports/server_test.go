package reports

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/orybench/orybench/results"
)

// wantAll fails t for each of wants that out lacks.
func wantAll(t *testing.T, name, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q", name, w)
		}
	}
}

// wantNone fails t for each of nots that out has.
func wantNone(t *testing.T, name, out string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(out, n) {
			t.Errorf("%s has %q", name, n)
		}
	}
}

// The terminal summary of a run with a server view prints it after the
// client's latency: percentiles with the bucket that holds the p99, the
// counts, CPU, memory, the database and each warning.
func TestServerText(t *testing.T) {
	s := readFixture(t, "testdata/load-whoami-server").Loads[0].Summary
	var b bytes.Buffer
	if err := WriteLoadText(&b, &s, "out"); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	wantAll(t, "load text", out,
		"server          p50 2.71  p90 23.1  p99 96.4 ms (from buckets: p99 in the 50–100 ms bucket), 2001 requests counted (client 2000, +0.05%)\n",
		"server cpu      0.41 ms/request, 0.08 of 2 cores (peak 0.12); rss 48 MB\n",
		"database        200.3 commits/s (2,003), 0 rollbacks; pool 0.42 of 16 busy on average (open 5); cache hit 99.93%\n",
		"server warning  scrape 7 of 11: ",
	)
	if i, j := strings.Index(out, "uncorrected "), strings.Index(out, "server "); i < 0 || j < i {
		t.Errorf("the server's lines are not after the client's latency:\n%s", out)
	}

	// Missing: one line, and nothing else of the server's.
	s.Server = &results.ServerView{Source: "http://127.0.0.1:4434/admin/metrics/prometheus", Missing: "the target serves no metrics at http://127.0.0.1:4434/admin/metrics/prometheus: 404"}
	b.Reset()
	if err := WriteLoadText(&b, &s, "out"); err != nil {
		t.Fatal(err)
	}
	wantAll(t, "load text, missing", b.String(), "server       none: the target serves no metrics at http://127.0.0.1:4434/admin/metrics/prometheus: 404\n")
	if n := strings.Count(b.String(), "server"); n != 1 {
		t.Errorf("a missing server view takes %d mentions, want one line:\n%s", n, b.String())
	}
	wantNone(t, "load text, missing", b.String(), "server cpu", "database")
}

// A capacity search's step lines gain the server's p50, p99 and CPU per
// request; its summary names the limit and why, and says once that the
// server's view is missing when no step has it.
func TestCapacityServerText(t *testing.T) {
	c := readFixture(t, "testdata/capacity-whoami-server").Capacities[0].Result
	var b bytes.Buffer
	for _, st := range c.Steps {
		if err := WriteCapacityStepText(&b, st); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteCapacityText(&b, &c, "out/cap"); err != nil {
		t.Fatal(err)
	}
	wantAll(t, "capacity text", b.String(),
		"FAILED p99<50ms  server p50 2.46ms p99 9.38ms, cpu 0.45ms/req\n",
		"limit             closest to its limit at 35/s: outside-server (182.36 of 191.74 ms, 95.1%)\n",
		"                  at 35/s the server's p99 stayed at 9.4 ms",
	)
	wantNone(t, "capacity text", b.String(), "server warning")

	// A CPU limit reads as the example.
	c.Limit = &results.CapacityLimit{Rate: 160, Closest: "cpu", Reason: "Kratos kept 1.9 of its 2 cores busy",
		Resources: []results.ResourceUse{{Resource: "cpu", Used: 1.9, Limit: 2, Fraction: 0.95, Unit: "cores"}}}
	b.Reset()
	if err := WriteCapacityText(&b, &c, "out/cap"); err != nil {
		t.Fatal(err)
	}
	wantAll(t, "capacity text, cpu", b.String(), "closest to its limit at 160/s: cpu (1.9 of 2 cores, 95%)\n", "Kratos kept 1.9 of its 2 cores busy\n")

	// Warnings: each once, with the step that first had it.
	const warning = "scrape 4 of 11: metrics: text format parsing error in line 3: expected float as value"
	c.Steps[2].Summary.Server.Warnings = []string{warning}
	c.Steps[4].Summary.Server.Warnings = []string{warning}
	b.Reset()
	if err := WriteCapacityText(&b, &c, "out/cap"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), warning); n != 1 {
		t.Errorf("a warning of two steps is printed %d times, want once:\n%s", n, b.String())
	}
	wantAll(t, "capacity text, warnings", b.String(), "server warning    step 3: "+warning+"\n")
	var page bytes.Buffer
	if err := (&Report{Runs: results.Runs{Capacities: []*results.CapacityRun{{Result: c}}}}).WriteHTML(&page); err != nil {
		t.Fatal(err)
	}
	wantAll(t, "report.html, warnings", page.String(), "<li>server warning: step 3: "+warning+"</li>")

	// No step with figures: one line, steps unchanged.
	c.Limit = nil
	for i := range c.Steps {
		c.Steps[i].Summary.Server = &results.ServerView{Missing: "the target serves no metrics: 404"}
	}
	b.Reset()
	for _, st := range c.Steps {
		if err := WriteCapacityStepText(&b, st); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteCapacityText(&b, &c, "out/cap"); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(b.String(), "server"); n != 1 {
		t.Errorf("a search without server figures mentions the server %d times, want one line:\n%s", n, b.String())
	}
	wantAll(t, "capacity text, missing", b.String(), "server            none: the target serves no metrics: 404\n")
}

// report.html, summary.md and junit.xml show the server's view of a load
// run and of a capacity search's steps, with the limit.
func TestServerRendered(t *testing.T) {
	r := readFixture(t, "testdata/load-whoami-server", "testdata/capacity-whoami-server")
	var page, md, junit bytes.Buffer
	if err := errors.Join(r.WriteHTML(&page), r.WriteMarkdown(&md), r.WriteJUnit(&junit)); err != nil {
		t.Fatal(err)
	}
	wantAll(t, "report.html", page.String(),
		`<div class="server-view" id="load-whoami-server">`, "<h3>Server's view</h3>",
		`<tr><td>p99</td><td class="num">155 ms</td><td class="num">96.4 ms</td><td class="num">58.4 ms</td></tr>`,
		"The server counted 2,001 requests on the run&#39;s endpoints, orybench 2,000: &#43;0.05%.",
		"(upper bounds 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000 ms): p50 in the 0–5 ms bucket, p99 in the 50–100 ms bucket",
		"<dt>CPU per request</dt><dd>0.41 ms", "<dt>cores busy</dt><dd>0.08 of 2 cores (peak 0.12)</dd>", "48 MB resident at most",
		`<td class="mono">/sessions/whoami</td><td class="mono">GET</td><td class="num">2,001</td><td>200: 2,001</td><td class="num">2.71 ms</td><td class="num">96.4 ms</td>`,
		"<dt>connections</dt><dd>0.42 busy on average (running a statement or holding a transaction open), 3 seen running a statement at once (read once a second), 5 open at most, of a pool of 16</dd>",
		"warning: scrape 7 of 11",
		// The capacity search: the chart, the limit, the step table.
		`<svg class="chart" id="capacity-whoami-server"`, "Client and server latency",
		"<b>Closest to its limit at 35/s: outside-server (182.36 of 191.74 ms, 95.1%)</b>: at 35/s the server&#39;s p99 stayed at 9.4 ms",
		`<td class="mono"><b>outside-server</b></td><td class="num">182.363 ms</td><td class="num">191.743 ms</td><td class="num">95.1%</td>`,
		`<th class="num">server p50</th><th class="num">server p99</th>`,
		`<td class="num">192 ms</td><td class="num">2.46 ms</td><td class="num">9.38 ms</td><td class="num">0.45 ms</td>`,
	)
	// Four lines in the server chart (client and server p50 and p99),
	// a point per rate: six rates.
	i := strings.Index(page.String(), `id="capacity-whoami-server"`)
	chartSVG := page.String()[i:]
	chartSVG = chartSVG[:strings.Index(chartSVG, "</svg>")]
	if n := strings.Count(chartSVG, `class="line"`); n != 4 {
		t.Errorf("the server chart draws %d lines, want 4", n)
	}
	wantAll(t, "summary.md", md.String(),
		"### Server's view", "| p99 | 155 ms | 96.4 ms | 58.4 ms |", "orybench 2,000: +0.05%. CPU per request 0.41 ms",
		"Database: transactions: 2,003 commits", "- warning: scrape 7 of 11",
		"**Closest to its limit at 35/s: outside-server (182.36 of 191.74 ms, 95.1%)**: at 35/s",
		"| server p50 | server p99 | server CPU/request |", "| 5 | bisect | 35/s | 35/s | 4.84 ms | 192 ms | 2.46 ms | 9.38 ms | 0.45 ms | 0% |",
	)
	wantAll(t, "junit.xml", junit.String(), `<property name="server_p99_ms" value="96.4">`, `<property name="server_cpu_per_request_ms" value="0.41">`)

	// The fixtures without a server view render none of it.
	plain := readFixture(t, "testdata/load-whoami", "testdata/capacity-whoami")
	page.Reset()
	md.Reset()
	if err := errors.Join(plain.WriteHTML(&page), plain.WriteMarkdown(&md)); err != nil {
		t.Fatal(err)
	}
	wantNone(t, "report.html without a server view", page.String(), "Server's view", "server p50", "Closest to its limit", "server-view")
	wantNone(t, "summary.md without a server view", md.String(), "Server's view", "server p50", "Closest to its limit")
}

// A missing server view is one plain sentence in report.html and
// summary.md.
func TestServerMissingRendered(t *testing.T) {
	r := readFixture(t, "testdata/load-whoami-server", "testdata/capacity-whoami-server")
	const why = "the target serves no metrics at http://127.0.0.1:4434/admin/metrics/prometheus: 404"
	r.Loads[0].Summary.Server = &results.ServerView{Missing: why}
	c := &r.Capacities[0].Result
	c.Limit = nil
	for i := range c.Steps {
		c.Steps[i].Summary.Server = &results.ServerView{Missing: why}
	}
	var page, md bytes.Buffer
	if err := errors.Join(r.WriteHTML(&page), r.WriteMarkdown(&md)); err != nil {
		t.Fatal(err)
	}
	sentence := "The server&#39;s view is missing: " + why + "."
	if n := strings.Count(page.String(), sentence); n != 2 {
		t.Errorf("report.html says the server's view is missing %d times, want once per run (2)", n)
	}
	wantNone(t, "report.html, missing", page.String(), "server-latency", "server p50", `id="capacity-whoami-server"`)
	if n := strings.Count(md.String(), "The server's view is missing: "+why+"."); n != 2 {
		t.Errorf("summary.md says the server's view is missing %d times, want once per run (2)", n)
	}
}

// compare.html and compare.md show the server's figures beside the
// latency, with their change and no interval, and "not measured" for a
// side without them; nothing of them when no step has them.
func TestCompareServerRendering(t *testing.T) {
	c := readComparison(t)
	render := func() (string, string) {
		var h, m bytes.Buffer
		if err := errors.Join(WriteComparisonHTML(&h, c), WriteComparisonMarkdown(&m, c)); err != nil {
			t.Fatal(err)
		}
		return h.String(), m.String()
	}
	h, m := render()
	wantNone(t, "compare.html without server figures", h, "Server's view", noInterval)
	wantNone(t, "compare.md without server figures", m, "Server's view", noInterval)

	last := len(c.Steps) - 1
	c.Steps[last].Server = &results.ServerDiff{Metrics: []results.ServerMetricDiff{
		{Name: "server p99", Unit: "ms", Baseline: 8, Candidate: 16, Rel: 1},
		{Name: "cpu per request", Unit: "ms", Baseline: 0.4, Candidate: 0.5, Rel: 0.25},
	}}
	regressed := c.Regressed()
	h, m = render()
	wantAll(t, "compare.html", h, `<section id="server">`,
		`<td>server p99</td><td class="num">8 ms</td><td class="num">16 ms</td><td class="num"><b>&#43;100%</b></td><td class="muted">no interval: from histogram buckets</td>`)
	wantAll(t, "compare.md", m, "## Server's view", "no interval: from histogram buckets",
		"| server p99 | 8 ms | 16 ms | +100% |", "| cpu per request | 0.4 ms | 0.5 ms | +25% |")
	if c.Regressed() != regressed {
		t.Errorf("the server's figures changed the verdict")
	}

	c.Steps[last].Server = &results.ServerDiff{NotMeasured: "not measured in the candidate: the target serves no metrics: 404"}
	h, m = render()
	wantAll(t, "compare.html, not measured", h, `<span class="m skip">not measured</span> not measured in the candidate: the target serves no metrics: 404`)
	wantAll(t, "compare.md, not measured", m, "| server figures | not measured | not measured | not measured in the candidate: the target serves no metrics: 404 |")
}
