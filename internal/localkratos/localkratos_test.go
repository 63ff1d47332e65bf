package localkratos

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
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

// TestConcurrentWritesWait drives writes the way a conformance run meets
// the courier: registrations, each queueing a verification mail that the
// courier marks sent, a few at a time. On Kratos's shared-cache "memory"
// DSN some fail at once with 500 "database table is locked" or 400 "Unable
// to serialize access due to a concurrent update"; on the profiles' SQLite
// files every one waits its turn and succeeds.
func TestConcurrentWritesWait(t *testing.T) {
	bin := kratosBin(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := Start(ctx, Options{Bin: bin})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Stop()

	const n, workers = 60, 4
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []string
		next   = make(chan int)
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := register(ctx, inst.PublicURL, fmt.Sprintf("concurrent-%d@example.org", i)); err != nil {
					mu.Lock()
					failed = append(failed, err.Error())
					mu.Unlock()
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if len(failed) > 0 {
		t.Errorf("%d of %d registrations failed, the first: %s", len(failed), n, failed[0])
	}
	// Every verification mail reached the courier's sink.
	deadline := time.Now().Add(10 * time.Second)
	for inst.Mail.Count() < n-len(failed) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := inst.Mail.Count(); got < n-len(failed) {
		t.Errorf("%d verification mails delivered, want %d", got, n-len(failed))
	}
}

// register signs email up with a native registration flow.
func register(ctx context.Context, publicURL, email string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, publicURL+"/self-service/registration/api", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	var flow struct {
		ID string `json:"id"`
	}
	err = json.NewDecoder(res.Body).Decode(&flow)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		return fmt.Errorf("create flow: %d %v", res.StatusCode, err)
	}
	body, _ := json.Marshal(map[string]any{"method": "password", "password": "Ob-" + randomSecret() + "!", "traits": map[string]any{"email": email}})
	req, _ = http.NewRequestWithContext(ctx, http.MethodPost, publicURL+"/self-service/registration?flow="+flow.ID, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 300))
		return fmt.Errorf("register: %d %s", res.StatusCode, msg)
	}
	return nil
}
