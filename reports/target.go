package reports

import (
	"fmt"
	"strings"
)

// DiscoveredTarget is what orybench read from one target's flows and
// identity schema before the run: conformance.json's target.discovered.
type DiscoveredTarget struct {
	Name string `json:"name"`
	URL  string `json:"url"`
	// IdentitySchema is the id of the schema test identities follow;
	// IdentifierTrait the trait they sign in with and EmailTrait the one
	// mail goes to (dotted paths under traits). Traits says where the
	// traits came from: "schema", or "template" for --traits.
	IdentitySchema  string `json:"identity_schema,omitempty"`
	IdentifierTrait string `json:"identifier_trait,omitempty"`
	EmailTrait      string `json:"email_trait,omitempty"`
	Traits          string `json:"traits"`
	// Registration is "open", "closed" or "unknown".
	Registration string `json:"registration"`
	// SessionAfterRegistration: whether registering signed in (absent when
	// it could not be tried).
	SessionAfterRegistration *bool `json:"session_after_registration,omitempty"`
	// LoginMethods and SettingsMethods are the ui.nodes groups of a new
	// login flow and of a signed-in identity's settings flow.
	LoginMethods    []string `json:"login_methods"`
	SettingsMethods []string `json:"settings_methods,omitempty"`
	OIDCProviders   []string `json:"oidc_providers,omitempty"`
	// Recovery and Verification are "code", "link", "disabled" or "unknown".
	Recovery     string `json:"recovery"`
	Verification string `json:"verification"`
	// Capabilities are the target's capabilities in the end: discovered,
	// plus Declared, minus DeclaredAbsent (what is declared wins).
	Capabilities   []string `json:"capabilities"`
	Declared       []string `json:"declared,omitempty"`
	DeclaredAbsent []string `json:"declared_absent,omitempty"`
	Notes          []string `json:"notes,omitempty"`
}

// RateLimits counts how the target rate-limited a run.
type RateLimits struct {
	// MaxRPS is the pace the run kept (0: none).
	MaxRPS float64 `json:"max_rps"`
	// Requests is every request sent; Limited the 429 answers among them.
	Requests int64 `json:"requests"`
	Limited  int64 `json:"limited"`
	// Retried 429s were sent again after the wait they asked for; GaveUp
	// calls still had a 429 after every retry (their cases are skipped,
	// never failed).
	Retried int64   `json:"retried"`
	GaveUp  int64   `json:"gave_up"`
	WaitedS float64 `json:"waited_s"`
	// StorageConflicts is how many answers were transient database
	// conflicts of a local Kratos on in-memory SQLite (the courier's write
	// meeting a call's), sent again; other targets are never retried.
	StorageConflicts int64 `json:"storage_conflicts_retried,omitempty"`
}

// facts are the metadata lines of what orybench found out about the
// targets before the run and how they rate-limited it: one line per
// discovered target, one for the rate limits.
func (t TargetInfo) facts() []kv {
	var out []kv
	for _, d := range t.Discovered {
		k := "discovered"
		if len(t.Discovered) > 1 && d.Name != "" {
			k += " (" + d.Name + ")"
		}
		out = append(out, kv{k, d.text()})
	}
	if l := t.RateLimits; l != nil {
		out = append(out, kv{"rate limits", l.text()})
	}
	return out
}

// text says what was discovered in one line: flows, methods, identity
// schema, what was declared, notes.
func (d DiscoveredTarget) text() string {
	reg := "registration " + orDefault(d.Registration, "unknown")
	if s := d.SessionAfterRegistration; s != nil && *s {
		reg += " (signs in)"
	} else if s != nil {
		reg += " (does not sign in)"
	}
	parts := []string{reg}
	list := func(label string, vs []string) {
		if len(vs) > 0 {
			parts = append(parts, label+" "+strings.Join(vs, ", "))
		}
	}
	list("login", d.LoginMethods)
	list("settings", d.SettingsMethods)
	list("OIDC providers", d.OIDCProviders)
	parts = append(parts, "recovery "+orDefault(d.Recovery, "unknown"), "verification "+orDefault(d.Verification, "unknown"))
	if d.IdentitySchema != "" || d.IdentifierTrait != "" {
		s := "identity schema " + orDefault(d.IdentitySchema, "unknown")
		if d.IdentifierTrait != "" {
			s += ", identifier traits." + d.IdentifierTrait
		}
		if d.EmailTrait != "" {
			s += ", mail to traits." + d.EmailTrait
		}
		if d.Traits == "template" {
			s += ", traits from --traits"
		}
		parts = append(parts, s)
	}
	list("declared", d.Declared)
	list("declared absent", d.DeclaredAbsent)
	for _, n := range d.Notes {
		parts = append(parts, clip(scrub(n), 300))
	}
	return strings.Join(parts, "; ")
}

// text says how often the target answered 429 and what the run did about
// it.
func (l RateLimits) text() string {
	s := fmt.Sprintf("%s of %s requests answered 429", fmtCount(uint64(max(l.Limited, 0))), fmtCount(uint64(max(l.Requests, 0))))
	if l.Limited > 0 {
		s += fmt.Sprintf("; %s retried after waiting %s in all, %s still limited after every retry (their cases skipped)",
			fmtCount(uint64(max(l.Retried, 0))), fmtSeconds(l.WaitedS), fmtCount(uint64(max(l.GaveUp, 0))))
	}
	if l.MaxRPS > 0 {
		return s + "; paced at " + trimFloat(l.MaxRPS, 1) + " requests/s"
	}
	return s + "; not paced"
}
