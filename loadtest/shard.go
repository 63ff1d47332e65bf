package loadtest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/orybench/orybench/results"
)

// MaxShards is the most processes a run can be split into.
const MaxShards = 1000

// A Shard is one of Count processes that share one run: Index counts from
// 1 to Count. Each sends every Count-th hit of the run's rate profile
// (Profile.Shard), makes its share of the session pool, and writes its
// results apart; Merge combines them. The zero Shard is a whole run. A
// shard's summary.json says which it is (results.Shard, the same fields).
type Shard results.Shard

// ParseShard reads "i/N", e.g. "2/4" for the second of four shards. Its
// errors match ErrUsage.
func ParseShard(spec string) (Shard, error) {
	si, sn, ok := strings.Cut(strings.TrimSpace(spec), "/")
	i, err1 := strconv.Atoi(si)
	n, err2 := strconv.Atoi(sn)
	if !ok || err1 != nil || err2 != nil {
		return Shard{}, usageErr("shard %q: want i/N, e.g. 1/4 for the first of four shards", spec)
	}
	s := Shard{Index: i, Count: n}
	return s, s.validate()
}

func (s Shard) validate() error {
	switch {
	case s.Count < 1 || s.Count > MaxShards:
		return usageErr("shard %d/%d: the number of shards must be within [1, %d]", s.Index, s.Count, MaxShards)
	case s.Index < 1 || s.Index > s.Count:
		return usageErr("shard %d/%d: the index must be within [1, %d] (it counts from 1)", s.Index, s.Count, s.Count)
	}
	return nil
}

// IsZero reports whether s is the zero Shard: a run that is not split.
func (s Shard) IsZero() bool { return s == Shard{} }

func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// share returns the shard's part of n things, numbered 0 … n-1: those
// whose number is Index-1 modulo Count, which is n/Count or one more. The
// shares of all shards add up to n.
func (s Shard) share(n uint64) uint64 {
	if s.IsZero() {
		return n
	}
	k, c := uint64(s.Index-1), uint64(s.Count)
	if n <= k {
		return 0
	}
	return (n-k-1)/c + 1
}
