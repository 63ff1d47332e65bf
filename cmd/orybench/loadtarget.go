package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/target"
)

// loadTarget is what the commands that send load (load, capacity) send:
// a scenario (built in, a YAML file, or one --url), and where: --target,
// or the local Kratos that orybench starts when there is none.
type loadTarget struct {
	scenario, rawURL, method string
	t                        targetFlags
	kratosBin, profile       string
	yes                      bool
	maxWorkers               uint64
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
	f.BoolVar(&l.yes, "yes", false, "allow load above "+fmt.Sprint(loadtest.RemoteRateCap)+"/s on hosts that are not loopback")
	f.Uint64Var(&l.maxWorkers, "max-workers", 0, "cap on vegeta workers (default: the scenario's)")
}

// loadSetup is an opened loadTarget: the options that point loadtest.Run
// at the opened target (beyond loadTarget.options), the version of the
// Kratos orybench started ("" for a target of unknown version), and stop,
// which closes the target: it removes what was made on a remote one and
// stops a local one.
type loadSetup struct {
	opts          []loadtest.Option
	kratosVersion string
	stop          func()
}

// resolve reads the scenario and checks the target flags; nothing is
// started or sent.
func (l *loadTarget) resolve() (*loadtest.Scenario, error) {
	sc, err := loadScenario(l.scenario, l.rawURL, l.method)
	if err != nil {
		return nil, err
	}
	if err := l.t.resolve(); err != nil {
		return nil, err
	}
	switch {
	case !l.local(sc) && l.flags != nil && l.flags.Changed("profile"):
		return nil, fmt.Errorf("--profile starts a local Kratos: it cannot be combined with --target, --url or a scenario's target")
	case l.local(sc) && !slices.Contains(target.LocalProfiles(), l.profile):
		return nil, fmt.Errorf("--profile: unknown profile %q (known: %s)", l.profile, strings.Join(target.LocalProfiles(), ", "))
	}
	return sc, nil
}

// local reports whether sc loads orybench's own local Kratos: no --target,
// no --url and no target in the scenario.
func (l *loadTarget) local(sc *loadtest.Scenario) bool {
	return l.t.target == "" && l.rawURL == "" && sc.Target == ""
}

// check refuses a target that cannot be loaded, before anything is made on
// it: a Kratos is asked one read-only question, a raw URL's host is only
// connected to; a local Kratos is orybench's own. setup bounds that.
func (l *loadTarget) check(ctx context.Context, sc *loadtest.Scenario, setup time.Duration) error {
	switch target := cmp.Or(l.t.target, sc.Target, loadtest.DefaultTarget); {
	case l.local(sc):
	case l.rawURL == "":
		return l.t.check(ctx, target, setup)
	default:
		if err := kratosclient.Reach(ctx, target, l.t.tlsConfig(), setup); err != nil {
			return fmt.Errorf("--url: %w%s", err, hint(err))
		}
	}
	return nil
}

// start checks the target (see check) and, unless sc is --url's, opens it
// (target.Open): the local Kratos of --profile when no target is given,
// else the target with its admin API, its test identities numbered as
// shard's. It says on stderr what it found there. The caller calls stop
// when done.
func (l *loadTarget) start(cmd *cobra.Command, logger *slog.Logger, sc *loadtest.Scenario, shard loadtest.Shard) (*loadSetup, error) {
	ctx := cmd.Context()
	setup := cmp.Or(l.timeout, setupTimeout)
	if err := l.check(ctx, sc, setup); err != nil {
		return nil, err
	}
	if l.rawURL != "" {
		return &loadSetup{stop: func() {}}, nil
	}
	opts, err := l.t.options(setup)
	if err != nil {
		return nil, err
	}
	opts.URL = cmp.Or(opts.URL, sc.Target)
	if opts.URL == "" {
		opts.Profiles, opts.KratosBin = []string{l.profile}, l.kratosBin
	}
	opts.ShardIndex, opts.ShardCount = shard.Index, shard.Count
	set, err := target.Open(ctx, opts)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("interrupted while opening the target: %w", context.Cause(ctx))
		}
		return nil, err
	}
	kratos := set.Targets()[0]
	fmt.Fprint(cmd.ErrOrStderr(), kratos.Describe())
	s := &loadSetup{opts: []loadtest.Option{loadtest.WithKratos(kratos)}, stop: func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := set.Close(ctx); err != nil {
			logger.Warn("closing the target", "err", err)
		}
	}}
	if kratos.Local() {
		s.kratosVersion = pinnedKratosVersion
	}
	return s, nil
}

// options are the loadtest options of the flags: where the load goes
// (--target, --admin-url), --yes, --insecure-skip-verify, --max-workers.
func (l *loadTarget) options() []loadtest.Option {
	opts := []loadtest.Option{loadtest.WithAllowRemote(l.yes), loadtest.WithInsecureSkipVerify(l.t.insecure)}
	if l.t.target != "" {
		opts = append(opts, loadtest.WithTarget(l.t.target))
	}
	if l.t.adminURL != "" {
		opts = append(opts, loadtest.WithAdmin(l.t.adminURL, l.t.apiKey))
	}
	if l.flags != nil && l.flags.Changed("max-workers") {
		opts = append(opts, loadtest.WithMaxWorkers(l.maxWorkers))
	}
	return opts
}

// defaultOutDir is where a command's results go without --out:
// out/COMMAND/SCENARIO-TIME.
func defaultOutDir(command string, sc *loadtest.Scenario) string {
	return filepath.Join("out", command, sc.Name+"-"+time.Now().Format("20060102-150405"))
}

// verdict maps the error of a load run or a capacity search to the exit
// codes: one matching failed was judged and failed (exit 1); an interrupted
// run, a target that went down and anything else were not judged (exit 2).
func verdict(err, failed error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.Canceled), errors.Is(err, loadtest.ErrTargetDown):
		return err
	case errors.Is(err, failed):
		return fmt.Errorf("%w: %w", errFailed, err)
	default:
		return err
	}
}
