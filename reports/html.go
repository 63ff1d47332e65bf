package reports

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"fmtMS":       fmtMS,
	"count":       fmtCount,
	"kind":        kindText,
	"journeyNote": func() string { return journeyNote },
	"safeURL":     func(u string) template.URL { return template.URL(safeURL(u)) },
	"pointer":     func(p string) string { return orDefault(p, "(whole body)") },
	"add":         func(a, b int) int { return a + b },
	"lower":       strings.ToLower,
	"safeHTML":    func(s string) template.HTML { return template.HTML(s) }, // legend swatches, built from constants
	"statusOf":    func(k results.Case) int { return orInt(k.ExpectedStatus, k.Status) },
}).Parse(htmlSource))

// WriteHTML writes report.html: one self-contained page, styles and SVG
// charts inline, that fetches nothing.
func (r *Report) WriteHTML(w io.Writer) error {
	return htmlTemplate.Execute(w, r.page())
}

type page struct {
	Title  string
	Result results.Verdict
	// Incomplete says which runs did not check everything, and why.
	Incomplete  []string
	GeneratedAt string
	Orybench    string
	Runs        []runRow
	Contracts   string // the contracts the runs were judged against
	Conf        *confView
	Loads       []loadView
	Capacities  []capacityView
	Fuzzes      []fuzzView
}

// runRow is a run's metadata: one line of the overview, and the head of
// its section.
type runRow struct {
	Anchor, Kind, Name                         string
	Target, Kratos, Orybench, Started, Command string
	// Hasher is how the target hashed passwords ("" in files written
	// before it was recorded).
	Hasher string
	// Contract names the run's contract; ContractText is its one-line
	// description (results.Contract.String).
	Contract, ContractText string
	Duration               string
	Result                 results.Verdict
	Verdict                string
}

func (r *Report) page() page {
	p := page{Title: "orybench report", Result: r.Verdict(), Incomplete: r.Incomplete(), GeneratedAt: r.GeneratedAt.Format("2006-01-02 15:04:05 UTC"), Orybench: orNot(r.Orybench)}
	if c := r.Conformance; c != nil {
		cv := newConfView(c)
		p.Conf = &cv
		p.Runs = append(p.Runs, cv.Meta)
	}
	anchors := map[string]int{}
	for _, l := range r.Loads {
		lv := newLoadView(l, anchors)
		p.Loads = append(p.Loads, lv)
		p.Runs = append(p.Runs, lv.Meta)
	}
	for _, c := range r.Capacities {
		cv := newCapacityView(c, anchors)
		p.Capacities = append(p.Capacities, cv)
		p.Runs = append(p.Runs, cv.Meta)
	}
	for _, f := range r.Fuzzes {
		fv := newFuzzView(f, anchors)
		p.Fuzzes = append(p.Fuzzes, fv)
		p.Runs = append(p.Runs, fv.Meta)
	}
	var names []string
	for _, run := range p.Runs {
		if !slices.Contains(names, run.ContractText) {
			names = append(names, run.ContractText)
		}
	}
	p.Contracts = strings.Join(names, "; ")
	return p
}

// withContract fills a run's contract fields from what it recorded.
func (r runRow) withContract(c *results.Contract) runRow {
	r.Contract, r.ContractText = "not recorded", c.String()
	if c != nil {
		r.Contract = c.Name
	}
	return r
}

// --- conformance ---

type confView struct {
	Meta       runRow
	Coverage   results.Coverage
	CaseCount  int
	Chips      []chip
	Statuses   []int
	Rows       []matrixRow
	Failures   []failureView
	Deviations []deviationUse
	Notes      []note
	Cases      []caseRow
	Target     results.TargetInfo
	Facts      []kv // discovered target facts and rate limits
}

type chip struct {
	Mark, Class, Label string
	N                  int
}

type matrixRow struct {
	Op    string
	Cells []matrixCell
}

type matrixCell struct {
	Documented        bool
	Mark, Class, Href string
	Title             string
}

type failureView struct {
	Anchor, Op, Client, Name string
	Status                   int
	Headline                 string // the message's first line
	Method, URL              string
	Expected, Actual         int
	Schema                   string
	Violations               []results.Violation
	Message, Location        string
	Reason                   string
	// Setup: the case failed in set-up, before its contract request.
	Setup bool
}

type note struct {
	Mark, Class, Pair, Reason string
}

type caseRow struct {
	Op, Client, Name, Outcome, Class, Mark, Reason, Request string
	Status                                                  int
	MS                                                      string
}

var outcomeClass = map[string]string{
	results.Passed:          "pass",
	results.Deviating:       "dev",
	results.ExpectedFailure: "dev",
	results.Failed:          "fail",
	results.SetupFailed:     "fail",
	results.Skipped:         "skip",
	results.Untriggerable:   "na",
}

func newConfView(c *results.Conformance) confView {
	v := confView{Coverage: c.Coverage, CaseCount: len(c.Cases), Target: c.Target, Facts: targetFacts(c.Target)}
	v.Meta = runRow{Anchor: "conformance", Kind: "conformance", Name: "FrontendApi conformance",
		Target: targetText(c.Target), Kratos: orNot(c.KratosVersion), Hasher: c.Target.Hasher, Orybench: orNot(c.Orybench),
		Started: fmtTime(c.StartedAt), Duration: fmtSeconds(c.DurationS), Command: orNot(scrubCommand(c.Command)), Result: c.Verdict()}.withContract(c.Contract)
	cov := c.Coverage
	v.Meta.Verdict = fmt.Sprintf("%d cases failed, %d of %d documented pairs", c.FailedCases(), cov.FailedPairs, cov.DocumentedPairs)
	if n := c.SetupFailedCases(); n > 0 {
		v.Meta.Verdict += fmt.Sprintf("; %d cases failed in set-up, %d pairs unchecked", n, cov.SetupFailedPairs)
	}
	if !c.Failed() {
		v.Meta.Verdict = fmt.Sprintf("%d documented pairs, none failed", cov.DocumentedPairs)
	}
	if why := c.Incomplete(); why != "" {
		v.Meta.Verdict += "; incomplete: " + why
	}
	v.Chips = []chip{
		{matrixMark[results.Passed], "pass", "passed", cov.PassedPairs},
		{matrixMark[results.Deviating], "dev", "passed but for a known spec deviation", cov.DeviatingPairs},
		{matrixMark[results.Failed], "fail", "failed", cov.FailedPairs},
		{matrixMark[results.SetupFailed], "fail", "set-up failed (contract not checked)", cov.SetupFailedPairs},
		{matrixMark[results.Skipped], "skip", "not run here", cov.SkippedPairs},
		{matrixMark[results.Untriggerable], "na", "untriggerable in this Kratos version", cov.UntriggerablePairs},
	}

	fails := failuresOf(c)
	failAnchor := map[string]string{}
	for _, k := range fails {
		anchor := fmt.Sprintf("fail-%s-%d", k.Operation, k.Status)
		if _, dup := failAnchor[anchor]; !dup {
			failAnchor[anchor] = anchor
		} else {
			anchor = ""
		}
		method, url, _ := strings.Cut(k.Request, " ")
		fv := failureView{Anchor: anchor, Op: k.Operation, Status: k.Status, Client: clientLabel(k.Client), Name: k.Name,
			Method: method, URL: scrubURL(url), Expected: orInt(k.ExpectedStatus, k.Status), Actual: k.ActualStatus,
			Schema: k.Schema, Message: redact.Clip(redact.Prose(k.Failure), 4000), Location: k.Location, Reason: redact.Prose(k.Reason),
			Setup: k.Outcome == results.SetupFailed}
		if k.Request == "" {
			fv.Method, fv.URL = k.Method, k.Path
		}
		fv.Headline = redact.Clip(firstLineOf(fv.Message), 200)
		if fv.Setup {
			fv.Headline = redact.Clip(fv.Reason, 200) // the step and its answer
		}
		for _, x := range k.Violations {
			x.Found = redact.Prose(x.Found)
			fv.Violations = append(fv.Violations, x)
		}
		v.Failures = append(v.Failures, fv)
	}

	m := newMatrix(c)
	v.Statuses = m.statuses
	for _, op := range m.ops {
		row := matrixRow{Op: op}
		for _, s := range m.statuses {
			p, ok := m.cell(op, s)
			if !ok {
				row.Cells = append(row.Cells, matrixCell{Title: fmt.Sprintf("%s does not document %d", op, s)})
				continue
			}
			cell := matrixCell{Documented: true, Mark: matrixMark[p.Outcome], Class: outcomeClass[p.Outcome],
				Title: fmt.Sprintf("%s %d: %s", op, s, p.Outcome)}
			if p.Reason != "" {
				cell.Title += " — " + redact.Clip(redact.Prose(p.Reason), 300)
			}
			if p.Outcome == results.Failed || p.Outcome == results.SetupFailed {
				cell.Href = "#" + fmt.Sprintf("fail-%s-%d", op, s)
			}
			row.Cells = append(row.Cells, cell)
		}
		v.Rows = append(v.Rows, row)
	}
	v.Deviations = deviationsOf(c)
	filtered := 0
	for _, p := range c.Pairs {
		switch {
		case p.Outcome == results.Skipped && p.Reason == results.FilteredOut:
			filtered++ // one note for them all, below
		case p.Outcome == results.Skipped || p.Outcome == results.Untriggerable:
			v.Notes = append(v.Notes, note{Mark: matrixMark[p.Outcome], Class: outcomeClass[p.Outcome],
				Pair: pairName(p.Operation, p.Status), Reason: redact.Prose(p.Reason)})
		}
	}
	if line := filteredLine(c, filtered); line != "" {
		v.Notes = append(v.Notes, note{Mark: matrixMark[results.Skipped], Class: outcomeClass[results.Skipped],
			Pair: fmt.Sprintf("%d pairs", filtered), Reason: redact.Prose(line)})
	}
	for _, k := range c.Cases {
		reason := k.Reason
		if k.Outcome == results.ExpectedFailure {
			var ids []string
			for _, d := range k.Deviations {
				ids = append(ids, d.ID)
			}
			if len(ids) > 0 {
				reason = "known deviation: " + strings.Join(ids, ", ")
			}
		}
		v.Cases = append(v.Cases, caseRow{Op: k.Operation, Status: k.Status, Client: clientLabel(k.Client), Name: k.Name,
			Outcome: k.Outcome, Class: outcomeClass[k.Outcome], Mark: caseMark(k.Outcome), Reason: redact.Clip(redact.Prose(reason), 400),
			Request: redact.Prose(k.Request), MS: trimFloat(k.DurationMS, 1)})
	}
	return v
}

func caseMark(outcome string) string {
	if outcome == results.ExpectedFailure {
		return matrixMark[results.Deviating]
	}
	return matrixMark[outcome]
}

func targetText(t results.TargetInfo) string {
	s := scrubURL(t.URL)
	if len(t.Profiles) > 0 {
		s += " (profiles " + strings.Join(t.Profiles, ", ") + ")"
	}
	return orNot(s)
}

// --- load ---

type loadView struct {
	Meta       runRow
	Summary    tableView
	Journey    *journeyView // nil for a run that is no journey
	Thresholds []thresholdRow
	Charts     []chartView
	Steps      []stepRow
	Details    []kv
	// Server is what the target's metrics said; nil when none were asked
	// for.
	Server *serverBlock
}

type tableView struct {
	Tiles []tile
}

type tile struct {
	Label, Value, Sub string
	Bad               bool
}

type thresholdRow struct {
	Expr, Step, Actual string
	OK                 bool
}

type chartView struct {
	ID, Title, Note string
	SVG             template.HTML
	Legend          []legendItem
}

type stepRow struct {
	Name, Requests, Codes, Errors, RateLimited string
	Corrected, Uncorrected                     []string // p50 p90 p99 p99.9 max mean
}

type kv struct{ K, V string }

func newLoadView(l *results.LoadRun, anchors map[string]int) loadView {
	s := l.Summary
	anchor := "load-" + safeID(s.Scenario)
	if n := anchors[anchor]; n > 0 {
		anchors[anchor]++
		anchor += "-" + strconv.Itoa(n+1)
	} else {
		anchors[anchor] = 1
	}
	v := loadView{Journey: newJourneyView(s.Journey, s.Steps)}
	whole := "all steps" // what a threshold without a step judges
	if s.Journey != nil {
		whole = "whole journeys"
	}
	v.Meta = runRow{Anchor: anchor, Kind: "load", Name: "load: " + s.Scenario,
		Target: orNot(scrubURL(l.Run.Target)), Kratos: orNot(l.Run.KratosVersion), Hasher: s.Hasher, Orybench: orNot(l.Run.Orybench),
		Started: orNot(fmtTime(l.Run.StartedAt)), Duration: fmtSeconds(s.DurationS), Command: orNot(scrubCommand(l.Run.Command)), Result: s.Verdict()}.withContract(l.Run.Contract)
	breached := 0
	for _, t := range s.Thresholds {
		if !t.OK {
			breached++
		}
		v.Thresholds = append(v.Thresholds, thresholdRow{Expr: t.Expr, Step: orDefault(t.Step, whole),
			Actual: FormatThresholdActual(t.Expr, t.Actual), OK: t.OK})
	}
	switch {
	case s.Stopped != "":
		v.Meta.Verdict = "stopped early: " + s.Stopped
	case breached > 0:
		v.Meta.Verdict = fmt.Sprintf("%d of %d thresholds breached", breached, len(s.Thresholds))
	default:
		v.Meta.Verdict = fmt.Sprintf("%d thresholds held", len(s.Thresholds))
	}
	v.Server = newServerBlock(s.Server, s.Latency)
	if v.Server != nil {
		v.Server.ID = anchor + "-server"
	}
	errFrac := 0.0
	if s.Requests > 0 {
		errFrac = float64(s.Errors.Total) / float64(s.Requests)
	}
	v.Summary.Tiles = []tile{
		{Label: "requests", Value: fmtCount(s.Requests), Sub: fmt.Sprintf("in %s, %s warm-up not measured", fmtSeconds(s.DurationS), fmtCount(s.WarmupRequests))},
		{Label: "rate achieved", Value: trimFloat(s.Rate.Achieved, 1) + "/s", Sub: "requested " + trimFloat(s.Rate.Requested, 1) + "/s", Bad: s.Rate.Achieved < 0.99*s.Rate.Requested},
		{Label: "p50", Value: fmtMS(s.Latency.P50), Sub: "uncorrected " + fmtMS(s.LatencyUncorrected.P50)},
		{Label: "p90", Value: fmtMS(s.Latency.P90), Sub: "uncorrected " + fmtMS(s.LatencyUncorrected.P90)},
		{Label: "p99", Value: fmtMS(s.Latency.P99), Sub: "uncorrected " + fmtMS(s.LatencyUncorrected.P99)},
		{Label: "max", Value: fmtMS(s.Latency.Max), Sub: "uncorrected " + fmtMS(s.LatencyUncorrected.Max)},
		{Label: "errors", Value: fmtCount(s.Errors.Total), Sub: trimFloat(100*errFrac, 3) + "% of requests", Bad: s.Errors.Total > 0},
	}

	tl := newTimeline(l.Series, MaxChartPoints)
	if len(l.Series) > 0 {
		note := tl.windowNote()
		lat, latLegend := tl.latencyChart(anchor + "-latency")
		latNote := note + ". Solid: from each request's intended send time (corrected for coordinated omission)."
		if tl.HasUncorrected {
			latNote += " Dashed: from the actual send."
		} else {
			latNote += " This run's timeseries.jsonl holds no uncorrected percentiles; the uncorrected distribution is in the percentile chart below."
		}
		if !tl.HasP90 {
			latNote += " p90 was not recorded per second."
		}
		tp, tpLegend := tl.throughputChart(anchor + "-throughput")
		st, stLegend := tl.statusChart(anchor + "-status")
		v.Charts = append(v.Charts,
			chartView{ID: lat.ID, Title: "Latency over time", Note: latNote, SVG: lat.SVG(), Legend: latLegend},
			chartView{ID: tp.ID, Title: "Throughput and errors over time", Note: note + ". Errors are answers a step did not expect and transport errors.", SVG: tp.SVG(), Legend: tpLegend},
		)
		if len(st.Areas) > 0 {
			v.Charts = append(v.Charts, chartView{ID: st.ID, Title: "Status codes over time", Note: note + ", stacked.", SVG: st.SVG(), Legend: stLegend})
		}
	}
	if len(l.Distributions) > 0 {
		d, dLegend := distributionChart(anchor+"-hdr", l.Distributions)
		note := "HdrHistogram percentile distribution of the whole run (.hgrm files). Solid: corrected (from intended send); dashed: uncorrected."
		if slices.ContainsFunc(l.Distributions, func(d results.Distribution) bool { return d.Journey }) {
			note = "HdrHistogram percentile distribution of whole journeys (journey.hgrm) and of each step's requests (.hgrm files). " +
				"Journey: solid corrected (from each arrival's intended start), dashed uncorrected (the sum of its requests' latencies)."
		}
		if len(s.Steps) > 1 {
			note += " Thin lines: each step, corrected."
		}
		v.Charts = append(v.Charts, chartView{ID: d.ID, Title: "Latency by percentile", Note: note, SVG: d.SVG(), Legend: dLegend})
	}

	lat := func(x latencyNums) []string {
		return []string{fmtMS(x.P50), fmtMS(x.P90), fmtMS(x.P99), fmtMS(x.P999), fmtMS(x.Max), fmtMS(x.Mean)}
	}
	for _, st := range s.Steps {
		v.Steps = append(v.Steps, stepRow{Name: st.Name, Requests: fmtCount(st.Requests), Codes: fmtCodes(st.StatusCodes),
			Errors: fmtCount(st.Errors.Total) + errorKinds(st.Errors.ByKind), RateLimited: fmtCount(st.RateLimited),
			Corrected: lat(latencyNums(st.Latency)), Uncorrected: lat(latencyNums(st.LatencyUncorrected))})
	}
	v.Details = []kv{
		{"status codes", fmtCodes(s.StatusCodes)},
		{"errors by kind", orDefault(strings.TrimPrefix(errorKinds(s.Errors.ByKind), " "), "none")},
		{"rate limited (429)", fmtCount(s.RateLimited)},
		{"unsent (all workers busy)", fmtCount(s.Unsent)},
		{"canceled at interrupt", fmtCount(s.Canceled)},
	}
	if s.Stopped != "" {
		v.Details = append(v.Details, kv{"stopped", s.Stopped})
	}
	if s.CleanupError != "" {
		v.Details = append(v.Details, kv{"cleanup", redact.Prose(s.CleanupError)})
	}
	return v
}

// latencyNums mirrors results.Latency, so the view needs no conversion per
// field.
type latencyNums struct {
	P50, P90, P99, P999, Max, Mean float64
}

func errorKinds(m map[string]uint64) string {
	if len(m) == 0 {
		return ""
	}
	return " (" + joinCounts(m, ", ", func(k string, n uint64) string { return kindText(k) + " " + fmtCount(n) }) + ")"
}

// joinCounts formats each count of m with item, in key order, and joins
// them with sep.
func joinCounts(m map[string]uint64, sep string, item func(key string, n uint64) string) string {
	keys := slices.Sorted(maps.Keys(m))
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = item(k, m[k])
	}
	return strings.Join(parts, sep)
}

func safeID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	return b.String()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func orInt(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}
