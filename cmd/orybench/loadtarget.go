package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/schemas"
	"github.com/orybench/orybench/target"
)

// loadTarget is what the commands that send load (load, capacity) send:
// a scenario (built in, a YAML file, or one --url), and where: --target,
// or the local Kratos that orybench starts when there is none.
type loadTarget struct {
	scenario, rawURL, method string
	t                        targetFlags
	kratosBin, profile       string
	metricsURL               string
	hasher                   hasherFlag
	yes                      bool
	maxWorkers               uint64
	// contract is what the scenario's steps expect answers by (none for
	// --url's raw requests).
	contract *results.Contract
	// timeout bounds each set-up call (load's --timeout; 0: setupTimeout).
	timeout time.Duration

	flags *pflag.FlagSet // where the flags were registered
}

func (l *loadTarget) register(f *pflag.FlagSet) {
	l.flags = f
	f.StringVar(&l.scenario, "scenario", "whoami", "built-in scenario name or YAML file")
	f.StringVar(&l.rawURL, "url", "", "load this one URL (the raw scenario), like vegeta attack")
	f.StringVar(&l.method, "method", "GET", "method for --url")
	l.t.register(f)
	f.StringVar(&l.kratosBin, "kratos-bin", "", "kratos binary for the local target (default bin/kratos, then $PATH)")
	f.StringVar(&l.profile, "profile", "default", "local Kratos profile when no --target is given")
	l.hasher.register(f, target.KratosDefaultHasher(), "as production hashes: registration and login figures from a cheaper hash are fiction")
	f.BoolVar(&l.yes, "yes", false, "allow load above "+fmt.Sprint(loadtest.RemoteRateCap)+"/s on hosts that are not loopback")
	f.Uint64Var(&l.maxWorkers, "max-workers", 0, "cap on vegeta workers (default: the scenario's)")
	f.StringVar(&l.metricsURL, "metrics-url", "", "the target's Prometheus metrics, read at the start and end of each measured run and once a second between (default: the admin API's "+metricsPath+"; --metrics-url= turns them off)")
}

// resolve reads the scenario, checks the target flags and the scenario's
// steps against the contract; nothing is started or sent.
func (l *loadTarget) resolve() (*loadtest.Scenario, error) {
	var err error
	if l.rawURL != "" && l.flags.Changed("scenario") {
		return nil, fmt.Errorf("--url loads one URL as its own scenario: it cannot be combined with --scenario %s", l.scenario)
	}
	if l.rawURL != "" && !strings.HasPrefix(l.rawURL, "/") {
		if l.rawURL, err = l.t.splitUserinfo(l.rawURL); err != nil {
			return nil, fmt.Errorf("--url: %w", err)
		}
	}
	sc, err := loadScenario(l.scenario, l.rawURL, l.method)
	if err == nil {
		err = l.t.resolve(l.flags.Changed("profile"))
	}
	if err == nil && sc.Target != "" {
		if sc.Target, err = l.t.splitUserinfo(sc.Target); err != nil {
			err = fmt.Errorf("the scenario's target: %w", err)
		}
	}
	if err == nil && l.rawURL == "" {
		var set *schemas.Set
		if set, err = l.t.openContract(cmp.Or(l.t.target, sc.Target)); err == nil {
			l.contract = new(set.Contract())
			err = sc.CheckContract(l.contract.Name, set.Statuses)
		}
	}
	switch {
	case err != nil:
		return nil, err
	case !l.local(sc) && l.flags.Changed("profile"):
		return nil, fmt.Errorf("--profile starts a local Kratos: it cannot be combined with --target, --url or a scenario's target")
	case l.local(sc):
		if err := target.CheckProfile(l.profile); err != nil {
			return nil, fmt.Errorf("--profile: %w", err)
		}
	}
	if err := l.hasher.resolve(l.local(sc)); err != nil {
		return nil, err
	}
	return sc, nil
}

// source says where the load's target came from: "--url" (an absolute
// one), the targetFlags' source of --target or $ORY_SDK_URL, "scenario"
// (the scenario's target), or "--profile" or "default" (the local Kratos
// of --profile; for a relative --url, loadtest.DefaultTarget).
func (l *loadTarget) source(sc *loadtest.Scenario) string {
	switch {
	case l.rawURL != "" && !strings.HasPrefix(l.rawURL, "/"):
		return "--url"
	case l.t.target == "" && sc.Target != "":
		return "scenario"
	}
	return l.t.source
}

// origin says where the load goes and where that came from, as
// targetFlags.origin does.
func (l *loadTarget) origin(sc *loadtest.Scenario) string {
	switch src := l.source(sc); {
	case src == "--url":
		return fmt.Sprintf("%s (from --url%s)", l.rawURL, l.t.credentials())
	case src == "scenario":
		return fmt.Sprintf("%s (from the scenario's target%s)", sc.Target, l.t.credentials())
	case l.t.target == "" && l.rawURL != "":
		return loadtest.DefaultTarget + " (the default: no --target, $ORY_SDK_URL or scenario target)"
	}
	return l.t.origin([]string{l.profile}, nil)
}

// local reports whether sc loads orybench's own local Kratos: no --target,
// no --url and no target in the scenario.
func (l *loadTarget) local(sc *loadtest.Scenario) bool {
	return l.t.target == "" && l.rawURL == "" && sc.Target == ""
}

// options are the loadtest options of the flags: where the load goes
// (--target, --admin-url), --yes, --insecure-skip-verify, --max-workers.
func (l *loadTarget) options() []loadtest.Option {
	opts := []loadtest.Option{loadtest.WithAllowRemote(l.yes), loadtest.WithInsecureSkipVerify(l.t.insecure),
		loadtest.WithTarget(l.t.target), loadtest.WithAdmin(l.t.adminURL, l.t.apiKey), loadtest.WithBasicAuth(l.t.basicAuth...)}
	if l.flags.Changed("max-workers") {
		opts = append(opts, loadtest.WithMaxWorkers(l.maxWorkers))
	}
	return opts
}

// send is what load and capacity do once their flags hold: it makes the
// results directory out (by default out/COMMAND/SCENARIO-TIME, in a shard's
// own directory), refuses a target that cannot be loaded before anything
// is made on it (a Kratos is asked one read-only question, a raw URL's
// host is only connected to), opens the target unless sc is --url's
// (target.Open: the local Kratos of --profile when no target is given),
// says on stderr what it found there, and calls run with the options that
// load it and the results directory. When run measured anything (it says
// what of the run's metadata it knows), the run's report is rendered; the
// target is closed last.
func (l *loadTarget) send(cmd *cobra.Command, sc *loadtest.Scenario, shard loadtest.Shard, out, pacing string,
	run func(opts []loadtest.Option, out string) (*results.RunInfo, error)) error {
	if out == "" {
		out = filepath.Join("out", cmd.Name(), sc.Name+"-"+time.Now().Format("20060102-150405"))
		if !shard.IsZero() {
			out = filepath.Join(out, fmt.Sprintf("shard-%d", shard.Index))
		}
	}
	if err := checkOutDir(out); err != nil {
		return err
	}
	ctx, setup := cmd.Context(), cmp.Or(l.timeout, setupTimeout)
	var (
		opts   []loadtest.Option
		kratos string         // the version of the Kratos orybench started
		tgt    *target.Target // the target opened, nil for --url
	)
	// Where the run goes, said once the target answered (or before a
	// local one starts): a target refused is one line, the error's.
	announce := func() {
		fmt.Fprintf(cmd.ErrOrStderr(), "target: %s; %s; %s; set-up calls unpaced\n", l.origin(sc), l.hasher.describe(l.local(sc)), pacing)
	}
	switch url := cmp.Or(l.t.target, sc.Target, loadtest.DefaultTarget); {
	case l.rawURL != "":
		if err := kratosclient.Reach(ctx, url, l.t.tlsConfig(), setup); err != nil {
			return fmt.Errorf("--url: %w%s", err, hint(err))
		}
		announce()
	default:
		o := l.t.options(setup)
		if o.URL = cmp.Or(o.URL, sc.Target); o.URL != "" {
			from := l.t.source
			if l.source(sc) == "scenario" {
				from = "the scenario's target " + sc.Target
			}
			if err := l.t.checkFrom(ctx, o.URL, from, setup); err != nil {
				return err
			}
		} else {
			o.Profiles, o.KratosBin, o.Hasher, kratos = []string{l.profile}, l.kratosBin, l.hasher.hasher, target.LocalKratosVersion
		}
		announce()
		o.ShardIndex, o.ShardCount = shard.Index, shard.Count
		set, err := target.Open(ctx, o)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted while opening the target: %w", context.Cause(ctx))
			}
			return err
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if err := set.Close(ctx); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: clean-up of the target: %s\n", redact.Text(err.Error()))
			}
			l.t.noteLeftovers(cmd.ErrOrStderr())
		}()
		fmt.Fprint(cmd.ErrOrStderr(), set.Targets()[0].Describe())
		opts = append(opts, loadtest.WithKratos(set.Targets()[0]))
		tgt = set.Targets()[0]
	}
	if o := l.serverMetrics(ctx, cmd.ErrOrStderr(), tgt); o != nil {
		opts = append(opts, o)
	}
	if l.contract != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "contract: %s\n", l.contract)
	}
	info, err := run(opts, out)
	if info != nil {
		info.KratosVersion, info.Contract, info.TargetSource = kratos, l.contract, l.source(sc)
		if rerr := writeRunReport(cmd, out, *info); rerr != nil && err == nil {
			err = rerr
		}
	}
	return err
}

// verdict maps the error of a load run or a capacity search to the exit
// codes: one matching failed was judged and failed (exit 1); an interrupted
// run, a target that went down and anything else were not judged (exit 2).
func verdict(err, failed error) error {
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, loadtest.ErrTargetDown):
		return err
	case errors.Is(err, failed):
		return fmt.Errorf("%w: %w", errFailed, err)
	}
	return err
}
