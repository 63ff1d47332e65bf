package loadtest

import (
	"strconv"
	"strings"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/orybench/orybench/results"
)

// Histograms record microseconds from 1 µs to 60 s with 3 significant
// digits; longer latencies are recorded as 60 s.
const (
	histLowest  = 1
	histHighest = int64(60 * time.Second / time.Microsecond)
	histDigits  = 3
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histLowest, histHighest, histDigits)
}

func recordLatency(h *hdrhistogram.Histogram, d time.Duration) {
	us := int64(d / time.Microsecond)
	if us > histHighest {
		us = histHighest
	}
	if us < 0 {
		us = 0
	}
	_ = h.RecordValue(us) // in range by construction
}

// ErrorKind classifies a failed request.
type ErrorKind int

// The kinds of failed requests.
const (
	KindNone ErrorKind = iota
	// KindStatus is an answer whose status the step does not expect.
	KindStatus
	KindTimeout
	KindRefused
	KindReset
	KindTLS
	KindOther
	numKinds
)

var kindNames = [numKinds]string{"", "unexpected_status", "timeout", "connection_refused", "connection_reset", "tls", "other"}

func (k ErrorKind) String() string { return kindNames[k] }

// classify tells the kind of a transport error from vegeta's Result.Error,
// which keeps only the error's text.
func classify(msg string) ErrorKind {
	switch {
	case strings.Contains(msg, "Timeout exceeded"), strings.Contains(msg, "timeout"),
		strings.Contains(msg, "deadline exceeded"):
		return KindTimeout
	case strings.Contains(msg, "connection refused"):
		return KindRefused
	case strings.Contains(msg, "connection reset"), strings.Contains(msg, "broken pipe"),
		strings.HasSuffix(msg, "EOF"), strings.Contains(msg, "server closed"):
		return KindReset
	case strings.Contains(msg, "tls:"), strings.Contains(msg, "x509:"), strings.Contains(msg, "certificate"):
		return KindTLS
	default:
		return KindOther
	}
}

// judgement is what a result means for a step.
type judgement struct {
	kind        ErrorKind // KindNone: a correct answer or rate limited
	rateLimited bool      // 429 that the step does not expect
	measured    bool      // goes into the latency histograms
}

// judge reads a result against the statuses the step expects: not vegeta's
// success ratio, which counts every 4xx as an error.
func judge(r *vegeta.Result, expect *StatusSet) judgement {
	if r.Code == 0 {
		k := classify(r.Error)
		// A timeout is a latency the client lived through; a refused or reset
		// connection is not the latency of an answer.
		return judgement{kind: k, measured: k == KindTimeout}
	}
	switch {
	case expect.Has(int(r.Code)):
		return judgement{measured: true}
	case r.Code == 429:
		return judgement{rateLimited: true, measured: true}
	default:
		return judgement{kind: KindStatus, measured: true}
	}
}

// stats are the figures of a run, a step or one second of a run (a time
// series bucket, reset every second).
type stats struct {
	requests    uint64
	rateLimited uint64
	errors      uint64
	kinds       [numKinds]uint64
	codes       [600]uint64
	corrected   *hdrhistogram.Histogram
	uncorrected *hdrhistogram.Histogram // nil when not wanted
}

func newStats(uncorrected bool) *stats {
	s := &stats{corrected: newHistogram()}
	if uncorrected {
		s.uncorrected = newHistogram()
	}
	return s
}

func (s *stats) add(r *vegeta.Result, j judgement, corrected time.Duration) {
	s.requests++
	if c := int(r.Code); c > 0 && c < len(s.codes) {
		s.codes[c]++
	}
	if j.kind != KindNone {
		s.errors++
		s.kinds[j.kind]++
	}
	if j.rateLimited {
		s.rateLimited++
	}
	if j.measured {
		recordLatency(s.corrected, corrected)
		if s.uncorrected != nil {
			recordLatency(s.uncorrected, r.Latency)
		}
	}
}

func (s *stats) reset() {
	*s = stats{corrected: s.corrected, uncorrected: s.uncorrected}
	s.corrected.Reset()
	if s.uncorrected != nil {
		s.uncorrected.Reset()
	}
}

func (s *stats) statusCodes() map[string]uint64 {
	m := map[string]uint64{}
	for c, n := range s.codes {
		if n > 0 {
			m[strconv.Itoa(c)] = n
		}
	}
	return m
}

func (s *stats) errorKinds() map[string]uint64 {
	m := map[string]uint64{}
	for k := KindStatus; k < numKinds; k++ {
		if n := s.kinds[k]; n > 0 {
			m[k.String()] = n
		}
	}
	return m
}

// latencyOf is the latency distribution of h in milliseconds.
func latencyOf(h *hdrhistogram.Histogram) results.Latency {
	if h == nil || h.TotalCount() == 0 {
		return results.Latency{}
	}
	v := h.ValueAtPercentiles([]float64{50, 90, 99, 99.9})
	return results.Latency{
		P50: ms(v[50]), P90: ms(v[90]), P99: ms(v[99]), P999: ms(v[99.9]),
		Max: ms(h.Max()), Mean: round3(h.Mean() / 1e3),
	}
}

// ms converts recorded microseconds to milliseconds, rounded to the µs.
func ms(us int64) float64 { return float64(us) / 1e3 }

func round3(v float64) float64 { return float64(int64(v*1e3+0.5)) / 1e3 }

func (s *stats) measures(achieved, requested float64) measures {
	return measures{
		requests: s.requests, errors: s.errors, rateLimited: s.rateLimited,
		latencyMs: func(pct float64) float64 { return ms(s.corrected.ValueAtPercentile(pct)) },
		maxMs:     ms(s.corrected.Max()), meanMs: round3(s.corrected.Mean() / 1e3),
		achieved: achieved, requested: requested,
	}
}
