package target

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/target/identityschema"
)

// discover reads what t is configured for from what it serves, never from
// what it is assumed to be: its identity schema (which also sets how test
// identities are made), a registration, login, recovery and verification
// flow, the route families of routeProbes when Options.ProbeRoutes asks,
// and the settings flow of one identity it signs up. Capabilities declared
// for t are added and those declared absent removed (Resolve).
//
// An error means t cannot be checked: it is unreachable, or its identity
// schema asks for traits orybench cannot make (the error names the trait).
func (t *Target) discover(ctx context.Context) error {
	ctx = kratosclient.RetryTransient(ctx)
	d := results.DiscoveredTarget{Name: t.name, URL: t.publicURL, Traits: "schema", Registration: "unknown", Recovery: "unknown", Verification: "unknown"}
	c, err := t.Client(kratosclient.Native)
	if err != nil {
		return err
	}
	schema, err := t.readIdentitySchema(ctx, c, &d)
	if err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	sample, err := t.identities(hygiene.Email(t.set.names.runID, 0))
	if err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	d.IdentifierTrait, d.EmailTrait = sample.IdentifierTrait, sample.EmailTrait
	var found []Capability
	if sample.EmailTrait == "email" && (schema == nil || schema.Format("email") == "email") {
		found = append(found, EmailTrait)
	}

	// Registration: open answers a flow; closed answers 400
	// self_service_flow_disabled (Kratos v1.3.1 registration/handler.go).
	r, err := c.CreateNativeRegistrationFlow(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	switch {
	case r.Status == http.StatusOK:
		d.Registration, found = "open", append(found, Registration)
	case r.ErrorBody().Error.ID == "self_service_flow_disabled" || r.Status == http.StatusNotFound:
		d.Registration = "closed"
	default:
		d.Notes = append(d.Notes, fmt.Sprintf("createNativeRegistrationFlow answered %d: registration taken as closed", r.Status))
	}

	// Login: the methods a new flow offers (aal1).
	r, err = c.CreateNativeLoginFlow(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	if fl, err := r.Flow(); r.Status == http.StatusOK && err == nil {
		d.LoginMethods, d.OIDCProviders = fl.UI.Groups(), fl.UI.Providers()
		if slices.Contains(d.LoginMethods, "password") {
			found = append(found, PasswordMethod)
		}
		if len(d.OIDCProviders) > 0 {
			found = append(found, SocialSignIn)
		}
	} else {
		d.Notes = append(d.Notes, fmt.Sprintf("createNativeLoginFlow answered %d", r.Status))
	}

	// Recovery and verification: enabled or not, and by code or by link.
	d.Recovery = mailFlowMethod(ctx, c, kratosclient.Recovery, &d)
	d.Verification = mailFlowMethod(ctx, c, kratosclient.Verification, &d)
	byEmail := func(addrs []identityschema.Address) bool {
		if schema == nil {
			return sample.Email != ""
		}
		return slices.ContainsFunc(addrs, func(a identityschema.Address) bool { return a.Via == "email" })
	}
	var recoveryTo, verificationTo []identityschema.Address
	if schema != nil {
		recoveryTo, verificationTo = schema.RecoveryAddresses(), schema.VerificationAddresses()
	}
	for _, m := range []struct {
		method              string
		enabled, code, link Capability
		to                  []identityschema.Address
	}{
		{d.Recovery, Recovery, RecoveryByCode, RecoveryByLink, recoveryTo},
		{d.Verification, Verification, VerificationByCode, VerificationByLink, verificationTo},
	} {
		by := map[string]Capability{"code": m.code, "link": m.link}[m.method]
		if by == "" {
			continue
		}
		found = append(found, m.enabled)
		if byEmail(m.to) {
			found = append(found, by)
		}
	}
	if t.set.opts.ProbeRoutes {
		found = append(found, t.probeRoutes(ctx, c, &d)...)
	}
	t.capabilities = Resolve(found, t.declared, t.absent)

	// One identity, signed up: does registering sign in, and what can its
	// settings change (TOTP, lookup secrets, passkeys...)?
	if t.Has(PasswordMethod) && sample.Identifier != "" {
		settings, err := t.discoverSession(ctx, &d)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		if d.SessionAfterRegistration != nil && *d.SessionAfterRegistration {
			found = append(found, SessionAfterRegistration)
		}
		if slices.Contains(settings, "totp") {
			found = append(found, TOTP)
		}
	} else {
		d.Notes = append(d.Notes, "no identity signed in: the settings flow (totp, lookup_secret) was not read")
	}

	t.capabilities = Resolve(found, t.declared, t.absent)
	t.lack("declared absent", t.absent...)
	d.Capabilities = capStrings(t.capabilities)
	declared := slices.DeleteFunc(slices.Clone(t.declared), func(c Capability) bool { return slices.Contains(t.absent, c) })
	d.Declared, d.DeclaredAbsent = capStrings(declared), capStrings(t.absent)
	t.facts = d
	return nil
}

// readIdentitySchema reads the identity schema test identities follow and
// sets how they are made: from the schema, or from the Traits template
// (then the schema is only read to check it, where it can be).
func (t *Target) readIdentitySchema(ctx context.Context, c *kratosclient.Client, d *results.DiscoveredTarget) (*identityschema.Schema, error) {
	o := t.set.opts
	schema, schemaErr := identityschema.Fetch(ctx, c, o.SchemaID)
	switch {
	case o.Traits != nil:
		tmpl, err := identityschema.ParseTemplate(o.Traits, schema)
		if err != nil {
			return nil, err
		}
		t.identities, d.Traits = tmpl.Identity, "template"
		if schemaErr != nil {
			d.Notes = append(d.Notes, "identity schema not read ("+schemaErr.Error()+"): the traits template is not checked against it")
		}
	case schemaErr != nil:
		return nil, fmt.Errorf("identity schema: %w", schemaErr)
	default:
		t.identities = schema.Identity
	}
	if schema != nil {
		t.schemaID, d.IdentitySchema = schema.ID, schema.ID
	}
	return schema, nil
}

// discoverSession signs one test identity up as a native app, which tells
// whether registering signs in, and returns the methods of its settings
// flow.
func (t *Target) discoverSession(ctx context.Context, d *results.DiscoveredTarget) ([]string, error) {
	c, err := t.Client(kratosclient.Native)
	if err != nil {
		return nil, err
	}
	id, err := t.SignUp(ctx, c)
	switch {
	case errors.Is(err, ErrUnsupported):
		d.Notes = append(d.Notes, err.Error())
		return nil, nil
	case errors.Is(err, errSignIn):
		d.Notes = append(d.Notes, err.Error()+": the settings flow was not read")
		return nil, nil
	case answerStatus(err) == http.StatusBadRequest:
		return nil, fmt.Errorf("%w: the traits orybench made do not suit the target (use --traits or --schema-id)", err)
	case err != nil:
		return nil, err
	}
	if id.ByRegistration {
		signedIn := !id.UnissuedSession
		d.SessionAfterRegistration = &signedIn
	}
	// Its work done, the identity goes: its session is revoked at once, not
	// left valid on a target without an admin API until cleanup.
	defer func() {
		if err := t.Remove(context.WithoutCancel(ctx), id); err != nil {
			d.Notes = append(d.Notes, "the identity discovery signed up was not removed: "+err.Error())
		}
	}()
	r, err := c.CreateNativeSettingsFlow(ctx, nil)
	if err != nil {
		return nil, err
	}
	fl, err := r.Flow()
	if r.Status != http.StatusOK || err != nil {
		d.Notes = append(d.Notes, fmt.Sprintf("createNativeSettingsFlow answered %d", r.Status))
		return nil, nil
	}
	d.SettingsMethods = fl.UI.Groups()
	return d.SettingsMethods, nil
}

// routeProbe finds whether the target serves one family of routes that
// the Ory Network contract documents and Kratos v1.3.1 does not: one GET of
// path (kratosclient's Probe), whose answer, unless it is a router's 404
// (NotServed), means the family is served. sub, when set, is a capability
// the answer of a served route shows or not, as shows tells.
type routeProbe struct {
	family Capability
	path   string
	sub    Capability
	shows  func(*kratosclient.Response) bool
}

// routeProbes are the route families discovery asks about, one GET each.
var routeProbes = []routeProbe{
	{FedCM, "/self-service/fed-cm/parameters", FedCMProvider, listsFedCMProvider},
	// getSamlMetadata "404s if no native SAML connection has been
	// configured for this project yet": with a JSON error, the route's.
	{SAML, "/self-service/methods/saml/metadata", SAMLConnection, func(r *kratosclient.Response) bool { return r.Status == http.StatusOK }},
	{WebAuthnRelatedOrigins, "/.well-known/webauthn", "", nil},
	{ChangePasswordURL, "/.well-known/change-password", "", nil},
	// GET, not deleteTestLoginFlow's DELETE, which Kratos's anti-CSRF
	// middleware answers 403 on any path; a router that routes DELETE
	// here answers GET 405.
	{TestLoginFlow, "/self-service/login/test", "", nil},
}

// listsFedCMProvider reports whether createFedcmFlow's answer lists a
// provider.
func listsFedCMProvider(r *kratosclient.Response) bool {
	var v struct {
		Providers []json.RawMessage `json:"providers"`
	}
	return r.Status == http.StatusOK && json.Unmarshal(r.Body, &v) == nil && len(v.Providers) > 0
}

// probeRoutes asks the target about each family of routeProbes and returns
// the capabilities it found. Why the target lacks each of the others is
// kept for Set.Pick's error, and the families it does not serve are noted
// in d.
func (t *Target) probeRoutes(ctx context.Context, c *kratosclient.Client, d *results.DiscoveredTarget) []Capability {
	var found []Capability
	var unserved []string
	for _, p := range routeProbes {
		caps := []Capability{p.family}
		if p.sub != "" {
			caps = append(caps, p.sub)
		}
		r, err := c.Probe(ctx, p.path)
		switch {
		case err != nil:
			t.lack("not probed: "+err.Error(), caps...)
			d.Notes = append(d.Notes, fmt.Sprintf("%s not probed: %v", p.family, err))
		case r.NotServed():
			t.lack(fmt.Sprintf("not served by this target (GET %s answered %s)", p.path, r.Explain()), caps...)
			unserved = append(unserved, fmt.Sprintf("%s (GET %s)", p.family, p.path))
		default:
			found = append(found, p.family)
			switch {
			case p.sub == "":
			case p.shows(r):
				found = append(found, p.sub)
			default:
				t.lack(fmt.Sprintf("%s (GET %s answered %s)", p.sub.Reason(), p.path, r.Explain()), p.sub)
			}
		}
	}
	if len(unserved) > 0 {
		d.Notes = append(d.Notes, "not served (the router's 404): "+strings.Join(unserved, ", "))
	}
	return found
}

// lack records why discovery found the target without caps.
func (t *Target) lack(reason string, caps ...Capability) {
	if t.lacking == nil {
		t.lacking = map[Capability]string{}
	}
	for _, c := range caps {
		t.lacking[c] = reason
	}
}

// mailFlowMethod is how a recovery or verification flow works: "code" or
// "link" (the method whose group holds the flow's email input, its active
// method where none does), "disabled" (400), or "unknown".
func mailFlowMethod(ctx context.Context, c *kratosclient.Client, kind kratosclient.FlowKind, d *results.DiscoveredTarget) string {
	r, err := c.CreateNativeFlow(ctx, kind, nil)
	switch {
	case err != nil:
		d.Notes = append(d.Notes, fmt.Sprintf("create a native %s flow: %v", kind, err))
		return "unknown"
	case r.Status == http.StatusBadRequest && strings.Contains(string(r.Body), "disabled"):
		return "disabled"
	case r.Status != http.StatusOK:
		d.Notes = append(d.Notes, fmt.Sprintf("createNative%sFlow answered %d", title(string(kind)), r.Status))
		return "unknown"
	}
	fl, _ := r.Flow()
	for _, n := range fl.UI.Nodes {
		if n.Attributes.Name == "email" && (n.Group == "code" || n.Group == "link") {
			return n.Group
		}
	}
	if fl.Active == "code" || fl.Active == "link" {
		return fl.Active
	}
	return "unknown"
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Describe says what was found out about the target before a run, in a
// few lines for a terminal.
func (t *Target) Describe() string {
	d := t.facts
	var b strings.Builder
	if t.local != nil {
		fmt.Fprintf(&b, "target %s (%s), admin %s", d.Name, redact.URL(d.URL), t.AdminURL())
	} else {
		// A remote target's name is "target": its URL says which.
		fmt.Fprintf(&b, "target %s", redact.URL(d.URL))
	}
	b.WriteString("\n")
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
