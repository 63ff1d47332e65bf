package reports

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/orybench/orybench/results"
)

// seriesOf makes n seconds of new-format points whose values say what they
// are: corrected p50/p90/p99 = 10/20/30 ms, uncorrected 1/2/3 ms, max 40.
func seriesOf(n int) []results.SeriesPoint {
	v := func(x float64) *float64 { return &x }
	var pts []results.SeriesPoint
	for i := 0; i < n; i++ {
		pts = append(pts, results.SeriesPoint{T: int64(i), Requests: 10, P50: 10, P90: v(20), P99: 30, Max: 40,
			P50Uncorrected: v(1), P90Uncorrected: v(2), P99Uncorrected: v(3), MaxUncorrected: v(4), StatusCodes: map[string]uint64{"200": 10}})
	}
	return pts
}

type chartLine struct {
	name   string
	dashed bool
	value  float64 // of every point; NaN: not checked
}

func TestLatencyChartLines(t *testing.T) {
	old, err := results.ReadLoadRun("testdata/load-whoami") // written before p90 and uncorrected per second
	if err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	tests := []struct {
		name string
		pts  []results.SeriesPoint
		want []chartLine
	}{
		{"p90 and uncorrected recorded", seriesOf(5), []chartLine{
			{"p50", false, 10}, {"p90", false, 20}, {"p99", false, 30},
			{"p50 uncorrected", true, 1}, {"p90 uncorrected", true, 2}, {"p99 uncorrected", true, 3},
			{"max", false, 40},
		}},
		{"older timeseries.jsonl", old.Series, []chartLine{{"p50", false, nan}, {"p99", false, nan}, {"max", false, nan}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, legend := newTimeline(tt.pts, MaxChartPoints).latencyChart("x")
			if len(c.Lines) != len(tt.want) || len(legend) != len(tt.want) {
				t.Fatalf("%d lines, %d legend items; want %d", len(c.Lines), len(legend), len(tt.want))
			}
			for i, w := range tt.want {
				l := c.Lines[i]
				if l.Name != w.name || l.Dashed != w.dashed || legend[i].Name != w.name || legend[i].Dashed != w.dashed {
					t.Errorf("line %d: %q dashed %v (legend %q dashed %v); want %q dashed %v",
						i, l.Name, l.Dashed, legend[i].Name, legend[i].Dashed, w.name, w.dashed)
				}
				if len(l.Y) != len(tt.pts) {
					t.Errorf("%s: %d points, want %d", l.Name, len(l.Y), len(tt.pts))
				}
				for j, y := range l.Y {
					if math.IsNaN(y) || (!math.IsNaN(w.value) && y != w.value) {
						t.Errorf("%s at %d s = %v, want %v", l.Name, j, y, w.value)
						break
					}
				}
				if w.dashed && (!strings.Contains(w.name, "uncorrected") || !strings.Contains(legend[i].Swatch(), "stroke-dasharray")) {
					t.Errorf("%s: an uncorrected line must say so and be dashed in the legend too", w.name)
				}
			}
		})
	}
}

// A window of several seconds shows its worst second of each percentile,
// corrected and uncorrected alike, and a second with old-format points
// leaves the new lines' gaps instead of zeros.
func TestTimelineWindowsUncorrected(t *testing.T) {
	pts := seriesOf(1200)
	*pts[601].P99Uncorrected = 99
	*pts[602].P90 = 88
	pts[10].P90, pts[10].P50Uncorrected, pts[10].P90Uncorrected, pts[10].P99Uncorrected = nil, nil, nil, nil // older writer
	tl := newTimeline(pts, MaxChartPoints)
	if tl.Window != 2 || !tl.HasP90 || !tl.HasUncorrected {
		t.Fatalf("window %d, p90 %v, uncorrected %v", tl.Window, tl.HasP90, tl.HasUncorrected)
	}
	if tl.P99U[300] != 99 || tl.P90[301] != 88 || tl.P99U[301] != 3 {
		t.Errorf("windows 300, 301: p99 uncorrected %v, %v; p90 %v", tl.P99U[300], tl.P99U[301], tl.P90[301])
	}
	if tl.P90U[5] != 2 { // second 11 of the window has it
		t.Errorf("window 5: p90 uncorrected %v, want 2", tl.P90U[5])
	}
	tl = newTimeline(pts[10:11], MaxChartPoints)
	if tl.HasP90 || tl.HasUncorrected || !math.IsNaN(tl.P90[0]) {
		t.Errorf("an older point: p90 %v, uncorrected %v, p90 value %v", tl.HasP90, tl.HasUncorrected, tl.P90[0])
	}
}

// The page draws the uncorrected lines dashed and says so; for an older
// run it says what is missing.
func TestLatencyChartInPage(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "testdata/load-whoami", dir)
	var b strings.Builder
	for _, p := range seriesOf(10) {
		data, _ := json.Marshal(p)
		b.Write(append(data, '\n'))
	}
	if err := os.WriteFile(filepath.Join(dir, "timeseries.jsonl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		dir        string
		want, lack []string
	}{
		{dir, []string{`Dashed: from the actual send.`, `>p90 uncorrected</span>`},
			[]string{"holds no uncorrected", "p90 was not recorded"}},
		{"testdata/load-whoami", []string{"holds no uncorrected percentiles", "p90 was not recorded per second"},
			[]string{`data-series="p50 uncorrected"`}},
	} {
		page := renderHTML(t, readFixture(t, tt.dir))
		for _, w := range tt.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: page lacks %q", tt.dir, w)
			}
		}
		for _, w := range tt.lack {
			if strings.Contains(page, w) {
				t.Errorf("%s: page has %q", tt.dir, w)
			}
		}
	}
	page := renderHTML(t, readFixture(t, dir))
	for _, name := range []string{"p50", "p90", "p99"} {
		re := regexp.MustCompile(`<path class="line" data-series="` + name + ` uncorrected" [^>]*stroke-dasharray`)
		if !re.MatchString(page) {
			t.Errorf("no dashed %s uncorrected line", name)
		}
		re = regexp.MustCompile(`<path class="line" data-series="` + name + `" [^>]*>`)
		if m := re.FindString(page); m == "" || strings.Contains(m, "dasharray") {
			t.Errorf("%s corrected line: %q, want solid", name, m)
		}
	}
}

func renderHTML(t *testing.T, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	if err := r.WriteHTML(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestTargetFacts(t *testing.T) {
	r := readFixture(t, "testdata/conformance")
	yes := true
	r.Conformance.Target.Discovered = []results.DiscoveredTarget{{Name: "default", Registration: "open", SessionAfterRegistration: &yes,
		LoginMethods: []string{"password", "code"}, Recovery: "code", Verification: "link", IdentitySchema: "default",
		IdentifierTrait: "email", EmailTrait: "email", Traits: "schema", Declared: []string{"webauthn"}}}
	r.Conformance.Target.RateLimits = &results.RateLimits{MaxRPS: 5, Requests: 1200, Limited: 12, Retried: 10, GaveUp: 2, WaitedS: 31}
	page := renderHTML(t, r)
	for _, want := range []string{
		"<dt>discovered</dt><dd>registration open (signs in); login password, code; recovery code; verification link; identity schema default, identifier traits.email, mail to traits.email; declared webauthn</dd>",
		"<dt>rate limits</dt><dd>12 of 1,200 requests answered 429; 10 retried after waiting 31 s in all, 2 still limited after every retry (their cases skipped); paced at 5 requests/s</dd>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "- **rate limits**: 12 of 1,200 requests answered 429;") {
		t.Errorf("summary.md lacks the rate limits")
	}
	r.Conformance.Target.RateLimits = &results.RateLimits{Requests: 900}
	if got := targetFacts(r.Conformance.Target); len(got) != 2 || got[1].V != "0 of 900 requests answered 429; not paced" {
		t.Errorf("facts of an unlimited run: %+v", got)
	}
}

// The latency chart's log axis: 1-2-5 ends around the data, ticks that
// stay few, and zero drawn on the floor rather than at minus infinity.
func TestLogAxis(t *testing.T) {
	join := func(vs []float64) string {
		var s []string
		for _, v := range vs {
			s = append(s, trimFloat(v, 3))
		}
		return strings.Join(s, " ")
	}
	for _, tt := range []struct {
		lo, hi float64
		want   string
	}{
		{1, 1000, "1 2 5 10 20 50 100 200 500 1000"},
		{1, 2000, "1 10 100 1000"},
		{0.2, 5, "0.2 0.5 1 2 5"},
	} {
		if got := join(logTicks(tt.lo, tt.hi)); got != tt.want {
			t.Errorf("logTicks(%v, %v) = %s, want %s", tt.lo, tt.hi, got, tt.want)
		}
	}
	lines := []line{{Y: []float64{3.2, math.NaN(), 0, 40}}, {Y: []float64{383}}}
	if lo, hi := logBounds(lines, 383); lo != 2 || hi != 500 {
		t.Errorf("logBounds = %v, %v; want 2, 500", lo, hi)
	}
	c := chart{ID: "l", YLog: true, Lines: []line{{Name: "a", X: []float64{0, 1, 2}, Y: []float64{0, 10, 100}}}}
	svg := string(c.SVG())
	// y = 0 sits on the floor (ylo = 10 → plot bottom), 100 at the top
	// (yhi = 200), 10 on the floor too.
	bottom, top := f(padT+plotH), f(padT+plotH-math.Log10(100/10.0)/math.Log10(200/10.0)*plotH)
	want := "M" + f(padL) + " " + bottom + "L" + f(padL+plotW/2) + " " + bottom + "L" + f(padL+plotW) + " " + top
	if !strings.Contains(svg, `d="`+want+`"`) {
		t.Errorf("log chart path is not %q:\n%s", want, svg)
	}
}
