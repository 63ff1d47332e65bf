package localkratos

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/orybench/orybench/servermetrics"
)

// A Postgres profile keeps Kratos's data where production deployments keep
// it: in a PostgreSQL server. orybench runs one of its own per instance,
// from the server binaries of Debian's postgresql package: a cluster made
// by initdb in a throwaway directory, one server on a free loopback port,
// one fresh database. The server dies with orybench, as Kratos does.

// The connection pool Kratos keeps to the server, set in the DSN
// (max_conns, max_idle_conns). Kratos's own default is two connections a
// core and one idle a core, which starves a load test on a small machine;
// these are room for every request in flight at the rates a 2-core machine
// serves, all kept open so that no request pays for a new connection.
const (
	PostgresMaxConns     = 16
	PostgresMaxIdleConns = 16
)

// ErrNoPostgres is returned when a Postgres profile is started on a machine
// without PostgreSQL's server binaries.
var ErrNoPostgres = errors.New("localkratos: no PostgreSQL server binaries (initdb, postgres, createdb) " +
	"under /usr/lib/postgresql/*/bin or on $PATH: install Debian's postgresql package (make postgres)")

// PostgresBinDir is the directory of PostgreSQL's initdb, postgres and
// createdb: the newest /usr/lib/postgresql/VERSION/bin, else the directory
// of initdb on $PATH.
func PostgresBinDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	version := func(dir string) int {
		v, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
		return v
	}
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		if hasPostgres(d) {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func hasPostgres(dir string) bool {
	for _, name := range []string{"initdb", "postgres", "createdb"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.IsDir() {
			return false
		}
	}
	return true
}

const (
	pgRole     = "orybench"
	pgDatabase = "kratos"
	pgPrefix   = tempPrefix + "pg-" // swept like an instance's directory
)

// pgServer is one throwaway PostgreSQL server.
type pgServer struct {
	binDir string
	// dir is the cluster's own directory: data/ and the unix socket.
	dir      string
	port     int
	password string
	// cred is the user the server runs as; nil is orybench's own.
	cred *syscall.Credential
	log  *os.File
	proc *process
}

// startPostgres makes a new cluster, starts a server on it and creates
// Kratos's database. The server's output goes to logPath. On error
// nothing is left running.
func startPostgres(ctx context.Context, logPath string) (s *pgServer, err error) {
	binDir, err := PostgresBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := pgCredential()
	if err != nil {
		return nil, err
	}
	s = &pgServer{binDir: binDir, cred: cred, password: randomSecret()}
	defer func() {
		if err != nil {
			_ = s.stop()
			s = nil
		}
	}()
	if s.log, err = os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err != nil {
		return s, err
	}
	sweepStaleDirs()
	if s.dir, err = os.MkdirTemp("", pgPrefix); err != nil {
		return s, err
	}
	if err = os.WriteFile(filepath.Join(s.dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return s, err
	}
	pwfile := filepath.Join(s.dir, "pwfile")
	if err = os.WriteFile(pwfile, []byte(s.password+"\n"), 0o600); err != nil {
		return s, err
	}
	if cred != nil {
		for _, p := range []string{s.dir, pwfile} {
			if err = os.Chown(p, int(cred.Uid), int(cred.Gid)); err != nil {
				return s, err
			}
		}
	}
	// Password (SCRAM) over TCP, as a deployment would; trust over the
	// socket, which only the server's user can reach, for createdb.
	if err = s.run(ctx, "initdb", "-D", s.dataDir(), "-U", pgRole, "--pwfile", pwfile,
		"--auth-host", "scram-sha-256", "--auth-local", "trust",
		"-E", "UTF8", "--locale", "C", "--no-sync", "--no-instructions"); err != nil {
		return s, fmt.Errorf("initdb: %w%s (log: %s)", err, s.reachHint(), logPath)
	}
	_ = os.Remove(pwfile)
	// A free port can be taken between our probe and the server's bind.
	for attempt := 1; ; attempt++ {
		err = s.serve(ctx)
		if err == nil || attempt == 3 || !strings.Contains(tail(logPath, 20), "could not bind") {
			break
		}
	}
	if err != nil {
		return s, fmt.Errorf("postgres: %w; last log lines:\n%s", err, tail(logPath, 5))
	}
	if err = s.run(ctx, "createdb", "-h", s.dir, "-p", strconv.Itoa(s.port), "-U", pgRole, pgDatabase); err != nil {
		return s, fmt.Errorf("createdb: %w (log: %s)", err, logPath)
	}
	return s, nil
}

// serve starts the server on a free port and waits until it accepts
// connections.
func (s *pgServer) serve(ctx context.Context) error {
	if s.proc != nil {
		_ = s.proc.stop(time.Second)
		s.proc = nil
	}
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	s.port = ports[0]
	cmd := s.command("postgres", "-D", s.dataDir(), "-p", strconv.Itoa(s.port), "-k", s.dir,
		"-c", "listen_addresses=127.0.0.1",
		// Dynamic shared memory in files under data/ rather than in
		// /dev/shm: nothing outlives the directory, even after kill -9.
		"-c", "dynamic_shared_memory_type=mmap")
	if s.proc, err = startCommand(cmd, s.cred); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	t := time.NewTicker(20 * time.Millisecond)
	defer t.Stop()
	for {
		// The postmaster writes "ready" as the 8th line of postmaster.pid
		// once it accepts connections.
		data, _ := os.ReadFile(filepath.Join(s.dataDir(), "postmaster.pid"))
		if lines := strings.Split(string(data), "\n"); len(lines) > 7 && strings.TrimSpace(lines[7]) == "ready" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", ctx.Err())
		case <-s.proc.done:
			return fmt.Errorf("exited: %v", s.proc.err)
		case <-t.C:
		}
	}
}

// dsn is Kratos's connection string, pool settings included.
func (s *pgServer) dsn() string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(pgRole, s.password),
		Host:     "127.0.0.1:" + strconv.Itoa(s.port),
		Path:     "/" + pgDatabase,
		RawQuery: fmt.Sprintf("sslmode=disable&max_conns=%d&max_idle_conns=%d", PostgresMaxConns, PostgresMaxIdleConns),
	}
	return u.String()
}

func (s *pgServer) dataDir() string { return filepath.Join(s.dir, "data") }

// stop shuts the server down (fast shutdown: open transactions roll back),
// makes sure none of its processes is left, and removes the cluster.
func (s *pgServer) stop() error {
	var errs []error
	if s.proc != nil {
		_ = s.proc.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.proc.done:
		case <-time.After(10 * time.Second):
		}
		errs = append(errs, s.proc.stop(time.Second))
		s.proc = nil
	}
	if s.dir != "" {
		errs = append(errs, cleanupCluster(s.dir), os.RemoveAll(s.dir))
		s.dir = ""
	}
	if s.log != nil {
		errs = append(errs, s.log.Close())
		s.log = nil
	}
	return errors.Join(errs...)
}

// command is one of the PostgreSQL programs, to be run as the server's
// user in the cluster's directory (initdb needs a working directory that
// user can reach), with PG* variables of orybench's environment left out.
func (s *pgServer) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(s.binDir, name), args...)
	cmd.Dir = s.dir
	cmd.Env = []string{"LC_ALL=C"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	return cmd
}

// run runs a short PostgreSQL program to completion.
func (s *pgServer) run(ctx context.Context, name string, args ...string) error {
	return s.runCommand(ctx, s.command(name, args...))
}

// runCommand runs a command of s.command to completion, as the server's
// user, killed if ctx ends first.
func (s *pgServer) runCommand(ctx context.Context, cmd *exec.Cmd) error {
	cmd.SysProcAttr = childAttr(s.cred, false)
	if err := cmd.Start(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { _ = cmd.Process.Kill() })
	defer stop()
	return cmd.Wait()
}

// statsQuery reads the counters of Kratos's database and its connections
// other than the reading session's (which is to the postgres database
// anyway, so that reading adds no transaction to Kratos's).
const statsQuery = `SELECT d.xact_commit, d.xact_rollback, d.blks_read, d.blks_hit,
  (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname AND a.pid <> pg_backend_pid()),
  (SELECT count(*) FROM pg_stat_activity a WHERE a.datname = d.datname AND a.pid <> pg_backend_pid() AND a.state = 'active'),
  d.active_time + d.idle_in_transaction_time
FROM pg_stat_database d WHERE d.datname = '` + pgDatabase + `'`

// sample reads the statistics of Kratos's database with psql, over the
// server's loopback port as orybench's role. PostgreSQL's cumulative
// statistics reach pg_stat_database when a backend flushes them (at most
// once a second while it is busy), so the counters may lag that much.
func (s *pgServer) sample(ctx context.Context) (servermetrics.DatabaseSample, error) {
	var d servermetrics.DatabaseSample
	cmd := s.command("psql", "-X", "-A", "-t", "-F,", "-v", "ON_ERROR_STOP=1",
		"-h", "127.0.0.1", "-p", strconv.Itoa(s.port), "-U", pgRole, "-d", "postgres", "-c", statsQuery)
	cmd.Env = append(cmd.Env, "PGPASSWORD="+s.password, "PGCONNECT_TIMEOUT=5")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := s.runCommand(ctx, cmd); err != nil {
		return d, fmt.Errorf("psql: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	fields := strings.Split(strings.TrimSpace(out.String()), ",")
	if len(fields) != 7 {
		return d, fmt.Errorf("psql: no statistics of database %s in %q", pgDatabase, strings.TrimSpace(out.String()))
	}
	busy, err := strconv.ParseFloat(fields[6], 64)
	if err != nil {
		return d, fmt.Errorf("psql: busy time of %q: %w", out.String(), err)
	}
	var n [6]uint64
	for i, f := range fields[:6] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return d, fmt.Errorf("psql: statistic %d of %q: %w", i+1, out.String(), err)
		}
		n[i] = v
	}
	d = servermetrics.DatabaseSample{Commits: n[0], Rollbacks: n[1], BlocksRead: n[2], BlocksHit: n[3],
		Connections: int(n[4]), Active: int(n[5]), BusyMs: busy, At: time.Now()}
	return d, nil
}

// reachHint explains the usual cause of initdb failing as another user.
func (s *pgServer) reachHint() string {
	if s.cred == nil {
		return ""
	}
	return fmt.Sprintf("; PostgreSQL runs as uid %d, which must be able to reach %s (set TMPDIR to a directory it can)", s.cred.Uid, os.TempDir())
}

// pgCredential is the user PostgreSQL runs as: orybench's own, or, when
// orybench runs as root (PostgreSQL refuses to), the postgres user that
// Debian's package creates, else nobody.
func pgCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
		gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
	}
	return nil, errors.New("localkratos: orybench runs as root, and there is no postgres or nobody user to run PostgreSQL as")
}

// killProcessesIn kills every process whose working directory is dir or
// under it, and waits until they are gone.
func killProcessesIn(dir string) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		pids := processesIn(dir)
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes %v in %s did not end", pids, dir)
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// processesIn lists the live processes whose working directory is dir or
// under it (also after dir was removed), as far as /proc shows them.
func processesIn(dir string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cwd, err := os.Readlink("/proc/" + e.Name() + "/cwd")
		if err != nil {
			continue // gone, a zombie, or not ours to see
		}
		cwd = strings.TrimSuffix(cwd, " (deleted)")
		if cwd == dir || strings.HasPrefix(cwd, dir+"/") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// sweepPostgres ends what the server of a killed run left in dir.
func sweepPostgres(dir string) {
	if strings.HasPrefix(filepath.Base(dir), filepath.Base(pgPrefix)) {
		_ = cleanupCluster(dir)
	}
}

// cleanupCluster ends every process of the cluster in dir and removes its
// System V shared memory segment. A server that dies by SIGKILL (with
// orybench, through Pdeathsig) leaves both: its backends are session
// leaders of their own, out of reach of a process-group kill, and exit
// only when they notice their postmaster is gone; and its 56-byte
// interlock segment stays until someone removes it.
func cleanupCluster(dir string) error {
	err := killProcessesIn(dir)
	removeSysVSegment(filepath.Join(dir, "data", "postmaster.pid"))
	return err
}

// removeSysVSegment removes the segment a postmaster.pid names (its 7th
// line: key and id), if it still has that key.
func removeSysVSegment(pidFile string) {
	data, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	lines := strings.Split(string(data), "\n")
	if len(lines) < 7 {
		return
	}
	fields := strings.Fields(lines[6])
	if len(fields) != 2 {
		return
	}
	key, err1 := strconv.ParseInt(fields[0], 10, 64)
	id, err2 := strconv.Atoi(fields[1])
	if err1 != nil || err2 != nil {
		return
	}
	// struct shmid_ds starts with struct ipc_perm, which starts with the key.
	var ds [256]byte
	if _, _, errno := syscall.Syscall(syscall.SYS_SHMCTL, uintptr(id), ipcStat, uintptr(unsafe.Pointer(&ds[0]))); errno != 0 {
		return
	}
	if int64(int32(binary.NativeEndian.Uint32(ds[:4]))) != key {
		return
	}
	_, _, _ = syscall.Syscall(syscall.SYS_SHMCTL, uintptr(id), ipcRmid, 0)
}

const (
	ipcRmid = 0 // IPC_RMID
	ipcStat = 2 // IPC_STAT
)
