//go:build !unix

package loadtest

import "time"

// processCPU is unknown here: the server view then names no generator
// cores.
func processCPU() time.Duration { return 0 }
