package localkratos

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Profile is one way orybench configures its local Kratos. By default a
// profile enables open registration with a session after it, password,
// code, TOTP, lookup secrets and OIDC, recovery and verification by code,
// and the email identity schema; profiles differ in lifespans, feature
// flags and storage, and two of them (username, closed) are deliberately
// different deployments, the kind orybench meets in users' projects.
type Profile struct {
	Name        string
	Description string

	// FlowLifespan, when set, is the lifespan of every self-service flow.
	FlowLifespan time.Duration
	// PrivilegedSessionMaxAge is how long after login a session may change
	// settings without signing in again.
	PrivilegedSessionMaxAge time.Duration
	// CodeLifespan, when set, is the lifespan of one-time codes.
	CodeLifespan time.Duration
	// ContinueWithTransitions turns on feature_flags.use_continue_with_transitions.
	ContinueWithTransitions bool
	// LockableDB keeps the SQLite file in rollback-journal mode with a
	// short busy timeout, so that it can be locked from outside to inject
	// database faults (see LockDB).
	LockableDB bool
	// Postgres stores data in a PostgreSQL server of the instance's own
	// (see postgres.go), as production deployments do; every other profile
	// stores it in a SQLite file in the instance's directory (sqliteDSN).
	Postgres bool

	// Schema is the identity schema file in config/ ("" is
	// default.schema.json: an email that is the password and code identifier).
	Schema string
	// RegistrationClosed sets selfservice.flows.registration.enabled: false.
	RegistrationClosed bool
	// NoSessionAfterRegistration leaves out the session hook: registering
	// does not sign in.
	NoSessionAfterRegistration bool
	// MailLinks recovers and verifies by link (methods.link on, code off).
	MailLinks bool
	// NoTOTP turns the totp method off.
	NoTOTP bool
	// NoOIDC turns social sign-in off.
	NoOIDC bool
}

// SchemaFile is the identity schema file the profile uses.
func (p Profile) SchemaFile() string {
	if p.Schema == "" {
		return "default.schema.json"
	}
	return p.Schema
}

var profiles = map[string]Profile{
	"default": {
		Name:                    "default",
		Description:             "normal lifespans (flows 1h, privileged sessions 15m), SQLite",
		PrivilegedSessionMaxAge: 15 * time.Minute,
	},
	"short": {
		Name:                    "short",
		Description:             "flows, one-time codes and privileged sessions expire after 1s, to reach 410 and 403 answers quickly",
		FlowLifespan:            time.Second,
		PrivilegedSessionMaxAge: time.Second,
		CodeLifespan:            time.Second,
	},
	"short-cwt": {
		Name:                    "short-cwt",
		Description:             "short, plus feature_flags.use_continue_with_transitions (the only way to a recovery 410)",
		FlowLifespan:            time.Second,
		PrivilegedSessionMaxAge: time.Second,
		CodeLifespan:            time.Second,
		ContinueWithTransitions: true,
	},
	"fault": {
		Name:                    "fault",
		Description:             "default, on a SQLite file that can be locked from outside to reach the 500 answers",
		PrivilegedSessionMaxAge: 15 * time.Minute,
		LockableDB:              true,
	},
	"username": {
		Name: "username",
		Description: "a strict username identifier (8 to 16 characters, ^[a-z][a-z0-9_]+$), nested required names " +
			"(name.first, name.last), a required enum plan (free, pro), an email for recovery and verification by link, " +
			"no TOTP, no social sign-in, no session after registration",
		PrivilegedSessionMaxAge:    15 * time.Minute,
		Schema:                     "username.schema.json",
		MailLinks:                  true,
		NoTOTP:                     true,
		NoOIDC:                     true,
		NoSessionAfterRegistration: true,
	},
	"postgres": {
		Name: "postgres",
		Description: fmt.Sprintf("default, on a PostgreSQL server of its own (a fresh cluster per run, "+
			"max_conns=%d): production-shaped storage, for load figures", PostgresMaxConns),
		PrivilegedSessionMaxAge: 15 * time.Minute,
		Postgres:                true,
	},
	"closed": {
		Name:                    "closed",
		Description:             "default, with registration closed: identities come from the admin API",
		PrivilegedSessionMaxAge: 15 * time.Minute,
		RegistrationClosed:      true,
	},
}

// Profiles lists every profile, sorted by name.
func Profiles() []Profile {
	out := make([]Profile, 0, len(profiles))
	for _, p := range profiles {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ProfileNames lists the profile names, sorted.
func ProfileNames() []string {
	var names []string
	for _, p := range Profiles() {
		names = append(names, p.Name)
	}
	return names
}

// LookupProfile returns the named profile.
func LookupProfile(name string) (Profile, error) {
	p, ok := profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("unknown profile %q (known: %s)", name, strings.Join(ProfileNames(), ", "))
	}
	return p, nil
}
