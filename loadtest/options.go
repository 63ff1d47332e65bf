package loadtest

import (
	"crypto/tls"
	"io"
	"time"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/servermetrics"
	"github.com/orybench/orybench/target"
)

// An Option changes how Run runs a scenario.
type Option func(*config)

type config struct {
	target      string
	adminURL    string
	apiKey      string
	basicAuth   []kratosclient.BasicAuth
	rate        *RateSpec
	duration    time.Duration
	warmup      *time.Duration
	maxWorkers  uint64
	outDir      string
	thresholds  []Threshold
	abortOnFail bool
	progress    io.Writer
	fixtures    Fixtures
	shared      *SharedFixtures
	kratos      *target.Target
	allowRemote bool
	remoteCap   float64
	timeout     time.Duration
	tls         *tls.Config
	maxHits     uint64
	stopGrace   time.Duration
	downAfter   time.Duration
	shard       Shard
	syncDir     string
	syncTimeout time.Duration
	server      *servermetrics.Source
	noServer    *results.ServerView // says why there is no server view
}

func defaultConfig() config {
	return config{
		remoteCap: RemoteRateCap,
		tls:       &tls.Config{MinVersion: tls.VersionTLS12},
		maxHits:   DefaultMaxHits,
		stopGrace: time.Second,
		downAfter: time.Second,
	}
}

// WithServerMetrics reads the target's own metrics from src over the
// measured run: at its start, once a second and at its end; summary.json's
// server section holds what they say beside what the run measured.
func WithServerMetrics(src *servermetrics.Source) Option {
	return func(c *config) { c.server, c.noServer = src, nil }
}

// WithoutServerMetrics records, in summary.json's server section, why the
// run has no server view (metrics not served, or not asked for).
func WithoutServerMetrics(source, why string) Option {
	return func(c *config) { c.server, c.noServer = nil, servermetrics.Missing(source, why) }
}

// WithTarget sets the base URL of the Kratos public API; it overrides the
// scenario's target. Default: the scenario's, else http://127.0.0.1:4433.
func WithTarget(baseURL string) Option { return func(c *config) { c.target = baseURL } }

// WithAdmin gives the target Run opens for its fixtures the Kratos admin
// API at adminURL (with an optional API key sent as a Bearer token), which
// removes the identities it made.
func WithAdmin(adminURL, apiKey string) Option {
	return func(c *config) { c.adminURL, c.apiKey = adminURL, apiKey }
}

// WithBasicAuth sends every request of the run, set-up calls included, to
// the host of one of auths with its credentials, unless the request has an
// Authorization header of its own (kratosclient.BasicAuth): a reverse
// proxy's in front of the target. The target's URL names no user
// (kratosclient.SplitUserinfo), so none is written into results.bin.
func WithBasicAuth(auths ...kratosclient.BasicAuth) Option {
	return func(c *config) { c.basicAuth = append(c.basicAuth, auths...) }
}

// WithKratos makes the run load t, a target the caller opened (and
// closes): its public API, as WithTarget, with fixtures made on t, as
// package target makes test identities. Its admin API counts among the
// hosts the run sends to (WithMaxRemoteRate). Without it, a run that needs
// fixtures opens its target itself (target.Open), with WithAdmin's API,
// and closes it when done.
func WithKratos(t *target.Target) Option {
	return func(c *config) { c.kratos, c.target, c.adminURL = t, t.PublicURL(), t.AdminURL() }
}

// WithRate replaces the scenario's rate profile with a constant rate.
func WithRate(hitsPerSecond float64) Option {
	return func(c *config) { r := Constant(hitsPerSecond); c.rate = &r }
}

// WithDuration replaces the scenario's duration.
func WithDuration(d time.Duration) Option { return func(c *config) { c.duration = d } }

// WithWarmup replaces the scenario's warm-up (0: none).
func WithWarmup(d time.Duration) Option { return func(c *config) { c.warmup = &d } }

// WithMaxWorkers replaces the scenario's cap on vegeta workers.
func WithMaxWorkers(n uint64) Option { return func(c *config) { c.maxWorkers = n } }

// WithOutDir makes Run write its files into dir (created if missing):
// summary.json, results.bin (vegeta's gob encoding: `vegeta report` and
// `vegeta plot` read it), timeseries.jsonl, and the latency histograms
// overall, overall.uncorrected, step-NAME and step-NAME.uncorrected, each
// as an HdrHistogram percentile distribution (.hgrm) and encoded (.hdr:
// HdrHistogram's compressed V2 encoding in base64, which Merge adds up
// exactly), and timeseries.hlog, the histogram of each second of the time
// series in HdrHistogram's interval log format (values in microseconds,
// timestamps from the measured attack's start, stated as #[StartTime:]).
// Default: no files.
func WithOutDir(dir string) Option { return func(c *config) { c.outDir = dir } }

// WithShard makes Run send one shard's share of the scenario: every
// s.Count-th hit of its rate profile and of the max hits, starting with hit
// s.Index-1 (Profile.Shard), and its share of the session pool (at least
// one). Its identities never share an address with another shard's; it
// removes its own. summary.json records the shard, and Merge combines the
// shards' output directories. Default: the whole run.
func WithShard(s Shard) Option { return func(c *config) { c.shard = s } }

// WithSync makes a shard start together with the other shards of its run
// that share dir, a directory all of them can write (a shared volume):
// once its fixtures are made, it writes dir/ready-INDEX, waits until every
// shard has (at most timeout, default DefaultSyncTimeout), and starts its
// warm-up one second after the last was ready, as they all do. So no shard
// is loading while another makes its fixtures, and together they send the
// whole rate at once. Give each run its own dir. Default: start when the
// fixtures are made.
func WithSync(dir string, timeout time.Duration) Option {
	return func(c *config) { c.syncDir, c.syncTimeout = dir, timeout }
}

// WithThresholds adds thresholds to the scenario's.
func WithThresholds(t ...Threshold) Option {
	return func(c *config) { c.thresholds = append(c.thresholds, t...) }
}

// WithAbortOnFail stops the run as soon as a threshold other than rate is
// breached, judged every second on what was measured so far.
func WithAbortOnFail(on bool) Option { return func(c *config) { c.abortOnFail = on } }

// WithProgress makes Run write a live progress line to w every second
// (carriage return, no newline until the end). Default: quiet.
func WithProgress(w io.Writer) Option { return func(c *config) { c.progress = w } }

// WithFixtures sets how users and login flows are made; default: on the
// run's target (WithKratos', else one Run opens) as package target makes
// test identities.
func WithFixtures(f Fixtures) Option { return func(c *config) { c.fixtures = f } }

// WithAllowRemote lets Run send load to hosts that are not loopback at any
// rate. Without it, such hosts get at most RemoteRateCap hits per second.
func WithAllowRemote(on bool) Option { return func(c *config) { c.allowRemote = on } }

// WithMaxRemoteRate raises (or lowers) the highest rate Run sends to hosts
// that are not loopback; default RemoteRateCap.
func WithMaxRemoteRate(hitsPerSecond float64) Option {
	return func(c *config) { c.remoteCap = hitsPerSecond }
}

// WithTimeout replaces the scenario's timeout of one request; it also
// bounds each set-up call of the default fixtures (default 30s).
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithInsecureSkipVerify accepts TLS certificates that do not verify
// (a test target's self-signed one), for the load and the fixtures alike.
func WithInsecureSkipVerify(on bool) Option {
	return func(c *config) {
		c.tls = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: on}
	}
}

// WithMaxHits caps the hits of the measured attack; default DefaultMaxHits.
func WithMaxHits(n uint64) Option { return func(c *config) { c.maxHits = n } }

// WithStopGrace sets how long requests in flight may still finish when a run
// is stopped early before their connections are closed; default 1s (at
// most interruptGrace when the run is interrupted).
func WithStopGrace(d time.Duration) Option { return func(c *config) { c.stopGrace = d } }

// WithTargetDownAfter sets how long connections must have been refused or
// reset, with no answer at all, before the target counts as down and the run
// stops; default 1s.
func WithTargetDownAfter(d time.Duration) Option { return func(c *config) { c.downAfter = d } }
