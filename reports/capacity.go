package reports

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

type capacityView struct {
	Meta runRow
	SLO  string
	// Unit is what the search's rates count: requests/s, or journeys/s
	// for a journey scenario; Errors what its error column holds.
	Unit, Errors string
	Tiles        []tile
	Chart        chartView
	Steps        []capacityStepRow
	Search       []kv
	// HasServer: a step has the server's figures, drawn in ServerChart
	// and beside the client's in the step table; ServerMissing says why
	// none has, when they were asked for.
	HasServer     bool
	ServerChart   *chartView
	ServerMissing string
	Limit         *limitBlock
	// ServerWarnings are the failed scrapes, each once.
	ServerWarnings []string
}

type capacityStepRow struct {
	N, Phase, Rate, Achieved, P50, P90, P99, Errors, Verdict, Dir string
	Held                                                          bool
	// ServerP50 and ServerP99 are from the server's histogram, CPU its
	// CPU per request; "" without them.
	ServerP50, ServerP99, CPU string
}

func newCapacityView(c *results.CapacityRun, anchors map[string]int) capacityView {
	r := c.Result
	anchor := uniqueAnchor("capacity-"+safeID(r.Scenario), anchors)
	v := capacityView{SLO: strings.Join(r.SLO, ", "), Unit: capacityUnit(&r), Errors: "errors"}
	if isJourneySearch(&r) {
		v.Errors = "journeys stopped"
	}
	v.Meta = runRow{Anchor: anchor, Kind: "capacity", Name: "capacity: " + r.Scenario,
		Target: orNot(scrubURL(c.Run.Target)), Kratos: orNot(c.Run.KratosVersion), Hasher: r.Hasher, Orybench: orNot(c.Run.Orybench),
		Started: orNot(fmtTime(c.Run.StartedAt)), Duration: fmtSeconds(r.DurationS), Command: orNot(scrubCommand(c.Run.Command)),
		Result: r.Verdict()}.withContract(c.Run.Contract)
	if r.Found {
		v.Meta.Verdict = fmt.Sprintf("sustainable %s %s, confidence %s", trimFloat(r.SustainableRate, 1), v.Unit, r.Confidence.Level)
	} else {
		v.Meta.Verdict = "no rate held the SLO"
	}
	if why := r.Incomplete(); why != "" {
		v.Meta.Verdict += "; incomplete: " + why
	}
	failing := "none failed"
	if r.Confidence.LowestFailingRate > 0 {
		failing = trimFloat(r.Confidence.LowestFailingRate, 1) + "/s"
	}
	v.Tiles = []tile{
		{Label: "sustainable rate", Value: orDefault(rateText(r.SustainableRate), "none"), Sub: v.Unit + "; every run at it held the SLO", Bad: !r.Found},
		{Label: "confidence", Value: r.Confidence.Level, Sub: r.Confidence.Reason, Bad: r.Confidence.Level == "low" || r.Confidence.Level == "none"},
		{Label: "lowest failing rate", Value: failing, Sub: fmt.Sprintf("precision asked %s%%", trimFloat(100*r.Settings.Precision, 1))},
		{Label: "steps", Value: fmt.Sprint(len(r.Steps)), Sub: "in " + fmtSeconds(r.DurationS) + ", ended: " + string(r.Ended)},
	}
	ch, legend, note := capacityChart(anchor+"-curve", r)
	v.Chart = chartView{ID: ch.ID, Title: "Latency against throughput", Note: note, SVG: ch.SVG(), Legend: legend}
	for _, st := range r.Steps {
		row := capacityStepRow{N: fmt.Sprint(st.N), Phase: string(st.Phase), Rate: rateText(st.Rate), Achieved: rateText(st.Achieved),
			P50: fmtMS(st.P50), P99: fmtMS(st.P99), Errors: trimFloat(100*st.ErrorRate, 3) + "%", Held: st.Held, Dir: st.Dir}
		if st.Summary != nil {
			row.P90 = fmtMS(runLatency(st).P90)
		}
		if sv := stepServer(st); measured(sv) {
			row.ServerP50, row.ServerP99, row.CPU = fmtMS(sv.Latency.P50), fmtMS(sv.Latency.P99), trimFloat(sv.CPUPerRequestMs, 3)+" ms"
		}
		switch {
		case st.Error != "":
			row.Verdict = "not judged: " + redact.Clip(redact.Prose(st.Error), 300)
		case st.Held:
			row.Verdict = "held"
		default:
			row.Verdict = "breached " + strings.Join(st.Breached, ", ")
		}
		v.Steps = append(v.Steps, row)
	}
	var missing string
	v.HasServer, missing = searchServer(&r)
	if v.HasServer {
		sc, legend := serverChart(anchor+"-server", r)
		v.ServerChart = &chartView{ID: sc.ID, Title: "Client and server latency", SVG: sc.SVG(), Legend: legend,
			Note: "The worst run at each rate, at the throughput it achieved. Solid: the client's latency, from each request's intended send time. " +
				"Dashed: the server's own, from its latency histogram's buckets (as fine as they are). The gap between a pair is time outside the server: queueing, the network, the load generator."}
	} else if missing != "" {
		v.ServerMissing = "The server's view is missing: " + redact.Prose(missing) + "."
	}
	v.Limit = newLimitBlock(r.Limit)
	v.ServerWarnings = searchWarnings(&r)
	s := r.Settings
	v.Search = []kv{
		{"rates", fmt.Sprintf("from %s/s, doubling up to %s/s or halving down to %s/s", trimFloat(s.StartRate, 1), trimFloat(s.MaxRate, 1), trimFloat(s.MinRate, 1))},
		{"each step", fmt.Sprintf("%s warm-up (not measured), then %s measured", fmtSeconds(s.WarmupS), fmtSeconds(s.StepDurationS))},
		{"bounds", fmt.Sprintf("%s in all, up to %d confirmation runs", fmtSeconds(s.MaxDurationS), s.MaxConfirms)},
		{"step files", filepath.Join(c.Dir, "steps")},
	}
	return v
}

// isJourneySearch reports whether r searched a journey scenario: its runs'
// summaries have a journey.
func isJourneySearch(r *results.CapacityResult) bool {
	return slices.ContainsFunc(r.Steps, func(st results.CapacityStep) bool { return st.Summary != nil && st.Summary.Journey != nil })
}

// capacityUnit is what a search's rates count.
func capacityUnit(r *results.CapacityResult) string {
	if isJourneySearch(r) {
		return "journeys/s"
	}
	return "requests/s"
}

// runLatency is the latency a capacity run is judged by: its whole
// journeys' for a journey scenario, else its requests'. st has a summary.
func runLatency(st results.CapacityStep) results.Latency {
	if j := st.Summary.Journey; j != nil {
		return j.Latency
	}
	return st.Summary.Latency
}

func rateText(r float64) string {
	if r == 0 {
		return ""
	}
	return trimFloat(r, 1) + "/s"
}

// uniqueAnchor returns base, or base-N when base was taken.
func uniqueAnchor(base string, anchors map[string]int) string {
	n := anchors[base]
	anchors[base]++
	if n == 0 {
		return base
	}
	return fmt.Sprintf("%s-%d", base, n+1)
}

// sloLatency is a latency threshold of the SLO, for a line on the chart.
type sloLatency struct {
	Expr   string
	Metric string // p50, p90, p99, p999, max, mean
	MS     float64
}

// sloLatencies returns the whole-run latency thresholds of an SLO.
func sloLatencies(slo []string) []sloLatency {
	var out []sloLatency
	for _, expr := range slo {
		s := strings.ReplaceAll(expr, " ", "")
		if strings.Contains(s, ":") || ThresholdUnit(s) != "ms" {
			continue // a step's, or not a latency
		}
		i := strings.IndexAny(s, "<>")
		if i <= 0 || s[i] != '<' {
			continue
		}
		d, err := time.ParseDuration(strings.ReplaceAll(strings.TrimLeft(s[i:], "<="), "µ", "u"))
		if err != nil {
			continue
		}
		out = append(out, sloLatency{Expr: expr, Metric: s[:i], MS: float64(d) / 1e6})
	}
	return out
}

// capacityChart: p50 and p99 (and any other latency the SLO names) of each
// run against its achieved rate, the SLO's latency limits, and the
// sustainable rate.
func capacityChart(id string, r results.CapacityResult) (chart, []legendItem, string) {
	c := chart{ID: id, Title: "Latency against achieved throughput", XLabel: "achieved throughput (" + capacityUnit(&r) + ")", YLabel: "latency (ms)",
		YFormat: func(v float64) string { return trimFloat(v, 2) }}
	runs, worst := worstRuns(r)
	slo := sloLatencies(r.SLO)

	// p50 and p99, and what else the SLO names; the verdict dots sit on the
	// SLO's first latency metric that a summary holds, else on p99.
	judged := ""
	named := map[string]bool{"p50": true, "p99": true}
	for _, s := range slo {
		named[s.Metric] = true
		if judged == "" && slices.ContainsFunc(capacityMetrics, func(m latencyMetric) bool { return m.name == s.Metric }) {
			judged = s.Metric
		}
	}
	judged = orDefault(judged, "p99")

	// The y axis: up to three times the SLO's highest latency limit, or the
	// held runs' worst latency drawn, whichever is higher; what lies above
	// is drawn at the top edge, so that one overloaded run does not flatten
	// the rest.
	top := 0.0
	for _, s := range slo {
		top = math.Max(top, 3*s.MS)
	}
	var legend []legendItem
	var judgedOf func(results.CapacityStep) float64
	for _, m := range capacityMetrics {
		if !named[m.name] {
			continue
		}
		if m.name == judged {
			judgedOf = m.of
		}
		l := line{Name: m.name, Color: m.color}
		for _, st := range worst {
			l.X, l.Y = append(l.X, st.Achieved), append(l.Y, m.of(st))
			if st.Held {
				top = math.Max(top, 1.2*m.of(st))
			}
		}
		c.Lines = append(c.Lines, l)
		legend = append(legend, legendItem{Name: m.name, Color: m.color})
	}
	held := line{Name: "run held the SLO (at its " + judged + ")", Color: colGreen, Dots: true}
	failed := line{Name: "run breached the SLO (at its " + judged + ")", Color: colVermilion, Dots: true}
	for _, st := range runs {
		if st.Held {
			held.X, held.Y = append(held.X, st.Achieved), append(held.Y, judgedOf(st))
		} else {
			failed.X, failed.Y = append(failed.X, st.Achieved), append(failed.Y, judgedOf(st))
		}
	}
	for _, l := range []line{held, failed} {
		if len(l.X) > 0 {
			c.Lines = append(c.Lines, l)
			legend = append(legend, legendItem{Name: l.Name, Color: l.Color, Dot: true})
		}
	}
	c.YMax = top
	_, _, _, yTop := c.bounds()
	clipped := 0
	for _, l := range c.Lines {
		for i, y := range l.Y {
			if y > yTop {
				l.Y[i] = yTop
				clipped++
			}
		}
	}

	// Reference lines span the runs' throughput.
	xlo, xhi := math.Inf(1), math.Inf(-1)
	for _, st := range runs {
		xlo, xhi = math.Min(xlo, st.Achieved), math.Max(xhi, st.Achieved)
	}
	if r.Found {
		xlo, xhi = math.Min(xlo, r.SustainableRate), math.Max(xhi, r.SustainableRate)
	}
	if math.IsInf(xlo, 1) {
		return c, legend, "No run was measured."
	}
	for _, s := range slo {
		name := "SLO " + s.Expr
		y := math.Min(s.MS, yTop)
		c.Lines = append(c.Lines, line{Name: name, Color: colBlack, Dashed: true, Width: 1.5, X: []float64{xlo, xhi}, Y: []float64{y, y}})
		legend = append(legend, legendItem{Name: name, Color: colBlack, Dashed: true})
	}
	if r.Found {
		name := "sustainable rate " + rateText(r.SustainableRate)
		c.Lines = append(c.Lines, line{Name: name, Color: colGreen, Dashed: true, Width: 2,
			X: []float64{r.SustainableRate, r.SustainableRate}, Y: []float64{0, yTop}})
		legend = append(legend, legendItem{Name: name, Color: colGreen, Dashed: true})
	}
	note := "Each run at the throughput it achieved: a dot per run (confirmations included), the lines through the worst run at each rate. " +
		"Latency from each request's intended send time (corrected for coordinated omission)."
	if isJourneySearch(&r) {
		note = "Each run at the journeys per second it achieved: a dot per run (confirmations included), the lines through the worst run at each rate. " +
			"Latency of whole journeys, from each arrival's intended start (corrected for coordinated omission)."
	}
	if clipped > 0 {
		note += fmt.Sprintf(" Latencies above %s are drawn at the top edge (%d points): the step table has their values.", fmtMS(yTop), clipped)
	}
	return c, legend, note
}

// worstRuns returns the measured runs of a search, and the run that did
// worst at each rate (which decides whether the rate held) by the
// throughput it achieved: a chart draws every run as a dot and its lines
// through the worst.
func worstRuns(r results.CapacityResult) (runs, worst []results.CapacityStep) {
	at := map[float64]int{}
	for _, st := range r.Steps {
		if st.Summary == nil || st.Summary.Requests == 0 {
			continue
		}
		runs = append(runs, st)
		if i, ok := at[st.Rate]; !ok {
			at[st.Rate] = len(worst)
			worst = append(worst, st)
		} else if worse(st, worst[i]) {
			worst[i] = st
		}
	}
	sort.SliceStable(worst, func(i, j int) bool { return worst[i].Achieved < worst[j].Achieved })
	return runs, worst
}

// latencyMetric is a latency of a run that the chart can draw.
type latencyMetric struct {
	name, color string
	of          func(results.CapacityStep) float64 // of a run with a summary
}

var capacityMetrics = []latencyMetric{
	{"p50", colBlue, func(s results.CapacityStep) float64 { return s.P50 }},
	{"p90", colOrange, func(s results.CapacityStep) float64 { return runLatency(s).P90 }},
	{"p99", colVermilion, func(s results.CapacityStep) float64 { return s.P99 }},
	{"p999", colPurple, func(s results.CapacityStep) float64 { return runLatency(s).P999 }},
	{"max", colBlack, func(s results.CapacityStep) float64 { return runLatency(s).Max }},
	{"mean", colSky, func(s results.CapacityStep) float64 { return runLatency(s).Mean }},
}

// worse reports whether run a did worse than run b at the same rate: it
// failed where b held, or held or failed alike with a higher p99.
func worse(a, b results.CapacityStep) bool {
	if a.Held != b.Held {
		return !a.Held
	}
	return a.P99 > b.P99
}

func markdownCapacity(w io.Writer, v capacityView) {
	markdownRunHead(w, v.Meta, v.Tiles)
	if l := v.Limit; l != nil {
		fmt.Fprintf(w, "\n**%s**", mdCell(l.Headline))
		if l.Reason != "" {
			fmt.Fprintf(w, ": %s", mdCell(l.Reason))
		}
		fmt.Fprintln(w, ".")
	}
	if v.ServerMissing != "" {
		fmt.Fprintf(w, "\n%s\n", v.ServerMissing)
	}
	for _, x := range v.ServerWarnings {
		fmt.Fprintf(w, "- server warning: %s\n", mdCell(x))
	}
	fmt.Fprintf(w, "\n### Steps\n\n")
	head := []string{"step", "phase", "requested (" + v.Unit + ")", "achieved", "p50", "p99"}
	right := []bool{true, false, true, true, true, true}
	if v.HasServer {
		head, right = append(head, "server p50", "server p99", "server CPU/request"), append(right, true, true, true)
	}
	mdTable(w, append(head, v.Errors, "result"), append(right, true, false), func(row func(...string)) {
		for _, s := range v.Steps {
			res := "✅ " + s.Verdict
			if !s.Held {
				res = "❌ " + s.Verdict
			}
			cells := []string{s.N, s.Phase, s.Rate, s.Achieved, s.P50, s.P99}
			if v.HasServer {
				cells = append(cells, s.ServerP50, s.ServerP99, s.CPU)
			}
			row(append(cells, s.Errors, res)...)
		}
	})
}

func capacitySuite(c *results.CapacityRun) junitSuite {
	r := c.Result
	s := junitSuite{junitCounts: junitCounts{Name: "orybench capacity " + r.Scenario, Time: seconds(r.DurationS), Tests: 1}, Timestamp: c.Run.StartedAt,
		Properties: []junitProperty{
			{"target", scrubURL(r.Target)},
			{"slo", strings.Join(r.SLO, ", ")},
			{"sustainable_rate", trimFloat(r.SustainableRate, 3)},
			{"confidence", r.Confidence.Level},
			{"steps", fmt.Sprint(len(r.Steps))},
		}}
	jc := junitCase{Name: "sustainable rate within the SLO", Classname: "capacity." + r.Scenario, Time: seconds(r.DurationS),
		SystemOut: fmt.Sprintf("sustainable %s/s; confidence %s: %s", trimFloat(r.SustainableRate, 1), r.Confidence.Level, r.Confidence.Reason)}
	if why := r.Incomplete(); why != "" {
		jc.Failure = incompleteFailure(why)
	} else if !r.Found {
		jc.Failure = &junitFailure{Message: "no rate held the SLO: " + r.Confidence.Reason, Type: "capacity", Text: jc.SystemOut}
	}
	if jc.Failure != nil {
		s.Failures++
	}
	s.Cases = append(s.Cases, jc)
	return s
}
