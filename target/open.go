package target

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/internal/mailbox"
	"github.com/orybench/orybench/internal/oidcfake"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/results"
)

// Options say what Open opens. With no URL it starts local Kratos
// instances, one per profile.
type Options struct {
	// URL is the public API of the Kratos to open; "" starts local
	// instances of Profiles.
	URL string
	// AdminURL is its admin API, which lets orybench make identities where
	// registration is closed, read mailed codes and delete what it made.
	// Ory Network serves it on URL under /admin: with an APIKey and no
	// AdminURL, URL is used.
	AdminURL string
	// APIKey is sent to the admin API as a bearer token.
	APIKey string
	// HTTPClient, when set, carries every call to a remote target and its
	// admin API: its transport (TLS settings) and its timeout.
	HTTPClient *http.Client
	// BasicAuth are credentials for the hosts of URL and AdminURL (a
	// reverse proxy's in front of them), sent on every call to their host
	// that carries no Authorization header of its own
	// (kratosclient.BasicAuth). URL and AdminURL name no user: the user
	// information of a URL the user gives is split off into BasicAuth
	// (kratosclient.SplitUserinfo).
	BasicAuth []kratosclient.BasicAuth

	// Profiles are the local profiles to start when URL is "", in the order
	// Pick tries them (nil: "default"). LocalProfiles lists them.
	Profiles []string
	// KratosBin is the binary of local instances ("" finds one).
	KratosBin string
	// Hasher is how local instances hash passwords (the zero value:
	// bcrypt cost 4, see Hasher). A remote target hashes as it is
	// configured to, which orybench cannot know or change.
	Hasher Hasher

	// Capabilities declares what a target is configured for on top of what
	// discovery finds; Without what it is not, whatever discovery says.
	Capabilities, Without []Capability
	// ProbeRoutes asks, during discovery, which route families of the Ory
	// Network contract each target serves (FedCM, SAML, ...: one GET each).
	// A run that checks no operation of theirs leaves it off: their
	// capabilities are then only what is declared.
	ProbeRoutes bool
	// SchemaID is the identity schema test identities follow ("": the one
	// registration uses, see identityschema.Fetch).
	SchemaID string
	// Traits is a template of test identities' traits
	// (identityschema.ParseTemplate) used instead of traits made from the
	// identity schema.
	Traits []byte
	// MaxRPS paces every request to the targets (0: no pacing).
	MaxRPS float64
	// Concurrency bounds the calls SignUpMany, NativeFlows and Remove make
	// at once (0: 2 on loopback, where Kratos shares orybench's CPU, 8
	// elsewhere).
	Concurrency int
	// ShardIndex and ShardCount, for shard i of N of a run, number the test
	// identities so that no two shards make the same address: shard i only
	// uses numbers that are i-1 modulo N. Zero: the whole run.
	ShardIndex, ShardCount int
}

// Set is the targets Open opened and what they share: the pace of their
// requests, the run id in their test identities' addresses and, for local
// instances, the fake OIDC provider they sign in with.
type Set struct {
	opts    Options
	targets []*Target
	pace    *kratosclient.Pace
	names   *namer
	idp     *oidcfake.Server
}

// localProfile is what a local profile offers that discovery cannot tell.
type localProfile struct {
	name string
	caps []Capability
}

// localProfiles are the profiles Open can start, with what each declares.
var localProfiles = []localProfile{
	{"default", []Capability{CompletableSocialSignIn, MailCodes}},
	{"short", []Capability{ShortLifespans, CompletableSocialSignIn, MailCodes}},
	{"short-cwt", []Capability{ShortLifespans, ContinueWithTransitions, CompletableSocialSignIn, MailCodes}},
	{"fault", []Capability{FaultInjection, CompletableSocialSignIn, MailCodes}},
	// Deliberately different deployments.
	{"username", []Capability{MailCodes}},
	{"closed", []Capability{MailCodes}},
	// default on PostgreSQL instead of in-memory SQLite.
	{"postgres", []Capability{CompletableSocialSignIn, MailCodes}},
}

// LocalKratosVersion is the Ory Kratos release the local profiles run: the
// one kratos/go.mod pins.
const LocalKratosVersion = "v1.3.1"

// LocalProfiles lists the local profiles Open can start, in a stable order.
func LocalProfiles() []string {
	var names []string
	for _, p := range localProfiles {
		names = append(names, p.name)
	}
	return names
}

// CheckProfile says why name is not a local profile Open can start, if it
// is not.
func CheckProfile(name string) error {
	if !slices.ContainsFunc(localProfiles, func(p localProfile) bool { return p.name == name }) {
		return fmt.Errorf("unknown profile %q (known: %s)", name, strings.Join(LocalProfiles(), ", "))
	}
	return nil
}

// Open opens the targets opts name and finds out what each is configured
// for (Discover). A remote target is asked; local instances are started
// (in parallel, with one fake OIDC provider for them all). On error,
// nothing Open started or made is left behind.
func Open(ctx context.Context, opts Options) (*Set, error) {
	opts.AdminURL = opts.AdminAPI()
	s := &Set{opts: opts, pace: kratosclient.NewPace(opts.MaxRPS),
		names: &namer{runID: hygiene.NewRunID(), index: opts.ShardIndex, count: opts.ShardCount}}
	var err error
	if opts.URL != "" {
		err = s.openRemote(ctx)
	} else {
		err = s.openLocal(ctx)
	}
	if err != nil {
		// Remove what discovery made before it failed, stop what started.
		return nil, errors.Join(err, s.Close(context.WithoutCancel(ctx)))
	}
	return s, nil
}

func (s *Set) openRemote(ctx context.Context) error {
	o := s.opts
	t := s.newTarget("target", o.URL, o.Capabilities)
	t.clientOpts = append(t.clientOpts, o.clientOptions()...)
	if err := check(ctx, o, t.clientOpts); err != nil {
		return err
	}
	if o.AdminURL != "" {
		admin, err := kratosclient.NewAdmin(o.AdminURL, o.APIKey, t.clientOpts...)
		if err != nil {
			return fmt.Errorf("admin URL: %w", err)
		}
		t.admin, t.mail = admin, mailbox.New(mailbox.AdminCourier{Admin: admin})
		t.declared = append(t.declared, MailCodes)
	}
	s.targets = []*Target{t}
	return t.discover(ctx)
}

func (s *Set) openLocal(ctx context.Context) error {
	names := s.opts.Profiles
	if len(names) == 0 {
		names = []string{"default"}
	}
	var profiles []localProfile
	for _, n := range names {
		if err := CheckProfile(n); err != nil {
			return err
		}
		profiles = append(profiles, localProfiles[slices.IndexFunc(localProfiles, func(p localProfile) bool { return p.name == n })])
	}
	idp, err := oidcfake.Start(oidcfake.Options{})
	if err != nil {
		return err
	}
	s.idp = idp
	s.targets = make([]*Target, len(profiles))
	errs := make([]error, len(profiles))
	var wg sync.WaitGroup
	for i, p := range profiles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.startLocal(ctx, i, p)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// startLocal starts the local instance of p as target i and discovers it.
func (s *Set) startLocal(ctx context.Context, i int, p localProfile) error {
	inst, err := localkratos.Start(ctx, localkratos.Options{Bin: s.opts.KratosBin, Profile: p.name, OIDCIssuer: s.idp.Issuer(), Hasher: s.opts.Hasher})
	if err != nil {
		return err
	}
	t := s.newTarget("local:"+p.name, inst.PublicURL, append(slices.Clone(p.caps), s.opts.Capabilities...))
	t.local = inst
	s.targets[i] = t
	if t.admin, err = kratosclient.NewAdmin(inst.AdminURL, "", kratosclient.WithPace(s.pace)); err != nil {
		return err
	}
	t.mail = mailbox.New(inst.Mail)
	return t.discover(ctx)
}

func (s *Set) newTarget(name, url string, declared []Capability) *Target {
	return &Target{
		set: s, name: name, publicURL: strings.TrimRight(url, "/"),
		clientOpts: []kratosclient.Option{kratosclient.WithPace(s.pace)},
		declared:   slices.Clone(declared), absent: s.opts.Without,
	}
}

// Targets are the set's targets, in the order Pick tries them.
func (s *Set) Targets() []*Target { return s.targets }

// ErrLacks is returned, wrapped, when no target has a capability asked
// for; its message says which and why the targets lack it.
var ErrLacks = errors.New("target lacks capability")

// Pick returns the first target with every capability in need, or an error
// wrapping ErrLacks that names the missing ones, each with why the targets
// lack it (see lacks).
func (s *Set) Pick(need ...Capability) (*Target, error) {
	for _, t := range s.targets {
		if t.HasAll(need...) {
			return t, nil
		}
	}
	// Capabilities missing for one reason (a family and the capability its
	// route's answer shows, neither served) are named together.
	var reasons []string
	names := map[string][]string{}
	for _, c := range need {
		if !slices.ContainsFunc(s.targets, func(t *Target) bool { return t.Has(c) }) {
			why := s.lacks(c)
			if names[why] == nil {
				reasons = append(reasons, why)
			}
			names[why] = append(names[why], string(c))
		}
	}
	var missing []string
	for _, why := range reasons {
		missing = append(missing, strings.Join(names[why], ", ")+": "+why)
	}
	if len(missing) == 0 {
		missing = append(missing, fmt.Sprintf("no single target has all of %v", need))
	}
	return nil, fmt.Errorf("%w %s", ErrLacks, strings.Join(missing, "; "))
}

// lacks says why no target has c: what discovery found on each target
// ("not served by this target (...)"), when it found a reason on every
// one, else what a target lacking c misses (Capability.Reason).
func (s *Set) lacks(c Capability) string {
	if len(s.targets) == 0 {
		return c.Reason()
	}
	first, same := s.targets[0].lacking[c], true
	var named []string
	for _, t := range s.targets {
		reason, ok := t.lacking[c]
		if !ok {
			return c.Reason()
		}
		same = same && reason == first
		named = append(named, t.name+": "+reason)
	}
	if same {
		return first
	}
	return strings.Join(named, "; ")
}

// Facts are what discovery found on each target.
func (s *Set) Facts() []results.DiscoveredTarget {
	var out []results.DiscoveredTarget
	for _, t := range s.targets {
		if t != nil {
			out = append(out, t.facts)
		}
	}
	return out
}

// RateLimits counts how often the targets limited the set's requests so far.
func (s *Set) RateLimits() results.RateLimits {
	st := s.pace.Stats()
	return results.RateLimits{
		MaxRPS: s.opts.MaxRPS, Requests: st.Requests, Limited: st.Limited,
		Retried: st.Retried, GaveUp: st.GaveUp, WaitedS: st.Waited.Seconds(),
		StorageConflicts: st.Conflicts,
	}
}

// Close removes every test identity made on a remote target (with its
// admin API; without one they are left for `orybench cleanup`, which knows
// their addresses), stops the local instances, which take their data with
// them, and the fake OIDC provider.
func (s *Set) Close(ctx context.Context) error {
	var errs []error
	for _, t := range s.targets {
		if t != nil && t.local == nil {
			errs = append(errs, t.removeAll(ctx))
		}
	}
	for _, t := range s.targets {
		if t != nil && t.local != nil {
			errs = append(errs, t.local.Stop())
		}
	}
	if s.idp != nil {
		errs = append(errs, s.idp.Close())
	}
	return errors.Join(errs...)
}
