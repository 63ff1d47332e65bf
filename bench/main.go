// Command bench runs orybench, the vegeta CLI and wrk side by side against
// the same loopback servers — a trivial Go server and, when a Kratos binary
// is there, a local Kratos (toSession with a real session token) — and prints
// one table: tool, requested rate, achieved rate, p50, p99 and the CPU
// seconds the load tool used (its own rusage, user+system).
//
// orybench and vegeta are open-model (a fixed requested rate); wrk is
// closed-model (as many requests as its connections can carry), so its
// "requested" column is empty and its latency is not comparable with the
// others under overload: it never queues.
//
// A shared 2-core machine makes one run's CPU time vary by ±20%, so each
// orybench and vegeta row is the median of -repeat runs, the two tools
// interleaved and taking turns to go first. CPU per request is shown over
// all of a tool's CPU time and over the part beyond its fixed cost (a run of
// one request: start-up, fixtures, writing results). The table ends with the
// ratios orybench/vegeta at each rate and each tool's highest sustained rate
// (achieved ≥ 99% of requested).
//
//	go run ./bench -orybench bin/orybench -vegeta bin/vegeta
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/target"
)

type row struct {
	server, tool       string
	requested          string
	rate               int     // requested, 0 for wrk
	achieved, p50, p99 float64 // per s, ms, ms
	requests           float64
	cpu                time.Duration
	// fixed is the tool's CPU time for a run of one request at this server:
	// start-up, fixtures, writing results; 0 when not measured.
	fixed time.Duration
	note  string
}

// cpuPerReq is the CPU time per request in µs.
func (r row) cpuPerReq() float64 {
	if r.requests == 0 {
		return 0
	}
	return float64(r.cpu.Microseconds()) / r.requests
}

// marginalPerReq is the CPU time per request in µs beyond the tool's fixed
// cost of a run.
func (r row) marginalPerReq() float64 {
	if r.requests == 0 || r.fixed == 0 {
		return 0
	}
	return float64(max(r.cpu-r.fixed, 0).Microseconds()) / r.requests
}

// sustained reports whether the row kept its requested rate: achieved at
// least 99% of it.
func (r row) sustained() bool { return r.rate > 0 && r.achieved >= 0.99*float64(r.rate) }

// medianOf returns the median of f over runs.
func medianOf(runs []row, f func(row) float64) float64 {
	v := make([]float64, len(runs))
	for i, r := range runs {
		v[i] = f(r)
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// median folds the runs of one tool at one rate into one row: the median
// of each column (CPU per request included), and the runs' CPU-per-request
// range in the note.
func median(runs []row) row {
	if len(runs) == 1 {
		return runs[0]
	}
	out := runs[0]
	out.achieved = medianOf(runs, func(r row) float64 { return r.achieved })
	out.p50 = medianOf(runs, func(r row) float64 { return r.p50 })
	out.p99 = medianOf(runs, func(r row) float64 { return r.p99 })
	out.requests = medianOf(runs, func(r row) float64 { return r.requests })
	out.cpu = time.Duration(medianOf(runs, row.cpuPerReq) * out.requests * float64(time.Microsecond))
	if out.fixed > 0 {
		// Keep the median marginal CPU: cpu - fixed = marginal × requests.
		out.fixed = max(out.cpu-time.Duration(medianOf(runs, row.marginalPerReq)*out.requests*float64(time.Microsecond)), 0)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	var notes []string
	for _, r := range runs {
		lo, hi = math.Min(lo, r.cpuPerReq()), math.Max(hi, r.cpuPerReq())
		if strings.HasPrefix(r.note, "failed") || strings.Contains(r.note, "errors ") && !strings.Contains(r.note, "errors 0") {
			notes = append(notes, r.note)
		}
	}
	out.note = fmt.Sprintf("median of %d runs, CPU %.1f–%.1f µs/req; %s", len(runs), lo, hi, runs[len(runs)/2].note)
	if len(notes) > 0 {
		out.note += "; " + strings.Join(notes, "; ")
	}
	return out
}

func main() {
	var (
		orybench   = flag.String("orybench", "bin/orybench", "orybench binary")
		vegeta     = flag.String("vegeta", "bin/vegeta", "vegeta binary")
		wrk        = flag.String("wrk", "wrk", "wrk binary (skipped if missing)")
		kratosBin  = flag.String("kratos", "bin/kratos", "kratos binary for the Kratos rows (skipped if missing)")
		rates      = flag.String("rates", "1000,2000,5000,10000,20000", "requested rates for the trivial server")
		kratosRate = flag.String("kratos-rates", "500,1000", "requested rates for Kratos")
		dur        = flag.Duration("duration", 5*time.Second, "duration of each run")
		repeat     = flag.Int("repeat", 3, "runs of orybench and of vegeta at each rate (the median is shown)")
		wrkConns   = flag.Int("wrk-connections", 50, "wrk connections")
		serve      = flag.String("serve", "", "only serve the trivial server on this address (e.g. 127.0.0.1:8080) until interrupted")
	)
	flag.Parse()
	if *serve != "" {
		ln, err := net.Listen("tcp", *serve)
		check(err)
		fmt.Fprintf(os.Stderr, "bench: trivial server on http://%s/\n", ln.Addr())
		check(http.Serve(ln, trivialHandler))
		return
	}
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "orybench-bench-")
	check(err)
	defer os.RemoveAll(tmp)

	var rows []row
	addr, stop := trivialServer()
	url := "http://" + addr + "/"
	rows = append(rows, compare(splitRates(*rates), *dur, *repeat,
		func(rate int, d time.Duration) row {
			return runOrybench(*orybench, tmp, "trivial", []string{"--url", url}, rate, d)
		},
		func(rate int, d time.Duration) row {
			return runVegeta(*vegeta, tmp, "trivial", "GET "+url+"\n", rate, d)
		})...)
	if _, err := exec.LookPath(*wrk); err == nil {
		rows = append(rows, runWrk(*wrk, "trivial", url, nil, *wrkConns, *dur))
	} else {
		fmt.Fprintln(os.Stderr, "bench: wrk not found, skipping it (apt-get install wrk)")
	}
	stop()

	if _, err := os.Stat(*kratosBin); err == nil {
		rows = append(rows, kratosRows(ctx, *kratosBin, *orybench, *vegeta, *wrk, tmp, splitRates(*kratosRate), *dur, *repeat, *wrkConns)...)
	} else {
		fmt.Fprintf(os.Stderr, "bench: %s not found, skipping Kratos (make kratos)\n", *kratosBin)
	}
	printTable(rows)
}

// compare runs orybench and vegeta at each rate, n times each, taking turns
// to go first so that neither always meets a warmer machine, and returns
// the median row of each. First it measures each tool's fixed cost: the
// median CPU time of three runs of one request.
func compare(rates []int, d time.Duration, n int, ory, veg func(rate int, d time.Duration) row) []row {
	fixed := func(run func(int, time.Duration) row) time.Duration {
		var runs []row
		for range 3 {
			runs = append(runs, run(1, 100*time.Millisecond))
		}
		return time.Duration(medianOf(runs, func(r row) float64 { return float64(r.cpu) }))
	}
	oFixed, vFixed := fixed(ory), fixed(veg)
	var rows []row
	for _, rate := range rates {
		var o, v []row
		for i := range max(n, 1) {
			runO := func() { r := ory(rate, d); r.fixed = oFixed; o = append(o, r) }
			runV := func() { r := veg(rate, d); r.fixed = vFixed; v = append(v, r) }
			if i%2 == 0 {
				runO()
				runV()
			} else {
				runV()
				runO()
			}
		}
		rows = append(rows, median(o), median(v))
	}
	return rows
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func splitRates(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		check(err)
		out = append(out, n)
	}
	return out
}

// trivialHandler answers every request with 200 "ok".
var trivialHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })

// trivialServer serves trivialHandler on a loopback port.
func trivialServer() (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	srv := &http.Server{Handler: trivialHandler}
	go srv.Serve(ln)
	return ln.Addr().String(), func() { srv.Close() }
}

// run runs a load tool and returns its CPU time (user+system, from rusage).
func run(name string, stdin string, args ...string) (time.Duration, []byte, error) {
	cmd := exec.Command(name, args...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.Output()
	if cmd.ProcessState == nil {
		return 0, out, err
	}
	cpu := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 {
		err = nil // orybench: a threshold breached, still measured
	}
	return cpu, out, err
}

func runOrybench(bin, tmp, server string, target []string, rate int, d time.Duration) row {
	out := filepath.Join(tmp, fmt.Sprintf("orybench-%s-%d", server, rate))
	args := append([]string{"load", "--rate", strconv.Itoa(rate), "--duration", d.String(),
		"--out", out, "--progress=false", "--threshold", "rate>=0.99*requested"}, target...)
	cpu, stdout, err := run(bin, "", args...)
	r := row{server: server, tool: "orybench", requested: strconv.Itoa(rate), rate: rate, cpu: cpu}
	if err != nil {
		r.note = fmt.Sprintf("failed: %v %s", err, lastLine(stdout))
		return r
	}
	s, err := results.ReadLoadSummary(filepath.Join(out, results.LoadSummaryFile))
	if err != nil {
		r.note = err.Error()
		return r
	}
	r.achieved, r.p50, r.p99, r.requests = s.Rate.Achieved, s.Latency.P50, s.Latency.P99, float64(s.Requests)
	r.note = fmt.Sprintf("uncorrected p50 %.3f p99 %.3f; errors %d", s.LatencyUncorrected.P50, s.LatencyUncorrected.P99, s.Errors.Total)
	return r
}

func runVegeta(bin, tmp, server, targets string, rate int, d time.Duration) row {
	res := filepath.Join(tmp, fmt.Sprintf("vegeta-%s-%d.bin", server, rate))
	cpu, _, err := run(bin, targets, "attack", "-rate", strconv.Itoa(rate), "-duration", d.String(), "-output", res)
	r := row{server: server, tool: "vegeta", requested: strconv.Itoa(rate), rate: rate, cpu: cpu}
	if err != nil {
		r.note = "failed: " + err.Error()
		return r
	}
	_, rep, err := run(bin, "", "report", "-type", "json", res)
	var m struct {
		Latencies struct {
			P50 float64 `json:"50th"`
			P99 float64 `json:"99th"`
		} `json:"latencies"`
		Requests float64  `json:"requests"`
		Duration float64  `json:"duration"`
		Rate     float64  `json:"rate"`
		Success  float64  `json:"success"`
		Errors   []string `json:"errors"`
	}
	if err == nil {
		err = json.Unmarshal(rep, &m)
	}
	if err != nil {
		r.note = "report: " + err.Error()
		return r
	}
	// vegeta's rate is over the time between the first and the last send;
	// over the requested duration it is requests / duration, as orybench's.
	r.achieved, r.p50, r.p99, r.requests = m.Requests/d.Seconds(), m.Latencies.P50/1e6, m.Latencies.P99/1e6, m.Requests
	r.note = fmt.Sprintf("latency from pickup (uncorrected); success %.4f", m.Success)
	return r
}

var (
	wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkReqs = regexp.MustCompile(`(\d+) requests in`)
	wrkPct  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)`)
)

func runWrk(bin, server, url string, header []string, conns int, d time.Duration) row {
	args := []string{"-t", "2", "-c", strconv.Itoa(conns), "-d", fmt.Sprintf("%ds", int(d.Seconds())), "--latency"}
	for _, h := range header {
		args = append(args, "-H", h)
	}
	cpu, out, err := run(bin, "", append(args, url)...)
	r := row{server: server, tool: "wrk", requested: fmt.Sprintf("closed, %d conns", conns), cpu: cpu,
		note: "closed model: sends only as answers return, never queues (no coordinated-omission correction)"}
	if err != nil {
		r.note = "failed: " + err.Error()
		return r
	}
	if m := wrkRate.FindSubmatch(out); m != nil {
		r.achieved, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := wrkReqs.FindSubmatch(out); m != nil {
		r.requests, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	for _, m := range wrkPct.FindAllSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(string(m[2]), 64)
		switch string(m[3]) {
		case "us":
			v /= 1e3
		case "s":
			v *= 1e3
		}
		if string(m[1]) == "50" {
			r.p50 = v
		} else {
			r.p99 = v
		}
	}
	return r
}

// kratosRows starts a local Kratos (stopped when they are done) and loads
// toSession with a real session token: orybench with its whoami scenario
// (its own pool of one token), vegeta and wrk with a token made here and
// revoked afterwards.
func kratosRows(ctx context.Context, kratosBin, orybench, vegeta, wrk, tmp string, rates []int, d time.Duration, repeat, conns int) []row {
	set, err := target.Open(ctx, target.Options{KratosBin: kratosBin})
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: starting Kratos:", err)
		return nil
	}
	defer set.Close(context.Background())
	kratos := set.Targets()[0]
	users, err := kratos.SignUpMany(ctx, 1)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: making a Kratos session:", err)
		return nil
	}
	defer kratos.Remove(context.Background(), users...)
	whoami := kratos.URL("/sessions/whoami")
	header := "X-Session-Token: " + users[0].SessionToken
	// Warm Kratos up (caches, database pages) so that no tool pays for a
	// cold start; not measured.
	run(vegeta, "GET "+whoami+"\n"+header+"\n", "attack", "-rate", strconv.Itoa(rates[0]), "-duration", "3s", "-output", os.DevNull)

	var rows []row
	scenario := scenarioFile(tmp)
	rows = append(rows, compare(rates, d, repeat,
		func(rate int, d time.Duration) row {
			return runOrybench(orybench, tmp, "kratos", []string{"--scenario", scenario,
				"--target", kratos.PublicURL(), "--admin-url", kratos.AdminURL(), "--warmup", "0s"}, rate, d)
		},
		func(rate int, d time.Duration) row {
			return runVegeta(vegeta, tmp, "kratos", "GET "+whoami+"\n"+header+"\n", rate, d)
		})...)
	if _, err := exec.LookPath(wrk); err == nil {
		rows = append(rows, runWrk(wrk, "kratos", whoami, []string{header}, conns, d))
	}
	return rows
}

// scenarioFile writes a whoami scenario with a pool of one session token.
func scenarioFile(tmp string) string {
	path := filepath.Join(tmp, "whoami-1.yaml")
	check(os.WriteFile(path, []byte(`name: whoami-1
rate: 100
sessions: 1
steps:
  - name: whoami
    operation: toSession
`), 0o600))
	return path
}

func lastLine(b []byte) string {
	s := strings.TrimSpace(string(b))
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

func printTable(rows []row) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "server\ttool\trequested/s\tachieved/s\tp50 ms\tp99 ms\tCPU s\tfixed s\tCPU µs/req\tbeyond fixed\t")
	for _, r := range rows {
		fixed, marginal := "", ""
		if r.fixed > 0 {
			fixed, marginal = fmt.Sprintf("%.3f", r.fixed.Seconds()), fmt.Sprintf("%.1f", r.marginalPerReq())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%.3f\t%.3f\t%.2f\t%s\t%.1f\t%s\t\n",
			r.server, r.tool, r.requested, r.achieved, r.p50, r.p99, r.cpu.Seconds(), fixed, r.cpuPerReq(), marginal)
	}
	tw.Flush()
	fmt.Println()
	printRatios(rows)
	fmt.Println()
	fmt.Println("Latency: orybench's is measured from each request's intended send time (coordinated")
	fmt.Println("omission corrected); vegeta's from when a worker picked the request up; wrk's per")
	fmt.Println("request of a closed loop. CPU is the load tool's own (user+system); \"fixed\" is its")
	fmt.Println("CPU for a run of one request (start-up, fixtures, writing results), \"beyond fixed\"")
	fmt.Println("the CPU per request of the rest.")
	for _, r := range rows {
		if r.note != "" {
			fmt.Printf("  %s %s %s: %s\n", r.server, r.tool, r.requested, r.note)
		}
	}
}

// printRatios compares orybench with vegeta at each rate of each server, and
// says each one's highest sustained rate.
func printRatios(rows []row) {
	type key struct {
		server string
		rate   int
	}
	by := map[key]map[string]row{}
	var servers []string
	for _, r := range rows {
		if r.rate == 0 {
			continue
		}
		k := key{r.server, r.rate}
		if by[k] == nil {
			by[k] = map[string]row{}
		}
		by[k][r.tool] = r
		if !slices.Contains(servers, r.server) {
			servers = append(servers, r.server)
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "orybench/vegeta\trequested/s\tachieved\tCPU µs/req\tbeyond fixed\t")
	for _, server := range servers {
		best := map[string]int{}
		for _, r := range rows {
			if r.server != server || r.rate == 0 {
				continue
			}
			if r.sustained() && r.rate > best[r.tool] {
				best[r.tool] = r.rate
			}
			if r.tool != "orybench" {
				continue
			}
			v, ok := by[key{server, r.rate}]["vegeta"]
			if !ok || v.achieved == 0 || v.cpuPerReq() == 0 {
				continue
			}
			marginal := ""
			if v.marginalPerReq() > 0 {
				marginal = fmt.Sprintf("%.2f", r.marginalPerReq()/v.marginalPerReq())
			}
			fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.2f\t%s\t\n", server, r.rate, r.achieved/v.achieved, r.cpuPerReq()/v.cpuPerReq(), marginal)
		}
		fmt.Fprintf(tw, "%s\thighest sustained\torybench %d/s\tvegeta %d/s\t\t\n", server, best["orybench"], best["vegeta"])
	}
	tw.Flush()
}
