package loadtest

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// machineCPU is the machine's CPU time since boot, in clock ticks, over
// all its cores: busy (user, nice, system, irq, softirq, steal) and in
// total (idle and iowait besides).
type machineCPU struct{ busy, total uint64 }

// readMachineCPU reads /proc/stat's cpu line; the zero machineCPU when it
// cannot.
func readMachineCPU() machineCPU {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return machineCPU{}
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return machineCPU{}
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 9 || fields[0] != "cpu" {
		return machineCPU{}
	}
	var m machineCPU
	for i, f := range fields[1:9] { // user nice system idle iowait irq softirq steal
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return machineCPU{}
		}
		m.total += v
		if i != 3 && i != 4 {
			m.busy += v
		}
	}
	return m
}
