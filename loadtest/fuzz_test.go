package loadtest

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParseScenario: any bytes give a scenario that validates and plans, or
// an error that matches ErrUsage and starts with the file's name; never a
// panic.
func FuzzParseScenario(f *testing.F) {
	files, _ := filepath.Glob("../scenarios/*.yaml")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, seed := range []string{
		"", "name: [", "- a\n", "name: x\nrate: {from: 1, to: 1e9}\nsteps: [{name: a, operation: toSession}]\n",
		"name: x\nrate: {steps: [{rate: 5, duration: 1s}, {rate: 0, duration: 2s}]}\nsteps: [{name: a, method: GET, url: /}]\n",
		"name: x\nrate: 1\nwarmup: 1h\nsessions: 10000\nsteps: [{name: a, operation: updateLoginFlow, weight: 1000}]\n",
		"name: x\nrate: 1\nsteps:\n  - name: a\n    method: POST\n    url: http://127.0.0.1:1/x\n    expect: [4xx, 200]\n    headers: {A: b}\n    thresholds: [a:p99<1ms]\n",
		"a: &a [*a, *a]\n", "name: !!binary aGk=\nrate: 0x10\nsteps: ~\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario("f.yaml", data)
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Errorf("error does not match ErrUsage: %v", err)
			}
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Errorf("error does not name the file: %q", err)
			}
			return
		}
		if err := sc.Validate(); err != nil {
			t.Fatalf("parsed, but Validate: %v", err)
		}
		p, err := newPlan(sc, defaultConfig())
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Errorf("plan error does not match ErrUsage: %v", err)
			}
			return
		}
		for _, d := range []time.Duration{0, time.Second, p.sc.Duration} {
			if r := p.profile.Rate(d); math.IsNaN(r) || r < 0 {
				t.Errorf("rate at %s = %g", d, r)
			}
		}
		if h := p.expectedHits(p.sc.Duration); h > p.maxHits {
			t.Errorf("%d hits expected, above the cap of %d", h, p.maxHits)
		}
	})
}

// FuzzParseThreshold: any expression parses to a threshold that reads the
// same when parsed again and judges any measures without a panic, or is an
// error that matches ErrUsage.
func FuzzParseThreshold(f *testing.F) {
	for _, seed := range []string{
		"p99<50ms", "whoami:max<=1s", "mean>2µs", "error_rate<0.1%", "rate_limited<1%", "rate>=0.99*requested",
		"rate>=950/s", "p99.99<1s", "p999<1ms", "p100<=1h", "a:b:p99<1ms", "p99<<5ms", "error_rate<NaN", "rate>=1e309",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			if !errors.Is(err, ErrUsage) {
				t.Errorf("error does not match ErrUsage: %v", err)
			}
			return
		}
		if th.metric == 0 || math.IsNaN(th.value) || math.IsInf(th.value, 0) || th.value < 0 {
			t.Fatalf("ParseThreshold(%q) = %+v", expr, th)
		}
		again, err := ParseThreshold(th.Expr)
		if err != nil || again != th {
			t.Errorf("ParseThreshold(%q) = %+v, but its Expr %q parses to %+v, %v", expr, th, th.Expr, again, err)
		}
		for _, m := range []measures{
			{latencyMs: func(float64) float64 { return 0 }},
			{requests: 10, errors: 10, rateLimited: 3, latencyMs: func(p float64) float64 { return p }, maxMs: 100, meanMs: 5, achieved: 9, requested: 10},
		} {
			if actual, _ := th.eval(m); math.IsNaN(actual) {
				t.Errorf("%q judged NaN on %+v", expr, m)
			}
		}
	})
}
