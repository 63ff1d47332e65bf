package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/scenarios"
)

func newLoadCmd() *cobra.Command {
	var (
		lt       loadTarget
		v        loadFlags
		outDir   string
		progress bool
		format   outputFormat
	)
	cmd := command("load", "load", func(cmd *cobra.Command, _ []string) error {
		if err := format.start(cmd); err != nil {
			return err
		}
		sc, err := lt.resolve()
		if err != nil {
			return err
		}
		v.timeout, v.maxWorkers = lt.timeout, lt.maxWorkers
		opts, shard, err := v.options(cmd.Flags())
		if err != nil {
			return err
		}
		opts = append(opts, lt.options()...)
		if err := refuseRun(sc, opts); err != nil {
			return err
		}
		pace := fmt.Sprintf("load at %s (the scenario's rate; --rate changes it)", sc.Rate)
		if cmd.Flags().Changed("rate") {
			pace = fmt.Sprintf("load at %g/s (--rate)", v.rate)
		}
		var sum *results.LoadSummary
		err = lt.send(cmd, sc, shard, outDir, pace, func(sending []loadtest.Option, out string) (*results.RunInfo, error) {
			opts = append(append(opts, sending...), loadtest.WithOutDir(out))
			if progress && isTerminal(cmd.ErrOrStderr()) {
				opts = append(opts, loadtest.WithProgress(cmd.ErrOrStderr()))
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "scenario %s, results to %s\n", sc.Name, out)
			if sum, err = loadtest.Run(cmd.Context(), sc, opts...); sum == nil {
				return nil, err
			}
			return &results.RunInfo{}, errors.Join(err, reports.WriteLoadText(cmd.OutOrStdout(), sum, out), format.emit(out, results.LoadSummaryFile))
		})
		if errors.Is(err, loadtest.ErrTargetDown) && sum != nil && len(sum.StatusCodes) > 0 {
			// It answered, then went down under the load: judged, failed.
			return fmt.Errorf("%w: %w", errFailed, err)
		}
		return verdict(err, loadtest.ErrThresholdsFailed)
	})
	f := cmd.Flags()
	lt.register(f)
	f.Float64Var(&v.rate, "rate", 0, "constant requests per second, journeys per second for a journey scenario (default: the scenario's profile)")
	f.DurationVar(&v.duration, "duration", 0, "measured duration (default: the scenario's)")
	f.DurationVar(&v.warmup, "warmup", 0, "unmeasured warm-up before the clock starts (default: the scenario's)")
	f.DurationVar(&lt.timeout, "timeout", 0, "bound on each request, set-up calls included (default: the scenario's, 10s; set-up calls 30s)")
	f.Float64Var(&v.maxRate, "max-remote-rate", loadtest.RemoteRateCap, "highest rate allowed on hosts that are not loopback (--yes: any)")
	// --max-rate is capacity's search ceiling; in load it once named the
	// cap above, and is refused with a pointer rather than read two ways.
	f.Float64Var(&v.oldMaxRate, "max-rate", 0, "")
	_ = f.MarkHidden("max-rate")
	f.StringVar(&outDir, "out", "", "output directory (default out/load/SCENARIO-TIME, /shard-i with --shard)")
	f.StringVar(&v.shard, "shard", "", "run shard i of N (i/N, i from 1): 1/N of the rate and of the session pool; merge with orybench report merge")
	f.StringVar(&v.syncDir, "sync-dir", "", "with --shard: start together with the run's other shards that share this directory (one per run)")
	f.DurationVar(&v.syncTimeout, "sync-timeout", loadtest.DefaultSyncTimeout, "with --sync-dir: how long to wait for the other shards")
	f.StringArrayVar(&v.thresholds, "threshold", nil, "threshold like 'p99<50ms', 'error_rate<0.1%', 'rate>=0.99*requested', 'STEP:p99<20ms' (repeatable)")
	f.BoolVar(&v.abortOnFail, "abort-on-fail", false, "stop as soon as a threshold is breached")
	f.Uint64Var(&v.maxHits, "max-hits", loadtest.DefaultMaxHits, "cap on the requests of the measured run")
	f.BoolVar(&progress, "progress", true, "show a live progress line when stderr is a terminal")
	format.register(f, results.LoadSummaryFile)
	return cmd
}

// refuseRun refuses, before anything starts or is sent, a run that cannot
// go well: a bad scenario or option, or a host that is not loopback above
// its rate cap (the message says which flag allows it).
func refuseRun(sc *loadtest.Scenario, opts []loadtest.Option) error {
	err := loadtest.Check(sc, opts...)
	var remote *loadtest.RemoteRateError
	if errors.As(err, &remote) {
		return fmt.Errorf("%w: pass --max-remote-rate %g (or --yes) to allow it", err, math.Ceil(remote.Peak))
	}
	return err
}

// loadFlags are the flags of load that become loadtest options.
type loadFlags struct {
	rate, maxRate, oldMaxRate float64
	duration, warmup, timeout time.Duration
	maxHits, maxWorkers       uint64
	thresholds                []string
	abortOnFail               bool
	shard, syncDir            string
	syncTimeout               time.Duration
}

// options checks the flags the user set, each against its own range with
// its own message, and turns them into options, with the shard the run is.
func (v loadFlags) options(flags *pflag.FlagSet) ([]loadtest.Option, loadtest.Shard, error) {
	var shard loadtest.Shard
	set := flags.Changed
	switch {
	case v.shard != "":
		var err error
		if shard, err = loadtest.ParseShard(v.shard); err != nil {
			return nil, shard, err
		}
	case v.syncDir != "":
		return nil, shard, fmt.Errorf("--sync-dir needs --shard: it starts the shards of a run together")
	}
	switch {
	case set("rate") && !(v.rate > 0 && v.rate <= loadtest.MaxRate):
		return nil, shard, fmt.Errorf("--rate must be within (0, %d] requests/s, got %g", loadtest.MaxRate, v.rate)
	case set("max-rate"):
		return nil, shard, fmt.Errorf("--max-rate is capacity's search ceiling; load's cap on hosts that are not loopback is --max-remote-rate")
	case set("max-remote-rate") && !(v.maxRate > 0 && v.maxRate <= loadtest.MaxRate):
		return nil, shard, fmt.Errorf("--max-remote-rate must be within (0, %d] requests/s, got %g", loadtest.MaxRate, v.maxRate)
	case set("duration") && (v.duration <= 0 || v.duration > loadtest.MaxDuration):
		return nil, shard, fmt.Errorf("--duration must be within (0, %s], got %s", loadtest.MaxDuration, v.duration)
	case set("warmup") && (v.warmup < 0 || v.warmup > loadtest.MaxDuration):
		return nil, shard, fmt.Errorf("--warmup must be within [0, %s], got %s", loadtest.MaxDuration, v.warmup)
	case set("timeout") && v.timeout <= 0:
		return nil, shard, fmt.Errorf("--timeout must be positive, got %s", v.timeout)
	case set("max-workers") && v.maxWorkers == 0:
		return nil, shard, fmt.Errorf("--max-workers must be at least 1")
	}
	var opts []loadtest.Option
	for _, o := range []struct {
		flag string
		opt  loadtest.Option
	}{
		{"rate", loadtest.WithRate(v.rate)},
		{"duration", loadtest.WithDuration(v.duration)},
		{"warmup", loadtest.WithWarmup(v.warmup)},
		{"timeout", loadtest.WithTimeout(v.timeout)},
		{"max-hits", loadtest.WithMaxHits(v.maxHits)},
	} {
		if set(o.flag) { // else the scenario's
			opts = append(opts, o.opt)
		}
	}
	if !shard.IsZero() {
		opts = append(opts, loadtest.WithShard(shard))
	}
	if v.syncDir != "" {
		opts = append(opts, loadtest.WithSync(v.syncDir, v.syncTimeout))
	}
	ts, err := loadtest.ParseThresholds(v.thresholds...)
	return append(opts, loadtest.WithMaxRemoteRate(v.maxRate), loadtest.WithThresholds(ts...), loadtest.WithAbortOnFail(v.abortOnFail)), shard, err
}

// loadScenario resolves --url, a built-in name, or a YAML file.
func loadScenario(name, rawURL, method string) (*loadtest.Scenario, error) {
	if rawURL == "" {
		sc, err := scenarios.Load(name)
		if _, ok := errors.AsType[*scenarios.NotFoundError](err); ok {
			return nil, fmt.Errorf("--scenario %w", err)
		}
		return sc, err
	}
	if !strings.HasPrefix(rawURL, "/") { // else relative to --target
		if _, err := kratosclient.ParseBaseURL(rawURL); err != nil {
			return nil, fmt.Errorf("--url: %w", err)
		}
	}
	sc := loadtest.RawScenario(strings.ToUpper(method), rawURL, 100, loadtest.DefaultDuration)
	return sc, sc.Validate()
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
