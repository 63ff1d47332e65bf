package reports

import (
	"fmt"
	"math"
	"slices"

	"github.com/orybench/orybench/results"
)

// MaxChartPoints bounds the points of a time series chart: a longer run is
// drawn in windows of several seconds, so that a report of a long run stays
// small and quick to open.
const MaxChartPoints = 600

// Okabe–Ito colours: told apart with every common colour vision deficiency.
const (
	colBlue      = "#0072B2"
	colOrange    = "#E69F00"
	colVermilion = "#D55E00"
	colGreen     = "#009E73"
	colSky       = "#56B4E9"
	colPurple    = "#CC79A7"
	colYellow    = "#F0E442"
	colBlack     = "#333333"
)

// timeline is a load run's time series in windows of Window seconds: counts
// per second averaged over the window, latencies the worst second of the
// window (a spike is never averaged away). NaN means no answer in the
// window.
type timeline struct {
	Window                        int
	T                             []float64 // window start, seconds
	Requests, Errors, RateLimited []float64 // per second
	P50, P90, P99, Max            []float64
	P50U, P90U, P99U              []float64
	HasP90, HasUncorrected        bool
	Codes                         map[string][]float64 // per second
	CodeOrder                     []string
	Seconds                       int
}

// newTimeline down-samples pts to at most maxPoints windows.
func newTimeline(pts []results.SeriesPoint, maxPoints int) timeline {
	tl := timeline{Window: 1, Codes: map[string][]float64{}}
	if len(pts) == 0 {
		return tl
	}
	span := int(pts[len(pts)-1].T-pts[0].T) + 1
	tl.Seconds = span
	if span > maxPoints {
		tl.Window = (span + maxPoints - 1) / maxPoints
	}
	codes := map[string]bool{}
	for _, p := range pts {
		for c := range p.StatusCodes {
			codes[c] = true
		}
		tl.HasP90 = tl.HasP90 || p.P90 != nil
		tl.HasUncorrected = tl.HasUncorrected || p.P50Uncorrected != nil || p.P99Uncorrected != nil
	}
	tl.CodeOrder = sortedKeys(codes)

	t0 := pts[0].T
	n := (span + tl.Window - 1) / tl.Window
	tl.T = make([]float64, n)
	for _, s := range []*[]float64{&tl.Requests, &tl.Errors, &tl.RateLimited} {
		*s = make([]float64, n)
	}
	for _, s := range []*[]float64{&tl.P50, &tl.P90, &tl.P99, &tl.Max, &tl.P50U, &tl.P90U, &tl.P99U} {
		*s = nanSlice(n)
	}
	for _, c := range tl.CodeOrder {
		tl.Codes[c] = make([]float64, n)
	}
	secs := make([]int, n) // seconds covered by each window
	for i := range tl.T {
		tl.T[i] = float64(i * tl.Window)
		secs[i] = min(tl.Window, span-i*tl.Window)
	}
	worst := func(s []float64, i int, v float64) {
		if math.IsNaN(s[i]) || v > s[i] {
			s[i] = v
		}
	}
	for _, p := range pts {
		i := int(p.T-t0) / tl.Window
		w := float64(secs[i])
		tl.Requests[i] += float64(p.Requests) / w
		tl.Errors[i] += float64(p.Errors) / w
		tl.RateLimited[i] += float64(p.RateLimited) / w
		for c, k := range p.StatusCodes {
			tl.Codes[c][i] += float64(k) / w
		}
		if p.Requests == 0 {
			continue // no answer: no latency
		}
		worst(tl.P50, i, p.P50)
		worst(tl.P99, i, p.P99)
		worst(tl.Max, i, p.Max)
		for _, o := range []struct {
			dst []float64
			v   *float64
		}{{tl.P90, p.P90}, {tl.P50U, p.P50Uncorrected}, {tl.P90U, p.P90Uncorrected}, {tl.P99U, p.P99Uncorrected}} {
			if o.v != nil {
				worst(o.dst, i, *o.v)
			}
		}
	}
	return tl
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

func sortedKeys(m map[string]bool) []string {
	u := make(map[string]uint64, len(m))
	for k := range m {
		u[k] = 1
	}
	return sortedCodes(u)
}

// windowNote says how the chart's points were made.
func (tl timeline) windowNote() string {
	if tl.Window <= 1 {
		return "one point per second"
	}
	return fmt.Sprintf("one point per %d s window (%d s run, at most %d points); latency is the window's worst second, rates its mean", tl.Window, tl.Seconds, MaxChartPoints)
}

// latencyChart: p50/p90/p99 from intended send time (solid) and from the
// actual send (dashed), when the run recorded them, and max, on a log axis:
// p50 and p99 are often a hundred times apart.
func (tl timeline) latencyChart(id string) (chart, []legendItem) {
	c := chart{ID: id, Title: "Latency percentiles over time", XLabel: "time since start", YLabel: "latency (ms, log scale)",
		XTicks: clockTicks, YLog: true, YFormat: func(v float64) string { return trimFloat(v, 2) }}
	var legend []legendItem
	add := func(name, color string, dashed bool, y []float64) {
		c.Lines = append(c.Lines, line{Name: name, Color: color, Dashed: dashed, X: tl.T, Y: y})
		legend = append(legend, legendItem{Name: name, Color: color, Dashed: dashed})
	}
	add("p50", colBlue, false, tl.P50)
	if tl.HasP90 {
		add("p90", colOrange, false, tl.P90)
	}
	add("p99", colVermilion, false, tl.P99)
	if tl.HasUncorrected {
		add("p50 uncorrected", colBlue, true, tl.P50U)
		if tl.HasP90 {
			add("p90 uncorrected", colOrange, true, tl.P90U)
		}
		add("p99 uncorrected", colVermilion, true, tl.P99U)
	}
	add("max", colBlack, false, tl.Max)
	c.Lines[len(c.Lines)-1].Width = 1
	return c, legend
}

// throughputChart: answers, errors and 429s per second.
func (tl timeline) throughputChart(id string) (chart, []legendItem) {
	c := chart{ID: id, Title: "Throughput over time", XLabel: "time since start", YLabel: "per second",
		XTicks: clockTicks, YFormat: func(v float64) string { return trimFloat(v, 1) }}
	c.Lines = []line{
		{Name: "requests/s", Color: colBlue, X: tl.T, Y: tl.Requests},
		{Name: "errors/s", Color: colVermilion, X: tl.T, Y: tl.Errors},
		{Name: "rate limited/s", Color: colPurple, Dashed: true, X: tl.T, Y: tl.RateLimited},
	}
	var legend []legendItem
	for _, l := range c.Lines {
		legend = append(legend, legendItem{Name: l.Name, Color: l.Color, Dashed: l.Dashed})
	}
	return c, legend
}

// statusChart: answers per second by status code, stacked.
func (tl timeline) statusChart(id string) (chart, []legendItem) {
	c := chart{ID: id, Title: "Status codes over time", XLabel: "time since start", YLabel: "answers per second",
		XTicks: clockTicks, YFormat: func(v float64) string { return trimFloat(v, 1) }}
	var legend []legendItem
	shade := map[byte]int{}
	for _, code := range tl.CodeOrder {
		col := statusColor(code, shade)
		name := code
		if code == "0" {
			name = "no answer"
		}
		c.Areas = append(c.Areas, line{Name: name, Color: col, X: tl.T, Y: tl.Codes[code]})
		legend = append(legend, legendItem{Name: name, Color: col, Area: true})
	}
	return c, legend
}

// statusColor gives each status class its hue, several codes of a class
// its shades: 2xx green, 3xx blue, 4xx orange, 5xx vermilion, none purple.
func statusColor(code string, shade map[byte]int) string {
	palettes := map[byte][]string{
		'2': {colGreen, "#5CC4A6", "#00664A"},
		'3': {colSky, colBlue, "#9CD1EF"},
		'4': {colOrange, colYellow, "#A86F00"},
		'5': {colVermilion, "#F08A4B", "#8F3E00"},
	}
	if code == "0" || code == "" {
		return colPurple
	}
	p, ok := palettes[code[0]]
	if !ok {
		return colBlack
	}
	i := shade[code[0]]
	shade[code[0]]++
	return p[i%len(p)]
}

// distributionChart: latency by percentile on HdrHistogram's axis,
// x = 1/(1-p), logarithmic. When ds hold a journey's whole journeys, their
// pair takes the place of the pair of all requests: a journey scenario's
// curves are its journeys' and each step's.
func distributionChart(id string, ds []results.Distribution) (chart, []legendItem) {
	c := chart{ID: id, Title: "Latency by percentile (HdrHistogram)", XLabel: "percentile (x = 1/(1−p), log scale)", YLabel: "latency (ms)",
		XLog: true, XTicks: percentileTicks, YFormat: func(v float64) string { return trimFloat(v, 2) }}
	colors := []string{colBlue, colGreen, colOrange, colPurple, colSky, colVermilion}
	journey := slices.ContainsFunc(ds, func(d results.Distribution) bool { return d.Journey })
	var legend []legendItem
	ci := -1
	for _, d := range ds {
		if d.Step != "" && d.Uncorrected {
			continue // one line per step: the overall pair shows the correction
		}
		if journey && d.Step == "" && !d.Journey {
			continue // all requests of a journey mixed: the journey's pair says more
		}
		if !d.Uncorrected || ci < 0 {
			ci++ // an uncorrected line takes its corrected twin's colour, dashed
		}
		col := colors[ci%len(colors)]
		l := line{Name: d.Name, Color: col, Dashed: d.Uncorrected}
		if d.Step != "" {
			l.Width = 1.5
		}
		for _, p := range d.Points {
			if p.Percentile >= 1 {
				continue // 1/(1-p) is infinite
			}
			l.X = append(l.X, 1/(1-p.Percentile))
			l.Y = append(l.Y, p.ValueMS)
		}
		if len(l.X) == 0 {
			continue
		}
		c.Lines = append(c.Lines, l)
		legend = append(legend, legendItem{Name: d.Name, Color: col, Dashed: d.Uncorrected})
	}
	return c, legend
}

// legendItem is one entry of a chart's legend.
type legendItem struct {
	Name   string
	Color  string
	Dashed bool
	Area   bool
	Dot    bool
}

// Swatch is the legend's sample of the line or area.
func (l legendItem) Swatch() string {
	if l.Dot {
		return `<svg class="sw" viewBox="0 0 24 12" aria-hidden="true"><circle cx="12" cy="6" r="5" fill="` + l.Color + `"/></svg>`
	}
	if l.Area {
		return `<svg class="sw" viewBox="0 0 24 12" aria-hidden="true"><rect x="2" y="1" width="20" height="10" fill="` + l.Color + `"/></svg>`
	}
	dash := ""
	if l.Dashed {
		dash = ` stroke-dasharray="5 3"`
	}
	return `<svg class="sw" viewBox="0 0 24 12" aria-hidden="true"><line x1="1" x2="23" y1="6" y2="6" stroke="` + l.Color + `" stroke-width="3"` + dash + `/></svg>`
}
