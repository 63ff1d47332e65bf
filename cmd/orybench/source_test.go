//go:build unix

package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orybench/orybench/results"
)

// TestTargetSource: every run says on stderr where its target came from,
// with its pacing, and records it; --profile with $ORY_SDK_URL set runs the
// local profiles it names and says that it ignores the variable, which it
// never calls; --profile with an explicit --target is a usage error; a
// target taken from $ORY_SDK_URL that cannot be reached is named as such.
func TestTargetSource(t *testing.T) {
	var calls atomic.Int64
	env := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(env.Close)
	closed := closedURL(t)
	t.Setenv("ORY_API_KEY", "")

	t.Run("usage and unreachable targets", func(t *testing.T) {
		for _, c := range []struct {
			what, sdkURL string
			args         []string
			want         string
		}{
			{"--profile with --target, $ORY_SDK_URL set", env.URL, []string{"conform", "--profile", "username", "--target", env.URL},
				"--profile starts local Kratos instances: it cannot be combined with --target"},
			{"--profile with --target (load), $ORY_SDK_URL set", env.URL, []string{"load", "--profile", "default", "--target", env.URL},
				"--profile starts a local Kratos: it cannot be combined with --target"},
			{"$ORY_SDK_URL where nothing listens (conform)", closed, []string{"conform"},
				"$ORY_SDK_URL: GET " + closed + "/schemas?page_size=1: connection refused"},
			{"$ORY_SDK_URL where nothing listens (load)", closed, []string{"load"},
				"$ORY_SDK_URL: GET " + closed + "/schemas?page_size=1: connection refused"},
		} {
			t.Run(c.what, func(t *testing.T) {
				t.Setenv("ORY_SDK_URL", c.sdkURL)
				var stdout, stderr bytes.Buffer
				code := run(t.Context(), append(c.args, "--out", t.TempDir()), &stdout, &stderr)
				checkBadOutput(t, "run", code, stdout.String(), stderr.String(), c.want)
			})
		}
		if n := calls.Load(); n != 0 {
			t.Errorf("the target of $ORY_SDK_URL got %d requests, want none", n)
		}
	})

	t.Run("--profile with $ORY_SDK_URL set runs the profile", func(t *testing.T) {
		bin, work := kratosBinary(t), t.TempDir()
		o := procOpts{env: []string{"ORY_SDK_URL=" + env.URL}, dir: work}
		code, p := runOrybench(t, o, 3*time.Minute, "conform", "--profile", "username", "--kratos-bin", bin,
			"--label-filter", "op:toSession", "--out", "conformance")
		if code != exitOK {
			t.Fatalf("conform: exit %d; stderr:\n%s", code, p.stderr.String())
		}
		want := "target: local Kratos, profile username (--profile; $ORY_SDK_URL ignored); " +
			"hasher: bcrypt cost 4 (the cheapest Kratos accepts), the default here (--hasher changes it); unpaced (the default for local Kratos; --max-rps paces it)\n"
		if !strings.HasPrefix(p.stderr.String(), want) {
			t.Errorf("conform's stderr does not start %q:\n%s", want, p.stderr.String())
		}
		c := readConformance(t, filepath.Join(work, "conformance"))
		if !c.Target.Local || c.Target.Source != "--profile" || strings.Join(c.Target.Profiles, ",") != "username" ||
			c.Target.Hasher != "bcrypt cost 4 (the cheapest Kratos accepts)" {
			t.Errorf("conformance.json's target: local %v, source %q, profiles %v, hasher %q; want local, --profile, username, bcrypt cost 4",
				c.Target.Local, c.Target.Source, c.Target.Profiles, c.Target.Hasher)
		}

		code, p = runOrybench(t, o, 3*time.Minute, "load", "--profile", "default", "--kratos-bin", bin,
			"--rate", "5", "--duration", "1s", "--warmup", "0s", "--progress=false", "--out", "load")
		if code != exitOK && code != exitFailed {
			t.Fatalf("load: exit %d; stderr:\n%s", code, p.stderr.String())
		}
		want = "target: local Kratos, profile default (--profile; $ORY_SDK_URL ignored); " +
			"hasher: bcrypt cost 12 (Kratos default), the default here (--hasher changes it); load at 5/s (--rate); set-up calls unpaced\n"
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("load's stderr does not say %q:\n%s", want, p.stderr.String())
		}
		info, err := results.ReadRunInfo(filepath.Join(work, "load", results.RunInfoFile))
		if err != nil {
			t.Fatal(err)
		}
		if info.TargetSource != "--profile" {
			t.Errorf("run.json's target source %q, want --profile", info.TargetSource)
		}
		if sum, err := results.ReadLoadSummary(filepath.Join(work, "load", results.LoadSummaryFile)); err != nil {
			t.Error(err)
		} else if sum.Hasher != "bcrypt cost 12 (Kratos default)" {
			t.Errorf("summary.json's hasher %q, want Kratos's default, bcrypt cost 12", sum.Hasher)
		}
		if n := calls.Load(); n != 0 {
			t.Errorf("the target of $ORY_SDK_URL got %d requests, want none", n)
		}
	})

	t.Run("a target of --target is said so, with its default pacing: none on loopback", func(t *testing.T) {
		inst := startKratos(t)
		o := procOpts{env: []string{"ORY_SDK_URL=" + env.URL}, dir: t.TempDir()}
		code, p := runOrybench(t, o, 3*time.Minute, "conform", "--target", inst.PublicURL, "--admin-url", inst.AdminURL,
			"--label-filter", "op:toSession", "--out", "conformance")
		if code != exitOK {
			t.Fatalf("conform: exit %d; stderr:\n%s", code, p.stderr.String())
		}
		want := "target: " + inst.PublicURL + " (from --target); hasher: the target's own; unpaced (the default for a target on loopback; --max-rps paces it)\n"
		if !strings.Contains(p.stderr.String(), want) {
			t.Errorf("conform's stderr does not say %q:\n%s", want, p.stderr.String())
		}
		if n := calls.Load(); n != 0 {
			t.Errorf("the target of $ORY_SDK_URL got %d requests, want none", n)
		}
	})
}
