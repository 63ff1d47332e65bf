package identityschema

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/kratosclient"
)

const run = "20261125t100000-0a1b2c3d"

func load(t *testing.T, name string) *Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(strings.TrimSuffix(name, ".json"), data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestIdentityFromRealWorldSchemas(t *testing.T) {
	addr := hygiene.Email(run, 7)
	token := hygiene.Username(run, 7)
	for _, tc := range []struct {
		schema         string
		wantTraits     map[string]any
		wantIdentifier string
		wantIDTrait    string
		wantEmailTrait string
	}{
		{
			schema:         "email-password.json",
			wantTraits:     map[string]any{"email": addr},
			wantIdentifier: addr, wantIDTrait: "email", wantEmailTrait: "email",
		},
		{
			schema: "username-nested.json",
			wantTraits: map[string]any{
				"username": token,
				"email":    addr,
				"name":     map[string]any{"first": "orybench", "last": "orybench"},
			},
			wantIdentifier: token, wantIDTrait: "username", wantEmailTrait: "email",
		},
		{
			// A username pattern without "-": the short username fits.
			schema: "email-and-username.json",
			wantTraits: map[string]any{
				"email":    addr,
				"username": token,
			},
			wantIdentifier: addr, wantIDTrait: "email", wantEmailTrait: "email",
		},
		{
			// Phone as the code identifier; the optional recovery email is filled too.
			schema:         "phone-sms.json",
			wantTraits:     map[string]any{"phone": phone(addr, 0), "email": addr},
			wantIdentifier: "", wantIDTrait: "", wantEmailTrait: "email",
		},
		{
			schema: "customer.json",
			wantTraits: map[string]any{
				"email":          addr,
				"tenant":         "AA-0000",
				"plan":           "free",
				"birthday":       "2000-01-01",
				"website":        "https://orybench.test/",
				"age":            int64(18),
				"score":          0.5,
				"terms_accepted": true,
				"tags":           []any{"orybench", "orybench1"},
				"nickname":       "orybench",
				"address":        map[string]any{"street": "orybench", "postal_code": "00000", "country": "DE"},
				"marketing":      map[string]any{"channel": "orybench"},
			},
			wantIdentifier: addr, wantIDTrait: "email", wantEmailTrait: "email",
		},
	} {
		t.Run(tc.schema, func(t *testing.T) {
			s := load(t, tc.schema)
			got, err := s.Identity(addr)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Traits, tc.wantTraits) {
				t.Errorf("traits\n got %#v\nwant %#v", got.Traits, tc.wantTraits)
			}
			if got.Identifier != tc.wantIdentifier || got.IdentifierTrait != tc.wantIDTrait {
				t.Errorf("identifier %q (%s), want %q (%s)", got.Identifier, got.IdentifierTrait, tc.wantIdentifier, tc.wantIDTrait)
			}
			if got.EmailTrait != tc.wantEmailTrait || got.Email != addr {
				t.Errorf("email %q (%s), want %q (%s)", got.Email, got.EmailTrait, addr, tc.wantEmailTrait)
			}
			if !hygiene.IsTestIdentity(kratosclient.Identity{Traits: got.Traits}) {
				t.Errorf("cleanup would not recognise %v", got.Traits)
			}
			if got.SchemaID != strings.TrimSuffix(tc.schema, ".json") {
				t.Errorf("schema id %q", got.SchemaID)
			}
		})
	}
}

func TestIdentitiesAreUniquePerAddress(t *testing.T) {
	for _, name := range []string{"email-password.json", "username-nested.json", "phone-sms.json", "email-and-username.json"} {
		s := load(t, name)
		a, err := s.Identity(hygiene.Email(run, 1))
		if err != nil {
			t.Fatal(err)
		}
		b, err := s.Identity(hygiene.Email(run, 2))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range append(s.PasswordIdentifiers(), addresses(s)...) {
			if lookup(a.Traits, p) == lookup(b.Traits, p) {
				t.Errorf("%s: %s is %v for two identities", name, p, lookup(a.Traits, p))
			}
		}
	}
}

func addresses(s *Schema) []string {
	var out []string
	for _, a := range append(s.RecoveryAddresses(), append(s.VerificationAddresses(), s.CodeIdentifiers()...)...) {
		out = append(out, a.Path)
	}
	return out
}

func TestSchemaFacts(t *testing.T) {
	s := load(t, "username-nested.json")
	if got := s.PasswordIdentifiers(); !reflect.DeepEqual(got, []string{"username"}) {
		t.Errorf("password identifiers %v", got)
	}
	if got := s.RecoveryAddresses(); !reflect.DeepEqual(got, []Address{{"email", "email"}}) {
		t.Errorf("recovery addresses %v", got)
	}
	if got := s.Leaves(); !reflect.DeepEqual(got, []string{"email", "name.first", "name.last", "username"}) {
		t.Errorf("leaves %v", got)
	}
	if !s.HasTrait("name.first") || s.HasTrait("name.middle") || s.Format("email") != "email" {
		t.Error("HasTrait/Format")
	}
	p := load(t, "phone-sms.json")
	if got := p.CodeIdentifiers(); !reflect.DeepEqual(got, []Address{{"phone", "sms"}}) {
		t.Errorf("code identifiers %v", got)
	}
}

// traitsSchema wraps a traits schema into an identity schema.
func traitsSchema(traits string) []byte {
	return []byte(`{"type":"object","properties":{"traits":` + traits + `}}`)
}

func TestSchemasOrybenchCannotSatisfyNameTheField(t *testing.T) {
	for _, tc := range []struct {
		name, traits, wantField, wantText string
	}{
		{"username too short for the short username", `{"type":"object","properties":{"handle":{"type":"string","maxLength":12,"ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}}},"required":["handle"]}`,
			"traits.handle", "leaves no room"},
		{"username pattern without digits", `{"type":"object","properties":{"handle":{"type":"string","pattern":"^[a-z]+$","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}}},"required":["handle"]}`,
			"traits.handle", "matches pattern"},
		{"identifier enum", `{"type":"object","properties":{"kind":{"type":"string","enum":["a","b"],"ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}}}}`,
			"traits.kind", "enum"},
		{"remote $ref", `{"type":"object","properties":{"addr":{"$ref":"https://example.org/address.json"}},"required":["addr"]}`,
			"traits.addr", "local references"},
		{"look-around pattern", `{"type":"object","properties":{"code":{"type":"string","pattern":"^(?=.*[A-Z]).{8}$"}},"required":["code"]}`,
			"traits.code", "not a regular expression"},
		{"impossible bounds", `{"type":"object","properties":{"age":{"type":"integer","minimum":10,"maximum":5}},"required":["age"]}`,
			"traits.age", "within the schema's bounds"},
		{"required but undeclared", `{"type":"object","properties":{},"required":["ghost"]}`,
			"traits.ghost", "does not say"},
		{"nested unsatisfiable", `{"type":"object","properties":{"org":{"type":"object","properties":{"code":{"type":"string","pattern":"^[0-9]{3}$","minLength":5}},"required":["code"]}},"required":["org"]}`,
			"traits.org.code", "pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse("custom", traitsSchema(tc.traits))
			if err == nil {
				_, err = s.Identity(hygiene.Email(run, 1))
			}
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.wantField+":") || !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q, want it to name %s and say %q", err, tc.wantField, tc.wantText)
			}
		})
	}
}

func TestNotAnIdentitySchema(t *testing.T) {
	for _, raw := range []string{`[]`, `{"type":"object","properties":{"name":{"type":"string"}}}`, `{`} {
		if _, err := Parse("x", []byte(raw)); err == nil {
			t.Errorf("Parse(%s) accepted it", raw)
		}
	}
}

func TestPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern        string
		minLen, maxLen int
		want           string
	}{
		{`^[A-Z]{2}-[0-9]{4}$`, 0, -1, "AA-0000"},
		{`^\d{5}(-\d{4})?$`, 0, -1, "00000"},
		{`^[a-z]+$`, 4, -1, "aaaa"},
		{`^(mr|mrs|ms)$`, 0, -1, "mr"},
		{`^\+[1-9]\d{1,14}$`, 0, -1, "+10"},
		{`^[a-zA-Z0-9._%+-]+@[a-z]+\.[a-z]{2,}$`, 0, -1, "a@a.aa"},
		{`abc`, 0, -1, "abc"},
		{`^.{8,}$`, 0, -1, "xxxxxxxx"},
		{`^\S+$`, 3, 3, "aaa"},
	} {
		got, err := fromPattern("x", tc.pattern, tc.minLen, tc.maxLen)
		if err != nil || got != tc.want {
			t.Errorf("fromPattern(%q, %d, %d) = %q, %v; want %q", tc.pattern, tc.minLen, tc.maxLen, got, err, tc.want)
		}
	}
}

func TestPhoneNumbersAreFictionalAndDiffer(t *testing.T) {
	seen := map[string]bool{}
	for n := 1; n <= 20; n++ {
		p := phone(hygiene.Email(run, n), 0)
		if !strings.HasPrefix(p, "+1") || p[5:10] != "55501" || len(p) != 12 {
			t.Errorf("phone %q is not +1 AAA 555 01XX", p)
		}
		seen[p] = true
	}
	if len(seen) < 18 {
		t.Errorf("only %d distinct numbers for 20 addresses", len(seen))
	}
}
