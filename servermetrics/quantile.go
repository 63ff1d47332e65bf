package servermetrics

import (
	"math"
	"slices"
)

// Quantile is the q-quantile (0 ≤ q ≤ 1) of the observations of a
// histogram with cumulative counts in buckets with the given upper bounds
// (ascending, the last +Inf), as Prometheus's histogram_quantile computes
// it: linear interpolation inside the bucket that holds the rank, from 0
// for the first bucket. A rank in the +Inf bucket is the highest finite
// bound. It is NaN for a histogram without observations or without a
// finite bound, and for bounds and counts of different lengths.
func Quantile(q float64, bounds, counts []float64) float64 {
	n := len(bounds)
	if n < 2 || len(counts) != n || !math.IsInf(bounds[n-1], 1) || counts[n-1] <= 0 || math.IsNaN(q) {
		return math.NaN()
	}
	switch {
	case q < 0:
		return math.Inf(-1)
	case q > 1:
		return math.Inf(1)
	}
	rank := q * counts[n-1]
	// The first finite bucket that holds the rank; n-1 (+Inf) if none.
	b, _ := slices.BinarySearchFunc(counts[:n-1], rank, func(c, r float64) int {
		if c < r {
			return -1
		}
		return 1
	})
	if b == n-1 {
		return bounds[n-2]
	}
	if b == 0 && bounds[0] <= 0 {
		return bounds[0]
	}
	start, below := 0.0, 0.0
	if b > 0 {
		start, below = bounds[b-1], counts[b-1]
	}
	in := counts[b] - below
	if in <= 0 {
		return start
	}
	return start + (bounds[b]-start)*(rank-below)/in
}

// merge adds histograms with the same bounds into one; ok is false if
// their bounds differ (nothing is merged then).
func merge(hs []Histogram) (sum Histogram, ok bool) {
	for i, h := range hs {
		if i == 0 {
			sum = Histogram{Bounds: slices.Clone(h.Bounds), Counts: slices.Clone(h.Counts), Sum: h.Sum, Count: h.Count}
			continue
		}
		if !slices.Equal(h.Bounds, sum.Bounds) {
			return Histogram{}, false
		}
		for j := range h.Counts {
			sum.Counts[j] += h.Counts[j]
		}
		sum.Sum += h.Sum
		sum.Count += h.Count
	}
	return sum, true
}

// sub is h minus an earlier read of the same series (the zero Histogram
// for a series that did not exist then); ok is false if a count went
// down (the process restarted) or the bounds changed.
func (h Histogram) sub(earlier Histogram) (Histogram, bool) {
	if earlier.Bounds == nil {
		return h, true
	}
	if !slices.Equal(h.Bounds, earlier.Bounds) || h.Count < earlier.Count {
		return Histogram{}, false
	}
	d := Histogram{Bounds: h.Bounds, Counts: make([]float64, len(h.Counts)), Sum: h.Sum - earlier.Sum, Count: h.Count - earlier.Count}
	for i := range h.Counts {
		if d.Counts[i] = h.Counts[i] - earlier.Counts[i]; d.Counts[i] < 0 {
			return Histogram{}, false
		}
	}
	return d, true
}
