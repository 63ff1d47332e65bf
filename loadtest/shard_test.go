package loadtest

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/target"
)

func TestParseShard(t *testing.T) {
	for _, c := range []struct {
		spec string
		want Shard
		ok   bool
	}{
		{"1/4", Shard{1, 4}, true},
		{"4/4", Shard{4, 4}, true},
		{" 1/1 ", Shard{1, 1}, true},
		{"0/4", Shard{}, false},
		{"5/4", Shard{}, false},
		{"-1/4", Shard{}, false},
		{"1/0", Shard{}, false},
		{"1/1001", Shard{}, false},
		{"x", Shard{}, false},
		{"1/x", Shard{}, false},
		{"1/4/2", Shard{}, false},
		{"", Shard{}, false},
	} {
		got, err := ParseShard(c.spec)
		if c.ok && (err != nil || got != c.want) || !c.ok && !errors.Is(err, ErrUsage) {
			t.Errorf("ParseShard(%q) = %v, %v; want %v, ok %v", c.spec, got, err, c.want, c.ok)
		}
		if err != nil && strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseShard(%q): error of more than one line: %q", c.spec, err)
		}
	}
}

// TestShardShareAddsUp: the shards' shares of n things are n/N or one
// more, and add up to n.
func TestShardShareAddsUp(t *testing.T) {
	for count := 1; count <= 7; count++ {
		for n := uint64(0); n <= 30; n++ {
			var sum uint64
			for i := 1; i <= count; i++ {
				s := Shard{i, count}.share(n)
				if s != n/uint64(count) && s != n/uint64(count)+1 {
					t.Fatalf("share of shard %d/%d of %d = %d", i, count, n, s)
				}
				sum += s
			}
			if sum != n {
				t.Fatalf("shares of %d shards of %d add up to %d", count, n, sum)
			}
		}
	}
}

// TestProfileShard: the shards of a profile send, together, exactly the
// hits of the whole, each when the whole has it due; each at 1/N of its
// rate; and a plan counts exactly each shard's hits within the duration.
func TestProfileShard(t *testing.T) {
	const d = 3 * time.Second
	for _, c := range []struct {
		name string
		rate RateSpec
	}{
		{"constant", Constant(200)},
		{"constant, not divisible", Constant(101)},
		{"ramp", RateSpec{From: 10, To: 290}},
		{"stepped", RateSpec{Steps: []RateStep{{50, time.Second}, {233, time.Second}, {20, time.Second}}}},
	} {
		for _, n := range []int{1, 3, 4} {
			whole := c.rate.Profile(d)
			var (
				dues []time.Duration
				sent uint64
			)
			for i := 1; i <= n; i++ {
				sh := Shard{i, n}
				p := whole.Shard(sh)
				k := uint64(0)
				for ; p.Due(k) < d; k++ {
					dues = append(dues, p.Due(k))
				}
				pl := &plan{profile: p, shard: sh, maxHits: DefaultMaxHits}
				if got := pl.expectedHits(d); got != k {
					t.Errorf("%s, shard %s: expectedHits = %d, want the %d hits it sends", c.name, sh, got, k)
				}
				sent += k
				if r, w := p.Rate(time.Second), whole.Rate(time.Second)/float64(n); math.Abs(r-w) > 1e-9 {
					t.Errorf("%s, shard %s: rate %v, want %v", c.name, sh, r, w)
				}
				if r, w := p.Peak(d), whole.Peak(d)/float64(n); math.Abs(r-w) > 1e-9 {
					t.Errorf("%s, shard %s: peak %v, want %v", c.name, sh, r, w)
				}
			}
			var want []time.Duration
			for k := uint64(0); whole.Due(k) < d; k++ {
				want = append(want, whole.Due(k))
			}
			slices.Sort(dues)
			if !slices.Equal(dues, want) {
				t.Errorf("%s in %d shards: %d hits due, want the whole's %d at the same times", c.name, n, len(dues), len(want))
			}
			if got := (&plan{profile: whole, maxHits: DefaultMaxHits}).expectedHits(d); got != sent {
				t.Errorf("%s in %d shards: %d hits, the whole has %d", c.name, n, sent, got)
			}
		}
	}
}

// TestShardPlan: a shard makes its share of the session pool and of max
// hits, and the remote-rate check is the whole run's.
func TestShardPlan(t *testing.T) {
	sc := &Scenario{Name: "s", Rate: Constant(100), Duration: time.Second, Sessions: 10,
		Steps: []Step{{Name: "whoami", Operation: OpToSession}}}
	var users int
	for i, want := range []uint64{13, 13, 12, 12} { // max hits 50, in 4
		p, err := newPlan(sc, applied([]Option{WithShard(Shard{i + 1, 4}), WithMaxHits(50)}))
		if err != nil {
			t.Fatal(err)
		}
		users += p.users
		if p.maxHits != want || p.wholeMaxHits != 50 {
			t.Errorf("shard %d/4: max hits %d of %d, want %d of 50", i+1, p.maxHits, p.wholeMaxHits, want)
		}
	}
	if users != 10 {
		t.Errorf("the shards make %d sessions, want the pool's 10", users)
	}
	if p, err := newPlan(sc, applied([]Option{WithShard(Shard{3, 4}), WithMaxHits(2)})); err == nil {
		t.Errorf("shard 3/4 of 2 hits: plan %+v, want an error", p)
	}
	remote := RawScenario("GET", "http://192.0.2.1/", RemoteRateCap*2, time.Second)
	if _, err := newPlan(remote, applied([]Option{WithShard(Shard{1, 4})})); !errors.Is(err, ErrUsage) {
		t.Errorf("a quarter of twice the remote cap: err = %v, want the whole run refused", err)
	}
	if _, err := newPlan(sc, applied([]Option{WithShard(Shard{5, 4})})); !errors.Is(err, ErrUsage) {
		t.Errorf("shard 5/4: err = %v, want ErrUsage", err)
	}
}

// TestShardFixtureAddresses: each shard of a run only makes addresses of
// its own numbers (so that shards which drew the same run id still never
// make the same address: target's namer), and removes its identities.
func TestShardFixtureAddresses(t *testing.T) {
	k := newFakeKratos()
	srv := httptest.NewServer(k)
	defer srv.Close()
	number := regexp.MustCompile(`-([0-9]+)@`)
	seen := map[string]int{}
	for i := 1; i <= 4; i++ {
		fx := kratosFixtures{openFake(t, target.Options{URL: srv.URL, AdminURL: srv.URL, HTTPClient: srv.Client(), ShardIndex: i, ShardCount: 4})}
		users, err := fx.Users(context.Background(), 3)
		if err != nil {
			t.Fatalf("shard %d/4: %v", i, err)
		}
		for _, u := range users {
			m := number.FindStringSubmatch(u.Identifier)
			n, _ := strconv.Atoi(m[1])
			if n%4 != i-1 {
				t.Errorf("shard %d/4 made %s, a number that is not its own", i, u.Identifier)
			}
			if prev, dup := seen[m[1]]; dup {
				t.Errorf("shards %d and %d both made number %s", prev, i, m[1])
			}
			seen[m[1]] = i
		}
		if err := fx.DeleteUsers(context.Background(), users); err != nil {
			t.Fatal(err)
		}
		if n := k.identityCount(); n != 0 {
			t.Errorf("after shard %d/4 removed its users, %d identities are left", i, n)
		}
	}
	if len(seen) != 12 {
		t.Errorf("%d addresses, want 12", len(seen))
	}
}

// TestShardSync: shards that share a sync directory start together however
// far apart they were started; one whose fellows never come gives up after
// its timeout; a directory of another run is refused.
func TestShardSync(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	sc := RawScenario("GET", srv.URL, 60, 500*time.Millisecond)
	dir := t.TempDir()
	const stagger = 600 * time.Millisecond
	began := make([]time.Time, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * stagger)
			var sum *results.LoadSummary
			sum, errs[i] = Run(context.Background(), sc, WithShard(Shard{i + 1, 3}), WithSync(dir, time.Minute))
			if sum != nil {
				began[i], _ = time.Parse(time.RFC3339Nano, sum.StartedAt)
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d/3: %v", i+1, err)
		}
	}
	spread := slices.MaxFunc(began, time.Time.Compare).Sub(slices.MinFunc(began, time.Time.Compare))
	t.Logf("started %s apart, began within %s", 2*stagger, spread)
	if spread > stagger/2 {
		t.Errorf("shards started %s apart began within %s, want together", 2*stagger, spread)
	}

	// Shard 2 of 2 never comes.
	lone := t.TempDir()
	start := time.Now()
	_, err := Run(context.Background(), sc, WithShard(Shard{1, 2}), WithSync(lone, 300*time.Millisecond))
	if err == nil || !strings.Contains(err.Error(), "only 1 of 2 shards were ready") || time.Since(start) > 30*time.Second {
		t.Errorf("a lone shard: %v after %s", err, time.Since(start))
	}
	// The same directory again, or for another run.
	for _, c := range []struct {
		shard Shard
		want  string
	}{{Shard{1, 2}, "exists already"}, {Shard{2, 3}, "not 1/3"}} {
		_, err := Run(context.Background(), sc, WithShard(c.shard), WithSync(lone, 300*time.Millisecond))
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("shard %s in a used sync directory: %v, want %q", c.shard, err, c.want)
		}
	}
	if _, err := Run(context.Background(), sc, WithSync(t.TempDir(), time.Second)); !errors.Is(err, ErrUsage) {
		t.Errorf("a sync directory without a shard: %v, want ErrUsage", err)
	}
}
