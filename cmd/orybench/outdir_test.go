//go:build unix

package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestOutDirUnwritable points load and conform at an output directory that
// cannot be written: each says so in one line and exits 2 before it sends
// a single request. The test may run as root, for whom a read-only mode
// means nothing, so the directories are ones no mode can help: a regular
// file, a path under a regular file, and a directory of /proc.
func TestOutDirUnwritable(t *testing.T) {
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	load := []string{"load", "--target", srv.URL, "--admin-url", srv.URL, "--scenario", "whoami", "--rate", "10", "--duration", "1s"}
	loadURL := []string{"load", "--url", srv.URL + "/", "--rate", "10", "--duration", "1s"}
	conform := []string{"conform", "--target", srv.URL, "--admin-url", srv.URL}
	cases := []struct {
		what string
		args []string
		dir  string
	}{
		{"load into a regular file", load, file},
		{"conform into a regular file", conform, file},
		{"load --url into a path under a regular file", loadURL, filepath.Join(file, "out")},
		{"conform into a path under a regular file", conform, filepath.Join(file, "out")},
	}
	if f, err := os.CreateTemp("/proc/self", "orybench-"); err == nil {
		f.Close()
		os.Remove(f.Name())
		t.Log("/proc/self is writable here: no case for it")
	} else if st, err := os.Stat("/proc/self"); err == nil && st.IsDir() {
		cases = append(cases, struct {
			what string
			args []string
			dir  string
		}{"load into a directory of /proc", load, "/proc/self"})
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			before := requests.Load()
			code, p := runOrybench(t, procOpts{}, time.Minute, append(c.args, "--out", c.dir)...)
			stderr := strings.TrimSpace(p.stderr.String())
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if strings.Count(stderr, "\n") != 0 || !strings.HasPrefix(stderr, "orybench: --out "+c.dir+": ") {
				t.Errorf("stderr %q, want one line: orybench: --out %s: why", stderr, c.dir)
			}
			if out := p.stdout.String(); out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if n := requests.Load() - before; n != 0 {
				t.Errorf("the target saw %d requests before the error", n)
			}
		})
	}
}
