package target

import (
	"slices"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		name                    string
		found, declared, absent []Capability
		want                    []Capability
	}{
		{"nothing", nil, nil, nil, nil},
		{"found only", []Capability{Registration, PasswordMethod}, nil, nil, []Capability{PasswordMethod, Registration}},
		{"declared adds", []Capability{PasswordMethod}, []Capability{MailCodes}, nil, []Capability{MailCodes, PasswordMethod}},
		{"absent wins over found", []Capability{Registration, PasswordMethod}, nil, []Capability{Registration}, []Capability{PasswordMethod}},
		{"absent wins over declared", nil, []Capability{MailCodes}, []Capability{MailCodes}, nil},
		{"a found capability that is not discoverable needs a declaration", []Capability{FaultInjection, TOTP}, nil, nil, []Capability{TOTP}},
		{"each once", []Capability{TOTP, TOTP}, []Capability{TOTP}, nil, []Capability{TOTP}},
	} {
		if got := Resolve(tc.found, tc.declared, tc.absent); !slices.Equal(got, tc.want) {
			t.Errorf("%s: Resolve = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseDeclared(t *testing.T) {
	present, absent, err := ParseDeclared([]string{"totp", "-registration", "!mail-codes", " oidc "})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(present, []Capability{TOTP, SocialSignIn}) || !slices.Equal(absent, []Capability{Registration, MailCodes}) {
		t.Errorf("present %v, absent %v", present, absent)
	}
	if _, _, err := ParseDeclared([]string{"-no-such"}); err == nil || !containsAll(err.Error(), `unknown capability "no-such"`, "known: ", string(TOTP)) {
		t.Errorf("unknown capability: %v", err)
	}
	for _, c := range Capabilities() {
		if c.Reason() == "" {
			t.Errorf("%s has no reason", c)
		}
	}
}

func TestIsLoopback(t *testing.T) {
	for in, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3:4433": true, "localhost": true, "app.localhost": true, "[::1]:80": true, "::1": true,
		"http://127.0.0.1:4433/x": true, "https://user:pw@localhost/": true, "LOCALHOST.": true,
		"10.0.0.1": false, "example.org": false, "https://project.projects.oryapis.com": false, "http://127.0.0.1.example.org/": false,
	} {
		if got := IsLoopback(in); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", in, got, want)
		}
	}
}

// A run is unpaced by default against local Kratos and a target on
// loopback, and paced below Ory Network's burst limits against any other.
func TestDefaultMaxRPS(t *testing.T) {
	for url, want := range map[string]float64{
		"": 0, "http://127.0.0.1:4433": 0, "http://localhost:4433/": 0, "http://[::1]:4433": 0,
		"https://project.projects.oryapis.com": DefaultRemoteRPS, "https://auth.example.com": DefaultRemoteRPS, "http://10.0.0.1:4433": DefaultRemoteRPS,
	} {
		if got := DefaultMaxRPS(url); got != want {
			t.Errorf("DefaultMaxRPS(%q) = %g, want %g", url, got, want)
		}
	}
	// A loopback target whose admin API is elsewhere is paced.
	if got := DefaultMaxRPS("http://127.0.0.1:4433", "https://kratos-admin.example.com"); got != DefaultRemoteRPS {
		t.Errorf("DefaultMaxRPS(loopback, remote admin) = %g, want %g", got, DefaultRemoteRPS)
	}
	if got := DefaultMaxRPS("http://127.0.0.1:4433", "http://127.0.0.1:4434"); got != 0 {
		t.Errorf("DefaultMaxRPS(loopback, loopback admin) = %g, want 0", got)
	}
}

func TestNamerShards(t *testing.T) {
	seen := map[string]int{}
	for shard := 1; shard <= 3; shard++ {
		n := &namer{runID: "20260101t000000-abcdef01", index: shard, count: 3}
		for range 5 {
			a := n.address()
			if prev, ok := seen[a]; ok {
				t.Fatalf("shard %d made %s, as shard %d did", shard, a, prev)
			}
			seen[a] = shard
		}
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
