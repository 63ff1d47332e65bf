package loadtest

import (
	"errors"
	"strings"
	"testing"
)

func TestParseThreshold(t *testing.T) {
	for _, c := range []struct {
		expr   string
		step   string
		metric metric
		pct    float64
		op     string
		value  float64
		ofReq  bool
	}{
		{"p99<50ms", "", metricPercentile, 99, "<", 50, false},
		{"p999 <= 1s", "", metricPercentile, 99.9, "<=", 1000, false},
		{"p50<250us", "", metricPercentile, 50, "<", 0.25, false},
		{"p99.99<2ms", "", metricPercentile, 99.99, "<", 2, false},
		{"p9999<2µs", "", metricPercentile, 99.99, "<", 0.002, false},
		{"whoami:p90<20ms", "whoami", metricPercentile, 90, "<", 20, false},
		{"max<=3s", "", metricMax, 100, "<=", 3000, false},
		{"mean<10ms", "", metricMean, 0, "<", 10, false},
		{"error_rate<0.1%", "", metricErrorRate, 0, "<", 0.001, false},
		{"error_rate<0.01", "", metricErrorRate, 0, "<", 0.01, false},
		{"rate_limited<=5%", "", metricRateLimited, 0, "<=", 0.05, false},
		{"rate>=0.99*requested", "", metricRate, 0, ">=", 0.99, true},
		{"rate>=requested", "", metricRate, 0, ">=", 1, true},
		{"rate>950", "", metricRate, 0, ">", 950, false},
		{"login-submit:rate>=10/s", "login-submit", metricRate, 0, ">=", 10, false},
	} {
		got, err := ParseThreshold(c.expr)
		if err != nil {
			t.Errorf("ParseThreshold(%q): %v", c.expr, err)
			continue
		}
		if got.Step != c.step || got.metric != c.metric || got.pct != c.pct || got.op != c.op ||
			!within(got.value, c.value, 1e-9) || got.ofRequested != c.ofReq {
			t.Errorf("ParseThreshold(%q) = %+v", c.expr, got)
		}
	}
}

func TestParseThresholdErrors(t *testing.T) {
	for _, expr := range []string{
		"", "p99", "p99<", "p99<50", "p99<fast", "p0<1ms", "p101<1ms", "latency<1ms",
		"error_rate<2", "error_rate<-1%", "rate>=x*requested", "Bad Step:p99<1ms", "p99=50ms", "rate>=fast",
		"error_rate<NaN", "error_rate<NaN%", "rate>=NaN", "rate>=Inf", "rate>=+Inf*requested", "rate_limited<nan",
	} {
		_, err := ParseThreshold(expr)
		if err == nil {
			t.Errorf("ParseThreshold(%q) = nil error", expr)
		} else if !errors.Is(err, ErrUsage) {
			t.Errorf("ParseThreshold(%q) = %v, want ErrUsage", expr, err)
		}
	}
}

func TestThresholdEval(t *testing.T) {
	m := measures{
		requests: 1000, errors: 2, rateLimited: 30,
		latencyMs: func(p float64) float64 { return p }, // p99 → 99ms
		maxMs:     500, meanMs: 12, achieved: 990, requested: 1000,
	}
	for _, c := range []struct {
		expr   string
		actual float64
		ok     bool
	}{
		{"p99<100ms", 99, true},
		{"p99<99ms", 99, false},
		{"p99<=99ms", 99, true},
		{"max<0.5s", 500, false},
		{"mean<=12ms", 12, true},
		{"error_rate<0.1%", 0.002, false},
		{"error_rate<1%", 0.002, true},
		{"rate_limited<5%", 0.03, true},
		{"rate>=0.99*requested", 990, true},
		{"rate>0.99*requested", 990, false},
		{"rate>=1000", 990, false},
	} {
		th, err := ParseThreshold(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		actual, ok := th.eval(m)
		if !within(actual, c.actual, 1e-9) || ok != c.ok {
			t.Errorf("%s: got %v, %v; want %v, %v", c.expr, actual, ok, c.actual, c.ok)
		}
	}
	// Nothing measured: latency and rate thresholds do not hold, error rates do.
	empty := measures{latencyMs: func(float64) float64 { return 0 }}
	for expr, want := range map[string]bool{"p99<1s": false, "rate>=0": false, "error_rate<1%": true} {
		th, _ := ParseThreshold(expr)
		if _, ok := th.eval(empty); ok != want {
			t.Errorf("%s with no requests: ok = %v, want %v", expr, ok, want)
		}
	}
}

// TestParseThresholdsCommaSeparated: load's --threshold takes the comma
// form capacity's --slo takes, and repeats; empty parts are skipped.
func TestParseThresholdsCommaSeparated(t *testing.T) {
	ts, err := ParseThresholds("p99<50ms,error_rate<0.1%", " rate>=0.99*requested ,", "journey:p99<1s")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, th := range ts {
		got = append(got, th.Expr)
	}
	if want := "p99<50ms error_rate<0.1% rate>=0.99*requested journey:p99<1s"; strings.Join(got, " ") != want {
		t.Errorf("ParseThresholds = %q, want %q", got, want)
	}
}
