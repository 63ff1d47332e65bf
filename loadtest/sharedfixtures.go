package loadtest

import (
	"context"
	"errors"
	"sync"

	"github.com/orybench/orybench/target"
)

// SharedFixtures keeps the users that runs make for their session pools, so
// that a series of runs (a capacity search, say) makes them once: each run
// given WithSharedFixtures takes the users it needs from the ones kept and
// makes only those missing. Login flows are used up by the hits that log
// in, so each run makes its own. Runs leave the kept users in place; Close
// removes them.
//
// The runs that share fixtures load one target: when they have to open it
// (neither WithFixtures nor WithKratos), the first opens it for all, and
// Close closes it.
//
// A SharedFixtures is safe for use by one run at a time.
type SharedFixtures struct {
	mu     sync.Mutex
	made   []madeUsers // in the order they were made
	users  []target.Identity
	opened *target.Set // nil until a run opens the target
}

// madeUsers are users and the fixtures that made them (and remove them).
type madeUsers struct {
	by    Fixtures
	users []target.Identity
}

// WithSharedFixtures makes the run take its users from s, making only those
// s does not hold yet (with the run's fixtures), and leave them to s.Close.
func WithSharedFixtures(s *SharedFixtures) Option { return func(c *config) { c.shared = s } }

// Users returns how many users s holds.
func (s *SharedFixtures) Users() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users)
}

// Close removes every user s holds, each with the fixtures that made it,
// then closes the target a run opened for s.
func (s *SharedFixtures) Close(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, m := range s.made {
		errs = append(errs, m.by.DeleteUsers(ctx, m.users))
	}
	if s.opened != nil {
		errs = append(errs, s.opened.Close(ctx))
	}
	s.made, s.users, s.opened = nil, nil, nil
	return errors.Join(errs...)
}

// target returns the target the runs of s make their fixtures on, opening
// it with opts for the first.
func (s *SharedFixtures) target(ctx context.Context, opts target.Options) (*target.Target, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.opened == nil {
		set, err := target.Open(ctx, opts)
		if err != nil {
			return nil, err
		}
		s.opened = set
	}
	return s.opened.Targets()[0], nil
}

// use returns the fixtures a run uses: f's, with users from s.
func (s *SharedFixtures) use(f Fixtures) Fixtures { return &sharedUse{shared: s, base: f} }

type sharedUse struct {
	shared *SharedFixtures
	base   Fixtures
}

func (u *sharedUse) Users(ctx context.Context, n int) ([]target.Identity, error) {
	s := u.shared
	s.mu.Lock()
	defer s.mu.Unlock()
	if missing := n - len(s.users); missing > 0 {
		users, err := u.base.Users(ctx, missing)
		if err != nil {
			return nil, err
		}
		s.made = append(s.made, madeUsers{by: u.base, users: users})
		s.users = append(s.users, users...)
	}
	return s.users[:n:n], nil
}

func (u *sharedUse) LoginFlows(ctx context.Context, n int) ([]string, error) {
	return u.base.LoginFlows(ctx, n)
}

// DeleteUsers keeps the users for the next run: SharedFixtures.Close
// removes them.
func (u *sharedUse) DeleteUsers(context.Context, []target.Identity) error { return nil }

// The journey fixtures of a shared run are its base fixtures': identities
// that registrations make are the run's own, not kept.

func (u *sharedUse) journey() (JourneyFixtures, error) {
	if jf, ok := u.base.(JourneyFixtures); ok {
		return jf, nil
	}
	return nil, errNoJourneyFixtures
}

func (u *sharedUse) NewIdentity() (target.Identity, error) {
	jf, err := u.journey()
	if err != nil {
		return target.Identity{}, err
	}
	return jf.NewIdentity()
}

func (u *sharedUse) Forget(id target.Identity) {
	if jf, err := u.journey(); err == nil {
		jf.Forget(id)
	}
}

func (u *sharedUse) RecoveryCode(ctx context.Context, address string) (string, error) {
	jf, err := u.journey()
	if err != nil {
		return "", err
	}
	return jf.RecoveryCode(ctx, address)
}

func (u *sharedUse) RemoveRegistered(ctx context.Context, ids []target.Identity) (int, error) {
	jf, err := u.journey()
	if err != nil {
		return 0, err
	}
	return jf.RemoveRegistered(ctx, ids)
}
