package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// FuzzLoadArgs runs `orybench load` with arbitrary arguments: whatever they
// are, it exits 0 or 2 (1 needs a run, which these never reach), with one
// line on stderr for 2, and never panics. Fixed flags after the fuzzed ones
// keep it off the network: the target is a loopback server that answers
// 503, so the target check refuses every run before any load or set-up,
// and there is no --url, admin URL or local Kratos.
func FuzzLoadArgs(f *testing.F) {
	var beyond atomic.Int64 // requests other than the target check's
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/schemas" {
			beyond.Add(1)
		}
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	f.Cleanup(srv.Close)
	out := f.TempDir()
	for _, seed := range []string{
		"", "--rate\n0", "--rate\n-1e308", "--rate\nNaN", "--duration\n-1ns", "--duration\n9223372036854775807ns",
		"--threshold\np99<<5ms", "--threshold\nerror_rate<NaN", "--scenario\nnope", "--scenario\nwhoami\n--rate\n1e5",
		"--profile\nnope", "--max-hits\n0", "--max-workers\n0", "--warmup\n-1s", "--timeout\n0s", "--max-rate\n-1",
		"--yes\n--rate\n100000\n--duration\n1h", "--method\nDELETE", "-h", "--\nx", "--rate=", "--scenario=login\n--abort-on-fail",
		"--shard\n2/4", "--shard\n0/0", "--shard\n5/4\n--sync-dir\n/nonexistent", "--sync-dir\nx",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		args := append([]string{"load"}, strings.Split(in, "\n")...)
		args = append(args, "--target", srv.URL, "--url", "", "--admin-url", "", "--api-key", "",
			"--kratos-bin", "/nonexistent", "--out", out, "--progress=false")
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), args, &stdout, &stderr)
		switch code {
		case exitOK, exitFailed:
		case exitUsage:
			lines := strings.Split(strings.TrimRight(stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "orybench: ") {
				t.Errorf("exit 2 with stderr %q, want one line", stderr.String())
			}
		default:
			t.Errorf("exit code %d", code)
		}
		if n := beyond.Load(); n != 0 {
			t.Fatalf("%d requests went beyond the target check", n)
		}
		for _, s := range []string{stdout.String(), stderr.String()} {
			if strings.Contains(s, "panic") || strings.Contains(s, "goroutine ") {
				t.Errorf("output holds a panic:\n%s", s)
			}
		}
	})
}
