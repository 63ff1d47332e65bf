package resample

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{5, 5, 100, 5, 5}, 5},
	} {
		if got := Median(tc.in); got != tc.want {
			t.Errorf("Median(%v) = %g, want %g", tc.in, got, tc.want)
		}
	}
	if !math.IsNaN(Median(nil)) {
		t.Error("Median(nil) is a number")
	}
}

func TestBlockLen(t *testing.T) {
	for _, tc := range []struct{ n, want int }{{1, 1}, {5, 2}, {9, 2}, {27, 3}, {60, 4}, {600, 8}} {
		if got := BlockLen(tc.n); got != tc.want {
			t.Errorf("BlockLen(%d) = %d, want %d", tc.n, got, tc.want)
		}
	}
}

func TestResampleKeepsBlocks(t *testing.T) {
	x := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	out := make([]float64, len(x))
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		resample(rng, x, 3, out)
		// Blocks of 3 from anywhere, wrapping: inside a block each value
		// follows the one before it, modulo 10.
		for i := 0; i < len(out); i += 3 {
			for j := i + 1; j < min(i+3, len(out)); j++ {
				if out[j] != math.Mod(out[j-1]+1, 10) {
					t.Fatalf("resample %v breaks a block at %d", out, j)
				}
			}
		}
	}
}

// lognormal draws n latencies in ms: median m, shape sigma.
func lognormal(rng *rand.Rand, n int, m, sigma float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = m * math.Exp(sigma*rng.NormFloat64())
	}
	return x
}

// ar1 draws n latencies in ms whose logarithm is an AR(1) process with
// coefficient phi: neighbouring seconds alike, as in a real run.
func ar1(rng *rand.Rand, n int, m, sigma, phi float64) []float64 {
	x := make([]float64, n)
	z := rng.NormFloat64()
	for i := range x {
		z = phi*z + math.Sqrt(1-phi*phi)*rng.NormFloat64()
		x[i] = m * math.Exp(sigma*z)
	}
	return x
}

func TestRelativeChangeFindsAKnownShift(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	base := lognormal(rng, 10, 40, 0.08)
	cand := lognormal(rng, 10, 48, 0.08) // 20 % higher
	c, err := RelativeChange(base, cand, Median, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Significant() || c.Lo <= 0 {
		t.Errorf("a 20 %% shift is not significant: %+v", c)
	}
	if c.Lo > 0.2 || c.Hi < 0.2 {
		t.Errorf("interval [%.3f, %.3f] misses the true change 0.2", c.Lo, c.Hi)
	}
	if math.Abs(c.Rel-0.2) > 0.08 {
		t.Errorf("estimate %.3f, want about 0.2", c.Rel)
	}
	if c.Points != [2]int{10, 10} || c.BlockLen != [2]int{2, 2} || c.Resamples != DefaultResamples || c.Level != DefaultLevel {
		t.Errorf("bookkeeping: %+v", c)
	}

	same := lognormal(rng, 10, 40, 0.08)
	c, err = RelativeChange(base, same, Median, Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if c.Lo > 0 || c.Hi < 0 {
		t.Errorf("two samples of one distribution differ significantly: %+v", c)
	}
}

func TestRelativeChangeIsReproducible(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	base, cand := lognormal(rng, 30, 10, 0.3), lognormal(rng, 30, 11, 0.3)
	keep := append([]float64(nil), base...)
	a, _ := RelativeChange(base, cand, Median, Options{Seed: 42, Resamples: 1000})
	b, _ := RelativeChange(base, cand, Median, Options{Seed: 42, Resamples: 1000})
	if a != b {
		t.Errorf("same seed, different results: %+v vs %+v", a, b)
	}
	c, _ := RelativeChange(base, cand, Median, Options{Seed: 43, Resamples: 1000})
	if a.Lo == c.Lo && a.Hi == c.Hi {
		t.Errorf("the seed does not reach the resampling")
	}
	for i := range base {
		if base[i] != keep[i] {
			t.Fatal("RelativeChange modified its input")
		}
	}
}

// TestBlocksHoldCoverageOnAutocorrelatedSeries is why the bootstrap works
// in blocks: on series whose neighbouring points are alike (log-AR(1),
// coefficient 0.6), intervals from blocks cover the true change (none) about
// as often as they claim, while resampling single points, as if they were
// independent, gives intervals that are too narrow and miss it far more
// often: false regressions.
func TestBlocksHoldCoverageOnAutocorrelatedSeries(t *testing.T) {
	const (
		trials = 60
		n      = 120
	)
	rng := rand.New(rand.NewPCG(11, 13))
	covered := map[int]int{}
	for i := range trials {
		base, cand := ar1(rng, n, 20, 0.3, 0.6), ar1(rng, n, 20, 0.3, 0.6)
		for _, l := range []int{0, 1} { // 0: n^(1/3) = 5
			c, err := RelativeChange(base, cand, Median, Options{Seed: uint64(i), Resamples: 300, BlockLen: l})
			if err != nil {
				t.Fatal(err)
			}
			if c.Lo <= 0 && c.Hi >= 0 {
				covered[l]++
			}
		}
	}
	blocks, single := float64(covered[0])/trials, float64(covered[1])/trials
	t.Logf("coverage of a 95%% interval: blocks %.2f, single points %.2f", blocks, single)
	if blocks < 0.85 {
		t.Errorf("block bootstrap covers the true change in %.2f of trials, want about 0.95", blocks)
	}
	if single > blocks-0.1 {
		t.Errorf("single-point bootstrap covers %.2f, blocks %.2f: blocks should do clearly better on dependent series", single, blocks)
	}
}

func TestRelativeChangeRejects(t *testing.T) {
	ok := []float64{1, 2, 3, 4, 5}
	if _, err := RelativeChange([]float64{1, 2, 3}, ok, Median, Options{}); !errors.Is(err, ErrTooShort) {
		t.Errorf("short baseline: %v", err)
	}
	if _, err := RelativeChange(ok, []float64{1}, Median, Options{}); !errors.Is(err, ErrTooShort) {
		t.Errorf("short candidate: %v", err)
	}
	if _, err := RelativeChange([]float64{0, 0, 0, 0, 0}, ok, Median, Options{}); err == nil {
		t.Error("a zero baseline gives a ratio")
	}
	if _, err := RelativeChange([]float64{1, 2, math.NaN(), 4, 5}, ok, Median, Options{}); err == nil {
		t.Error("NaN accepted")
	}
}

func TestQuantile(t *testing.T) {
	s := []float64{1, 2, 3, 4, 5}
	for _, tc := range []struct{ q, want float64 }{{0, 1}, {0.5, 3}, {1, 5}, {0.125, 1.5}} {
		if got := quantile(s, tc.q); got != tc.want {
			t.Errorf("quantile(%g) = %g, want %g", tc.q, got, tc.want)
		}
	}
}
