// Package localkratos runs real Ory Kratos servers on loopback from
// configurations that orybench owns: the default target of the conformance
// suites, the load runner and `orybench local up`.
//
// A started Instance is a child process that cannot outlive orybench: it is
// stopped by Stop, and killed by the kernel if orybench dies first.
package localkratos

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/orybench/orybench/internal/mailbox"
	"github.com/orybench/orybench/servermetrics"
)

//go:embed config
var configFS embed.FS

var configTemplate = template.Must(template.ParseFS(configFS, "config/kratos.yml.tmpl"))

// ErrNeedsLinux is returned by Start on a system other than Linux: a local
// Kratos must die with orybench, and only Linux's parent-death signal
// guarantees that. A remote target (--target) works on any system.
var ErrNeedsLinux = errors.New("localkratos: a local Kratos needs Linux (only Linux kills it when orybench dies); on " +
	runtime.GOOS + " give --target the URL of a running Kratos instead")

// Options says how to start an instance. The zero value starts the default
// profile on free ports with bin/kratos or kratos from $PATH.
type Options struct {
	// Bin is the kratos binary; "" looks for bin/kratos, then $PATH.
	Bin string
	// Profile names the configuration profile; "" is "default".
	Profile string
	// PublicPort and AdminPort are the ports to listen on; 0 picks free ones.
	PublicPort, AdminPort int
	// Dir holds the rendered configuration, the log and any database file;
	// "" uses a new temporary directory that Stop removes.
	Dir string
	// OIDCIssuer, when set, adds a generic OIDC provider "fake" with this
	// issuer URL.
	OIDCIssuer string
	// ReadyTimeout bounds the wait for /health/ready (default 30s).
	ReadyTimeout time.Duration
	// Hasher is how the instance hashes passwords; the zero value is
	// FastHasher (bcrypt cost 4), KratosDefaultHasher is Kratos's own.
	Hasher Hasher
}

// Instance is one running Kratos.
type Instance struct {
	Profile Profile
	// Hasher is how the instance hashes passwords (never the zero Hasher).
	Hasher    Hasher
	PublicURL string
	AdminURL  string
	// Mail is the courier sink the instance delivers recovery and
	// verification mails to.
	Mail *mailbox.Sink
	// Dir is the instance's directory; LogPath is Kratos's log in it.
	Dir     string
	LogPath string
	// DBPath is the SQLite file of a profile that is not Postgres.
	DBPath string
	// DSN is the database Kratos uses: a SQLite file, or the PostgreSQL
	// server of a Postgres profile (its password included).
	DSN string
	// PostgresLogPath is the log of a Postgres profile's server.
	PostgresLogPath string

	proc    *process
	pg      *pgServer
	tempDir bool
}

// FindBinary resolves the kratos binary: bin if given (an error if it does
// not exist); else kratos beside the running executable (make build puts
// bin/orybench beside bin/kratos), wherever it is run from; else kratos on
// $PATH; else bin/kratos under the working directory (go run from a
// checkout).
func FindBinary(bin string) (string, error) {
	if bin != "" {
		if _, err := os.Stat(bin); err != nil {
			return "", fmt.Errorf("kratos binary %s: %w", bin, err)
		}
		return bin, nil
	}
	if exe, err := os.Executable(); err == nil {
		if beside := filepath.Join(filepath.Dir(exe), "kratos"); isExecutable(beside) {
			return beside, nil
		}
	}
	if p, err := exec.LookPath("kratos"); err == nil {
		return p, nil
	}
	if isExecutable("bin/kratos") {
		return filepath.Abs("bin/kratos")
	}
	return "", errors.New("no kratos binary beside orybench, on $PATH or in ./bin: run `make kratos` to build bin/kratos, or pass --kratos-bin")
}

// isExecutable reports whether path is a regular file someone may run.
func isExecutable(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// Start renders the profile's configuration, starts Kratos and waits until
// both its APIs are ready. On error nothing is left running; on a system
// other than Linux it returns ErrNeedsLinux.
func Start(ctx context.Context, opts Options) (inst *Instance, err error) {
	if err := checkSystem(); err != nil {
		return nil, err
	}
	if opts.Profile == "" {
		opts.Profile = "default"
	}
	profile, err := LookupProfile(opts.Profile)
	if err != nil {
		return nil, err
	}
	bin, err := FindBinary(opts.Bin)
	if err != nil {
		return nil, err
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 30 * time.Second
	}
	inst = &Instance{Profile: profile, Hasher: opts.Hasher.orFast(), Dir: opts.Dir}
	defer func() {
		if err != nil {
			_ = inst.Stop()
			inst = nil
		}
	}()
	if inst.Dir == "" {
		sweepStaleDirs()
		if inst.Dir, err = os.MkdirTemp("", tempPrefix+profile.Name+"-"); err != nil {
			return inst, err
		}
		inst.tempDir = true
	} else if err = os.MkdirAll(inst.Dir, 0o755); err != nil {
		return inst, err
	}
	if inst.Mail, err = mailbox.StartSink(); err != nil {
		return inst, err
	}
	if profile.Postgres {
		inst.PostgresLogPath = filepath.Join(inst.Dir, "postgres.log")
		if inst.pg, err = startPostgres(ctx, inst.PostgresLogPath); err != nil {
			return inst, err
		}
	}
	// A free port can be taken by another process between our probe and
	// Kratos's bind; with ports of our choosing, try again with new ones.
	for attempt := 1; ; attempt++ {
		err = inst.serve(ctx, bin, profile, opts)
		pick := opts.PublicPort == 0 || opts.AdminPort == 0
		if err == nil || !pick || attempt == 3 || !strings.Contains(tail(inst.LogPath, 20), "address already in use") {
			return inst, err
		}
		if inst.proc != nil {
			_ = inst.proc.stop(time.Second)
			inst.proc = nil
		}
	}
}

// serve writes the configuration for a pair of ports, starts Kratos and
// waits until it is ready.
func (inst *Instance) serve(ctx context.Context, bin string, profile Profile, opts Options) error {
	publicPort, adminPort := opts.PublicPort, opts.AdminPort
	// A port asked for that something else holds: say so, not that Kratos
	// exited.
	for _, p := range []struct {
		name string
		port int
	}{{"public", publicPort}, {"admin", adminPort}} {
		if p.port == 0 {
			continue
		}
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p.port))
		if err != nil {
			return fmt.Errorf("the %s port %d is taken: %w", p.name, p.port, err)
		}
		l.Close()
	}
	if publicPort == 0 || adminPort == 0 {
		ports, err := freePorts(2)
		if err != nil {
			return err
		}
		if publicPort == 0 {
			publicPort = ports[0]
		}
		if adminPort == 0 {
			adminPort = ports[1]
		}
	}
	inst.PublicURL = "http://127.0.0.1:" + strconv.Itoa(publicPort)
	inst.AdminURL = "http://127.0.0.1:" + strconv.Itoa(adminPort)

	cfgPath, err := inst.writeConfig(profile, publicPort, adminPort, opts.OIDCIssuer)
	if err != nil {
		return err
	}
	inst.LogPath = filepath.Join(inst.Dir, "kratos.log")
	logFile, err := os.Create(inst.LogPath)
	if err != nil {
		return err
	}
	defer logFile.Close()

	if err := runOnce(ctx, bin, logFile, "migrate", "sql", "-e", "--yes", "-c", cfgPath); err != nil {
		return fmt.Errorf("kratos migrate: %w (log: %s)", err, inst.LogPath)
	}
	inst.proc, err = startProcess(bin, logFile, "serve", "--dev", "--watch-courier", "--sqa-opt-out", "-c", cfgPath)
	if err != nil {
		return fmt.Errorf("start kratos: %w", err)
	}
	if inst.tempDir {
		_ = os.WriteFile(filepath.Join(inst.Dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644)
	}
	readyCtx, cancel := context.WithTimeout(ctx, opts.ReadyTimeout)
	defer cancel()
	if err := inst.waitReady(readyCtx); err != nil {
		return fmt.Errorf("kratos (%s profile) not ready: %w%s (log: %s)", profile.Name, err, logCause(inst.LogPath), inst.LogPath)
	}
	return nil
}

// Stop ends Kratos and the courier sink and removes a temporary directory.
func (i *Instance) Stop() error {
	var errs []error
	if i.proc != nil {
		errs = append(errs, i.proc.stop(5*time.Second))
		i.proc = nil
	}
	if i.pg != nil {
		errs = append(errs, i.pg.stop())
		i.pg = nil
	}
	if i.Mail != nil {
		errs = append(errs, i.Mail.Close())
		i.Mail = nil
	}
	if i.tempDir && i.Dir != "" {
		errs = append(errs, os.RemoveAll(i.Dir))
		i.Dir = ""
	}
	return errors.Join(errs...)
}

// Exited is closed when the Kratos process has ended.
func (i *Instance) Exited() <-chan struct{} { return i.proc.done }

// ErrNotPostgres is returned by DatabaseSample for an instance whose
// profile keeps its data in SQLite.
var ErrNotPostgres = errors.New("not a local PostgreSQL profile")

// DatabaseSample reads the statistics of a Postgres profile's database
// (pg_stat_database, pg_stat_activity) with the psql of PostgresBinDir;
// ErrNotPostgres for another profile. Kratos's pool to it holds at most
// PostgresMaxConns connections.
func (i *Instance) DatabaseSample(ctx context.Context) (servermetrics.DatabaseSample, error) {
	if i.pg == nil {
		return servermetrics.DatabaseSample{}, ErrNotPostgres
	}
	return i.pg.sample(ctx)
}

// Pid is the Kratos process id.
func (i *Instance) Pid() int { return i.proc.cmd.Process.Pid }

type configData struct {
	Profile                     Profile
	DSN                         string
	PublicURL, AdminURL, UIURL  string
	PublicPort, AdminPort       int
	Dir, CourierURL, OIDCIssuer string
	CookieSecret, CipherSecret  string
	LogLevel                    string
	Hasher                      Hasher
}

func (i *Instance) writeConfig(p Profile, publicPort, adminPort int, oidcIssuer string) (string, error) {
	dir, err := filepath.Abs(i.Dir)
	if err != nil {
		return "", err
	}
	for _, name := range []string{p.SchemaFile(), "mapper.jsonnet"} {
		data, err := configFS.ReadFile("config/" + name)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return "", err
		}
	}
	d := configData{
		Profile:    p,
		PublicURL:  i.PublicURL,
		AdminURL:   i.AdminURL,
		PublicPort: publicPort,
		AdminPort:  adminPort,
		// No UI runs there: orybench only checks that redirects point at it.
		UIURL:        UIURL,
		Dir:          dir,
		CourierURL:   i.Mail.URL(),
		OIDCIssuer:   oidcIssuer,
		CookieSecret: randomSecret(),
		CipherSecret: randomSecret()[:32],
		LogLevel:     "info",
		Hasher:       i.Hasher,
	}
	if p.Postgres {
		d.DSN = i.pg.dsn()
	} else {
		i.DBPath = filepath.Join(dir, "kratos.sqlite")
		d.DSN = sqliteDSN(i.DBPath, p.LockableDB)
	}
	i.DSN = d.DSN
	var buf bytes.Buffer
	if err := configTemplate.Execute(&buf, d); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "kratos.yml")
	return path, os.WriteFile(path, buf.Bytes(), 0o600)
}

// sqliteDSN is the DSN of a profile's SQLite file: Kratos's writes, and
// those of the courier it runs in the background (--watch-courier), wait
// for each other instead of failing.
//
// Kratos's "memory" DSN is a shared-cache in-memory database
// (config.DefaultSQLiteMemoryDSN, cache=shared): there SQLite fails a
// connection that meets another's table lock at once, without a busy
// timeout (SQLITE_LOCKED: "database table is locked" as a 500, or as
// sqlcon's 400 "Unable to serialize access due to a concurrent update"),
// and the courier polls its queue in a transaction every pull_wait. A file
// without a shared cache makes a connection wait, up to a busy timeout of
// 5s (pop's default), instead. Every transaction begins IMMEDIATE, taking the write lock
// at BEGIN: a deferred one that read first and then wants to write while
// another writes would be failed at once as a deadlock (SQLITE_BUSY, the
// busy timeout not consulted). WAL lets reads go on during a write; _sync=OFF
// leaves durability to the page cache, as memory had none.
//
// A lockable profile (fault) stays in rollback-journal mode, where LockDB's
// lock stops readers too, with a busy timeout of 500ms: a request that finds
// the database locked fails after it, so the fault specs stay short; Kratos's
// own transactions take milliseconds.
func sqliteDSN(path string, lockable bool) string {
	dsn := "sqlite://" + path + "?_fk=true&mode=rwc&_txlock=immediate&lock=false"
	if lockable {
		return dsn + "&_busy_timeout=500"
	}
	return dsn + "&_busy_timeout=5000&_journal_mode=WAL&_sync=OFF"
}

// UIURL is the (absent) self-service UI the local profiles redirect to.
const UIURL = "http://127.0.0.1:4455"

func (i *Instance) waitReady(ctx context.Context) error {
	hc := &http.Client{Timeout: time.Second}
	ready := func(base string) bool {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/health/ready", nil)
		res, err := hc.Do(req)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	for {
		if ready(i.AdminURL) && ready(i.PublicURL) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-i.proc.done:
			return fmt.Errorf("kratos exited: %v", i.proc.err)
		case <-t.C:
		}
	}
}

// freePorts finds n free loopback ports below the kernel's ephemeral range
// (ip_local_port_range), so that no outgoing connection — a load test opens
// thousands — can take one between this probe and Kratos's bind.
func freePorts(n int) ([]int, error) {
	lo, hi := 20000, ephemeralLow()
	if hi-lo < 1000 {
		lo, hi = 1024, 65535 // an unusual range: take any port the kernel gives
	}
	var (
		ports []int
		lns   []net.Listener
	)
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for tries := 0; len(ports) < n; tries++ {
		if tries > 200 {
			return nil, fmt.Errorf("find a free port in %d-%d: none after %d tries", lo, hi, tries)
		}
		port := lo + mrand.IntN(hi-lo)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		lns = append(lns, ln)
		ports = append(ports, port)
	}
	return ports, nil
}

// ephemeralLow is the first port the kernel hands out to outgoing
// connections (32768 when it cannot be read).
func ephemeralLow() int {
	data, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	fields := strings.Fields(string(data))
	if len(fields) == 0 {
		return 32768
	}
	low, err := strconv.Atoi(fields[0])
	if err != nil {
		return 32768
	}
	return low
}

func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// logCause is the last error Kratos logged, as ": message" on one line
// (Kratos logs JSON lines: level, msg, error.message), or "".
func logCause(path string) string {
	lines := strings.Split(tail(path, 40), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var v struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Error struct {
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal([]byte(lines[i]), &v) != nil || (v.Level != "error" && v.Level != "fatal" && v.Level != "panic") {
			continue
		}
		msg := v.Msg
		if v.Error.Message != "" {
			msg += ": " + v.Error.Message
		}
		return ": " + strings.Join(strings.Fields(msg), " ")
	}
	return ""
}

func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

const tempPrefix = "orybench-kratos-"

// sweepStaleDirs removes the temporary directories of instances whose
// orybench was killed before it could clean up (kill -9 stops Kratos, via
// Pdeathsig, but leaves its directory).
func sweepStaleDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, "owner.pid"))
		if err != nil {
			continue // starting, or not ours
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 {
			continue
		}
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); os.IsNotExist(err) {
			sweepPostgres(d)
			_ = os.RemoveAll(d)
		}
	}
}
