package loadtest

import (
	"context"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// Fixtures makes, before the clock starts, what steps need, and removes it
// afterwards, so that no network work happens inside a vegeta Targeter.
// Implementations must never put a token or password into an error.
type Fixtures interface {
	// Users creates n identities that can log in with a password, each with
	// one session whose token was checked valid with toSession.
	Users(ctx context.Context, n int) ([]target.Identity, error)
	// LoginFlows creates n native login flows and returns their IDs.
	LoginFlows(ctx context.Context, n int) ([]string, error)
	// DeleteUsers revokes the users' sessions and, when it can, deletes the
	// identities.
	DeleteUsers(ctx context.Context, users []target.Identity) error
}

// kratosFixtures makes the fixtures on a Kratos, as package target makes
// test identities: their addresses are orybench test addresses (so that
// `orybench cleanup` finds what a crashed run left), every call is set-up,
// retried on Kratos's transient answers, and a shard's addresses are its
// own.
type kratosFixtures struct{ t *target.Target }

func (f kratosFixtures) Users(ctx context.Context, n int) ([]target.Identity, error) {
	return f.t.SignUpMany(ctx, n)
}

func (f kratosFixtures) LoginFlows(ctx context.Context, n int) ([]string, error) {
	return f.t.NativeFlows(ctx, kratosclient.Login, n)
}

func (f kratosFixtures) DeleteUsers(ctx context.Context, users []target.Identity) error {
	return f.t.Remove(ctx, users...)
}

// fixtures returns what makes the run's fixtures, and what to call once
// they are removed: WithFixtures', else fixtures on WithKratos' target,
// else on the run's target, which Run opens (and the call closes) or, with
// WithSharedFixtures, the first run opens for every run that shares them.
func (p *plan) fixtures(ctx context.Context, cfg config) (Fixtures, func(context.Context) error, error) {
	var (
		f    Fixtures
		done = func(context.Context) error { return nil }
	)
	switch {
	case cfg.fixtures != nil:
		f = cfg.fixtures
	case cfg.kratos != nil:
		f = kratosFixtures{cfg.kratos}
	case cfg.shared != nil:
		t, err := cfg.shared.target(ctx, p.targetOptions(cfg))
		if err != nil {
			return nil, nil, err
		}
		f = kratosFixtures{t}
	default:
		set, err := target.Open(ctx, p.targetOptions(cfg))
		if err != nil {
			return nil, nil, err
		}
		f, done = kratosFixtures{set.Targets()[0]}, set.Close
	}
	if cfg.shared != nil {
		f = cfg.shared.use(f)
	}
	return f, done, nil
}

// targetOptions open the run's target for its fixtures: its admin API, if
// given, set-up calls bounded by setupTimeout and, for a run on loopback,
// dialled to loopback only; a shard's identities numbered as its own.
func (p *plan) targetOptions(cfg config) target.Options {
	return target.Options{
		URL: p.target, AdminURL: cfg.adminURL, APIKey: cfg.apiKey, BasicAuth: cfg.basicAuth,
		HTTPClient: newClient(setupTimeout(cfg), 0, p.guard, cfg.tls, newConnTracker(), nil),
		ShardIndex: p.shard.Index, ShardCount: p.shard.Count,
	}
}
