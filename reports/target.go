package reports

import (
	"fmt"
	"strings"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

// facts are the metadata lines of what orybench found out about the
// targets before the run and how they rate-limited it: one line per
// discovered target, one for the rate limits.
func targetFacts(t results.TargetInfo) []kv {
	var out []kv
	for _, d := range t.Discovered {
		k := "discovered"
		if len(t.Discovered) > 1 && d.Name != "" {
			k += " (" + d.Name + ")"
		}
		out = append(out, kv{k, discoveredText(d)})
	}
	if l := t.RateLimits; l != nil {
		out = append(out, kv{"rate limits", rateLimitsText(*l)})
	}
	return out
}

// text says what was discovered in one line: flows, methods, identity
// schema, what was declared, notes.
func discoveredText(d results.DiscoveredTarget) string {
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
		parts = append(parts, redact.Clip(redact.Prose(n), 300))
	}
	return strings.Join(parts, "; ")
}

// text says how often the target answered 429 and what the run did about
// it.
func rateLimitsText(l results.RateLimits) string {
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
