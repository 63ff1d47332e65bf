//go:build !linux

package loadtest

// machineCPU is the machine's CPU time, known on Linux only.
type machineCPU struct{ busy, total uint64 }

// readMachineCPU knows nothing here: the zero machineCPU.
func readMachineCPU() machineCPU { return machineCPU{} }
