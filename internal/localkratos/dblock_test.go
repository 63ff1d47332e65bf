package localkratos

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// POSIX record locks never conflict within one process, so what another
// process sees is asked of a child: this test binary re-run as a helper.
const helperEnv = "ORYBENCH_DBLOCK_HELPER"

// TestMain turns the binary into the helper when helperEnv is set:
// "probe <path>" prints whether a reader could take SQLite's SHARED lock;
// "hold <path>" holds a SHARED lock, prints "held" and waits for stdin to close.
func TestMain(m *testing.M) {
	if cmd := os.Getenv(helperEnv); cmd != "" {
		os.Exit(helper(cmd))
	}
	os.Exit(m.Run())
}

func helper(cmd string) int {
	verb, path, _ := strings.Cut(cmd, " ")
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		fmt.Println(err)
		return 2
	}
	defer f.Close()
	// What a SQLite reader does first: a read lock on PENDING_BYTE.
	pending := syscall.Flock_t{Type: syscall.F_RDLCK, Whence: io.SeekStart, Start: sqlitePendingByte, Len: 1}
	shared := syscall.Flock_t{Type: syscall.F_RDLCK, Whence: io.SeekStart, Start: sqlitePendingByte + 2, Len: 510}
	switch verb {
	case "probe":
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &pending); err != nil {
			fmt.Println("locked")
		} else {
			fmt.Println("free")
		}
	case "hold":
		if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &shared); err != nil {
			fmt.Println(err)
			return 2
		}
		fmt.Println("held")
		_, _ = io.Copy(io.Discard, os.Stdin)
	}
	return 0
}

func helperCmd(t *testing.T, verb, path string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+verb+" "+path)
	return cmd
}

func probe(t *testing.T, path string) string {
	t.Helper()
	out, err := helperCmd(t, "probe", path).Output()
	if err != nil {
		t.Fatalf("probe: %v (%s)", err, out)
	}
	return strings.TrimSpace(string(out))
}

// sqliteFile writes a database header of the given file format version
// (1 rollback journal, 2 WAL) to a new file.
func sqliteFile(t *testing.T, version byte) string {
	t.Helper()
	header := make([]byte, 100)
	copy(header, "SQLite format 3\x00")
	header[18], header[19] = version, version
	path := filepath.Join(t.TempDir(), "kratos.sqlite")
	if err := os.WriteFile(path, header, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLockDBStopsReadersUntilUnlocked(t *testing.T) {
	inst := &Instance{DBPath: sqliteFile(t, 1)}
	if got := probe(t, inst.DBPath); got != "free" {
		t.Fatalf("before LockDB: reader %s, want free", got)
	}
	unlock, err := inst.LockDB(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := probe(t, inst.DBPath); got != "locked" {
		t.Errorf("while locked: reader %s, want locked", got)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if got := probe(t, inst.DBPath); got != "free" {
		t.Errorf("after unlock: reader %s, want free", got)
	}
}

func TestLockDBWaitsForReaderInProgress(t *testing.T) {
	path := sqliteFile(t, 1)
	holder := helperCmd(t, "hold", path)
	stdin, err := holder.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = holder.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); strings.TrimSpace(line) != "held" {
		t.Fatalf("helper: %q", line)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := lockSQLiteFile(ctx, path); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("LockDB with a reader holding SHARED: err = %v, want DeadlineExceeded", err)
	}
	// The failed attempt must not leave PENDING behind.
	if got := probe(t, path); got != "free" {
		t.Fatalf("after a failed LockDB: reader %s, want free", got)
	}

	done := make(chan error, 1)
	go func() {
		unlock, err := lockSQLiteFile(context.Background(), path)
		if err == nil {
			err = unlock()
		}
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	stdin.Close() // the reader finishes
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("LockDB still waiting after the reader let go")
	}
}

func TestLockDBRefuses(t *testing.T) {
	for name, tc := range map[string]struct {
		inst *Instance
		want error
	}{
		"no SQLite file (postgres)": {&Instance{}, ErrNoDatabaseFile},
		"WAL database":              {&Instance{DBPath: sqliteFile(t, 2)}, ErrNotRollbackJournal},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tc.inst.LockDB(context.Background()); !errors.Is(err, tc.want) {
				t.Errorf("LockDB: err = %v, want %v", err, tc.want)
			}
		})
	}
}
