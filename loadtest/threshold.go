package loadtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/orybench/orybench/results"
)

// A Threshold is one pass/fail rule over a run or one of its steps, written
// [STEP:]METRIC OP VALUE, for example:
//
//	p99<50ms                 corrected latency percentile (p50, p90, p99, p999, p99.99, ...)
//	whoami:max<=1s           corrected latency of the step named whoami (also: mean)
//	error_rate<0.1%          unexpected statuses and transport errors / requests
//	rate_limited<1%          429 answers (when 429 is not expected) / requests
//	rate>=0.99*requested     achieved rate, absolute (rate>=950) or relative
//	journey:p99<800ms        a journey scenario's whole journeys (JourneyName)
//
// In a journey scenario, a threshold without a step judges the journeys, as
// journey: does: latency from each arrival's due time, error_rate the share
// of journeys stopped by a step, rate journeys per second.
//
// OP is one of < <= > >=. Latency values take a unit (us, ms, s); fractions
// may be written with %. Latency is measured from each hit's intended send
// time (corrected for coordinated omission).
type Threshold struct {
	Expr string // as written
	Step string // "" for the whole run

	metric      metric
	pct         float64 // latency percentile in [0,100]
	op          string
	value       float64 // ms, a fraction or hits/s
	ofRequested bool    // value is a multiple of the requested rate
}

type metric int

const (
	metricPercentile metric = iota + 1
	metricMax
	metricMean
	metricErrorRate
	metricRateLimited
	metricRate
)

func (t Threshold) String() string { return t.Expr }

// ParseThresholds parses threshold expressions, each as ParseThreshold;
// an expression may hold several, comma-separated ('p99<50ms,error_rate<0.1%'),
// as load's --threshold and capacity's --slo both take them. Empty parts are
// skipped; the first error is returned.
func ParseThresholds(exprs ...string) ([]Threshold, error) {
	var parts []string
	for _, e := range exprs {
		for part := range strings.SplitSeq(e, ",") {
			if strings.TrimSpace(part) != "" {
				parts = append(parts, part)
			}
		}
	}
	var out []Threshold
	for _, expr := range parts {
		t, err := ParseThreshold(expr)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// ParseThreshold parses one threshold expression. Its errors are
// ScenarioErrors, which match ErrUsage.
func ParseThreshold(expr string) (Threshold, error) {
	t, err := parseThreshold(expr)
	if err != nil {
		return Threshold{}, &ScenarioError{Field: fmt.Sprintf("threshold %q", expr), Err: err}
	}
	return t, nil
}

func parseThreshold(expr string) (Threshold, error) {
	t := Threshold{Expr: strings.TrimSpace(expr)}
	s := strings.ReplaceAll(t.Expr, " ", "")
	if step, rest, ok := strings.Cut(s, ":"); ok {
		if !stepName.MatchString(step) {
			return t, fmt.Errorf("bad step name %q", step)
		}
		t.Step, s = step, rest
	}
	i := strings.IndexAny(s, "<>")
	if i <= 0 {
		return t, fmt.Errorf("want METRIC OP VALUE with OP one of < <= > >=")
	}
	name, rest := s[:i], s[i:]
	t.op = rest[:1]
	if strings.HasPrefix(rest[1:], "=") {
		t.op += "="
	}
	val := rest[len(t.op):]
	if val == "" {
		return t, fmt.Errorf("missing value")
	}
	var err error
	switch {
	case name == "max":
		t.metric, t.pct = metricMax, 100
		t.value, err = parseLatency(val)
	case name == "mean":
		t.metric = metricMean
		t.value, err = parseLatency(val)
	case len(name) > 1 && name[0] == 'p':
		t.metric = metricPercentile
		if t.pct, err = parsePercentile(name[1:]); err != nil {
			return t, err
		}
		t.value, err = parseLatency(val)
	case name == "error_rate":
		t.metric = metricErrorRate
		t.value, err = parseFraction(val)
	case name == "rate_limited":
		t.metric = metricRateLimited
		t.value, err = parseFraction(val)
	case name == "rate":
		t.metric = metricRate
		t.value, t.ofRequested, err = parseRate(val)
	default:
		return t, fmt.Errorf("unknown metric %q (want pNN, max, mean, error_rate, rate_limited or rate)", name)
	}
	return t, err
}

// parsePercentile reads HdrHistogram's shorthand: 50, 99, 999 (99.9), 9999
// (99.99), or a decimal like 99.5; 100 is the maximum.
func parsePercentile(s string) (float64, error) {
	if !strings.Contains(s, ".") && len(s) > 2 && s != "100" {
		if !strings.HasPrefix(s, "99") {
			return 0, fmt.Errorf("bad percentile %q (write p99.5, or p999 for 99.9)", s)
		}
		s = s[:2] + "." + s[2:]
	}
	p, err := strconv.ParseFloat(s, 64)
	if err != nil || p <= 0 || p > 100 {
		return 0, fmt.Errorf("bad percentile %q", s)
	}
	return p, nil
}

// parseLatency returns milliseconds.
func parseLatency(s string) (float64, error) {
	s = strings.ReplaceAll(s, "µ", "u")
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad latency %q: want a number with a unit (us, ms, s)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("negative latency %q", s)
	}
	return float64(d) / 1e6, nil
}

func parseFraction(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil || !(v >= 0) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bad fraction %q: want e.g. 0.001 or 0.1%%", s)
	}
	if pct {
		v /= 100
	}
	if v > 1 {
		return 0, fmt.Errorf("fraction %q is above 1", s)
	}
	return v, nil
}

func parseRate(s string) (float64, bool, error) {
	if s == "requested" {
		return 1, true, nil
	}
	if k, ok := strings.CutSuffix(s, "*requested"); ok {
		v, err := strconv.ParseFloat(k, 64)
		if err != nil || !(v >= 0) || math.IsInf(v, 0) {
			return 0, false, fmt.Errorf("bad factor %q", k)
		}
		return v, true, nil
	}
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "/s"), 64)
	if err != nil || !(v >= 0) || math.IsInf(v, 0) {
		return 0, false, fmt.Errorf("bad rate %q: want hits per second or K*requested", s)
	}
	return v, false, nil
}

// measures is what a threshold reads: the figures of a run or of a step.
type measures struct {
	requests, errors, rateLimited uint64
	latencyMs                     func(pct float64) float64
	maxMs, meanMs                 float64
	achieved, requested           float64
}

// eval returns the measured value and whether the threshold holds. A run
// without requests holds no latency or rate threshold.
func (t Threshold) eval(m measures) (actual float64, ok bool) {
	limit := t.value
	switch t.metric {
	case metricPercentile:
		actual = m.latencyMs(t.pct)
	case metricMax:
		actual = m.maxMs
	case metricMean:
		actual = m.meanMs
	case metricErrorRate, metricRateLimited:
		n := m.errors
		if t.metric == metricRateLimited {
			n = m.rateLimited
		}
		if m.requests > 0 {
			actual = float64(n) / float64(m.requests)
		}
	case metricRate:
		actual = m.achieved
		if t.ofRequested {
			limit *= m.requested
		}
	}
	if m.requests == 0 && t.metric != metricErrorRate && t.metric != metricRateLimited {
		return actual, false
	}
	switch t.op {
	case "<":
		return actual, actual < limit
	case "<=":
		return actual, actual <= limit
	case ">":
		return actual, actual > limit
	default:
		return actual, actual >= limit
	}
}

// midRun reports whether the threshold can be judged before the run ends
// (for WithAbortOnFail): the achieved rate only means something at the end.
func (t Threshold) midRun() bool { return t.metric != metricRate }

// judgeAll judges thresholds on the figures that measuresOf returns for
// the whole run (step "") or for one step, and reports whether all held.
func judgeAll(ts []Threshold, measuresOf func(step string) measures) ([]results.ThresholdResult, bool) {
	judged, passed := []results.ThresholdResult{}, true
	for _, t := range ts {
		actual, ok := t.eval(measuresOf(t.Step))
		if math.IsNaN(actual) || math.IsInf(actual, 0) {
			actual = 0
		}
		judged = append(judged, results.ThresholdResult{Expr: t.Expr, Step: t.Step, Actual: round3(actual), OK: ok})
		passed = passed && ok
	}
	return judged, passed
}
