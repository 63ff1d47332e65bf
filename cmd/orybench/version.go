package main

import (
	"runtime/debug"
	"strings"
)

// version is what `make build` and `make dist` stamp with
// -ldflags "-X main.version=$(git describe --tags --always --dirty)".
// It is orybench's one package-level variable, and it must be one: the
// linker's -X sets only a package-level string variable, never a constant
// or a value passed at run time. A plain `go build` leaves it empty, and
// versionText falls back to the version the go command recorded.
var version string

// versionText is orybench's version as `orybench --version` prints it and
// every result document records it (orybench_version): the stamped or
// module version, and the VCS revision the binary was built from.
func versionText() string {
	info, _ := debug.ReadBuildInfo()
	return describeVersion(version, info)
}

// describeVersion names a build: stamped if set, else the main module's
// version from info (the go command derives one from the VCS tag and
// revision), else "dev"; then the VCS revision, and "modified" when the
// tree had uncommitted changes, as in "v1.2.0 (revision 0123456789ab,
// modified)". info may be nil (a binary built without module support).
func describeVersion(stamped string, info *debug.BuildInfo) string {
	v := stamped
	if v == "" && info != nil && info.Main.Version != "(devel)" {
		v = info.Main.Version
	}
	if v == "" {
		v = "dev"
	}
	if info == nil {
		return v
	}
	var revision, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if revision == "" {
		return v
	}
	if len(revision) > 12 {
		revision = revision[:12]
	}
	var b strings.Builder
	b.WriteString(v + " (revision " + revision)
	if modified == "true" {
		b.WriteString(", modified")
	}
	b.WriteString(")")
	return b.String()
}
