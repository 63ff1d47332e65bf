package loadtest

import (
	"math"
	"time"
)

// A Profile is a requested rate of hits over the elapsed time of an attack:
// a run of segments in each of which the rate changes linearly (a constant
// rate is a segment whose rate does not change). After the last segment its
// final rate holds.
//
// A Profile knows when each hit is due, which is what latency corrected for
// coordinated omission is measured from: hit n (counting from 0) is due at
// the elapsed time at which the expected number of hits reaches n, so hit 0
// is due at the start.
type Profile struct {
	segs []segment
	hold segment // the last rate held after the segments
	// part of parts (parts > 1): only hits part, part+parts, part+2·parts
	// … of the segments are this Profile's (see Shard).
	part, parts uint64
}

type segment struct {
	start    time.Duration // offset from the start of the attack
	dur      time.Duration
	from, to float64 // hits per second at start and at start+dur
	before   float64 // expected hits before start
}

// RateStep is one step of a stepped profile: Rate hits per second held for
// Duration.
type RateStep struct {
	Rate     float64
	Duration time.Duration
}

// ConstantRate returns a Profile of rate hits per second.
func ConstantRate(rate float64) Profile {
	return Profile{segs: []segment{{from: rate, to: rate}}}.link()
}

// LinearRamp returns a Profile whose rate goes linearly from from to to hits
// per second over the given duration and then stays at to.
func LinearRamp(from, to float64, over time.Duration) Profile {
	return Profile{segs: []segment{{dur: over, from: from, to: to}}}.link()
}

// SteppedRate returns a Profile that holds each step's rate for its duration,
// and the last step's rate after that.
func SteppedRate(steps ...RateStep) Profile {
	var p Profile
	for _, s := range steps {
		p.segs = append(p.segs, segment{dur: s.Duration, from: s.Rate, to: s.Rate})
	}
	return p.link()
}

// Shard returns the share of p that shard s sends: hits s.Index-1,
// s.Index-1+s.Count, … of p, each due when p has it due, so that the
// shards of a run together send exactly p's hits, interleaved, and each at
// 1/s.Count of p's rate. The zero Shard returns p.
func (p Profile) Shard(s Shard) Profile {
	p.part, p.parts = 0, 0
	if s.Count > 1 {
		p.part, p.parts = uint64(s.Index-1), uint64(s.Count)
	}
	return p
}

// whole returns the Profile p is a shard of, or p.
func (p Profile) whole() Profile {
	p.part, p.parts = 0, 0
	return p
}

// link fills in each segment's start and the hits expected before it.
func (p Profile) link() Profile {
	var (
		start  time.Duration
		before float64
	)
	for i := range p.segs {
		s := &p.segs[i]
		s.start, s.before = start, before
		start += s.dur
		before += s.hits(s.dur)
	}
	if len(p.segs) > 0 {
		p.hold = p.tail()
	}
	return p
}

// hits returns the hits expected within the segment after elapsed d in it.
func (s *segment) hits(d time.Duration) float64 {
	t := d.Seconds()
	return s.from*t + s.slope()*t*t/2
}

// slope is the change of rate in hits per second per second.
func (s *segment) slope() float64 {
	if s.dur <= 0 {
		return 0
	}
	return (s.to - s.from) / s.dur.Seconds()
}

// find returns the segment in force at elapsed t: the last one that started
// at or before t. The last segment extends forever.
func (p Profile) find(t time.Duration) *segment {
	i := len(p.segs) - 1
	for i > 0 && p.segs[i].start > t {
		i--
	}
	return &p.segs[i]
}

// tail returns the hold that follows the last segment as a segment of its own.
func (p Profile) tail() segment {
	last := p.segs[len(p.segs)-1]
	if last.dur <= 0 {
		return last
	}
	return segment{start: last.start + last.dur, from: last.to, to: last.to, before: last.before + last.hits(last.dur)}
}

// Rate returns the requested rate in hits per second at elapsed t.
func (p Profile) Rate(t time.Duration) float64 {
	if p.parts > 1 {
		return p.whole().Rate(t) / float64(p.parts)
	}
	if len(p.segs) == 0 || t < 0 {
		return 0
	}
	if t >= p.hold.start {
		return p.hold.to
	}
	s := p.find(t)
	return s.from + s.slope()*(t-s.start).Seconds()
}

// Hits returns the number of hits expected by elapsed t; for a shard, its
// 1/n share of the whole profile's.
func (p Profile) Hits(t time.Duration) float64 {
	if p.parts > 1 {
		// Its share: the shards' Hits add up to the whole's. (Of the
		// whole's first h hits, ceil((h-part)/parts) are its own.)
		return p.whole().Hits(t) / float64(p.parts)
	}
	if len(p.segs) == 0 || t <= 0 {
		return 0
	}
	if t >= p.hold.start {
		return p.hold.before + p.hold.hits(t-p.hold.start)
	}
	s := p.find(t)
	return s.before + s.hits(t-s.start)
}

// Peak returns the highest rate requested within the first d.
func (p Profile) Peak(d time.Duration) float64 {
	if p.parts > 1 {
		return p.whole().Peak(d) / float64(p.parts)
	}
	peak := p.Rate(0)
	for _, s := range p.segs {
		if s.start > d {
			break
		}
		peak = math.Max(peak, s.from)
		end := s.start + s.dur
		if s.dur <= 0 || end > d {
			end = d
		}
		peak = math.Max(peak, p.Rate(end))
	}
	return peak
}

// Never is what Due returns for a hit the profile never asks for.
const Never = time.Duration(math.MaxInt64)

// Due returns the elapsed time at which hit n (counting from 0) is due, or
// Never when the profile's rate falls to zero before then.
func (p Profile) Due(n uint64) time.Duration {
	if p.parts > 1 {
		if n > (math.MaxUint64-p.part)/p.parts {
			return Never
		}
		return p.whole().Due(n*p.parts + p.part)
	}
	if len(p.segs) == 0 {
		return Never
	}
	m := float64(n)
	s := &p.segs[len(p.segs)-1]
	if m >= p.hold.before {
		s = &p.hold
	} else {
		for i := len(p.segs) - 1; i > 0 && p.segs[i].before > m; i-- {
			s = &p.segs[i-1]
		}
	}
	// Solve from*t + slope*t²/2 = m-before for t in the numerically stable form
	// t = 2r / (from + sqrt(from² + 2*slope*r)), which also holds for slope 0.
	r := m - s.before
	if r <= 0 {
		return s.start
	}
	a, k := s.from, s.slope()
	disc := a*a + 2*k*r
	if disc < 0 {
		return Never
	}
	den := a + math.Sqrt(disc)
	if den <= 0 {
		return Never
	}
	t := 2 * r / den * 1e9
	if t >= float64(Never-s.start) {
		return Never
	}
	return s.start + time.Duration(t)
}
