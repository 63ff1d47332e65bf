package compare

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/orybench/orybench/results"
)

// errNoRequestsFile: a run kept no results.bin (results.RequestsFile).
var errNoRequestsFile = errors.New("no " + results.RequestsFile)

// values returns get of each second.
func values(s []results.SecondLatency, get func(results.SecondLatency) float64) []float64 {
	out := make([]float64, len(s))
	for i, p := range s {
		out[i] = get(p)
	}
	return out
}

// overallSeconds takes the seconds of timeseries.jsonl that held answers.
func overallSeconds(pts []results.SeriesPoint) []results.SecondLatency {
	var s []results.SecondLatency
	for _, p := range pts {
		s = append(s, results.SecondLatency{T: p.T, Requests: p.Requests, P50: p.P50, P99: p.P99})
	}
	return steadySeconds(s)
}

// steadySeconds drops the seconds with no latency, and those with fewer
// than half the median answers a second: the last second of a run holds
// only the answers that came after its end, and a percentile of a handful
// of answers is not one of a second at full rate.
func steadySeconds(s []results.SecondLatency) []results.SecondLatency {
	var counts []float64
	for _, p := range s {
		if p.Requests > 0 && p.P99 > 0 {
			counts = append(counts, float64(p.Requests))
		}
	}
	if len(counts) == 0 {
		return nil
	}
	slices.Sort(counts)
	half := counts[len(counts)/2] / 2
	var out []results.SecondLatency
	for _, p := range s {
		if p.Requests > 0 && p.P99 > 0 && float64(p.Requests) >= half {
			out = append(out, p)
		}
	}
	return out
}

// stepSeconds reads a run's results.bin and returns each step's seconds,
// made as loadtest makes timeseries.jsonl: answers by the second they
// arrived in since the first hit was due, latency corrected, refused and
// reset connections not measured. Percentiles are nearest-rank.
func stepSeconds(path string) (map[string][]results.SecondLatency, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, errNoRequestsFile)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type key struct {
		step string
		t    int64
	}
	// What each result needs, kept small: a run can hold millions.
	type answer struct {
		step     string
		end      time.Time
		ms       float64
		measured bool
	}
	var (
		t0      time.Time
		answers []answer
	)
	dec := vegeta.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	for {
		var r vegeta.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break // the end, or half a result that an interrupted run left
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if t0.IsZero() || r.Timestamp.Before(t0) {
			t0 = r.Timestamp
		}
		answers = append(answers, answer{step: r.Attack, end: r.Timestamp.Add(r.Latency),
			ms: float64(r.Latency) / float64(time.Millisecond), measured: r.Code != 0 || isTimeout(r.Error)})
	}
	counts := map[key]uint64{}
	lat := map[key][]float64{}
	for _, a := range answers {
		k := key{a.step, int64(a.end.Sub(t0) / time.Second)}
		counts[k]++
		if a.measured {
			lat[k] = append(lat[k], a.ms)
		}
	}
	byStep := map[string][]results.SecondLatency{}
	for k, n := range counts {
		p := results.SecondLatency{T: k.t, Requests: n}
		if ls := lat[k]; len(ls) > 0 {
			slices.Sort(ls)
			p.P50, p.P99 = nearestRank(ls, 50), nearestRank(ls, 99)
		}
		byStep[k.step] = append(byStep[k.step], p)
	}
	for step, s := range byStep {
		slices.SortFunc(s, func(a, b results.SecondLatency) int { return int(a.T - b.T) })
		byStep[step] = steadySeconds(s)
	}
	return byStep, nil
}

// isTimeout tells a timeout, a latency the client lived through, from the
// other transport errors in a result's error text.
func isTimeout(msg string) bool {
	return strings.Contains(msg, "imeout") || strings.Contains(msg, "deadline exceeded")
}

// nearestRank is the p-th percentile of sorted s: the smallest value with at
// least p % of the values at or below it.
func nearestRank(s []float64, p float64) float64 {
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}
