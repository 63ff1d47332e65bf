package servermetrics

import (
	"math"
	"testing"
)

func TestQuantile(t *testing.T) {
	inf := math.Inf(1)
	bounds := []float64{0.005, 0.01, 0.025, inf}
	for _, c := range []struct {
		name   string
		q      float64
		bounds []float64
		counts []float64
		want   float64
	}{
		// 10 observations in 0–5 ms: the median is half way through.
		{"first bucket", 0.5, bounds, []float64{10, 10, 10, 10}, 0.0025},
		// 4 in 0–5 ms, 4 in 5–10, 2 in 10–25: rank 5 is 1 of 4 into 5–10.
		{"second bucket", 0.5, bounds, []float64{4, 8, 10, 10}, 0.005 + 0.005*1/4},
		// rank 9.9 is 1.9 of 2 into 10–25.
		{"p99", 0.99, bounds, []float64{4, 8, 10, 10}, 0.01 + 0.015*1.9/2},
		// rank exactly on a bound: the bound.
		{"on a bound", 0.4, bounds, []float64{4, 8, 10, 10}, 0.005},
		// All in +Inf: the highest finite bound.
		{"all in +Inf", 0.5, bounds, []float64{0, 0, 0, 7}, 0.025},
		{"p99 in +Inf", 0.99, bounds, []float64{5, 5, 5, 10}, 0.025},
		{"empty", 0.5, bounds, []float64{0, 0, 0, 0}, math.NaN()},
		{"only +Inf", 0.5, []float64{inf}, []float64{3}, math.NaN()},
		{"no +Inf", 0.5, []float64{1, 2}, []float64{1, 2}, math.NaN()},
		{"lengths differ", 0.5, bounds, []float64{1, 2}, math.NaN()},
		{"q below 0", -0.1, bounds, []float64{1, 1, 1, 1}, math.Inf(-1)},
		{"q above 1", 1.1, bounds, []float64{1, 1, 1, 1}, inf},
		{"q = 1", 1, bounds, []float64{4, 8, 10, 10}, 0.025},
		// A negative first bound holds its rank at the bound.
		{"negative first bound", 0.5, []float64{-1, 0, inf}, []float64{5, 5, 5}, -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Quantile(c.q, c.bounds, c.counts)
			if math.IsNaN(c.want) {
				if !math.IsNaN(got) {
					t.Errorf("got %v, want NaN", got)
				}
				return
			}
			if math.Abs(got-c.want) > 1e-12 && got != c.want {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestHistogramSubAndMerge(t *testing.T) {
	inf := math.Inf(1)
	earlier := Histogram{Bounds: []float64{1, inf}, Counts: []float64{2, 3}, Sum: 2, Count: 3}
	later := Histogram{Bounds: []float64{1, inf}, Counts: []float64{5, 7}, Sum: 6, Count: 7}
	d, ok := later.sub(earlier)
	if !ok || d.Counts[0] != 3 || d.Counts[1] != 4 || d.Sum != 4 || d.Count != 4 {
		t.Errorf("sub = %+v, %v", d, ok)
	}
	if d, ok := later.sub(Histogram{}); !ok || d.Count != 7 {
		t.Errorf("sub of a new series = %+v, %v", d, ok)
	}
	if _, ok := earlier.sub(later); ok {
		t.Error("a count that went down subtracted")
	}
	m, ok := merge([]Histogram{earlier, later})
	if !ok || m.Counts[0] != 7 || m.Counts[1] != 10 || m.Count != 10 || m.Sum != 8 {
		t.Errorf("merge = %+v, %v", m, ok)
	}
	if earlier.Counts[0] != 2 {
		t.Error("merge changed its input")
	}
	if _, ok := merge([]Histogram{earlier, {Bounds: []float64{2, inf}, Counts: []float64{1, 1}, Count: 1}}); ok {
		t.Error("histograms with different bounds merged")
	}
}
