package loadtest

import (
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// pacer adapts a Profile to vegeta's Pacer for one attack. It remembers when
// the attack began, so that each hit's intended send time is known exactly
// (began + Profile.Due(seq)), and it stops the attack by itself: after
// duration, after maxHits, or when stop is closed, even in the middle of a
// long wait between hits at a low rate.
type pacer struct {
	profile  Profile
	duration time.Duration
	maxHits  uint64
	stop     <-chan struct{}

	began atomic.Pointer[time.Time]
	timer *time.Timer // only used by the attack's pacing goroutine
}

var _ vegeta.Pacer = (*pacer)(nil)

const (
	// coarseSlack is how much earlier than due a coarse (Go timer) wait wakes
	// up: Go's timers may fire up to about a millisecond late when the process
	// is idle, which would be counted as latency of the hit.
	coarseSlack = 1500 * time.Microsecond
	// earlyEnough is how early a hit may be sent rather than waited for.
	earlyEnough = 50 * time.Microsecond
	// preciseFrom is the shortest wait slept with the kernel's precision.
	// Below it (rates above 1000/s) the process is busy enough for Go's
	// timers, and a blocking sleep would hold a scheduler P too often.
	preciseFrom = time.Millisecond
)

// Pace implements vegeta.Pacer. vegeta calls it from one goroutine, with the
// number of hits sent so far; it waits itself and returns no wait.
func (p *pacer) Pace(elapsed time.Duration, hits uint64) (time.Duration, bool) {
	if hits == 0 && p.began.Load() == nil {
		b := time.Now().Add(-elapsed)
		p.began.Store(&b)
	}
	select {
	case <-p.stop:
		return 0, true
	default:
	}
	if hits >= p.maxHits {
		return 0, true
	}
	due := p.profile.Due(hits)
	if due >= p.duration {
		return 0, true
	}
	if due-elapsed > earlyEnough && !p.waitUntil(p.began.Load().Add(due)) {
		return 0, true
	}
	return 0, false
}

// Rate implements vegeta.Pacer.
func (p *pacer) Rate(elapsed time.Duration) float64 { return p.profile.Rate(elapsed) }

// Began returns when the attack began, or the zero Time before its first hit.
func (p *pacer) Began() time.Time {
	if b := p.began.Load(); b != nil {
		return *b
	}
	return time.Time{}
}

// waitUntil waits until deadline and reports false when stopped first.
func (p *pacer) waitUntil(deadline time.Time) bool { return waitUntil(deadline, p.stop, &p.timer) }

// waitUntil waits until deadline and reports false when stop is closed
// first. Short waits (high rates, a busy process) use Go's timer as vegeta
// does. Longer ones wait on a Go timer (*timer, made on first use and
// reused) that can be stopped until coarseSlack before the deadline, then
// sleep the rest with the kernel's precision.
func waitUntil(deadline time.Time, stop <-chan struct{}, timer **time.Timer) bool {
	d := time.Until(deadline)
	if d < preciseFrom {
		time.Sleep(d)
		return true
	}
	for d > 2*coarseSlack {
		if *timer == nil {
			*timer = time.NewTimer(d - coarseSlack)
		} else {
			(*timer).Reset(d - coarseSlack)
		}
		select {
		case <-(*timer).C:
		case <-stop:
			(*timer).Stop()
			return false
		}
		d = time.Until(deadline)
	}
	if d > earlyEnough {
		preciseSleep(d)
	}
	return true
}
