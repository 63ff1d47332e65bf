package suites

import (
	"context"
	"errors"
	"fmt"
	"github.com/orybench/orybench/results"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/internal/mailbox"
	"github.com/orybench/orybench/internal/oidcfake"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target/identityschema"
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
	// Capabilities declares what a remote Target is configured for, on top
	// of what orybench discovers; Without declares what it is not
	// configured for, whatever discovery says. Declared wins.
	Capabilities []Capability
	Without      []Capability
	// Profiles are the local profiles to start when Target is "" (nil: the
	// standard set, LocalProfileNames), in the order specs pick them.
	Profiles []string
	// SchemaID is the identity schema test identities follow ("": the one
	// registration uses, see identityschema.Fetch).
	SchemaID string
	// Traits is a --traits template (identityschema.Template) used instead
	// of traits synthesised from the schema.
	Traits []byte
	// MaxRPS paces every request of the run (0: no pacing).
	MaxRPS float64
	// KratosBin is the binary for local instances ("" finds one).
	KratosBin string
	// HTTPClient, when set, carries every call to a remote Target and its
	// admin API: its transport (e.g. TLS settings) and timeout.
	HTTPClient *http.Client
	// Log receives progress lines (never secrets).
	Log io.Writer
}

// target is one Kratos the specs can run against, and what it can do.
type target struct {
	name      string
	publicURL string
	admin     *kratosclient.Admin // nil without an admin URL
	mail      *mailbox.Mailbox    // nil when codes cannot be read
	local     *localkratos.Instance
	pace      *kratosclient.Pace
	http      []kratosclient.Option // the transport of a remote target

	// declared are capabilities known without asking (a local profile's, or
	// --capabilities), absent those declared missing; capabilities is the
	// result of discovery with both applied.
	declared, absent []Capability
	capabilities     []Capability
	discovered       results.DiscoveredTarget

	// identities makes valid traits for the target's identity schema, and
	// schemaID names that schema ("" for the target's default).
	identities identityschema.Generator
	schemaID   string
}

func (t *target) has(c Capability) bool { return slices.Contains(t.capabilities, c) }

// client is a new caller of the target's public API, paced with the run.
// On a local Kratos on in-memory SQLite, a call that meets the courier's
// background write gets a 500 "database table is locked" that says nothing
// of the API: such answers are sent again, and counted in the run's
// rate-limits entry (storage_conflicts_retried). Nowhere else.
func (t *target) client(mode kratosclient.Mode, opts ...kratosclient.Option) (*kratosclient.Client, error) {
	base := append([]kratosclient.Option{kratosclient.WithPace(t.pace)}, t.http...)
	if t.local != nil && t.local.DSN == "memory" {
		base = append(base, kratosclient.WithConflictRetries())
	}
	return kratosclient.New(t.publicURL, mode, append(base, opts...)...)
}

// env is the suite's world, built once before the specs run.
type env struct {
	opts    Options
	runID   string
	targets []*target
	// idp is the fake OIDC provider the local targets sign in with (nil
	// against a remote target).
	idp *oidcfake.Server

	pace *kratosclient.Pace

	mu          sync.Mutex
	gaveUp      int64 // the pace's GaveUp when the running spec began
	created     []createdIdentity
	identifiers []createdIdentity // what each test identity signs in with
	sequence    int
}

type createdIdentity struct {
	target *target
	id     string
}

type localProfile struct {
	name string
	caps []Capability
}

// localProfiles are what each local profile offers that cannot be
// discovered from its flows; the first four are the standard set a run
// without a target starts.
var localProfiles = []localProfile{
	{"default", []Capability{CompletableSocialSignIn, MailCodes}},
	{"short", []Capability{ShortLifespans, CompletableSocialSignIn, MailCodes}},
	{"short-cwt", []Capability{ShortLifespans, ContinueWithTransitions, CompletableSocialSignIn, MailCodes}},
	{"fault", []Capability{FaultInjection, CompletableSocialSignIn, MailCodes}},
	// Deliberately different deployments, run with --profile.
	{"username", []Capability{MailCodes}},
	{"closed", []Capability{MailCodes}},
	// default on PostgreSQL instead of in-memory SQLite.
	{"postgres", []Capability{CompletableSocialSignIn, MailCodes}},
}

// standardProfiles is how many of localProfiles a run starts by default.
const standardProfiles = 4

func newEnv(ctx context.Context, opts Options) (*env, error) {
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if opts.AdminURL == "" && opts.APIKey != "" {
		opts.AdminURL = opts.Target // Ory Network: /admin on the project URL
	}
	e := &env{opts: opts, runID: hygiene.NewRunID(), pace: kratosclient.NewPace(opts.MaxRPS)}
	if opts.Target != "" {
		t := &target{name: "target", publicURL: opts.Target, pace: e.pace, declared: opts.Capabilities, absent: opts.Without}
		if opts.HTTPClient != nil {
			t.http = []kratosclient.Option{kratosclient.WithHTTPClient(opts.HTTPClient)}
		}
		if opts.AdminURL != "" {
			admin, err := kratosclient.NewAdmin(opts.AdminURL, opts.APIKey, append([]kratosclient.Option{kratosclient.WithPace(e.pace)}, t.http...)...)
			if err != nil {
				return nil, fmt.Errorf("--admin-url: %w", err)
			}
			t.admin = admin
			t.mail = mailbox.New(mailbox.AdminCourier{Admin: admin})
			t.declared = append(slices.Clone(t.declared), MailCodes)
		}
		e.targets = []*target{t}
		if err := e.discover(ctx, t); err != nil {
			// Remove what discovery made before it failed.
			return nil, errors.Join(err, e.close(context.WithoutCancel(ctx)))
		}
		return e, nil
	}
	profiles, err := pickProfiles(opts.Profiles)
	if err != nil {
		return nil, err
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
	e.targets = make([]*target, len(profiles))
	for i, p := range profiles {
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
			admin, err := kratosclient.NewAdmin(inst.AdminURL, "", kratosclient.WithPace(e.pace))
			if err != nil {
				_ = inst.Stop()
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
				return
			}
			t := &target{
				name: "local:" + p.name, publicURL: inst.PublicURL, admin: admin,
				mail: mailbox.New(inst.Mail), declared: append(slices.Clone(p.caps), opts.Capabilities...), absent: opts.Without,
				local: inst, pace: e.pace,
			}
			e.targets[i] = t
			fmt.Fprintf(opts.Log, "local kratos %-9s public %s admin %s\n", p.name, inst.PublicURL, inst.AdminURL)
			if err := e.discover(ctx, t); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
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

// specStart notes the rate-limit count as a spec begins.
func (e *env) specStart() {
	e.mu.Lock()
	e.gaveUp = e.pace.Stats().GaveUp
	e.mu.Unlock()
}

// throttledInSpec reports whether a call gave up on a 429 since the
// running spec began.
func (e *env) throttledInSpec() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pace.Stats().GaveUp > e.gaveUp
}

// pickProfiles looks the named local profiles up (nil: the standard set).
func pickProfiles(names []string) ([]localProfile, error) {
	if len(names) == 0 {
		return localProfiles[:standardProfiles], nil
	}
	var out []localProfile
	for _, n := range names {
		i := slices.IndexFunc(localProfiles, func(p localProfile) bool { return p.name == n })
		if i < 0 {
			return nil, fmt.Errorf("unknown local profile %q (known: %s)", n, strings.Join(AllLocalProfileNames(), ", "))
		}
		out = append(out, localProfiles[i])
	}
	return out, nil
}

// nextEmail is a recognisable, unique address: the fixed domain and the run
// id let `orybench cleanup` find leftovers of a crashed run.
func (e *env) nextEmail() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.sequence++
	return hygiene.Email(e.runID, e.sequence)
}

// nextIdentity makes the next test identity for t from the next address,
// and remembers what it signs in with so that the run's cleanup finds it
// even when only the answer under test knew its id.
func (e *env) nextIdentity(t *target) (identityschema.Identity, string, error) {
	addr := e.nextEmail()
	id, err := t.identities(addr)
	if err != nil {
		return id, addr, err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, v := range []string{id.Identifier, id.Email, addr} {
		if v != "" && !slices.ContainsFunc(e.identifiers, func(c createdIdentity) bool { return c.target == t && c.id == v }) {
			e.identifiers = append(e.identifiers, createdIdentity{t, v})
		}
	}
	return id, addr, nil
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
	created, identifiers := e.created, e.identifiers
	e.created, e.identifiers = nil, nil
	e.mu.Unlock()
	for _, t := range e.targets {
		if t == nil || t.admin == nil || t.local != nil {
			continue // a local instance takes its data with it
		}
		// Every identity of the run, whether a fixture or the answer under
		// test created it: by id where known, else by what it signs in with.
		ids := map[string]bool{}
		for _, c := range created {
			if c.target == t {
				ids[c.id] = true
			}
		}
		for _, c := range identifiers {
			if c.target != t {
				continue
			}
			found, err := t.admin.ListIdentities(ctx, c.id)
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
	for _, p := range localProfiles[:standardProfiles] {
		names = append(names, p.name)
	}
	return names
}

// AllLocalProfileNames lists every local profile a run can start (Options.Profiles).
func AllLocalProfileNames() []string {
	var names []string
	for _, p := range localProfiles {
		names = append(names, p.name)
	}
	return names
}

// EmailDomain is the domain of every identity the suites create.
const EmailDomain = hygiene.Domain
