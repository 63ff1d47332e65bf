package reports

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// A chart is a small SVG plot: lines or stacked areas over a linear or
// log10 x axis and a linear or log10 y axis. Its legend is drawn by the page around
// it (legend), so that it wraps and reads as text.
type chart struct {
	ID      string // unique in the page
	Title   string // read by screen readers
	XLabel  string
	YLabel  string
	XLog    bool // log10 x axis (the percentile distribution)
	YLog    bool // log10 y axis of lines (latencies that span decades)
	XTicks  func(lo, hi float64) []tick
	YFormat func(float64) string
	Lines   []line
	Areas   []line // stacked from the bottom, in order
	// YMin forces the y axis to start at a value (0 by default).
	YMax float64 // 0: from the data
}

// line is one series. NaN values break the line (no data that second).
type line struct {
	Name   string
	Color  string
	Dashed bool
	Width  float64
	Dots   bool // a dot at each point instead of a line
	X, Y   []float64
}

type tick struct {
	V     float64
	Label string
}

// Geometry of every chart, in SVG user units; the page scales it to its
// width.
const (
	chartW  = 960
	chartH  = 280
	padL    = 64
	padR    = 36
	padT    = 12
	padB    = 44
	plotW   = chartW - padL - padR
	plotH   = chartH - padT - padB
	yTickN  = 5
	xTickN  = 8
	svgPrec = 1
)

// SVG renders the chart.
func (c chart) SVG() template.HTML {
	xlo, xhi, ylo, yhi := c.bounds()
	tx := func(x float64) float64 {
		if c.XLog {
			x, xlo, xhi := math.Log10(math.Max(x, 1e-9)), math.Log10(xlo), math.Log10(xhi)
			return padL + (x-xlo)/(xhi-xlo)*plotW
		}
		return padL + (x-xlo)/(xhi-xlo)*plotW
	}
	ty := func(y float64) float64 { return padT + plotH - (y-ylo)/(yhi-ylo)*plotH }
	if c.YLog {
		ty = func(y float64) float64 {
			y = math.Log10(math.Max(y, ylo)) // zero sits on the floor
			lo, hi := math.Log10(ylo), math.Log10(yhi)
			return padT + plotH - (y-lo)/(hi-lo)*plotH
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="%s" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t" preserveAspectRatio="xMidYMid meet">`, c.ID, chartW, chartH, c.ID)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title>`, c.ID, html.EscapeString(c.Title))
	// Grid and y ticks.
	yFmt := c.YFormat
	if yFmt == nil {
		yFmt = func(v float64) string { return trimFloat(v, 2) }
	}
	b.WriteString(`<g class="grid">`)
	yticks := niceTicks(ylo, yhi, yTickN)
	if c.YLog {
		yticks = logTicks(ylo, yhi)
	}
	for _, t := range yticks {
		y := ty(t)
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%s" y2="%s"/>`, padL, padL+plotW, f(y), f(y))
		fmt.Fprintf(&b, `<text class="yt" x="%d" y="%s">%s</text>`, padL-6, f(y+4), html.EscapeString(yFmt(t)))
	}
	xticks := c.XTicks
	if xticks == nil {
		xticks = func(lo, hi float64) []tick {
			var ts []tick
			for _, v := range niceTicks(lo, hi, xTickN) {
				ts = append(ts, tick{v, trimFloat(v, 2)})
			}
			return ts
		}
	}
	for _, t := range xticks(xlo, xhi) {
		x := tx(t.V)
		if x < padL-0.5 || x > padL+plotW+0.5 {
			continue
		}
		fmt.Fprintf(&b, `<line x1="%s" x2="%s" y1="%d" y2="%d"/>`, f(x), f(x), padT, padT+plotH)
		fmt.Fprintf(&b, `<text class="xt" x="%s" y="%d">%s</text>`, f(x), padT+plotH+16, html.EscapeString(t.Label))
	}
	b.WriteString(`</g>`)
	fmt.Fprintf(&b, `<rect class="frame" x="%d" y="%d" width="%d" height="%d"/>`, padL, padT, plotW, plotH)
	// Stacked areas.
	if len(c.Areas) > 0 {
		base := make([]float64, len(c.Areas[0].X))
		for _, a := range c.Areas {
			top := make([]float64, len(base))
			for i := range base {
				v := 0.0
				if i < len(a.Y) && !math.IsNaN(a.Y[i]) {
					v = a.Y[i]
				}
				top[i] = base[i] + v
			}
			var d strings.Builder
			for i := range top {
				cmd := "L"
				if i == 0 {
					cmd = "M"
				}
				fmt.Fprintf(&d, "%s%s %s", cmd, f(tx(a.X[i])), f(ty(top[i])))
			}
			for i := len(base) - 1; i >= 0; i-- {
				fmt.Fprintf(&d, "L%s %s", f(tx(a.X[i])), f(ty(base[i])))
			}
			fmt.Fprintf(&b, `<path class="area" data-series="%s" fill="%s" d="%sZ"/>`, html.EscapeString(a.Name), a.Color, d.String())
			base = top
		}
	}
	// Lines.
	for _, l := range c.Lines {
		if l.Dots {
			for i := range l.X {
				if i < len(l.Y) && !math.IsNaN(l.Y[i]) && !math.IsInf(l.Y[i], 0) {
					fmt.Fprintf(&b, `<circle class="dot" data-series="%s" fill="%s" cx="%s" cy="%s" r="5"/>`, html.EscapeString(l.Name), l.Color, f(tx(l.X[i])), f(ty(l.Y[i])))
				}
			}
			continue
		}
		d := linePath(l, tx, ty)
		if d == "" {
			continue
		}
		w := l.Width
		if w == 0 {
			w = 2
		}
		dash := ""
		if l.Dashed {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<path class="line" data-series="%s" stroke="%s" stroke-width="%s"%s d="%s"/>`, html.EscapeString(l.Name), l.Color, f(w), dash, d)
	}
	// Axis labels.
	fmt.Fprintf(&b, `<text class="xl" x="%d" y="%d">%s</text>`, padL+plotW/2, chartH-4, html.EscapeString(c.XLabel))
	fmt.Fprintf(&b, `<text class="yl" transform="translate(14 %d) rotate(-90)">%s</text>`, padT+plotH/2, html.EscapeString(c.YLabel))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// linePath draws l as one path, a new segment after each NaN.
func linePath(l line, tx, ty func(float64) float64) string {
	var d strings.Builder
	pen := false
	for i := range l.X {
		if i >= len(l.Y) || math.IsNaN(l.Y[i]) || math.IsInf(l.Y[i], 0) {
			pen = false
			continue
		}
		cmd := "L"
		if !pen {
			cmd = "M"
		}
		fmt.Fprintf(&d, "%s%s %s", cmd, f(tx(l.X[i])), f(ty(l.Y[i])))
		pen = true
	}
	return d.String()
}

// bounds returns the data's extent: y from 0 with headroom, x as given.
func (c chart) bounds() (xlo, xhi, ylo, yhi float64) {
	xlo, xhi = math.Inf(1), math.Inf(-1)
	yhi = 0
	visit := func(l line) {
		for i, x := range l.X {
			if i < len(l.Y) && (math.IsNaN(l.Y[i]) || math.IsInf(l.Y[i], 0)) {
				continue
			}
			xlo, xhi = math.Min(xlo, x), math.Max(xhi, x)
		}
	}
	for _, l := range c.Lines {
		visit(l)
		for _, y := range l.Y {
			if !math.IsNaN(y) && !math.IsInf(y, 0) {
				yhi = math.Max(yhi, y)
			}
		}
	}
	if len(c.Areas) > 0 {
		visit(c.Areas[0])
		for i := range c.Areas[0].X {
			sum := 0.0
			for _, a := range c.Areas {
				if i < len(a.Y) && !math.IsNaN(a.Y[i]) {
					sum += a.Y[i]
				}
			}
			yhi = math.Max(yhi, sum)
		}
	}
	if math.IsInf(xlo, 1) {
		xlo, xhi = 0, 1
	}
	if c.XLog {
		xlo = math.Max(xlo, 1)
		xhi = math.Max(xhi, xlo*10)
		// Whole decades, so the ticks fall on 90%, 99%, 99.9% ...
		xlo = math.Pow(10, math.Floor(math.Log10(xlo)))
		xhi = math.Pow(10, math.Ceil(math.Log10(xhi)))
	} else if xhi <= xlo {
		xhi = xlo + 1
	}
	if c.YMax > 0 {
		yhi = c.YMax
	}
	if yhi <= 0 {
		yhi = 1
	}
	if c.YLog {
		ylo, yhi = logBounds(c.Lines, yhi)
		return xlo, xhi, ylo, yhi
	}
	ts := niceTicks(0, yhi*1.05, yTickN)
	return xlo, xhi, 0, ts[len(ts)-1]
}

// logBounds are a log axis's ends: 1, 2 or 5 times a power of ten at or
// below the lines' smallest positive value, and at or above yhi with
// headroom.
func logBounds(lines []line, yhi float64) (lo, hi float64) {
	lo = math.Inf(1)
	for _, l := range lines {
		for _, y := range l.Y {
			if y > 0 && !math.IsInf(y, 0) {
				lo = math.Min(lo, y)
			}
		}
	}
	if math.IsInf(lo, 1) {
		lo = yhi / 10
	}
	lo, hi = floor125(lo), ceil125(yhi*1.05)
	if hi <= lo {
		hi = ceil125(lo * 1.01)
	}
	return lo, hi
}

// floor125 is the largest 1, 2 or 5 times a power of ten at most v (> 0).
func floor125(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2} {
		if m*e <= v*(1+1e-9) {
			return m * e
		}
	}
	return e
}

// ceil125 is the smallest 1, 2 or 5 times a power of ten at least v (> 0).
func ceil125(v float64) float64 {
	e := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5} {
		if m*e >= v*(1-1e-9) {
			return m * e
		}
	}
	return 10 * e
}

// logTicks are the 1-2-5 values from lo to hi, or only the powers of ten
// when that would be too many to read.
func logTicks(lo, hi float64) []float64 {
	var all, decades []float64
	for v := lo; v <= hi*(1+1e-9); v = ceil125(v * 1.01) {
		all = append(all, v)
		if e := math.Log10(v); math.Abs(e-math.Round(e)) < 1e-9 {
			decades = append(decades, v)
		}
	}
	if len(all) > 2*yTickN && len(decades) >= 2 {
		return decades
	}
	return all
}

// niceTicks returns about n round values from lo to at least hi.
func niceTicks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		return []float64{lo}
	}
	step := niceNum((hi - lo) / float64(n))
	start := math.Floor(lo/step) * step
	var out []float64
	for v := start; v < hi+step*0.999; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// niceNum rounds x up to 1, 2, 2.5 or 5 times a power of ten.
func niceNum(x float64) float64 {
	exp := math.Floor(math.Log10(x))
	frac := x / math.Pow(10, exp)
	var nice float64
	switch {
	case frac <= 1:
		nice = 1
	case frac <= 2:
		nice = 2
	case frac <= 2.5:
		nice = 2.5
	case frac <= 5:
		nice = 5
	default:
		nice = 10
	}
	return nice * math.Pow(10, exp)
}

// clockTicks are round times (5 s, 10 s, 30 s, 1 min, 5 min ...) on an axis
// of seconds since the start.
func clockTicks(lo, hi float64) []tick {
	steps := []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200}
	step := steps[len(steps)-1]
	for _, s := range steps {
		if (hi-lo)/s <= xTickN {
			step = s
			break
		}
	}
	var ts []tick
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		ts = append(ts, tick{v, fmtClock(v)})
	}
	return ts
}

// percentileTicks label a 1/(1-p) axis by percentile: 0%, 90%, 99%, 99.9% ...
func percentileTicks(lo, hi float64) []tick {
	var ts []tick
	for e := math.Floor(math.Log10(lo)); e <= math.Log10(hi)+1e-9; e++ {
		v := math.Pow(10, e)
		p := 100 * (1 - 1/v)
		label := trimFloat(p, int(math.Max(0, e-2))) + "%"
		ts = append(ts, tick{v, label})
	}
	return ts
}

// f formats a coordinate with one decimal.
func f(v float64) string { return strconv.FormatFloat(v, 'f', svgPrec, 64) }
