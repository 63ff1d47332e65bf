package loadtest

import (
	"context"
	"errors"
	"fmt"
	"sync"

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

// JourneyFixtures are what journey scenarios need beyond Fixtures: new test
// identities for registrations, codes from mail, and the removal of what
// registrations made. The default fixtures (on a Kratos) are
// JourneyFixtures; WithFixtures' may be. Implementations must never put a
// token, code or password into an error.
type JourneyFixtures interface {
	Fixtures
	// NewIdentity makes the credentials of a new test identity, as
	// target.Target.NewIdentity: recognisable to `orybench cleanup`.
	NewIdentity() (target.Identity, error)
	// Forget drops a new identity whose registration was refused.
	Forget(id target.Identity)
	// RecoveryCode waits for the next recovery mail to address and returns
	// its code.
	RecoveryCode(ctx context.Context, address string) (string, error)
	// RemoveRegistered deletes, with the admin API, identities that
	// registrations made (one without an ID is looked up by its
	// identifier) and returns how many it deleted: none without an admin
	// API, where they are left for `orybench cleanup`.
	RemoveRegistered(ctx context.Context, ids []target.Identity) (int, error)
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

func (f kratosFixtures) NewIdentity() (target.Identity, error) { return f.t.NewIdentity() }

func (f kratosFixtures) Forget(id target.Identity) { f.t.Forget(id) }

func (f kratosFixtures) RecoveryCode(ctx context.Context, address string) (string, error) {
	m, err := f.t.WaitForMail(ctx, address, target.RecoveryMail)
	if err == nil && m.Code == "" {
		err = errors.New("the recovery mail carries no code")
	}
	return m.Code, err
}

// removeConcurrency bounds the deletions (and look-ups) after a journey
// run, and so their rate.
const removeConcurrency = 4

func (f kratosFixtures) RemoveRegistered(ctx context.Context, ids []target.Identity) (int, error) {
	admin := f.t.Admin()
	if admin == nil {
		return 0, nil
	}
	var (
		mu      sync.Mutex
		removed int
		errs    []error
		next    = make(chan target.Identity)
		wg      sync.WaitGroup
	)
	for range min(removeConcurrency, len(ids)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				found := []target.Identity{id}
				if id.ID == "" {
					found = found[:0]
					list, err := admin.ListIdentities(ctx, id.Identifier)
					if err != nil {
						mu.Lock()
						errs = append(errs, err)
						mu.Unlock()
						continue
					}
					for _, l := range list {
						found = append(found, target.Identity{ID: l.ID, Identifier: id.Identifier, Email: id.Email})
					}
					if len(found) == 0 {
						f.t.Forget(id) // never stored
					}
				}
				err := f.t.Remove(ctx, found...)
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					removed += len(found)
				}
				mu.Unlock()
			}
		}()
	}
	sent := 0
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		next <- id
		sent++
	}
	close(next)
	wg.Wait()
	switch {
	case len(errs) > 0:
		return removed, fmt.Errorf("%d failed: %w", len(errs), errs[0])
	case sent < len(ids):
		return removed, fmt.Errorf("%d of %d not tried: %w", len(ids)-sent, len(ids), ctx.Err())
	}
	return removed, nil
}
