package loadtest

import (
	"bufio"
	"fmt"
	"io"
	"math"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// writeHgrm writes h (microseconds) as an HdrHistogram percentile
// distribution in milliseconds, the .hgrm text that HdrHistogram's plotter
// and wrk2 use, with 5 ticks per half distance.
func writeHgrm(w io.Writer, h *hdrhistogram.Histogram) error {
	const (
		ticksPerHalfDistance = 5
		scale                = 1e3 // µs → ms
	)
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)")
	total := h.TotalCount()
	if total > 0 {
		var (
			count int64
			next  float64 // percentile to report next
		)
		for _, bar := range h.Distribution() {
			if bar.Count == 0 {
				continue
			}
			count += bar.Count
			reached := 100 * float64(count) / float64(total)
			for next <= reached {
				fmt.Fprintf(bw, "%12.3f %2.12f %10d %14.2f\n",
					float64(bar.To)/scale, next/100, count, 1/(1-next/100))
				half := math.Trunc(math.Pow(2, math.Trunc(math.Log2(100/(100-next)))+1))
				next += 100 / (ticksPerHalfDistance * half)
				if count >= total {
					break // as HdrHistogram: one line at the last value, then 100%
				}
			}
			if count >= total {
				break
			}
		}
		fmt.Fprintf(bw, "%12.3f %2.12f %10d\n", float64(h.Max())/scale, 1.0, total)
	}
	fmt.Fprintf(bw, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", h.Mean()/scale, h.StdDev()/scale)
	fmt.Fprintf(bw, "#[Max     = %12.3f, Total count    = %12d]\n", float64(h.Max())/scale, total)
	fmt.Fprintf(bw, "#[Buckets = %12d, SubBuckets     = %12d]\n", bucketsOf(h), 2048)
	return bw.Flush()
}

// bucketsOf returns the number of buckets of a histogram of the geometry
// newHistogram uses: 2048 sub-buckets, doubling up to histHighest.
func bucketsOf(*hdrhistogram.Histogram) int {
	n, v := 1, int64(2048)
	for v <= histHighest {
		v <<= 1
		n++
	}
	return n
}
