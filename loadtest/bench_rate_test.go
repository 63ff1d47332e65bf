//go:build unix

package loadtest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// TestHelperTrivialServer is not a test: BenchmarkRateCPU runs the test
// binary with it as the loopback server, in a process of its own, so that
// the benchmark's CPU time is the load tool's alone. It answers 200 "ok"
// until its stdin is closed.
func TestHelperTrivialServer(t *testing.T) {
	if os.Getenv("ORYBENCH_TRIVIAL_SERVER") != "1" {
		t.Skip("the server process of BenchmarkRateCPU")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(ln.Addr())
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) }))
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}

func startTrivialServer(b *testing.B) string {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperTrivialServer$")
	cmd.Env = append(os.Environ(), "ORYBENCH_TRIVIAL_SERVER=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stdin.Close(); cmd.Wait() })
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatal(err)
	}
	return "http://" + strings.TrimSpace(addr) + "/"
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRateCPU compares the CPU time per request of Run with that of
// the vegeta library used as the vegeta CLI uses it (default attacker,
// results gob-encoded to a file), at fixed rates against a trivial server
// in another process. One op is one request: the run lasts b.N/rate, so
// -benchtime sets the run's length. Reported: cpu-µs/req, achieved/s and,
// for orybench, late-p50-ms: how much later than due the median request
// was sent (corrected minus uncorrected p50), the pacer's cost in accuracy.
//
//	go test -run '^$' -bench RateCPU -benchtime 5s -cpuprofile cpu.prof ./loadtest/
func BenchmarkRateCPU(b *testing.B) {
	url := startTrivialServer(b)
	for _, rate := range []float64{500, 1000, 2000, 5000} {
		d := func(b *testing.B) time.Duration {
			return max(time.Duration(float64(b.N)/rate*float64(time.Second)), 10*time.Millisecond)
		}
		b.Run(fmt.Sprintf("orybench/%g", rate), func(b *testing.B) {
			dur := d(b)
			cpu0 := cpuTime()
			b.ResetTimer()
			sum, err := Run(context.Background(), RawScenario("GET", url, rate, dur), WithOutDir(b.TempDir()))
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			report(b, cpuTime()-cpu0, sum.Requests, dur)
			b.ReportMetric(sum.Latency.P50-sum.LatencyUncorrected.P50, "late-p50-ms")
		})
		b.Run(fmt.Sprintf("vegeta/%g", rate), func(b *testing.B) {
			dur := d(b)
			f, err := os.Create(filepath.Join(b.TempDir(), "results.bin"))
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			cpu0 := cpuTime()
			b.ResetTimer()
			atk := vegeta.NewAttacker()
			enc := vegeta.NewEncoder(f)
			var n uint64
			for res := range atk.Attack(vegeta.NewStaticTargeter(vegeta.Target{Method: "GET", URL: url}),
				vegeta.Rate{Freq: int(rate), Per: time.Second}, dur, "") {
				n++
				if err := enc.Encode(res); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			report(b, cpuTime()-cpu0, n, dur)
		})
	}
}

func report(b *testing.B, cpu time.Duration, n uint64, d time.Duration) {
	if n == 0 {
		return
	}
	b.ReportMetric(float64(cpu.Microseconds())/float64(n), "cpu-µs/req")
	b.ReportMetric(float64(n)/d.Seconds(), "achieved/s")
	b.ReportMetric(0, "ns/op")
}
