//go:build !linux

package loadtest

import "time"

// preciseSleep sleeps for d.
func preciseSleep(d time.Duration) { time.Sleep(d) }
