package main

import (
	"bytes"
	"context"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionDescribesBuild(t *testing.T) {
	const rev = "0123456789abcdef0123456789abcdef01234567"
	vcs := func(revision, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: revision}, {Key: "vcs.modified", Value: modified}}
	}
	tests := []struct {
		name    string
		stamped string
		info    *debug.BuildInfo
		want    string
	}{
		{"no build info", "", nil, "dev"},
		{"stamped, no build info", "v1.2.0", nil, "v1.2.0"},
		{"plain go build outside VCS", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"module version and clean tree", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}, Settings: vcs(rev, "false")},
			"v1.2.0 (revision 0123456789ab)"},
		{"pseudo-version and modified tree", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261202141728-0123456789ab+dirty"}, Settings: vcs(rev, "true")},
			"v0.0.0-20261202141728-0123456789ab+dirty (revision 0123456789ab, modified)"},
		{"stamp overrides module version, keeps revision", "v1.3.0-2-g0123456-dirty", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(rev, "true")},
			"v1.3.0-2-g0123456-dirty (revision 0123456789ab, modified)"},
		{"short revision kept whole", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs("abc123", "false")},
			"dev (revision abc123)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := describeVersion(tt.stamped, tt.info); got != tt.want {
				t.Errorf("describeVersion(%q, …) = %q, want %q", tt.stamped, got, tt.want)
			}
		})
	}
}

// TestVersionFlag: --version prints what result documents record.
func TestVersionFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--version"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	if want := "orybench version " + versionText() + "\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if strings.TrimSpace(versionText()) == "" {
		t.Error("empty version text")
	}
}
