//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConformCoverageGate runs the TOTP cases and one other against the
// local default profile, then again with TOTP declared absent: the second
// run fails nothing and checks a pair, so it passes alone, but --baseline with the first exits 1
// naming each pair it lost and why, and --require-pairs more than it
// judged exits 1 too. A baseline that cannot be read, and a label filter
// that selects nothing, are usage errors.
func TestConformCoverageGate(t *testing.T) {
	bin := kratosBinary(t)
	conform := func(args ...string) (int, string) {
		t.Helper()
		args = append([]string{"conform", "--profile", "default", "--kratos-bin", bin, "--out", t.TempDir()}, args...)
		code, p := runOrybench(t, procOpts{}, 3*time.Minute, args...)
		return code, lastLine(p.stderr.String())
	}
	// The TOTP cases, and one that needs no capability: a run whose every
	// case is skipped checks nothing, and fails for that alone.
	const filter = "requires:totp || op:getWebAuthnJavaScript"
	dir := t.TempDir()
	if code, last := conform("--label-filter", filter, "--out", dir); code != exitOK {
		t.Fatalf("baseline run: exit %d, %q", code, last)
	}
	baseline := filepath.Join(dir, "conformance.json")

	lost := []string{
		"toSession 403 (skipped, was deviating: target lacks capability totp: declared absent)",
		"updateLoginFlow 303 (skipped, was passed: target lacks capability totp: declared absent)",
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want []string // in the last line of stderr
	}{
		{"without the baseline", []string{"--capabilities", "-totp"}, exitOK, nil},
		{"with the baseline", []string{"--capabilities", "-totp", "--baseline", baseline}, exitFailed,
			append([]string{"coverage gate: 6 pairs judged in the baseline are not now: "}, lost...)},
		{"fewer pairs than required", []string{"--require-pairs", "8"}, exitFailed,
			[]string{"coverage gate: 7 pairs passed or deviated, fewer than the 8 required; 87 pairs filtered out by --label-filter"}},
		{"as many pairs as required", []string{"--require-pairs", "7"}, exitOK, nil},
		{"every case skipped", []string{"--capabilities", "-totp", "--label-filter", "requires:totp"}, exitFailed,
			[]string{"coverage gate: no pair passed or deviated: the run checked nothing"}},
		{"a filter that selects nothing", []string{"--label-filter", "op:nope"}, exitUsage, []string{`--label-filter "op:nope" selects none of the`}},
		{"a baseline that is not there", []string{"--baseline", filepath.Join(dir, "nope.json")}, exitUsage, []string{"--baseline: open"}},
		{"a baseline that is no conformance.json", []string{"--baseline", filepath.Join(dir, "junit.xml")}, exitUsage, []string{"--baseline: "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if !strings.Contains(strings.Join(args, " "), "--label-filter") {
				args = append(args, "--label-filter", filter)
			}
			code, last := conform(args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; last line %q", code, tc.code, last)
			}
			for _, w := range tc.want {
				if !strings.Contains(last, w) {
					t.Errorf("last line %q does not say %q", last, w)
				}
			}
		})
	}
}
