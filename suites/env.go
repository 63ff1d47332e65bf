package suites

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/orybench/orybench/hygiene"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/localkratos"
	"github.com/orybench/orybench/mailbox"
	"github.com/orybench/orybench/oidcfake"
)

// Options say what the suites run against. The zero value starts the local
// Kratos profiles and checks them.
type Options struct {
	// Target is the public URL of the Kratos to check; "" starts local
	// Kratos instances, one per profile the specs need.
	Target string
	// AdminURL is the admin API, which lets orybench delete what it created
	// and read mailed codes. Ory Network serves it on Target under /admin.
	AdminURL string
	// APIKey is sent to the admin API as a bearer token.
	APIKey string
	// Capabilities declares what a remote Target is configured for.
	Capabilities []Capability
	// KratosBin is the binary for local instances ("" finds one).
	KratosBin string
	// Log receives progress lines (never secrets).
	Log io.Writer
}

// target is one Kratos the specs can run against, and what it can do.
type target struct {
	name         string
	publicURL    string
	admin        *kratosclient.Admin // nil without an admin URL
	mail         *mailbox.Mailbox    // nil when codes cannot be read
	capabilities []Capability
	local        *localkratos.Instance
}

func (t *target) has(c Capability) bool { return slices.Contains(t.capabilities, c) }

// env is the suite's world, built once before the specs run.
type env struct {
	opts    Options
	runID   string
	targets []*target
	// idp is the fake OIDC provider the local targets sign in with (nil
	// against a remote target).
	idp *oidcfake.Server

	mu       sync.Mutex
	created  []createdIdentity
	sequence int
}

type createdIdentity struct {
	target *target
	id     string
}

// localProfiles are started when no target is given, with what each offers.
var localProfiles = []struct {
	name string
	caps []Capability
}{
	{"default", []Capability{SocialSignIn, CompletableSocialSignIn, TOTP, MailCodes}},
	{"short", []Capability{ShortLifespans, SocialSignIn, CompletableSocialSignIn, TOTP, MailCodes}},
	{"short-cwt", []Capability{ShortLifespans, ContinueWithTransitions, SocialSignIn, CompletableSocialSignIn, TOTP, MailCodes}},
	{"fault", []Capability{FaultInjection, SocialSignIn, CompletableSocialSignIn, TOTP, MailCodes}},
}

func newEnv(ctx context.Context, opts Options) (*env, error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	e := &env{opts: opts, runID: hygiene.NewRunID()}
	if opts.Target != "" {
		t := &target{name: "target", publicURL: opts.Target, capabilities: opts.Capabilities}
		if opts.AdminURL != "" {
			admin, err := kratosclient.NewAdmin(opts.AdminURL, opts.APIKey)
			if err != nil {
				return nil, fmt.Errorf("--admin-url: %w", err)
			}
			t.admin = admin
			t.mail = mailbox.New(mailbox.AdminCourier{Admin: admin})
			if !t.has(MailCodes) {
				t.capabilities = append(t.capabilities, MailCodes)
			}
		}
		e.targets = []*target{t}
		return e, nil
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	// One fake OIDC provider for every local profile: Kratos's provider
	// "fake" signs in with it, which completes a social sign-in offline.
	idp, err := oidcfake.Start(oidcfake.Options{})
	if err != nil {
		return nil, err
	}
	e.idp = idp
	e.targets = make([]*target, len(localProfiles))
	for i, p := range localProfiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst, err := localkratos.Start(ctx, localkratos.Options{Bin: opts.KratosBin, Profile: p.name, OIDCIssuer: idp.Issuer()})
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			admin, err := kratosclient.NewAdmin(inst.AdminURL, "")
			if err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			e.targets[i] = &target{
				name: "local:" + p.name, publicURL: inst.PublicURL, admin: admin,
				mail: mailbox.New(inst.Mail), capabilities: p.caps, local: inst,
			}
			fmt.Fprintf(opts.Log, "local kratos %-9s public %s admin %s\n", p.name, inst.PublicURL, inst.AdminURL)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		e.close(context.Background())
		return nil, err
	}
	return e, nil
}

// pick returns the first target with every capability in need, or a reason.
func (e *env) pick(need []Capability) (*target, string) {
	for _, t := range e.targets {
		ok := true
		for _, c := range need {
			ok = ok && t.has(c)
		}
		if ok {
			return t, ""
		}
	}
	var missing []string
	for _, c := range need {
		if !slices.ContainsFunc(e.targets, func(t *target) bool { return t.has(c) }) {
			missing = append(missing, fmt.Sprintf("%s: %s", c, capabilityReasons[c]))
		}
	}
	if len(missing) == 0 {
		missing = append(missing, "no single target has all of "+fmt.Sprint(need))
	}
	return nil, "target lacks capability " + strings.Join(missing, "; ")
}

// nextEmail is a recognisable, unique address: the fixed domain and the run
// id let `orybench cleanup` find leftovers of a crashed run.
func (e *env) nextEmail() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sequence++
	return hygiene.Email(e.runID, e.sequence)
}

func (e *env) remember(t *target, identityID string) {
	if identityID == "" {
		return
	}
	e.mu.Lock()
	e.created = append(e.created, createdIdentity{t, identityID})
	e.mu.Unlock()
}

// close deletes every identity the run created (where an admin API is
// known) and stops local instances and the fake OIDC provider.
func (e *env) close(ctx context.Context) error {
	var errs []error
	e.mu.Lock()
	created, emails := e.created, e.sequence
	e.created = nil
	e.mu.Unlock()
	for _, t := range e.targets {
		if t == nil || t.admin == nil || t.local != nil {
			continue // a local instance takes its data with it
		}
		// Every identity of the run, whether a fixture or the answer under
		// test created it: by id where known, else by the run's addresses.
		ids := map[string]bool{}
		for _, c := range created {
			if c.target == t {
				ids[c.id] = true
			}
		}
		for n := 1; n <= emails; n++ {
			found, err := t.admin.ListIdentities(ctx, hygiene.Email(e.runID, n))
			if err != nil {
				errs = append(errs, err)
				break
			}
			for _, id := range found {
				ids[id.ID] = true
			}
		}
		for id := range ids {
			if err := t.admin.DeleteIdentity(ctx, id); err != nil {
				errs = append(errs, err)
			}
		}
	}
	for _, t := range e.targets {
		if t != nil && t.local != nil {
			errs = append(errs, t.local.Stop())
		}
	}
	if e.idp != nil {
		errs = append(errs, e.idp.Close())
	}
	return errors.Join(errs...)
}

// LocalProfileNames lists the local profiles a run without a target starts.
func LocalProfileNames() []string {
	var names []string
	for _, p := range localProfiles {
		names = append(names, p.name)
	}
	return names
}

// EmailDomain is the domain of every identity the suites create.
const EmailDomain = hygiene.Domain
