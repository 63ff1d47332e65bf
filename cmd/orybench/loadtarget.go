package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orybench/orybench/identityschema"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/localkratos"
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
}

func (l *loadTarget) register(f *pflag.FlagSet) {
	f.StringVar(&l.scenario, "scenario", "whoami", "built-in scenario name or YAML file")
	f.StringVar(&l.rawURL, "url", "", "load this one URL (the raw scenario), like vegeta attack")
	f.StringVar(&l.method, "method", "GET", "method for --url")
	l.t.register(f)
	f.StringVar(&l.kratosBin, "kratos-bin", "", "kratos binary for the local target (default bin/kratos, then $PATH)")
	f.StringVar(&l.profile, "profile", "default", "local Kratos profile when no --target is given")
	f.BoolVar(&l.yes, "yes", false, "allow load above "+fmt.Sprint(loadtest.RemoteRateCap)+"/s on hosts that are not loopback")
	f.Uint64Var(&l.maxWorkers, "max-workers", 0, "cap on vegeta workers (default: the scenario's)")
}

// loadSetup is a started loadTarget: the options that point loadtest.Run
// at the target, the version of the Kratos orybench started ("" for a
// target of unknown version), and stop, which stops that Kratos.
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
	return sc, nil
}

// start points the run of sc at the target, starting the local Kratos when
// no target is given, and reads the target's identity schema. The caller
// calls stop when done.
func (l *loadTarget) start(cmd *cobra.Command, logger *slog.Logger, sc *loadtest.Scenario) (*loadSetup, error) {
	s := &loadSetup{stop: func() {}, opts: []loadtest.Option{loadtest.WithAllowRemote(l.yes)}}
	if l.t.target == "" && l.rawURL == "" && sc.Target == "" {
		// No target: load orybench's own local Kratos.
		inst, err := localkratos.Start(cmd.Context(), localkratos.Options{Bin: l.kratosBin, Profile: l.profile})
		if err != nil {
			return nil, err
		}
		s.stop = func() { inst.Stop() }
		s.kratosVersion = pinnedKratosVersion
		logger.Info("local kratos", "profile", l.profile, "public", inst.PublicURL, "admin", inst.AdminURL)
		l.t.target, l.t.adminURL = inst.PublicURL, inst.AdminURL
	}
	if l.t.target != "" {
		s.opts = append(s.opts, loadtest.WithTarget(l.t.target))
	}
	if l.t.target != "" && l.rawURL == "" {
		// Test identities fit the target's identity schema: a
		// username, nested required traits, whatever it asks for.
		pub, err := kratosclient.New(l.t.target, kratosclient.Native)
		if err != nil {
			s.stop()
			return nil, fmt.Errorf("--target: %w", err)
		}
		schema, err := identityschema.Fetch(cmd.Context(), pub, "")
		if err != nil {
			s.stop()
			return nil, fmt.Errorf("read the target's identity schema: %w", err)
		}
		s.opts = append(s.opts, loadtest.WithIdentities(schema.Identity))
	}
	if l.t.adminURL != "" {
		s.opts = append(s.opts, loadtest.WithAdmin(l.t.adminURL, l.t.apiKey))
	}
	if cmd.Flags().Changed("max-workers") {
		s.opts = append(s.opts, loadtest.WithMaxWorkers(l.maxWorkers))
	}
	return s, nil
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
