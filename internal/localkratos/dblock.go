package localkratos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"
)

// SQLite's unix VFS coordinates processes with POSIX (fcntl) byte-range
// locks on bytes of the database file past 1 GiB that never hold data
// (sqlite3/src/os.h). A reader takes a read lock on PENDING_BYTE before it
// takes one on the SHARED range; a writer about to commit write-locks
// PENDING_BYTE. Whoever holds write locks on all three regions holds the
// EXCLUSIVE lock: no other connection can read or write until it lets go.
const (
	sqlitePendingByte = 0x40000000
	sqliteLockSpan    = 2 + 510 // PENDING_BYTE, RESERVED_BYTE, then the SHARED range
)

// ErrNoDatabaseFile is returned by LockDB for an instance whose profile keeps
// its data in no SQLite file (postgres).
var ErrNoDatabaseFile = errors.New("localkratos: the instance has no database file to lock")

// ErrNotRollbackJournal is returned by LockDB when the database is in WAL
// mode, where readers are not stopped by the database file's locks alone.
var ErrNotRollbackJournal = errors.New("localkratos: the database is not in rollback-journal mode")

// LockDB takes SQLite's EXCLUSIVE lock on the instance's database file from
// this process, as another SQLite connection that began an exclusive
// transaction would, without linking SQLite. While it is held Kratos's reads
// and writes wait out their busy timeout and fail with "database is locked";
// that is how the conformance suites reach the 500 answers a healthy server
// never gives. It waits, until ctx is done, for Kratos's own transactions in
// progress to finish. unlock releases the lock; call it exactly once.
//
// The lock is a POSIX record lock held through a file descriptor of its own:
// it is released when unlock closes that descriptor, or when this process
// ends, so a crashed run never leaves the database locked.
func (i *Instance) LockDB(ctx context.Context) (unlock func() error, err error) {
	if i.DBPath == "" {
		return nil, ErrNoDatabaseFile
	}
	return lockSQLiteFile(ctx, i.DBPath)
}

func lockSQLiteFile(ctx context.Context, path string) (func() error, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("lock database: %w", err)
	}
	if err := checkRollbackJournal(f); err != nil {
		f.Close()
		return nil, err
	}
	// PENDING first, as SQLite does: it turns away new readers while the
	// ones in progress finish, so the wait for the rest cannot starve.
	regions := []struct{ start, len int64 }{
		{sqlitePendingByte, 1},
		{sqlitePendingByte + 1, sqliteLockSpan - 1},
	}
	for _, r := range regions {
		if err := writeLock(ctx, f, r.start, r.len); err != nil {
			f.Close() // closing the descriptor drops what was taken
			return nil, fmt.Errorf("lock database %s: %w", path, err)
		}
	}
	return f.Close, nil
}

// writeLock write-locks [start, start+n) of f, retrying while another
// process holds a conflicting lock, until ctx is done.
func writeLock(ctx context.Context, f *os.File, start, n int64) error {
	lk := syscall.Flock_t{Type: syscall.F_WRLCK, Whence: io.SeekStart, Start: start, Len: n}
	for {
		err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lk)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EAGAIN) && !errors.Is(err, syscall.EACCES) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("held by another process: %w", ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// checkRollbackJournal reads the file format versions in the database
// header (offsets 18 and 19): 1 is a rollback journal, 2 is WAL. An empty
// file has no header yet and is treated as rollback-journal, SQLite's default.
func checkRollbackJournal(f *os.File) error {
	var v [2]byte
	if _, err := f.ReadAt(v[:], 18); err != nil {
		if errors.Is(err, io.EOF) {
			return nil
		}
		return fmt.Errorf("lock database: read header: %w", err)
	}
	if v[0] == 2 || v[1] == 2 {
		return ErrNotRollbackJournal
	}
	return nil
}
