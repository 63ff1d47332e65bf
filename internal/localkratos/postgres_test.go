package localkratos

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// needPostgres skips a test on a machine without PostgreSQL's server
// binaries, except on CI (CI=true), where make unit installs them.
func needPostgres(t *testing.T) {
	t.Helper()
	if _, err := PostgresBinDir(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%v; on CI they must be there (make postgres)", err)
		}
		t.Skipf("%v (make postgres installs them)", err)
	}
}

func TestPostgresProfileServesAndStopLeavesNothing(t *testing.T) {
	bin := kratosBin(t)
	needPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	begin := time.Now()
	inst, err := Start(ctx, Options{Bin: bin, Profile: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = inst.Stop()
		}
	}()
	t.Logf("ready in %s", time.Since(begin).Round(time.Millisecond))

	dsn, err := url.Parse(inst.DSN)
	if err != nil {
		t.Fatal(err)
	}
	q := dsn.Query()
	if dsn.Scheme != "postgres" || dsn.Hostname() != "127.0.0.1" || q.Get("max_conns") != strconv.Itoa(PostgresMaxConns) {
		t.Errorf("DSN %s: want postgres on 127.0.0.1 with max_conns=%d", dsn.Redacted(), PostgresMaxConns)
	}
	for _, u := range []string{inst.PublicURL + "/health/ready", inst.AdminURL + "/health/ready"} {
		if status, body := call(t, http.MethodGet, u, nil, nil); status != http.StatusOK {
			t.Errorf("GET %s = %d %s", u, status, body)
		}
	}

	// A native registration writes an identity, its credentials and a
	// session; whoami reads the session back.
	var flow struct{ ID string }
	if status, body := call(t, http.MethodGet, inst.PublicURL+"/self-service/registration/api", nil, &flow); status != http.StatusOK {
		t.Fatalf("createNativeRegistrationFlow = %d %s", status, body)
	}
	email := "orybench-pgtest-" + randomSecret()[:8] + "@orybench.test"
	var registered struct {
		SessionToken string `json:"session_token"`
		Identity     struct{ ID string }
	}
	status, body := call(t, http.MethodPost, inst.PublicURL+"/self-service/registration?flow="+flow.ID, map[string]any{
		"method": "password", "password": "pg-" + randomSecret(), "traits": map[string]any{"email": email},
	}, &registered)
	if status != http.StatusOK || registered.SessionToken == "" {
		t.Fatalf("updateRegistrationFlow = %d %s", status, body)
	}
	req, _ := http.NewRequest(http.MethodGet, inst.PublicURL+"/sessions/whoami", nil)
	req.Header.Set("X-Session-Token", registered.SessionToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("toSession with the new session = %d", res.StatusCode)
	}
	var found []struct{ ID string }
	if status, body := call(t, http.MethodGet, inst.AdminURL+"/admin/identities?credentials_identifier="+url.QueryEscape(email), nil, &found); status != http.StatusOK || len(found) != 1 || found[0].ID != registered.Identity.ID {
		t.Errorf("listIdentities by %s = %d %s, want the registered identity %s", email, status, body, registered.Identity.ID)
	}

	dir, pgDir, kratosPid, pgPid := inst.Dir, inst.pg.dir, inst.Pid(), inst.pg.proc.cmd.Process.Pid
	if err := inst.Stop(); err != nil {
		t.Fatal(err)
	}
	stopped = true
	for _, d := range []string{dir, pgDir} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left behind", d)
		}
	}
	for name, pid := range map[string]int{"kratos": kratosPid, "postmaster": pgPid} {
		if alive(pid) {
			t.Errorf("%s pid %d still runs", name, pid)
		}
	}
	if pids := processesIn(pgDir); len(pids) > 0 {
		t.Errorf("postgres processes %v still run", pids)
	}
}

// TestPostgresDiesWithOrybench kills -9 a process that started the
// postgres profile: Kratos and the server must die with it, and the next
// start must sweep what it left on disk.
func TestPostgresDiesWithOrybench(t *testing.T) {
	if os.Getenv(pgHelperEnv) != "" {
		t.Skip("runs as the helper")
	}
	bin := kratosBin(t)
	needPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperStartPostgres$", "-test.v")
	cmd.Env = append(os.Environ(), pgHelperEnv+"="+bin)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var dir, pgDir string
	var kratosPid, pgPid int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "started %s %s %d %d", &dir, &pgDir, &kratosPid, &pgPid); err == nil {
			break
		}
	}
	if pgPid == 0 {
		t.Fatal("the helper did not start the postgres profile")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for alive(kratosPid) || alive(pgPid) || len(processesIn(pgDir)) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("after kill -9: kratos alive %v, postmaster alive %v, postgres processes %v",
				alive(kratosPid), alive(pgPid), processesIn(pgDir))
		}
		time.Sleep(50 * time.Millisecond)
	}
	sweepStaleDirs()
	for _, d := range []string{dir, pgDir} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s not swept", d)
		}
	}
}

const pgHelperEnv = "ORYBENCH_TEST_POSTGRES_HELPER"

// TestHelperStartPostgres is the process TestPostgresDiesWithOrybench
// kills: it starts the postgres profile, says where, and waits.
func TestHelperStartPostgres(t *testing.T) {
	bin := os.Getenv(pgHelperEnv)
	if bin == "" {
		t.Skip("the helper process of TestPostgresDiesWithOrybench")
	}
	inst, err := Start(context.Background(), Options{Bin: bin, Profile: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("started %s %s %d %d\n", inst.Dir, inst.pg.dir, inst.Pid(), inst.pg.proc.cmd.Process.Pid)
	select {}
}

// alive reports whether pid is a process that has not ended (a zombie has).
func alive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	// pid (comm) state ...: the state follows the last ')'.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// call sends a JSON request and decodes a JSON answer into out.
func call(t *testing.T, method, u string, in, out any) (int, string) {
	t.Helper()
	var body bytes.Buffer
	if in != nil {
		if err := json.NewEncoder(&body).Encode(in); err != nil {
			t.Fatal(err)
		}
	}
	req, err := http.NewRequest(method, u, &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var raw bytes.Buffer
	_, _ = raw.ReadFrom(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw.Bytes(), out); err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
	}
	return res.StatusCode, raw.String()
}
