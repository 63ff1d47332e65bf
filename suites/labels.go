package suites

import (
	"fmt"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/orybench/orybench/kratosclient"
)

// Labels are typed: a spec is labelled op:<operationId>, status:<code>,
// client:<mode> and requires:<capability>, and a label filter such as
// "op:toSession && client:native" selects specs by them.
const (
	opPrefix       = "op:"
	statusPrefix   = "status:"
	clientPrefix   = "client:"
	requiresPrefix = "requires:"
)

// Op labels the Describe of one operation.
func Op(operationID string) Labels { return Label(opPrefix + operationID) }

// Status labels a spec with the documented status it reaches, and bounds
// it by specTimeout. Every spec reaches a status, so every spec has a
// timeout (and Ginkgo refuses one on a body that takes no SpecContext).
func Status(code int) []any {
	return []any{Label(fmt.Sprintf("%s%d", statusPrefix, code)), SpecTimeout(specTimeout)}
}

// specTimeout bounds one spec, so that a target that stops answering fails
// the spec it stalls with a timeout rather than holding the run until
// --timeout. Each call has its own bound (kratosclient's 30s); a spec makes
// a few, honours Retry-After up to 3 times and waits for mail, all well
// within it. A spec that times out is reported failed, its cleanup run.
const specTimeout = 3 * time.Minute

// Client labels a spec with the kind of caller it acts as.
func Client(m kratosclient.Mode) Labels { return Label(clientPrefix + m.String()) }

// Capability is something a target must be configured for before a spec can
// reach its status. The registry is frozen: a new capability is added here,
// with the reason a target may lack it.
type Capability string

const (
	// ShortLifespans: flows, codes and privileged sessions expire within a
	// second or two, so 410 and 403 answers come without waiting an hour.
	ShortLifespans Capability = "short-lifespans"
	// ContinueWithTransitions: feature_flags.use_continue_with_transitions.
	ContinueWithTransitions Capability = "continue-with-transitions"
	// FaultInjection: the target's database can be locked from outside.
	FaultInjection Capability = "fault-injection"
	// SocialSignIn: an OIDC provider is configured (a redirect is enough).
	SocialSignIn Capability = "oidc"
	// CompletableSocialSignIn: an OIDC provider orybench can complete a
	// sign-in with offline.
	CompletableSocialSignIn Capability = "oidc-completable"
	// TOTP: the totp method is enabled.
	TOTP Capability = "totp"
	// MailCodes: orybench can read recovery and verification codes (a
	// courier sink or the admin courier API).
	MailCodes Capability = "mail-codes"

	// The capabilities below are discovered from the flows and the identity
	// schema the target serves (discover.go); --capabilities overrides.

	// Registration: self-service registration is open.
	Registration Capability = "registration"
	// PasswordMethod: the password method is enabled.
	PasswordMethod Capability = "password"
	// SessionAfterRegistration: registering signs in (the session hook).
	SessionAfterRegistration Capability = "session-after-registration"
	// Recovery: account recovery is enabled.
	Recovery Capability = "recovery"
	// RecoveryByCode: recovery by code (use: code) to an email address the
	// identity schema marks for recovery.
	RecoveryByCode Capability = "recovery-code"
	// Verification: address verification is enabled.
	Verification Capability = "verification"
	// VerificationByCode: verification by code (use: code) of an email
	// address the identity schema marks for verification.
	VerificationByCode Capability = "verification-code"
	// EmailTrait: the identity schema has a top-level traits.email of
	// format email, which specs of invalid addresses write to.
	EmailTrait Capability = "email-trait"
)

var capabilityReasons = map[Capability]string{
	ShortLifespans:          "needs flow, code and privileged-session lifespans of a few seconds (a local profile)",
	ContinueWithTransitions: "needs feature_flags.use_continue_with_transitions",
	FaultInjection:          "needs a database orybench can lock (the local fault profile)",
	SocialSignIn:            "needs an OIDC provider configured on the target",
	CompletableSocialSignIn: "needs an OIDC provider orybench can complete a sign-in with",
	TOTP:                    "needs the totp method enabled",
	MailCodes:               "needs a way to read mailed codes (a local courier sink, or --admin-url for the courier API)",

	Registration:             "needs self-service registration open (selfservice.flows.registration.enabled)",
	PasswordMethod:           "needs the password method enabled",
	SessionAfterRegistration: "needs registration to sign in (the session hook after registration)",
	Recovery:                 "needs recovery enabled (selfservice.flows.recovery.enabled)",
	RecoveryByCode:           "needs recovery by code (use: code) to an email address the identity schema marks for recovery",
	Verification:             "needs verification enabled (selfservice.flows.verification.enabled)",
	VerificationByCode:       "needs verification by code (use: code) of an email address the identity schema marks for verification",
	EmailTrait:               "needs a top-level traits.email of format email in the identity schema",
}

// discoverable are the capabilities read from the target itself; the
// others are declared (a local profile's, or --capabilities).
var discoverable = []Capability{
	Registration, PasswordMethod, SessionAfterRegistration, TOTP, SocialSignIn,
	Recovery, RecoveryByCode, Verification, VerificationByCode, EmailTrait,
}

// Capabilities lists every capability, sorted.
func Capabilities() []Capability {
	out := make([]Capability, 0, len(capabilityReasons))
	for c := range capabilityReasons {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// ParseCapability checks a declared capability against the registry.
func ParseCapability(s string) (Capability, error) {
	c := Capability(strings.TrimSpace(s))
	if _, ok := capabilityReasons[c]; !ok {
		var known []string
		for _, k := range Capabilities() {
			known = append(known, string(k))
		}
		return "", fmt.Errorf("unknown capability %q (known: %s)", s, strings.Join(known, ", "))
	}
	return c, nil
}

// Requires labels a spec with the capabilities its target needs. Specs whose
// requirements no target meets are skipped with the reason, never dropped.
func Requires(caps ...Capability) Labels {
	var l Labels
	for _, c := range caps {
		if _, ok := capabilityReasons[c]; !ok {
			panic(fmt.Sprintf("suites: capability %q is not in the registry", c))
		}
		l = append(l, requiresPrefix+string(c))
	}
	return l
}

// specLabels reads the typed labels back from a spec's labels.
type specLabels struct {
	op       string
	status   int
	client   string
	requires []Capability
}

func parseLabels(labels []string) specLabels {
	var s specLabels
	for _, l := range labels {
		switch {
		case strings.HasPrefix(l, opPrefix):
			s.op = strings.TrimPrefix(l, opPrefix)
		case strings.HasPrefix(l, statusPrefix):
			fmt.Sscanf(strings.TrimPrefix(l, statusPrefix), "%d", &s.status)
		case strings.HasPrefix(l, clientPrefix):
			s.client = strings.TrimPrefix(l, clientPrefix)
		case strings.HasPrefix(l, requiresPrefix):
			s.requires = append(s.requires, Capability(strings.TrimPrefix(l, requiresPrefix)))
		}
	}
	return s
}
