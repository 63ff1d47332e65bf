package target

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/results"
)

func readSchema(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile("identityschema/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestOpenDiscoversARemoteTarget(t *testing.T) {
	yes, no := true, false
	quickstart := results.DiscoveredTarget{
		IdentitySchema: "default", IdentifierTrait: "email", EmailTrait: "email", Traits: "schema",
		Registration: "open", SessionAfterRegistration: &yes,
		LoginMethods: []string{"password"}, SettingsMethods: []string{"profile", "password"},
		Recovery: "code", Verification: "code",
	}
	// with changes quickstart as fn does.
	with := func(fn func(d *results.DiscoveredTarget)) results.DiscoveredTarget {
		d := quickstart
		fn(&d)
		return d
	}
	for _, tc := range []struct {
		name     string
		cfg      fakeConfig
		noAdmin  bool
		declared []Capability // Options.Capabilities
		absent   []Capability // Options.Without
		want     results.DiscoveredTarget
		wantCaps []Capability
		wantNote string
	}{
		{
			name: "quickstart with an admin API",
			want: with(func(d *results.DiscoveredTarget) { d.Declared = []string{"mail-codes"} }),
			wantCaps: []Capability{EmailTrait, MailCodes, PasswordMethod, Recovery, RecoveryByCode, Registration,
				SessionAfterRegistration, Verification, VerificationByCode},
		},
		{
			name:    "quickstart without an admin API: no mail codes",
			noAdmin: true,
			want:    quickstart,
			wantCaps: []Capability{EmailTrait, PasswordMethod, Recovery, RecoveryByCode, Registration,
				SessionAfterRegistration, Verification, VerificationByCode},
		},
		{
			name: "registration closed: the identity is made by the admin API",
			cfg:  fakeConfig{RegistrationClosed: true},
			want: with(func(d *results.DiscoveredTarget) {
				d.Registration, d.SessionAfterRegistration, d.Declared = "closed", nil, []string{"mail-codes"}
			}),
			wantCaps: []Capability{EmailTrait, MailCodes, PasswordMethod, Recovery, RecoveryByCode, Verification, VerificationByCode},
		},
		{
			name:    "registration closed and no admin API: no identity, no settings",
			cfg:     fakeConfig{RegistrationClosed: true},
			noAdmin: true,
			want: with(func(d *results.DiscoveredTarget) {
				d.Registration, d.SessionAfterRegistration, d.SettingsMethods = "closed", nil, nil
			}),
			wantCaps: []Capability{EmailTrait, PasswordMethod, Recovery, RecoveryByCode, Verification, VerificationByCode},
			wantNote: "registration is closed on target and no admin API is known",
		},
		{
			name: "no session hook; totp, code and a social provider; recovery by link; no verification",
			cfg: fakeConfig{NoSessionHook: true, Methods: []string{"password", "totp", "code"}, Providers: []string{"github"},
				Recovery: "link", Verification: "disabled"},
			want: with(func(d *results.DiscoveredTarget) {
				d.SessionAfterRegistration, d.Declared = &no, []string{"mail-codes"}
				d.LoginMethods, d.OIDCProviders = []string{"password", "code", "oidc"}, []string{"github"}
				d.SettingsMethods = []string{"profile", "password", "totp"}
				d.Recovery, d.Verification = "link", "disabled"
			}),
			wantCaps: []Capability{EmailTrait, MailCodes, SocialSignIn, PasswordMethod, Recovery, RecoveryByLink, Registration, TOTP},
		},
		{
			name: "recovery and verification by link",
			cfg:  fakeConfig{Recovery: "link", Verification: "link"},
			want: with(func(d *results.DiscoveredTarget) {
				d.Declared, d.Recovery, d.Verification = []string{"mail-codes"}, "link", "link"
			}),
			wantCaps: []Capability{EmailTrait, MailCodes, PasswordMethod, Recovery, RecoveryByLink, Registration,
				SessionAfterRegistration, Verification, VerificationByLink},
		},
		{
			name:     "declared capabilities are added, absent ones removed",
			declared: []Capability{ShortLifespans, TOTP},
			absent:   []Capability{Registration, VerificationByCode, MailCodes},
			// Registration declared absent: the identity is made by the admin API.
			want: with(func(d *results.DiscoveredTarget) {
				d.SessionAfterRegistration = nil
				d.Declared = []string{"short-lifespans", "totp"} // mail-codes, declared absent, wins
				d.DeclaredAbsent = []string{"registration", "verification-code", "mail-codes"}
			}),
			wantCaps: []Capability{EmailTrait, PasswordMethod, Recovery, RecoveryByCode, ShortLifespans, TOTP, Verification},
		},
		{
			name: "no password method: nothing signs in",
			cfg:  fakeConfig{Methods: []string{"code"}},
			want: with(func(d *results.DiscoveredTarget) {
				d.SessionAfterRegistration, d.Declared = nil, []string{"mail-codes"}
				d.LoginMethods, d.SettingsMethods = []string{"code"}, nil
			}),
			wantCaps: []Capability{EmailTrait, MailCodes, Recovery, RecoveryByCode, Registration, Verification, VerificationByCode},
			wantNote: "no identity signed in",
		},
		{
			name: "the schema called default is on the second page of schemas",
			cfg: fakeConfig{SchemaPage: 1, Schemas: []fakeSchema{
				{ID: "member", Identifier: "username", Raw: readSchema(t, "username-nested.json")},
				{ID: "default", Identifier: "email", Raw: readSchema(t, "email-password.json")},
			}},
			want: with(func(d *results.DiscoveredTarget) { d.Declared = []string{"mail-codes"} }),
			wantCaps: []Capability{EmailTrait, MailCodes, PasswordMethod, Recovery, RecoveryByCode, Registration,
				SessionAfterRegistration, Verification, VerificationByCode},
		},
		{
			name: "identities sign in with a username and get mail at their email trait",
			cfg:  fakeConfig{Schemas: []fakeSchema{{ID: "member", Identifier: "username", Raw: readSchema(t, "username-nested.json")}}},
			want: with(func(d *results.DiscoveredTarget) {
				d.IdentitySchema, d.IdentifierTrait, d.Declared = "member", "username", []string{"mail-codes"}
			}),
			wantCaps: []Capability{EmailTrait, MailCodes, PasswordMethod, Recovery, RecoveryByCode, Registration,
				SessionAfterRegistration, Verification, VerificationByCode},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.cfg)
			opts := Options{Capabilities: tc.declared, Without: tc.absent}
			if !tc.noAdmin {
				opts.AdminURL = f.admin.URL
			}
			s, tg := f.open(t, opts)
			got := tg.Facts()
			if got.Name != "target" || got.URL != f.public.URL {
				t.Errorf("name %q, URL %q; want target, %s", got.Name, got.URL, f.public.URL)
			}
			notes := got.Notes
			got.Name, got.URL, got.Notes = "", "", nil
			tc.want.Capabilities = capStrings(tc.wantCaps)
			slices.Sort(tc.want.Capabilities)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("facts\n got %+v\nwant %+v", got, tc.want)
			}
			if caps := tg.Capabilities(); !slices.Equal(capStrings(caps), tc.want.Capabilities) {
				t.Errorf("Capabilities() = %v, want %v", caps, tc.want.Capabilities)
			}
			if tc.wantNote != "" && !slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, tc.wantNote) }) {
				t.Errorf("notes %q, want one saying %q", notes, tc.wantNote)
			}
			if !reflect.DeepEqual(s.Facts(), []results.DiscoveredTarget{tg.Facts()}) {
				t.Errorf("Set.Facts() = %+v, want the target's", s.Facts())
			}
			if d := tg.Describe(); !strings.Contains(d, "registration "+tc.want.Registration) || !strings.Contains(d, strings.Join(tc.want.Capabilities, ", ")) {
				t.Errorf("Describe() =\n%s", d)
			}
		})
	}
}

func TestOpenPagesThroughTheIdentitySchemas(t *testing.T) {
	f := startFake(t, fakeConfig{SchemaPage: 1, Schemas: []fakeSchema{
		{ID: "member", Identifier: "username", Raw: readSchema(t, "username-nested.json")},
		{ID: "default", Identifier: "email", Raw: readSchema(t, "email-password.json")},
	}})
	f.open(t, Options{})
	// The first asks for one schema: the check that the target is a Kratos.
	pages := f.received("public", "GET /schemas")
	if len(pages) != 3 || pages[0].Query.Get("page_size") != "1" {
		t.Errorf("GET /schemas queries: %v", pages)
	}
	if pages = pages[1:]; len(pages) != 2 || pages[0].Query.Has("page_token") || pages[1].Query.Get("page_token") != "1" {
		t.Errorf("GET /schemas queries: %v", pages)
	}
}

func TestOpenFailsOnASchemaItCannotSatisfyNamingTheTrait(t *testing.T) {
	schema := []byte(`{"type":"object","properties":{"traits":{"type":"object","properties":{"handle":{"type":"string","maxLength":12,
		"ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}}},"required":["handle"]}}}`)
	f := startFake(t, fakeConfig{Schemas: []fakeSchema{{ID: "default", Identifier: "handle", Raw: schema}}})
	s, err := Open(context.Background(), Options{URL: f.public.URL, AdminURL: f.admin.URL})
	if err == nil {
		s.Close(context.Background())
		t.Fatal("Open succeeded")
	}
	if !strings.HasPrefix(err.Error(), "target: ") || !strings.Contains(err.Error(), "traits.handle") {
		t.Errorf("error %q, want it to name the target and traits.handle", err)
	}
	if n := f.identityCount(); n != 0 {
		t.Errorf("%d identities made", n)
	}
}

func TestOpenOfAnUnreachableURLFailsWithOneClearError(t *testing.T) {
	gone := httptest.NewServer(nil)
	gone.Close()
	s, err := Open(context.Background(), Options{URL: gone.URL, AdminURL: gone.URL + "/admin"})
	if err == nil {
		s.Close(context.Background())
		t.Fatal("Open succeeded")
	}
	msg := err.Error()
	host := strings.TrimPrefix(gone.URL, "http://")
	if strings.Count(msg, "connection refused") != 1 || !strings.Contains(msg, "nothing listens at "+host) || strings.Contains(msg, "\n") {
		t.Errorf("error %q, want one line saying nothing listens at %s", msg, host)
	}
	if errors.Is(err, ErrUnsupported) {
		t.Errorf("error %q wraps ErrUnsupported: an unreachable target is not a lacking one", msg)
	}
}

func TestOpenWithAnAPIKeyCallsTheAdminAPIOnThePublicURL(t *testing.T) {
	const key = "ory_apikey_0123456789abcdef"
	f := startFake(t, fakeConfig{RegistrationClosed: true, APIKey: key})
	_, tg := f.open(t, Options{APIKey: key})
	if tg.AdminURL() != f.public.URL {
		t.Errorf("AdminURL() = %q, want the public URL %s", tg.AdminURL(), f.public.URL)
	}
	if !tg.Has(MailCodes) {
		t.Error("no mail-codes: the admin courier API is not used")
	}
	made := f.received("public", "POST /admin/identities")
	if len(made) != 1 || tg.Facts().SettingsMethods == nil {
		t.Fatalf("discovery made %d identities through the admin API, read settings %v", len(made), tg.Facts().SettingsMethods)
	}
	for _, r := range f.received("public", "") {
		admin := strings.HasPrefix(r.Path, "/admin/")
		if got := r.Header.Get("Authorization"); admin != (got == "Bearer "+key) {
			t.Errorf("%s %s sent Authorization %q", r.Method, r.Path, got)
		}
	}
	if n := len(f.received("admin", "")); n != 0 {
		t.Errorf("%d requests went to the admin server", n)
	}
}

func TestOpenThatFailsRemovesTheIdentityDiscoveryMade(t *testing.T) {
	f := startFake(t, fakeConfig{})
	// The transport sends a GET again once when a kept-alive connection
	// closes: hang up on both.
	f.failNext("GET /self-service/settings/api", hangUp, hangUp)
	s, err := Open(context.Background(), Options{URL: f.public.URL, AdminURL: f.admin.URL})
	if err == nil {
		s.Close(context.Background())
		t.Fatal("Open succeeded")
	}
	if !strings.Contains(err.Error(), "/self-service/settings/api") {
		t.Errorf("error %q does not say which call failed", err)
	}
	if made := f.received("public", "POST /self-service/registration"); len(made) != 1 {
		t.Fatalf("discovery registered %d identities, want 1", len(made))
	}
	if n := f.identityCount(); n != 0 {
		t.Errorf("%d identities left behind", n)
	}
}

func TestOpenBlamesTheTraitsOnlyWhenTheTargetRefusesThem(t *testing.T) {
	const key = "ory_apikey_0123456789abcdef"
	for _, tc := range []struct {
		name      string
		cfg       fakeConfig
		opts      Options
		fault     fault // of the registration discovery makes
		want      string
		wantBlame bool
	}{
		{name: "the registration refuses them", want: "4000002 Property username is missing.", wantBlame: true,
			// The fake asks for a username the email-password schema has not.
			cfg: fakeConfig{Schemas: []fakeSchema{{ID: "default", Identifier: "username", Raw: readSchema(t, "email-password.json")}}}},
		{name: "the registration gets no answer", fault: hangUp, want: "/self-service/registration?flow="},
		{name: "the admin API refuses the API key", cfg: fakeConfig{RegistrationClosed: true, APIKey: key},
			opts: Options{APIKey: key + "-revoked"}, want: "the admin API refused the API key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := startFake(t, tc.cfg)
			f.failNext("POST /self-service/registration", tc.fault)
			tc.opts.URL = f.public.URL
			s, err := Open(context.Background(), tc.opts)
			if err == nil {
				s.Close(context.Background())
				t.Fatal("Open succeeded")
			}
			if blame := strings.Contains(err.Error(), "traits orybench made do not suit"); !strings.Contains(err.Error(), tc.want) || blame != tc.wantBlame {
				t.Errorf("error %q; want it to say %q, and blame the traits: %v", err, tc.want, tc.wantBlame)
			}
		})
	}
}

func TestOpenWithATraitsTemplate(t *testing.T) {
	schema := []byte(`{"type":"object","properties":{"traits":{"type":"object","properties":{"handle":{"type":"string","maxLength":16,
		"ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}}},"required":["handle"]}}}`)
	template := []byte(`{"traits": {"handle": "ob-{{n}}"}, "identifier": "ob-{{n}}"}`)
	for _, tc := range []struct {
		name, schemaID, wantSchema, wantNote string
	}{
		{name: "checked against the schema", wantSchema: "default"},
		{name: "a schema that cannot be read", schemaID: "gone", wantNote: "identity schema not read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, fakeConfig{Schemas: []fakeSchema{{ID: "default", Identifier: "handle", Raw: schema}}})
			_, tg := f.open(t, Options{AdminURL: f.admin.URL, Traits: template, SchemaID: tc.schemaID})
			d := tg.Facts()
			if d.Traits != "template" || d.IdentitySchema != tc.wantSchema || d.SessionAfterRegistration == nil {
				t.Errorf("traits from the %s, schema %q, signed up: %v; want the template, %q, signed up", d.Traits, d.IdentitySchema, d.SessionAfterRegistration != nil, tc.wantSchema)
			}
			if tc.wantNote != "" && !slices.ContainsFunc(d.Notes, func(n string) bool { return strings.Contains(n, tc.wantNote) }) {
				t.Errorf("notes %q, want one saying %q", d.Notes, tc.wantNote)
			}
			id, err := tg.SignUp(context.Background(), newClient(t, tg, kratosclient.Native))
			if err != nil || !strings.HasPrefix(id.Identifier, "ob-") || id.Traits["handle"] != id.Identifier {
				t.Errorf("SignUp = %+v (traits %v), %v; want the template's traits", id, id.Traits, err)
			}
		})
	}
}

func TestPickAndRateLimits(t *testing.T) {
	f := startFake(t, fakeConfig{})
	s, tg := f.open(t, Options{MaxRPS: 10000})
	if got, err := s.Pick(PasswordMethod, Registration); got != tg || err != nil {
		t.Errorf("Pick(password, registration) = %v, %v; want the target", got, err)
	}
	_, err := s.Pick(PasswordMethod, TOTP, FaultInjection)
	if !errors.Is(err, ErrLacks) || !strings.Contains(err.Error(), "totp: "+TOTP.Reason()) || !strings.Contains(err.Error(), "fault-injection: ") || strings.Contains(err.Error(), "password:") {
		t.Errorf("Pick(password, totp, fault-injection): %v; want ErrLacks naming totp and fault-injection, with reasons", err)
	}
	// Every request to the target, the admin API's too, kept the set's pace.
	rl := s.RateLimits()
	if sent := len(f.received("public", "")) + len(f.received("admin", "")); rl.MaxRPS != 10000 || rl.Requests != int64(sent) || rl.Limited != 0 {
		t.Errorf("RateLimits() = %+v; want max_rps 10000 and the %d requests sent", rl, sent)
	}
}
