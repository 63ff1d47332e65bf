package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/internal/mailbox"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/servermetrics"
	"github.com/orybench/orybench/target/identityschema"
)

// Target is one Kratos deployment and what orybench knows of it.
type Target struct {
	set       *Set
	name      string
	publicURL string
	admin     *kratosclient.Admin   // nil without an admin API
	mail      *mailbox.Mailbox      // nil when mail cannot be read
	local     *localkratos.Instance // nil for a remote target
	// clientOpts are every client's: the set's pace and a remote target's
	// transport.
	clientOpts []kratosclient.Option

	// declared are capabilities known without asking (a local profile's,
	// or the user's), absent those declared missing; capabilities is what
	// Resolve made of them and of discovery.
	declared, absent []Capability
	capabilities     []Capability
	facts            results.DiscoveredTarget
	// lacking says why discovery found the target without a capability,
	// for those it asked about (routeProbes): a route not served, a
	// configuration missing.
	lacking map[Capability]string

	// identities makes valid traits for the target's identity schema;
	// schemaID names that schema ("" for the target's default).
	identities identityschema.Generator
	schemaID   string

	mu sync.Mutex
	// made are the ids of identities made on the target, identifiers what
	// identities whose id only the answer under test knew sign in with:
	// the clean-up removes both.
	made, identifiers []string
}

// Name is "target" for a remote target, "local:PROFILE" for a local one.
func (t *Target) Name() string { return t.name }

// PublicURL is the base URL of the public API, without a trailing slash.
func (t *Target) PublicURL() string { return t.publicURL }

// URL is path on the public API.
func (t *Target) URL(path string) string { return t.publicURL + path }

// Local reports whether orybench started the target (a local profile).
func (t *Target) Local() bool { return t.local != nil }

// UIURL is the base URL of the self-service UI the target sends browsers
// to, where orybench knows it: a local target's; "" elsewhere.
func (t *Target) UIURL() string {
	if t.local == nil {
		return ""
	}
	return localkratos.UIURL
}

// AdminURL is the admin API's base URL, "" when there is none.
func (t *Target) AdminURL() string {
	if t.admin == nil {
		return ""
	}
	return t.admin.BaseURL()
}

// Admin is the target's admin API, nil when none is known.
func (t *Target) Admin() *kratosclient.Admin { return t.admin }

// Has reports whether the target has capability c.
func (t *Target) Has(c Capability) bool { return slices.Contains(t.capabilities, c) }

// HasAll reports whether the target has every capability of need.
func (t *Target) HasAll(need ...Capability) bool {
	for _, c := range need {
		if !t.Has(c) {
			return false
		}
	}
	return true
}

// Capabilities are what the target can do, sorted.
func (t *Target) Capabilities() []Capability { return slices.Clone(t.capabilities) }

// Facts are what discovery found on the target.
func (t *Target) Facts() results.DiscoveredTarget { return t.facts }

// Client returns a new caller of the given kind of the public API, paced
// with the rest of the set.
func (t *Target) Client(mode kratosclient.Mode, opts ...kratosclient.Option) (*kratosclient.Client, error) {
	return kratosclient.New(t.publicURL, mode, append(slices.Clip(t.clientOpts), opts...)...)
}

// PrivilegedSessionMaxAge is how long after signing in a session may make
// privileged changes: a local profile's setting, else what ShortLifespans
// promises.
func (t *Target) PrivilegedSessionMaxAge() time.Duration {
	if t.local != nil {
		return t.local.Profile.PrivilegedSessionMaxAge
	}
	return 2 * time.Second
}

// ErrUnsupported is returned, wrapped, when the target cannot do what is
// asked (make an identity where registration is closed and no admin API is
// known, read mail without a mailbox, lock a remote database); the error
// says why. A case that needs it is skipped, not failed.
var ErrUnsupported = errors.New("the target cannot do this")

func unsupported(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, a...))
}

// LockDB holds the target's database locked, as another SQLite connection
// in an exclusive transaction would, until unlock: Kratos then fails every
// query after its busy timeout, which is how the 500 answers a healthy
// server never gives are reached. Only a target with FaultInjection (the
// local fault profile) can be locked.
func (t *Target) LockDB(ctx context.Context) (unlock func() error, err error) {
	if t.local == nil {
		return nil, unsupported("%s is not a local instance whose database orybench can lock", t.name)
	}
	return t.local.LockDB(ctx)
}

// DatabaseSample reads the statistics of the target's database, for
// servermetrics.Source.Database: only a local postgres profile's database
// can be read (localkratos.Instance.DatabaseSample); elsewhere the error
// wraps ErrUnsupported and says "not a local PostgreSQL profile".
func (t *Target) DatabaseSample(ctx context.Context) (servermetrics.DatabaseSample, error) {
	if t.local == nil || !t.local.Profile.Postgres {
		return servermetrics.DatabaseSample{}, unsupported("%s is not a local PostgreSQL profile", t.name)
	}
	return t.local.DatabaseSample(ctx)
}

// DatabasePoolSize is the most connections the target's Kratos keeps to
// its database, where orybench set it (a local postgres profile:
// localkratos.PostgresMaxConns); 0 elsewhere.
func (t *Target) DatabasePoolSize() int {
	if t.local == nil || !t.local.Profile.Postgres {
		return 0
	}
	return localkratos.PostgresMaxConns
}

// Mail is what one mail of a recovery or verification flow carries: a
// code to submit or a link to follow (a code mail may carry both).
type Mail struct {
	Code string
	Link string
}

// WaitForMail returns the next mail of kind to address that carries a
// code or a link: each mail is handed out once, oldest first, so a case
// that registers address (which mails a verification code or link) and
// then asks for one of its own takes the first one out first.
func (t *Target) WaitForMail(ctx context.Context, address string, kind MailKind) (Mail, error) {
	if t.mail == nil {
		return Mail{}, unsupported("no mail of %s can be read (give it an admin URL)", t.name)
	}
	m, err := t.mail.Wait(ctx, address, mailbox.Kind(kind))
	return Mail{Code: m.Code, Link: m.Link}, err
}

// MailKind says which mails WaitForMail accepts.
type MailKind string

// The mails WaitForMail reads codes and links from.
const (
	RecoveryMail     = MailKind(mailbox.Recovery)
	VerificationMail = MailKind(mailbox.Verification)
)

// concurrency is how many calls SignUpMany, NativeFlows and Remove make at
// once.
func (t *Target) concurrency() int {
	if c := t.set.opts.Concurrency; c > 0 {
		return c
	}
	if IsLoopback(t.publicURL) {
		return 2
	}
	return 8
}

// DefaultRemoteRPS is the pace of every request of a run against a remote
// target when none is asked for: below the burst limits of Ory Network's
// smallest plans.
const DefaultRemoteRPS float64 = 5

// DefaultMaxRPS is the pace of a run against a target's URLs (its public
// URL, its admin API) when none is asked for: none for local Kratos (no
// URL) and for a target all on loopback (the user's own machine, whose
// limits nobody shares), DefaultRemoteRPS for any other.
func DefaultMaxRPS(urls ...string) float64 {
	if OnLoopback(urls...) {
		return 0
	}
	return DefaultRemoteRPS
}

// OnLoopback reports whether every URL given is on loopback (IsLoopback);
// an empty URL (a local target, no admin API) counts as loopback.
func OnLoopback(urls ...string) bool {
	for _, u := range urls {
		if u != "" && !IsLoopback(u) {
			return false
		}
	}
	return true
}

// IsLoopback reports whether a host (a name or address, with or without a
// port), or the host of an http(s) URL, is loopback: localhost,
// 127.0.0.0/8 or ::1.
func IsLoopback(hostOrURL string) bool {
	host := hostOrURL
	if _, rest, ok := strings.Cut(host, "://"); ok {
		host, _, _ = strings.Cut(rest, "/")
		if _, after, ok := strings.Cut(host, "@"); ok {
			host = after
		}
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
