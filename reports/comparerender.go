package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strconv"
	"strings"

	"github.com/orybench/orybench/results"
)

// Files a comparison's rendering writes, beside compare.json
// (results.ComparisonFile).
const (
	CompareHTMLFile     = "compare.html"
	CompareMarkdownFile = "compare.md"
)

//go:embed compare.html.tmpl
var compareSource string

// reportCSS is report.html's style sheet, so that compare.html looks the
// same without a second copy of it to keep in step.
var reportCSS = func() template.CSS {
	_, rest, _ := strings.Cut(htmlSource, "<style>")
	css, _, _ := strings.Cut(rest, "</style>")
	return template.CSS(css) // a constant of this package, not input
}()

var compareTemplate = template.Must(template.New("compare").Funcs(template.FuncMap{
	"safeHTML": func(s string) template.HTML { return template.HTML(s) }, // legend swatches, built from constants
}).Parse(compareSource))

// WriteComparison renders c as compare.html and compare.md into dir and
// returns their paths.
func WriteComparison(dir string, c *results.Comparison) ([]string, error) {
	return writeRenderings(dir, []rendering{
		{CompareHTMLFile, func(w io.Writer) error { return WriteComparisonHTML(w, c) }},
		{CompareMarkdownFile, func(w io.Writer) error { return WriteComparisonMarkdown(w, c) }},
	})
}

// WriteComparisonHTML writes compare.html: one self-contained page in
// report.html's style, that fetches nothing.
func WriteComparisonHTML(w io.Writer, c *results.Comparison) error {
	return compareTemplate.Execute(w, struct {
		compareView
		CSS template.CSS
	}{newCompareView(c), reportCSS})
}

type compareView struct {
	Regressed             bool
	Headline              string
	GeneratedAt, Orybench string
	Sides                 []sideRow
	Tolerance, Level      string
	Rule, Method          string
	Contract              *contractView
	Steps                 []stepView
	Judged                string // "2 steps"
	Regressions           int
	Notes                 []string
}

type sideRow struct {
	Label, Dir, Kratos, Contract, Conformance, Loads string
}

type contractView struct {
	Coverage    []coverageRow
	Cases       string
	Changes     []changeRow
	Regressions int
	// LostPairs passed or deviated in the baseline and are skipped,
	// filtered out or missing in the candidate.
	LostPairs []lostPairRow
}

type lostPairRow struct {
	Pair, From, FromClass, To, ToClass, Reason string
}

type coverageRow struct {
	Label                  string
	Base, Cand, Delta, Cls string
}

type changeRow struct {
	Op, Client, Name, Reason          string
	Status                            int
	From, FromClass, To, ToClass      string
	Regression                        bool
	FromMark, ToMark, RegressionClass string
}

type stepView struct {
	Anchor, Run, Step, Source, Requests, Errors, NotJudged string
	Notes                                                  []string
	Metrics                                                []metricRow
	Chart                                                  *chartView
	// Server compares the server's own figures; nil when neither side
	// read them.
	Server *serverDiffView
}

// serverDiffView is a pair of runs' server figures side by side.
type serverDiffView struct {
	NotMeasured string
	Rows        []serverDiffRow
}

type serverDiffRow struct {
	Name, Base, Cand, Change string
}

func newServerDiffView(d *results.ServerDiff) *serverDiffView {
	if d == nil {
		return nil
	}
	v := &serverDiffView{NotMeasured: d.NotMeasured}
	for _, m := range d.Metrics {
		b, c, ch := serverDiffText(m)
		v.Rows = append(v.Rows, serverDiffRow{Name: m.Name, Base: b, Cand: c, Change: ch})
	}
	return v
}

// HasServer reports whether a step compares the server's figures.
func (v compareView) HasServer() bool {
	for _, s := range v.Steps {
		if s.Server != nil {
			return true
		}
	}
	return false
}

// NoInterval says why the server's figures have no interval.
func (compareView) NoInterval() string { return noInterval }

type metricRow struct {
	Name, Base, Cand, Change, Interval, WholeRun string
	Verdict, Class                               string
	Bar                                          template.HTML
}

var verdictClass = map[string]string{results.Regressed: "fail", results.Improved: "pass", results.WithinTolerance: "dev", results.NotSignificant: "skip"}

func newCompareView(c *results.Comparison) compareView {
	v := compareView{Regressed: c.Regressed(), GeneratedAt: c.GeneratedAt.Format("2006-01-02 15:04:05 UTC"), Orybench: orNot(c.Orybench),
		Tolerance: trimFloat(100*c.Tolerance, 1) + "%", Level: trimFloat(100*c.Level, 1) + "%",
		Judged: plural(c.Verdict.JudgedSteps, "step", "steps"), Regressions: c.Verdict.LatencyRegressions, Notes: c.Notes}
	v.Headline = "no regression"
	if v.Regressed {
		var parts []string
		if n := c.Verdict.ContractRegressions; n > 0 {
			parts = append(parts, plural(n, "contract case", "contract cases")+" newly failing")
		}
		if n := c.Verdict.LostPairs; n > 0 {
			parts = append(parts, plural(n, "pair", "pairs")+" no longer judged")
		}
		if n := c.Verdict.LatencyRegressions; n > 0 {
			parts = append(parts, plural(n, "latency regression", "latency regressions"))
		}
		v.Headline = strings.Join(parts, ", ")
	}
	v.Rule = fmt.Sprintf("A latency change is flagged when its %s interval excludes no change and it is more than %s; a case is flagged when the candidate fails it and the baseline did not; a pair when it passed or deviated in the baseline and the candidate skipped it, filtered it out or lacks it.", v.Level, v.Tolerance)
	v.Method = "Each step's latency is the median over its seconds of that second's p50 and p99 (corrected, from intended send; " +
		"seconds with under half the usual answers, such as the last, partial one, left out). The interval of its relative change comes from a circular " +
		"moving-block bootstrap of each run's per-second series (blocks of about n^(1/3) consecutive seconds, so that " +
		"neighbouring seconds, which are alike, stay together; percentile interval; fixed seed). Whole run: the run's own HdrHistogram percentile, for reference. " +
		"Short runs give intervals narrower than their level claims: release validation wants a minute or more per step."
	for _, s := range []struct {
		label string
		side  results.CompareSide
	}{{"baseline", c.Baseline}, {"candidate", c.Candidate}} {
		conf := "no"
		if s.side.Conformance {
			conf = "yes"
		}
		v.Sides = append(v.Sides, sideRow{Label: s.label, Dir: s.side.Dir, Kratos: orNot(s.side.KratosVersion), Contract: s.side.Contract.String(), Conformance: conf,
			Loads: orDefault(strings.Join(s.side.Loads, ", "), "none")})
	}
	if d := c.Contract; d != nil {
		v.Contract = newContractView(d, c.Verdict.ContractRegressions)
	}
	anchors := map[string]int{}
	for _, s := range c.Steps {
		v.Steps = append(v.Steps, newStepView(s, c.Tolerance, c.Level, anchors))
	}
	return v
}

func newContractView(d *results.ContractDiff, regressions int) *contractView {
	cv := &contractView{Regressions: regressions, Cases: fmt.Sprintf("%d cases in the baseline, %d in the candidate", d.Cases[0], d.Cases[1])}
	b, c := d.Baseline, d.Candidate
	for _, r := range []struct {
		label, cls string
		b, c       int
		worse      int // +1: more is worse, -1: fewer is worse
	}{
		{"passed", "pass", b.PassedPairs, c.PassedPairs, -1},
		{"deviating (known)", "dev", b.DeviatingPairs, c.DeviatingPairs, 0},
		{"failed", "fail", b.FailedPairs, c.FailedPairs, 1},
		{"skipped", "skip", b.SkippedPairs, c.SkippedPairs, 0},
		{"untriggerable", "na", b.UntriggerablePairs, c.UntriggerablePairs, 0},
	} {
		delta := ""
		if r.c != r.b {
			delta = fmt.Sprintf("%+d", r.c-r.b)
		}
		cv.Coverage = append(cv.Coverage, coverageRow{Label: r.label, Base: strconv.Itoa(r.b), Cand: strconv.Itoa(r.c), Delta: delta, Cls: r.cls})
	}
	for _, ch := range d.Changes {
		cv.Changes = append(cv.Changes, changeRow{Op: ch.Operation, Status: ch.Status, Client: clientLabel(ch.Client), Name: ch.Name,
			Reason: ch.Reason, Regression: ch.Regression,
			From: outcomeLabel(ch.From), FromClass: outcomeClassOf(ch.From), FromMark: outcomeMark(ch.From),
			To: outcomeLabel(ch.To), ToClass: outcomeClassOf(ch.To), ToMark: outcomeMark(ch.To)})
	}
	for _, p := range d.LostPairs {
		cv.LostPairs = append(cv.LostPairs, lostPairRow{Pair: pairName(p.Operation, p.Status), Reason: p.Reason,
			From: outcomeLabel(p.From), FromClass: outcomeClassOf(p.From), To: outcomeLabel(p.To), ToClass: outcomeClassOf(p.To)})
	}
	return cv
}

func outcomeLabel(o string) string {
	if o == results.ExpectedFailure {
		return "deviating (known)"
	}
	return o
}

func outcomeClassOf(o string) string {
	if o == results.Absent {
		return "na"
	}
	return outcomeClass[o]
}

func outcomeMark(o string) string {
	if o == results.Absent {
		return "absent"
	}
	return caseMark(o)
}

func newStepView(s results.StepDiff, tolerance, level float64, anchors map[string]int) stepView {
	anchor := "step-" + safeID(s.Run+"-"+s.Step)
	if n := anchors[anchor]; n > 0 {
		anchor += "-" + strconv.Itoa(n+1)
	}
	anchors[anchor]++
	sv := stepView{Anchor: anchor, Run: s.Run, Step: s.Step, Source: s.Source, NotJudged: s.NotJudged, Notes: s.Notes,
		Requests: fmtCount(s.Requests[0]) + " → " + fmtCount(s.Requests[1]),
		Errors:   fmtCount(s.Errors[0]) + " → " + fmtCount(s.Errors[1]), Server: newServerDiffView(s.Server)}
	whole := map[string][2]float64{
		"p50": {s.WholeRun[0].P50, s.WholeRun[1].P50},
		"p99": {s.WholeRun[0].P99, s.WholeRun[1].P99},
	}
	for _, m := range s.Metrics {
		w := whole[m.Name]
		sv.Metrics = append(sv.Metrics, metricRow{Name: m.Name, Base: fmtMS(m.Baseline), Cand: fmtMS(m.Candidate),
			Change: fmtRel(m.Rel), Interval: fmtRel(m.Lo) + " … " + fmtRel(m.Hi),
			WholeRun: fmtMS(w[0]) + " → " + fmtMS(w[1]),
			Verdict:  m.Verdict, Class: verdictClass[m.Verdict], Bar: intervalBar(m, tolerance, level)})
	}
	if s.NotJudged == "" && len(s.Seconds[0]) > 0 && len(s.Seconds[1]) > 0 {
		ch, legend := secondsChart(anchor+"-chart", s.Seconds)
		title := "Per-second latency, " + s.Run
		if s.Step != s.Run {
			title += ": " + s.Step
		}
		sv.Chart = &chartView{ID: ch.ID, Title: title, SVG: ch.SVG(), Legend: legend,
			Note: "The seconds judged, one point each: baseline and candidate side by side, from each run's start."}
	}
	return sv
}

// fmtRel formats a relative change as a signed percentage: +20.1%, −3%.
func fmtRel(v float64) string { return signedPercent(v, 1) }

// signedPercent formats a fraction as a signed percentage with at most
// prec decimals: +20.1%, −3%, 0%.
func signedPercent(v float64, prec int) string {
	s := trimFloat(100*v, prec) + "%"
	switch {
	case strings.HasPrefix(s, "-"):
		return "−" + s[1:]
	case s == "0%":
		return s
	}
	return "+" + s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

// secondsChart draws the per-second p50 (dashed) and p99 of both runs.
func secondsChart(id string, s [2][]results.SecondLatency) (chart, []legendItem) {
	c := chart{ID: id, Title: "Per-second latency, baseline and candidate", XLabel: "time since start", YLabel: "latency (ms)",
		XTicks: clockTicks, YFormat: func(v float64) string { return trimFloat(v, 2) }}
	var legend []legendItem
	for i, side := range []struct{ name, color string }{{"baseline", colBlue}, {"candidate", colVermilion}} {
		var x, p50, p99 []float64
		for _, p := range s[i] {
			x, p50, p99 = append(x, float64(p.T)), append(p50, p.P50), append(p99, p.P99)
		}
		c.Lines = append(c.Lines,
			line{Name: side.name + " p99", Color: side.color, X: x, Y: p99},
			line{Name: side.name + " p50", Color: side.color, Dashed: true, Width: 1.5, X: x, Y: p50})
		legend = append(legend, legendItem{Name: side.name + " p99", Color: side.color}, legendItem{Name: side.name + " p50", Color: side.color, Dashed: true})
	}
	return c, legend
}

// intervalBar draws a change's interval against no change and the
// tolerance band: a small inline SVG built from numbers only.
func intervalBar(m results.MetricDiff, tolerance, level float64) template.HTML {
	const w, h, mid, half = 180.0, 18.0, 90.0, 84.0
	r := max(tolerance, -m.Lo, m.Hi, -m.Rel, m.Rel) * 1.15
	x := func(v float64) string { return f(mid + v/r*half) }
	color := map[string]string{results.Regressed: "#b42318", results.Improved: "#0b6e3f"}[m.Verdict]
	if color == "" {
		color = "#3d4b55"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="ci" viewBox="0 0 %g %g" width="%g" height="%g" role="img" aria-label="%s interval %s to %s, tolerance ±%s">`,
		w, h, w, h, trimFloat(100*level, 1)+"%", fmtRel(m.Lo), fmtRel(m.Hi), trimFloat(100*tolerance, 1)+"%")
	fmt.Fprintf(&b, `<rect x="%s" y="2" width="%s" height="%g" fill="#e9edf0"/>`, x(-tolerance), f(2*tolerance/r*half), h-4)
	fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="1" y2="%g" stroke="#57606a" stroke-width="1"/>`, mid, mid, h-1)
	fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%g" y2="%g" stroke="%s" stroke-width="3" stroke-linecap="round"/>`, x(m.Lo), x(m.Hi), h/2, h/2, color)
	fmt.Fprintf(&b, `<circle cx="%s" cy="%g" r="4" fill="%s"/>`, x(m.Rel), h/2, color)
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// WriteComparisonMarkdown writes compare.md: the comparison as
// GitHub-flavoured Markdown, for a terminal or $GITHUB_STEP_SUMMARY.
func WriteComparisonMarkdown(w io.Writer, c *results.Comparison) error {
	v := newCompareView(c)
	var b strings.Builder
	verdict := "✅ no regression"
	if v.Regressed {
		verdict = "❌ REGRESSED: " + v.Headline
	}
	fmt.Fprintf(&b, "# orybench compare: %s\n\n", verdict)
	mdTable(&b, []string{"side", "directory", "contract", "Kratos", "conformance", "load runs"}, nil, func(row func(...string)) {
		for _, s := range v.Sides {
			row(s.Label, "`"+s.Dir+"`", s.Contract, s.Kratos, s.Conformance, s.Loads)
		}
	})
	fmt.Fprintf(&b, "\n%s\n", v.Rule)
	if cv := v.Contract; cv != nil {
		fmt.Fprintf(&b, "\n## Contract: %s, %s changed\n\n%s.\n\n", plural(cv.Regressions, "case newly failing", "cases newly failing"),
			plural(len(cv.Changes), "case", "cases"), cv.Cases)
		mdTable(&b, []string{"documented pairs", "baseline", "candidate", "change"}, []bool{false, true, true, true}, func(row func(...string)) {
			for _, r := range cv.Coverage {
				row(r.Label, r.Base, r.Cand, r.Delta)
			}
		})
		if len(cv.LostPairs) > 0 {
			fmt.Fprintf(&b, "\n### ❌ Pairs no longer judged (%d)\n\nEach passed or deviated in the baseline; the candidate skipped it, filtered it out or does not have it.\n\n", len(cv.LostPairs))
			mdTable(&b, []string{"pair", "baseline", "candidate", "reason"}, nil, func(row func(...string)) {
				for _, p := range cv.LostPairs {
					row("`"+p.Pair+"`", p.From, "**"+p.To+"**", p.Reason)
				}
			})
		}
		if len(cv.Changes) > 0 {
			fmt.Fprintf(&b, "\n### Cases whose outcome changed (%d)\n\n", len(cv.Changes))
			mdTable(&b, []string{"operation", "status", "client", "case", "baseline", "candidate", "reason"}, []bool{false, true}, func(row func(...string)) {
				for _, ch := range cv.Changes {
					to := ch.To
					if ch.Regression {
						to = "❌ **" + to + "**"
					}
					row("`"+ch.Op+"`", strconv.Itoa(ch.Status), ch.Client, ch.Name, ch.From, to, ch.Reason)
				}
			})
		}
	}
	if len(v.Steps) > 0 {
		fmt.Fprintf(&b, "\n## Latency: %s in %s judged\n\n", plural(v.Regressions, "regression", "regressions"), v.Judged)
		mdTable(&b, []string{"run", "step", "metric", "baseline", "candidate", "change", v.Level + " interval", "verdict", "whole run"},
			[]bool{false, false, false, true, true, true, true, false, true}, func(row func(...string)) {
				for _, s := range v.Steps {
					for _, m := range s.Metrics {
						verdict := m.Verdict
						if m.Verdict == results.Regressed {
							verdict = "❌ **" + verdict + "**"
						}
						row(s.Run, "`"+s.Step+"`", m.Name, m.Base, m.Cand, m.Change, m.Interval, verdict, m.WholeRun)
					}
				}
			})
		var notJudged []string
		for _, s := range v.Steps {
			if s.NotJudged != "" {
				notJudged = append(notJudged, fmt.Sprintf("- %s `%s`: not judged: %s", s.Run, s.Step, s.NotJudged))
			}
		}
		if len(notJudged) > 0 {
			fmt.Fprintf(&b, "\n%s\n", strings.Join(notJudged, "\n"))
		}
		fmt.Fprintf(&b, "\n%s\n", v.Method)
	}
	if v.HasServer() {
		fmt.Fprintf(&b, "\n## Server's view\n\nThe target's own metrics, %s: shown, not judged.\n\n", noInterval)
		mdTable(&b, []string{"run", "step", "figure", "baseline", "candidate", "change"}, []bool{false, false, false, true, true, true}, func(row func(...string)) {
			for _, s := range v.Steps {
				switch {
				case s.Server == nil:
				case s.Server.NotMeasured != "":
					row(s.Run, "`"+s.Step+"`", "server figures", "not measured", "not measured", s.Server.NotMeasured)
				default:
					for _, r := range s.Server.Rows {
						row(s.Run, "`"+s.Step+"`", r.Name, r.Base, r.Cand, r.Change)
					}
				}
			}
		})
	}
	if notes := v.AllNotes(); len(notes) > 0 {
		fmt.Fprintf(&b, "\n## Notes\n\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	fmt.Fprintf(&b, "\n---\ngenerated %s by orybench %s.\n", v.GeneratedAt, v.Orybench)
	_, err := io.WriteString(w, b.String())
	return err
}

// AllNotes are the comparison's notes and its steps', each once.
func (v compareView) AllNotes() []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range v.Notes {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, s := range v.Steps {
		for _, n := range s.Notes {
			if n = s.Run + ": " + n; !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out
}
