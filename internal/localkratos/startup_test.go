package localkratos

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFindBinaryBesideExecutable: with no --kratos-bin, the kratos beside
// the running executable is found whatever the working directory, before
// one on $PATH or under ./bin.
func TestFindBinaryBesideExecutable(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip("no executable path on this platform: ", err)
	}
	beside := filepath.Join(filepath.Dir(exe), "kratos")
	if _, err := os.Stat(beside); err == nil {
		t.Skipf("%s exists already; not replacing it", beside)
	}
	if err := os.WriteFile(beside, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Skip("the test binary's directory is not writable: ", err)
	}
	t.Cleanup(func() { os.Remove(beside) })
	elsewhere := t.TempDir()
	onPath := filepath.Join(elsewhere, "kratos")
	if err := os.WriteFile(onPath, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", elsewhere)
	t.Chdir(elsewhere)
	if got, err := FindBinary(""); err != nil || got != beside {
		t.Errorf("FindBinary = %q, %v; want %s", got, err, beside)
	}
	os.Remove(beside)
	if got, err := FindBinary(""); err != nil || got != onPath {
		t.Errorf("without one beside: FindBinary = %q, %v; want %s from $PATH", got, err, onPath)
	}
}

// TestTakenPort: a port asked for that another process holds is named as
// taken, in one line, before Kratos is started (not "kratos exited").
func TestTakenPort(t *testing.T) {
	bin := kratosBin(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	_, err = Start(context.Background(), Options{Bin: bin, PublicPort: port})
	if want := fmt.Sprintf("the public port %d is taken", port); err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Start = %v, want one line saying %q", err, want)
	}
}
