package suites

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/orybench/orybench/results"
	"net/http"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target/identityschema"
)

// discover reads what t is configured for from what it serves, never from
// what it is assumed to be: its identity schema (which also sets how test
// identities are made), a registration, login, recovery and verification
// flow, and the settings flow of one identity it signs in. Capabilities
// declared for t are added and those declared absent removed: declared
// wins. The result is printed to the run's log.
//
// An error means the run cannot start: the target is unreachable, or its
// identity schema asks for traits orybench cannot make (the error names the
// trait).
func (e *env) discover(ctx context.Context, t *target) error {
	ctx = kratosclient.RetryTransient(ctx)
	d := results.DiscoveredTarget{Name: t.name, URL: t.publicURL, Traits: "schema", Registration: "unknown", Recovery: "unknown", Verification: "unknown"}
	found := map[Capability]bool{}
	c, err := t.client(kratosclient.Native)
	if err != nil {
		return err
	}

	schema, schemaErr := identityschema.Fetch(ctx, c, e.opts.SchemaID)
	switch {
	case e.opts.Traits != nil:
		tmpl, err := identityschema.ParseTemplate(e.opts.Traits, schema)
		if err != nil {
			return err
		}
		t.identities, d.Traits = tmpl.Identity, "template"
		if schemaErr != nil {
			d.Notes = append(d.Notes, "identity schema not read ("+schemaErr.Error()+"): the --traits template is not checked against it")
		}
	case schemaErr != nil:
		return fmt.Errorf("%s: identity schema: %w", t.name, schemaErr)
	default:
		t.identities = schema.Identity
	}
	if schema != nil {
		t.schemaID, d.IdentitySchema = schema.ID, schema.ID
	}
	sample, err := t.identities(hygiene.Email(e.runID, 0))
	if err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	d.IdentifierTrait, d.EmailTrait = sample.IdentifierTrait, sample.EmailTrait
	found[EmailTrait] = sample.EmailTrait == "email" && (schema == nil || schema.Format("email") == "email")

	// Registration: open answers a flow; closed answers 400
	// self_service_flow_disabled (Kratos v1.3.1 registration/handler.go).
	r, err := c.CreateNativeRegistrationFlow(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	switch {
	case r.Status == http.StatusOK:
		d.Registration, found[Registration] = "open", true
	case errorID(r) == "self_service_flow_disabled" || r.Status == http.StatusNotFound:
		d.Registration = "closed"
	default:
		d.Notes = append(d.Notes, fmt.Sprintf("createNativeRegistrationFlow answered %d: registration taken as closed", r.Status))
	}

	// Login: the methods a new flow offers (aal1).
	r, err = c.CreateNativeLoginFlow(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	if r.Status == http.StatusOK {
		var fl discoveryFlow
		_ = r.Decode(&fl)
		d.LoginMethods, d.OIDCProviders = fl.groups(), fl.providers()
		found[PasswordMethod] = slices.Contains(d.LoginMethods, "password")
		found[SocialSignIn] = len(d.OIDCProviders) > 0
	} else {
		d.Notes = append(d.Notes, fmt.Sprintf("createNativeLoginFlow answered %d", r.Status))
	}

	// Recovery and verification: enabled or not, and by code or by link.
	d.Recovery = mailFlowMethod(ctx, c, kratosclient.Recovery, &d)
	d.Verification = mailFlowMethod(ctx, c, kratosclient.Verification, &d)
	found[Recovery] = d.Recovery == "code" || d.Recovery == "link"
	found[Verification] = d.Verification == "code" || d.Verification == "link"
	byCode := func(method string, addrs func() []identityschema.Address) bool {
		if method != "code" {
			return false
		}
		if schema == nil {
			return sample.Email != ""
		}
		return slices.ContainsFunc(addrs(), func(a identityschema.Address) bool { return a.Via == "email" })
	}
	if schema != nil {
		found[RecoveryByCode] = byCode(d.Recovery, schema.RecoveryAddresses)
		found[VerificationByCode] = byCode(d.Verification, schema.VerificationAddresses)
	} else {
		found[RecoveryByCode] = byCode(d.Recovery, nil)
		found[VerificationByCode] = byCode(d.Verification, nil)
	}

	// One identity, signed in: does registering sign in, and what can its
	// settings change (TOTP, lookup secrets, passkeys...)?
	if found[PasswordMethod] && sample.Identifier != "" {
		if err := e.discoverSession(ctx, t, found, &d); err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		if d.SessionAfterRegistration != nil {
			found[SessionAfterRegistration] = *d.SessionAfterRegistration
		}
		found[TOTP] = slices.Contains(d.SettingsMethods, "totp")
	} else {
		d.Notes = append(d.Notes, "no identity signed in: the settings flow (totp, lookup_secret) was not read")
	}

	for _, c := range discoverable {
		if found[c] && !slices.Contains(t.absent, c) {
			t.capabilities = append(t.capabilities, c)
		}
	}
	for _, c := range t.declared {
		if !slices.Contains(t.capabilities, c) && !slices.Contains(t.absent, c) {
			t.capabilities = append(t.capabilities, c)
		}
	}
	slices.Sort(t.capabilities)
	d.Capabilities = capStrings(t.capabilities)
	d.Declared, d.DeclaredAbsent = capStrings(t.declared), capStrings(t.absent)
	t.discovered = d
	fmt.Fprint(e.opts.Log, describe(d))
	return nil
}

// discoverSession makes one test identity, signs it in natively and reads
// its settings flow.
func (e *env) discoverSession(ctx context.Context, t *target, found map[Capability]bool, d *results.DiscoveredTarget) error {
	id, _, err := e.nextIdentity(t)
	if err != nil {
		return err
	}
	password := "Ob-discover-" + strings.ReplaceAll(e.runID, "-", "") + "!"
	c, err := t.client(kratosclient.Native)
	if err != nil {
		return err
	}
	switch {
	case found[Registration]:
		r, err := c.CreateNativeRegistrationFlow(ctx, nil)
		if err != nil {
			return err
		}
		var fl discoveryFlow
		_ = r.Decode(&fl)
		r, err = c.UpdateRegistrationFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "password", "traits": id.Traits, "password": password}))
		if err != nil {
			return err
		}
		if r.Status != http.StatusOK {
			_ = r.Decode(&fl)
			return fmt.Errorf("registering a test identity answered %d: %s: the traits orybench made do not suit the target (use --traits or --schema-id)", r.Status, fl.messages())
		}
		var body struct {
			SessionToken string `json:"session_token"`
			Identity     struct {
				ID string `json:"id"`
			} `json:"identity"`
		}
		_ = r.Decode(&body)
		e.remember(t, body.Identity.ID)
		signedIn := body.SessionToken != ""
		d.SessionAfterRegistration = &signedIn
	case t.admin != nil:
		created, err := t.admin.CreateIdentity(ctx, t.schemaID, id.Traits, password)
		if err != nil {
			return fmt.Errorf("creating a test identity through the admin API: %w", err)
		}
		e.remember(t, created.ID)
	default:
		d.Notes = append(d.Notes, "registration is closed and no admin API is known: no identity could be made, so test identities cannot be either")
		return nil
	}
	if c.SessionToken() == "" {
		r, err := c.CreateNativeLoginFlow(ctx, nil)
		if err != nil {
			return err
		}
		var fl discoveryFlow
		_ = r.Decode(&fl)
		r, err = c.UpdateLoginFlow(ctx, fl.ID, c.Submission(kratosclient.Fields{"method": "password", "identifier": id.Identifier, "password": password}))
		if err != nil {
			return err
		}
		if r.Status != http.StatusOK {
			_ = r.Decode(&fl)
			d.Notes = append(d.Notes, fmt.Sprintf("a password login of the new identity answered %d (%s): the settings flow was not read", r.Status, fl.messages()))
			return nil
		}
	}
	r, err := c.CreateNativeSettingsFlow(ctx, nil)
	if err != nil {
		return err
	}
	if r.Status != http.StatusOK {
		d.Notes = append(d.Notes, fmt.Sprintf("createNativeSettingsFlow answered %d", r.Status))
		return nil
	}
	var fl discoveryFlow
	_ = r.Decode(&fl)
	d.SettingsMethods = fl.groups()
	return nil
}

// mailFlowMethod is how a recovery or verification flow works: "code" or
// "link" (its active method), "disabled" (400), or "unknown".
func mailFlowMethod(ctx context.Context, c *kratosclient.Client, flow kratosclient.FlowKind, d *results.DiscoveredTarget) string {
	r, err := c.CreateNativeFlow(ctx, flow, nil)
	switch {
	case err != nil:
		d.Notes = append(d.Notes, fmt.Sprintf("create a native %s flow: %v", flow, err))
		return "unknown"
	case r.Status == http.StatusBadRequest && strings.Contains(string(r.Body), "disabled"):
		return "disabled"
	case r.Status != http.StatusOK:
		d.Notes = append(d.Notes, fmt.Sprintf("createNative%sFlow answered %d", title(string(flow)), r.Status))
		return "unknown"
	}
	var fl discoveryFlow
	_ = r.Decode(&fl)
	if fl.Active == "code" || fl.Active == "link" {
		return fl.Active
	}
	for _, g := range fl.groups() {
		if g == "code" || g == "link" {
			return g
		}
	}
	return "unknown"
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// discoveryFlow is what discovery reads of a flow.
type discoveryFlow struct {
	ID     string `json:"id"`
	Active string `json:"active"`
	UI     struct {
		Messages []struct {
			Text string `json:"text"`
		} `json:"messages"`
		Nodes []struct {
			Group      string `json:"group"`
			Attributes struct {
				Name  string `json:"name"`
				Value any    `json:"value"`
			} `json:"attributes"`
			Messages []struct {
				Text string `json:"text"`
			} `json:"messages"`
		} `json:"nodes"`
	} `json:"ui"`
}

// groups are the flow's node groups but default, in order of appearance.
func (fl discoveryFlow) groups() []string {
	out := []string{}
	for _, n := range fl.UI.Nodes {
		if n.Group != "default" && n.Group != "" && !slices.Contains(out, n.Group) {
			out = append(out, n.Group)
		}
	}
	return out
}

// providers are the social sign-in providers the flow offers.
func (fl discoveryFlow) providers() []string {
	var out []string
	for _, n := range fl.UI.Nodes {
		if p, ok := n.Attributes.Value.(string); ok && n.Group == "oidc" && n.Attributes.Name == "provider" {
			out = append(out, p)
		}
	}
	return out
}

// messages are the flow's messages and its inputs' (by name), for errors.
func (fl discoveryFlow) messages() string {
	var out []string
	for _, m := range fl.UI.Messages {
		out = append(out, m.Text)
	}
	for _, n := range fl.UI.Nodes {
		for _, m := range n.Messages {
			out = append(out, n.Attributes.Name+": "+m.Text)
		}
	}
	if len(out) == 0 {
		return "no message"
	}
	return redact.Text(strings.Join(out, "; "))
}

func capStrings(caps []Capability) []string {
	var out []string
	for _, c := range caps {
		out = append(out, string(c))
	}
	return out
}

// describe is what a run prints of a target before the specs run.
func describe(d results.DiscoveredTarget) string {
	var b strings.Builder
	fmt.Fprintf(&b, "target %s (%s)\n", d.Name, d.URL)
	schema := d.IdentitySchema
	if schema == "" {
		schema = "(not read)"
	}
	fmt.Fprintf(&b, "  identity schema %s, traits from the %s: signs in with %s, mail to %s\n", schema, d.Traits, orNone(traitName(d.IdentifierTrait)), orNone(traitName(d.EmailTrait)))
	session := "not tried"
	if d.SessionAfterRegistration != nil {
		session = map[bool]string{true: "signs in", false: "does not sign in"}[*d.SessionAfterRegistration]
	}
	fmt.Fprintf(&b, "  discovered: registration %s (%s); login %s; settings %s; social sign-in %s; recovery %s; verification %s\n",
		d.Registration, session, orNone(strings.Join(d.LoginMethods, ",")), orNone(strings.Join(d.SettingsMethods, ",")),
		orNone(strings.Join(d.OIDCProviders, ",")), d.Recovery, d.Verification)
	fmt.Fprintf(&b, "  capabilities: %s\n", orNone(strings.Join(d.Capabilities, ", ")))
	for _, n := range d.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	return b.String()
}

func traitName(path string) string {
	if path == "" {
		return ""
	}
	return "traits." + path
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Report entries that carry a run's facts from the suite to
// conformance.json's target.
const (
	entryDiscovered = "orybench.discovered"
	entryRateLimits = "orybench.rate-limits"
)

// TargetFacts reads from a run's report what it discovered of its targets
// and how often they rate-limited it (nil when the run did not get as far).
func TargetFacts(r types.Report) ([]results.DiscoveredTarget, *results.RateLimits) {
	var (
		discovered []results.DiscoveredTarget
		limits     *results.RateLimits
	)
	for _, s := range r.SpecReports {
		for _, e := range s.ReportEntries {
			switch e.Name {
			case entryDiscovered:
				_ = json.Unmarshal([]byte(e.StringRepresentation()), &discovered)
			case entryRateLimits:
				var l results.RateLimits
				if json.Unmarshal([]byte(e.StringRepresentation()), &l) == nil {
					limits = &l
				}
			}
		}
	}
	return discovered, limits
}

// facts are the report entries of TargetFacts, as JSON.
func (e *env) facts() (discovered, limits string) {
	var ds []results.DiscoveredTarget
	for _, t := range e.targets {
		if t != nil {
			ds = append(ds, t.discovered)
		}
	}
	st := e.pace.Stats()
	l := results.RateLimits{
		MaxRPS: e.opts.MaxRPS, Requests: st.Requests, Limited: st.Limited,
		Retried: st.Retried, GaveUp: st.GaveUp, WaitedS: st.Waited.Seconds(),
		StorageConflicts: st.Conflicts,
	}
	d, _ := json.Marshal(ds)
	b, _ := json.Marshal(l)
	return string(d), string(b)
}
