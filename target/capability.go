package target

import (
	"fmt"
	"slices"
	"strings"
)

// Capability is something a target must be configured for before a case
// can reach its status. The registry is frozen: a new capability is added
// here, with the reason a target may lack it.
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
	// MailCodes: orybench can read recovery and verification mails, codes
	// and links (a courier sink or the admin courier API).
	MailCodes Capability = "mail-codes"

	// The capabilities below are discovered from the flows and the identity
	// schema the target serves (discover.go); declared ones override.

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
	// RecoveryByLink: recovery by link (use: link) to an email address the
	// identity schema marks for recovery.
	RecoveryByLink Capability = "recovery-link"
	// Verification: address verification is enabled.
	Verification Capability = "verification"
	// VerificationByCode: verification by code (use: code) of an email
	// address the identity schema marks for verification.
	VerificationByCode Capability = "verification-code"
	// VerificationByLink: verification by link (use: link) of an email
	// address the identity schema marks for verification.
	VerificationByLink Capability = "verification-link"
	// EmailTrait: the identity schema has a top-level traits.email of
	// format email, which cases of invalid addresses write to.
	EmailTrait Capability = "email-trait"

	// The capabilities below are route families the Ory Network contract
	// documents and Kratos v1.3.1 does not serve, each found by one GET
	// during discovery (routeProbes in discover.go).

	// FedCM: the FedCM routes (/self-service/fed-cm/...) are served.
	FedCM Capability = "fedcm"
	// FedCMProvider: createFedcmFlow lists a FedCM provider.
	FedCMProvider Capability = "fedcm-provider"
	// SAML: the native SAML routes (/self-service/methods/saml/...) are
	// served.
	SAML Capability = "saml"
	// SAMLConnection: a native SAML connection is configured, so the
	// project's SP metadata is published (getSamlMetadata answers 200).
	SAMLConnection Capability = "saml-connection"
	// WebAuthnRelatedOrigins: GET /.well-known/webauthn is served.
	WebAuthnRelatedOrigins Capability = "webauthn-related-origins"
	// ChangePasswordURL: GET /.well-known/change-password is served.
	ChangePasswordURL Capability = "change-password-url"
	// TestLoginFlow: DELETE /self-service/login/test (dry-run OIDC test
	// login flows) is served.
	TestLoginFlow Capability = "test-login-flow"
)

var capabilityReasons = map[Capability]string{
	ShortLifespans:          "needs flow, code and privileged-session lifespans of a few seconds (a local profile)",
	ContinueWithTransitions: "needs feature_flags.use_continue_with_transitions",
	FaultInjection:          "needs a database orybench can lock (the local fault profile)",
	SocialSignIn:            "needs an OIDC provider configured on the target",
	CompletableSocialSignIn: "needs an OIDC provider orybench can complete a sign-in with",
	TOTP:                    "needs the totp method enabled",
	MailCodes:               "needs a way to read mailed codes and links (a local courier sink, or --admin-url for the courier API)",

	Registration:             "needs self-service registration open (selfservice.flows.registration.enabled)",
	PasswordMethod:           "needs the password method enabled",
	SessionAfterRegistration: "needs registration to sign in (the session hook after registration)",
	Recovery:                 "needs recovery enabled (selfservice.flows.recovery.enabled)",
	RecoveryByCode:           "needs recovery by code (use: code) to an email address the identity schema marks for recovery",
	RecoveryByLink:           "needs recovery by link (use: link) to an email address the identity schema marks for recovery",
	Verification:             "needs verification enabled (selfservice.flows.verification.enabled)",
	VerificationByCode:       "needs verification by code (use: code) of an email address the identity schema marks for verification",
	VerificationByLink:       "needs verification by link (use: link) of an email address the identity schema marks for verification",
	EmailTrait:               "needs a top-level traits.email of format email in the identity schema",

	FedCM:                  "needs FedCM configured (Ory Network)",
	FedCMProvider:          "needs a social sign-in provider with FedCM enabled, which createFedcmFlow lists",
	SAML:                   "needs the native SAML engine (Ory Network)",
	SAMLConnection:         "needs a native SAML connection configured, whose SP metadata getSamlMetadata publishes",
	WebAuthnRelatedOrigins: "needs the WebAuthn related origins document served (Ory Network)",
	ChangePasswordURL:      "needs the change password well-known URL served (Ory Network)",
	TestLoginFlow:          "needs dry-run OIDC test login flows served (Ory Network)",
}

// discoverable are the capabilities read from the target itself; the
// others are declared (a local profile's, or the user's).
var discoverable = []Capability{
	Registration, PasswordMethod, SessionAfterRegistration, TOTP, SocialSignIn,
	Recovery, RecoveryByCode, RecoveryByLink, Verification, VerificationByCode, VerificationByLink, EmailTrait,
	FedCM, FedCMProvider, SAML, SAMLConnection, WebAuthnRelatedOrigins, ChangePasswordURL, TestLoginFlow,
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

// Reason says what a target lacking c is missing.
func (c Capability) Reason() string { return capabilityReasons[c] }

// Known reports whether c is in the registry.
func (c Capability) Known() bool {
	_, ok := capabilityReasons[c]
	return ok
}

// ParseCapability checks a declared capability against the registry.
func ParseCapability(s string) (Capability, error) {
	c := Capability(strings.TrimSpace(s))
	if !c.Known() {
		return "", fmt.Errorf("unknown capability %q (known: %s)", s, strings.Join(capStrings(Capabilities()), ", "))
	}
	return c, nil
}

// ParseDeclared reads declared capabilities: "name" declares one present,
// "-name" (or "!name") absent.
func ParseDeclared(specs []string) (present, absent []Capability, err error) {
	for _, s := range specs {
		name, without := strings.CutPrefix(strings.TrimSpace(s), "-")
		if !without {
			name, without = strings.CutPrefix(name, "!")
		}
		c, err := ParseCapability(name)
		if err != nil {
			return nil, nil, err
		}
		if without {
			absent = append(absent, c)
		} else {
			present = append(present, c)
		}
	}
	return present, absent, nil
}

// Resolve is what a target can do: the discoverable capabilities found on
// it and those declared, less those declared absent (what is declared
// wins), sorted, each once. A capability found that is not discoverable is
// ignored: only a declaration vouches for it.
func Resolve(found, declared, absent []Capability) []Capability {
	var out []Capability
	add := func(c Capability) {
		if !slices.Contains(absent, c) && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	for _, c := range found {
		if slices.Contains(discoverable, c) {
			add(c)
		}
	}
	for _, c := range declared {
		add(c)
	}
	slices.Sort(out)
	return out
}

func capStrings(caps []Capability) []string {
	var out []string
	for _, c := range caps {
		out = append(out, string(c))
	}
	return out
}
