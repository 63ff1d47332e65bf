package localkratos

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"
)

// kratosBin is the binary under test: ORYBENCH_KRATOS_BIN (set by the
// Makefile, so CI always runs these tests) or ../bin/kratos.
func kratosBin(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("ORYBENCH_KRATOS_BIN"); b != "" {
		return b
	}
	if _, err := os.Stat("../bin/kratos"); err == nil {
		return "../bin/kratos"
	}
	t.Skip("no Kratos binary: run make kratos (the Makefile sets ORYBENCH_KRATOS_BIN)")
	return ""
}

func TestStartServesAndStopLeavesNothing(t *testing.T) {
	bin := kratosBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	inst, err := Start(ctx, Options{Bin: bin, Profile: "short"})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{inst.PublicURL + "/health/ready", inst.AdminURL + "/health/ready", inst.PublicURL + "/self-service/login/api"} {
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s = %d", u, res.StatusCode)
		}
	}
	dir, pid := inst.Dir, inst.Pid()
	if err := inst.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("instance dir %s left behind", dir)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		state, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		t.Errorf("kratos pid %d still exists: %s", pid, state)
	}
}

func TestUnknownProfileAndMissingBinary(t *testing.T) {
	if _, err := Start(context.Background(), Options{Bin: "/nonexistent/kratos"}); err == nil {
		t.Error("a missing binary started")
	}
	if _, err := Start(context.Background(), Options{Profile: "nope", Bin: "/bin/true"}); err == nil {
		t.Error("an unknown profile started")
	}
}
