package target

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDiscoveryProbesTheRoutesTheNetworkContractAdds(t *testing.T) {
	notServed := func(path string) string {
		return "not served by this target (GET " + path + " answered status 404; 404 page not found)"
	}
	network := []Capability{FedCM, FedCMProvider, SAML, SAMLConnection, WebAuthnRelatedOrigins, ChangePasswordURL, TestLoginFlow}
	noneServed := "not served (the router's 404): fedcm (GET /self-service/fed-cm/parameters), saml (GET /self-service/methods/saml/metadata), " +
		"webauthn-related-origins (GET /.well-known/webauthn), change-password-url (GET /.well-known/change-password), test-login-flow (GET /self-service/login/test)"
	for _, tc := range []struct {
		name             string
		cfg              fakeConfig
		declared, absent []Capability
		want             []Capability
		// lacks are what Pick says of each capability the target lacks.
		lacks    map[Capability]string
		wantNote string
	}{
		{
			name: "Kratos v1.3.1 serves none of them",
			lacks: map[Capability]string{
				FedCM:                  notServed("/self-service/fed-cm/parameters"),
				FedCMProvider:          notServed("/self-service/fed-cm/parameters"),
				SAML:                   notServed("/self-service/methods/saml/metadata"),
				SAMLConnection:         notServed("/self-service/methods/saml/metadata"),
				WebAuthnRelatedOrigins: notServed("/.well-known/webauthn"),
				ChangePasswordURL:      notServed("/.well-known/change-password"),
				TestLoginFlow:          notServed("/self-service/login/test"),
			},
			wantNote: noneServed,
		},
		{
			name: "a project with a FedCM provider and a SAML connection serves them all",
			cfg:  fakeConfig{Network: &fakeNetwork{FedCMProviders: []string{"google"}, SAMLConnections: []string{"acme"}}},
			want: network,
		},
		{
			name: "a project with neither: the routes are served, the answers show no provider and no connection",
			cfg:  fakeConfig{Network: &fakeNetwork{}},
			want: []Capability{FedCM, SAML, WebAuthnRelatedOrigins, ChangePasswordURL, TestLoginFlow},
			lacks: map[Capability]string{
				FedCMProvider:  FedCMProvider.Reason() + " (GET /self-service/fed-cm/parameters answered status 200)",
				SAMLConnection: SAMLConnection.Reason() + " (GET /self-service/methods/saml/metadata answered status 404; error: Unable to locate the resource)",
			},
		},
		{
			name:     "declared capabilities win over what was probed",
			cfg:      fakeConfig{Network: &fakeNetwork{SAMLConnections: []string{"acme"}}},
			declared: []Capability{FedCMProvider},
			absent:   []Capability{TestLoginFlow, SAMLConnection},
			want:     []Capability{FedCM, FedCMProvider, SAML, WebAuthnRelatedOrigins, ChangePasswordURL},
			// Served, but declared absent: the lack says it was declared.
			lacks: map[Capability]string{TestLoginFlow: "declared absent", SAMLConnection: "declared absent"},
		},
		{
			name:     "a route declared served although the target answers 404",
			declared: []Capability{ChangePasswordURL},
			want:     []Capability{ChangePasswordURL},
			lacks:    map[Capability]string{TestLoginFlow: notServed("/self-service/login/test")},
			// The facts say what was found, whatever is declared.
			wantNote: noneServed,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, tc.cfg)
			s, tg := f.open(t, Options{Capabilities: tc.declared, Without: tc.absent, ProbeRoutes: true})
			var got []Capability
			for _, c := range network {
				if tg.Has(c) {
					got = append(got, c)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("has %v, want %v", got, tc.want)
			}
			for c, want := range tc.lacks {
				_, err := s.Pick(PasswordMethod, c)
				if !errors.Is(err, ErrLacks) || err.Error() != "target lacks capability "+string(c)+": "+want {
					t.Errorf("Pick(password, %s): %v\nwant ErrLacks saying %q", c, err, want)
				}
			}
			notes := tg.Facts().Notes
			if tc.wantNote != "" && !slices.Contains(notes, tc.wantNote) {
				t.Errorf("notes %q, want %q", notes, tc.wantNote)
			}
			if tc.wantNote == "" && slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "not served") }) {
				t.Errorf("notes %q say a route is not served", notes)
			}
			if d := tg.Describe(); tc.wantNote != "" && !strings.Contains(d, "note: "+tc.wantNote) {
				t.Errorf("Describe() =\n%s\nwant the note %q", d, tc.wantNote)
			}
		})
	}
}

func TestPickSaysWhyEachTargetLacksACapability(t *testing.T) {
	target := func(name string, lacking map[Capability]string) *Target {
		return &Target{name: name, lacking: lacking}
	}
	for _, tc := range []struct {
		name    string
		targets []*Target
		want    string
	}{
		{"one target that was probed", []*Target{target("target", map[Capability]string{FedCM: "not served (a)"})}, "fedcm: not served (a)"},
		{"the same reason on every target, once", []*Target{
			target("local:default", map[Capability]string{FedCM: "not served (a)"}),
			target("local:short", map[Capability]string{FedCM: "not served (a)"}),
		}, "fedcm: not served (a)"},
		{"different reasons, each with its target", []*Target{
			target("local:default", map[Capability]string{FedCM: "not served (a)"}),
			target("local:short", map[Capability]string{FedCM: "not probed: b"}),
		}, "fedcm: local:default: not served (a); local:short: not probed: b"},
		{"a target without a reason: the registry's", []*Target{
			target("local:default", map[Capability]string{FedCM: "not served (a)"}),
			target("local:short", nil),
		}, "fedcm: " + FedCM.Reason()},
	} {
		s := &Set{targets: tc.targets}
		_, err := s.Pick(FedCM)
		if !errors.Is(err, ErrLacks) || err.Error() != "target lacks capability "+tc.want {
			t.Errorf("%s: Pick(fedcm) = %v, want ErrLacks saying %q", tc.name, err, tc.want)
		}
	}
}

func TestPickNamesTogetherWhatIsMissingForOneReason(t *testing.T) {
	f := startFake(t, fakeConfig{})
	s, _ := f.open(t, Options{ProbeRoutes: true})
	_, err := s.Pick(SAML, TOTP, SAMLConnection)
	want := "target lacks capability saml, saml-connection: not served by this target (GET /self-service/methods/saml/metadata answered status 404; 404 page not found); totp: " + TOTP.Reason()
	if !errors.Is(err, ErrLacks) || err.Error() != want {
		t.Errorf("Pick(saml, totp, saml-connection) = %v\nwant %s", err, want)
	}
}

// TestDiscoveryProbesNoRouteUnasked: a run that checks none of the Network
// contract's route families does not ask about them; their capabilities
// are what is declared, and lacking them says what they need.
func TestDiscoveryProbesNoRouteUnasked(t *testing.T) {
	f := startFake(t, fakeConfig{Network: &fakeNetwork{FedCMProviders: []string{"google"}}})
	s, tg := f.open(t, Options{Capabilities: []Capability{WebAuthnRelatedOrigins}})
	for _, c := range []Capability{FedCM, FedCMProvider, SAML, SAMLConnection, ChangePasswordURL, TestLoginFlow} {
		if tg.Has(c) {
			t.Errorf("has %s, which was neither probed nor declared", c)
		}
	}
	if !tg.Has(WebAuthnRelatedOrigins) {
		t.Errorf("lacks the declared %s", WebAuthnRelatedOrigins)
	}
	if _, err := s.Pick(FedCM); err == nil || err.Error() != "target lacks capability fedcm: "+FedCM.Reason() {
		t.Errorf("Pick(fedcm) = %v, want the registry's reason", err)
	}
	for _, n := range tg.Facts().Notes {
		if strings.Contains(n, "served") || strings.Contains(n, "probed") {
			t.Errorf("a note on routes nobody asked about: %q", n)
		}
	}
}
