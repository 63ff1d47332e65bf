// Package bootstrap puts a confidence interval on the change of a statistic
// between two runs' time series, by the circular moving-block resample.
//
// Why a block resample. The series it is made for are a load run's
// per-second latency percentiles, and neighbouring seconds are not
// independent: a garbage collection, a connection pool growing, a noisy
// neighbour on the machine or a queue that builds up spill over several
// seconds. The ordinary bootstrap draws seconds one by one as if each were
// independent, which understates the variance of anything computed from
// them and so turns ordinary run-to-run noise into "significant" changes.
// A moving-block bootstrap (Künsch 1989) draws runs of consecutive seconds
// instead, so whatever dependence lies within a block stays in the
// resample. The circular variant (Politis & Romano 1992) wraps blocks round
// the end of the series, so that every second is drawn equally often. The
// block length is n^(1/3) seconds, rounded (at least 1), the order that
// Hall, Horowitz & Jing (1995) found best for estimating a statistic's
// distribution.
//
// The two runs are independent of each other, so each series is resampled
// on its own; the interval is the percentile interval of the relative
// change stat(candidate*)/stat(baseline*) − 1 over the resamples, which
// needs no assumption about the shape of latency distributions (skewed,
// heavy-tailed, multi-modal). Resampling uses a fixed seed: the same inputs
// always give the same interval.
//
// Short series get intervals narrower than their level claims: with
// neighbouring points correlated at 0.5, a 95 % interval of the median
// covered the true change in about 82 % of trials at 10 points and in about
// 93 % at 120 (simulated, log-AR(1) series). A caller that flags changes
// should also ask for a minimum size of change, as compare does with its
// tolerance, and long enough runs.
package resample

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/orybench/orybench/results"
)

// Defaults of Options.
const (
	DefaultResamples = 4000
	DefaultLevel     = 0.95
	// MinPoints is the fewest values a series needs: with fewer there are
	// too few blocks to resample.
	MinPoints = 5
)

// ErrTooShort is returned, wrapped, when a series has fewer than MinPoints
// values.
var ErrTooShort = errors.New("series too short to resample")

// Statistic summarises a series. It may reorder its argument.
type Statistic func([]float64) float64

// Median is the median of x: what a typical second looked like. It is the
// statistic compare uses on per-second percentiles: one stalled second, or
// one lucky one, does not move it, where it would move a mean.
func Median(x []float64) float64 {
	n := len(x)
	if n == 0 {
		return math.NaN()
	}
	slices.Sort(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}

// Options tune RelativeChange. The zero value is the defaults.
type Options struct {
	// Resamples is the number of bootstrap resamples (DefaultResamples).
	Resamples int
	// Level is the confidence level of the interval (DefaultLevel).
	Level float64
	// Seed seeds the resampling; equal seeds give equal intervals.
	Seed uint64
	// BlockLen forces a block length in points; 0 picks n^(1/3).
	BlockLen int
}

// BlockLen is the block length the bootstrap uses for a series of n
// points: n^(1/3), rounded, at least 1.
func BlockLen(n int) int {
	return max(1, int(math.Round(math.Cbrt(float64(n)))))
}

// RelativeChange estimates stat(candidate)/stat(baseline) − 1 and its
// confidence interval by resampling each series with the circular
// moving-block resample, as a comparison records it. Neither input is
// modified. It fails when a series is shorter than MinPoints or when the
// baseline's statistic is not positive (a ratio to it means nothing).
func RelativeChange(baseline, candidate []float64, stat Statistic, o Options) (results.RelativeChange, error) {
	if o.Resamples <= 0 {
		o.Resamples = DefaultResamples
	}
	if o.Level <= 0 || o.Level >= 1 {
		o.Level = DefaultLevel
	}
	for _, s := range []struct {
		name string
		x    []float64
	}{{"baseline", baseline}, {"candidate", candidate}} {
		if len(s.x) < MinPoints {
			return results.RelativeChange{}, fmt.Errorf("%s: %w: %d points, at least %d needed", s.name, ErrTooShort, len(s.x), MinPoints)
		}
		for _, v := range s.x {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return results.RelativeChange{}, fmt.Errorf("%s: a value is not a number", s.name)
			}
		}
	}
	c := results.RelativeChange{Level: o.Level, Resamples: o.Resamples, Points: [2]int{len(baseline), len(candidate)}}
	c.Baseline = stat(slices.Clone(baseline))
	c.Candidate = stat(slices.Clone(candidate))
	if !(c.Baseline > 0) {
		return results.RelativeChange{}, fmt.Errorf("baseline statistic is %g: a relative change needs a positive baseline", c.Baseline)
	}
	c.Rel = c.Candidate/c.Baseline - 1

	lb, lc := o.BlockLen, o.BlockLen
	if lb <= 0 {
		lb, lc = BlockLen(len(baseline)), BlockLen(len(candidate))
	}
	lb, lc = min(lb, len(baseline)), min(lc, len(candidate))
	c.BlockLen = [2]int{lb, lc}

	rng := rand.New(rand.NewPCG(o.Seed, 0x6f727962656e6368)) // "orybench"
	bufB, bufC := make([]float64, len(baseline)), make([]float64, len(candidate))
	rels := make([]float64, 0, o.Resamples)
	for range o.Resamples {
		resample(rng, baseline, lb, bufB)
		resample(rng, candidate, lc, bufC)
		b := stat(bufB)
		if !(b > 0) {
			continue // a resample whose baseline is 0: no ratio
		}
		rels = append(rels, stat(bufC)/b-1)
	}
	if len(rels) < o.Resamples/2 {
		return results.RelativeChange{}, fmt.Errorf("baseline statistic is 0 in most resamples: a relative change means nothing")
	}
	slices.Sort(rels)
	alpha := (1 - o.Level) / 2
	c.Lo, c.Hi = quantile(rels, alpha), quantile(rels, 1-alpha)
	return c, nil
}

// resample fills out with len(x) values of x drawn as blocks of l
// consecutive points, each starting anywhere and wrapping round the end.
func resample(rng *rand.Rand, x []float64, l int, out []float64) {
	n := len(x)
	for i := 0; i < n; {
		start := rng.IntN(n)
		for j := 0; j < l && i < n; j++ {
			out[i] = x[(start+j)%n]
			i++
		}
	}
}

// quantile is the q-quantile of sorted s, interpolating linearly between
// order statistics.
func quantile(s []float64, q float64) float64 {
	if len(s) == 1 {
		return s[0]
	}
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	frac := pos - float64(i)
	return s[i] + frac*(s[i+1]-s[i])
}
