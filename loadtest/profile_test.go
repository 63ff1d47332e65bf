package loadtest

import (
	"math"
	"testing"
	"time"
)

func TestProfileDue(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		name string
		p    Profile
		hit  uint64
		want time.Duration
	}{
		{"constant first", ConstantRate(100), 0, 0},
		{"constant", ConstantRate(100), 1, 10 * ms},
		{"constant far", ConstantRate(500), 2500, 5 * time.Second},
		{"ramp from zero", LinearRamp(0, 100, time.Second), 50, time.Second},          // 100 t²/2 = 50 → t = 1s
		{"ramp up", LinearRamp(100, 200, time.Second), 150, time.Second},              // 100 + 50
		{"after ramp holds", LinearRamp(100, 200, time.Second), 350, 2 * time.Second}, // 150 + 200
		{"ramp down", LinearRamp(200, 0, 2*time.Second), 200, 2 * time.Second},
		{"ramp down never", LinearRamp(200, 0, 2*time.Second), 201, Never},
		{"steps first", SteppedRate(RateStep{100, time.Second}, RateStep{200, time.Second}), 50, 500 * ms},
		{"steps second", SteppedRate(RateStep{100, time.Second}, RateStep{200, time.Second}), 200, 1500 * ms},
		{"steps hold", SteppedRate(RateStep{100, time.Second}, RateStep{200, time.Second}), 500, 3 * time.Second},
		{"zero rate", ConstantRate(0), 1, Never},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := c.p.Due(c.hit)
			if diff := got - c.want; diff < -time.Microsecond || diff > time.Microsecond {
				t.Errorf("Due(%d) = %v, want %v", c.hit, got, c.want)
			}
		})
	}
}

// TestProfileDueInvertsHits checks Due against Hits over many hits of a
// stepped ramp: hit n is due when the expected hits reach n.
func TestProfileDueInvertsHits(t *testing.T) {
	p := Profile{segs: []segment{
		{dur: 2 * time.Second, from: 10, to: 300},
		{dur: time.Second, from: 300, to: 300},
		{dur: 3 * time.Second, from: 300, to: 50},
	}}.link()
	for n := uint64(0); n < 2000; n += 7 {
		d := p.Due(n)
		if got := p.Hits(d); math.Abs(got-float64(n)) > 1e-3 {
			t.Fatalf("Hits(Due(%d) = %v) = %v", n, d, got)
		}
		if n > 0 && d <= p.Due(n-1) {
			t.Fatalf("Due is not increasing at %d", n)
		}
	}
	if got, want := p.Peak(10*time.Second), 300.0; got != want {
		t.Errorf("Peak = %v, want %v", got, want)
	}
	if got, want := p.Rate(time.Second), 155.0; math.Abs(got-want) > 1e-9 {
		t.Errorf("Rate(1s) = %v, want %v", got, want)
	}
}

func TestPacerStops(t *testing.T) {
	stop := make(chan struct{})
	p := &pacer{profile: ConstantRate(1000), duration: time.Second, maxHits: 5, stop: stop}
	if _, s := p.Pace(0, 0); s {
		t.Fatal("stopped at hit 0")
	}
	if _, s := p.Pace(time.Second, 5); !s {
		t.Error("did not stop at maxHits")
	}
	p.maxHits = 1e9
	if _, s := p.Pace(time.Second, 1000); !s {
		t.Error("did not stop at the end of the duration")
	}
	// A long wait ends when stop is closed.
	slow := &pacer{profile: ConstantRate(0.1), duration: time.Minute, maxHits: 10, stop: stop}
	slow.Pace(0, 0)
	time.AfterFunc(50*time.Millisecond, func() { close(stop) })
	start := time.Now()
	if _, s := slow.Pace(time.Since(slow.Began()), 1); !s {
		t.Error("did not stop")
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("stopping took %s", took)
	}
}
