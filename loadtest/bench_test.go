package loadtest

import (
	"io"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/orybench/orybench/target"
)

func BenchmarkTargeter(b *testing.B) {
	users := make([]target.Identity, 100)
	for i := range users {
		users[i] = target.Identity{SessionToken: "t", Identifier: "i", Password: "p"}
	}
	steps := []Step{{Name: "whoami", Weight: 9, Operation: OpToSession}, {Name: "flow", Weight: 1, Operation: OpCreateNativeLoginFlow}}
	tg, err := newTargeter("http://127.0.0.1:4433", steps, fixtureData{users: users})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var t vegeta.Target
		for pb.Next() {
			_ = tg.next(&t)
		}
	})
}

// BenchmarkRecord measures the work done per result: judging, four
// histograms, the time series and vegeta's gob encoding.
func BenchmarkRecord(b *testing.B) {
	sc := RawScenario("GET", "http://127.0.0.1:8080/", 1000, time.Minute)
	p, err := newPlan(sc, defaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	r, err := newRunner(p, defaultConfig(), fixtureData{}, &output{enc: vegeta.NewEncoder(io.Discard)})
	if err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	r.pacer = &pacer{profile: p.profile}
	r.pacer.began.Store(&began)
	res := make([]vegeta.Result, 1024)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x := &res[i%len(res)]
		*x = vegeta.Result{Seq: uint64(i), Code: 200, URL: "http://127.0.0.1:8080/#raw", Method: "GET",
			Timestamp: began.Add(time.Duration(i) * time.Millisecond), Latency: 300 * time.Microsecond}
		r.record(x, true)
	}
}

func BenchmarkProfileDue(b *testing.B) {
	p := SteppedRate(RateStep{100, time.Second}, RateStep{200, time.Second}, RateStep{500, time.Second})
	for i := 0; i < b.N; i++ {
		_ = p.Due(uint64(i % 2000))
	}
}
