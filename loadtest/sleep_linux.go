package loadtest

import (
	"syscall"
	"time"
)

// preciseSleep sleeps for d with the kernel's resolution rather than the Go
// runtime's, which may round a short sleep up to a millisecond when the
// process is otherwise idle.
func preciseSleep(d time.Duration) {
	ts := syscall.NsecToTimespec(int64(d))
	_ = syscall.Nanosleep(&ts, nil) // an interrupted sleep just ends early
}
