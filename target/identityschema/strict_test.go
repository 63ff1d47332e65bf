package identityschema

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/kratosclient"
)

// strictSchema is a schema as self-hosted deployments write them (issue
// 16): a short lower-case username as the password identifier, an email for
// recovery and verification, a required nested name and an enum plan.
func strictSchema(t *testing.T, minLen, maxLen int) *Schema {
	t.Helper()
	s, err := Parse("default", traitsSchema(fmt.Sprintf(`{
	  "type": "object",
	  "properties": {
	    "username": {"type": "string", "minLength": %d, "maxLength": %d, "pattern": "^[a-z][a-z0-9_]+$",
	      "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}},
	    "email": {"type": "string", "format": "email",
	      "ory.sh/kratos": {"recovery": {"via": "email"}, "verification": {"via": "email"}}},
	    "name": {"type": "object", "properties": {"first": {"type": "string", "minLength": 1}, "last": {"type": "string", "minLength": 1}},
	      "required": ["first", "last"]},
	    "plan": {"type": "string", "enum": ["free", "pro"]}
	  },
	  "required": ["username", "email", "name", "plan"],
	  "additionalProperties": false
	}`, minLen, maxLen)))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStrictUsernameSchemas(t *testing.T) {
	for _, tc := range []struct {
		minLen, maxLen, n int
	}{
		{8, 15, 1}, {8, 15, 46655}, // a conformance run's identities fit 15
		{8, 16, 1}, {8, 16, 1679615},
		{3, 24, 7}, {8, 30, 100000},
	} {
		t.Run(fmt.Sprintf("%d..%d n=%d", tc.minLen, tc.maxLen, tc.n), func(t *testing.T) {
			addr := hygiene.Email(run, tc.n)
			got, err := strictSchema(t, tc.minLen, tc.maxLen).Identity(addr)
			if err != nil {
				t.Fatal(err) // Identity validates the traits against the schema
			}
			want := hygiene.Username(run, tc.n)
			if got.Identifier != want || got.IdentifierTrait != "username" || got.Traits["username"] != want {
				t.Errorf("identifier %q (%s), want %q (username)", got.Identifier, got.IdentifierTrait, want)
			}
			if got.Traits["plan"] != "free" || got.Email != addr || got.EmailTrait != "email" {
				t.Errorf("traits %v", got.Traits)
			}
			if name, _ := got.Traits["name"].(map[string]any); name["first"] == nil || name["last"] == nil {
				t.Errorf("name %v", got.Traits["name"])
			}
			if !hygiene.IsTestIdentity(kratosclient.Identity{Traits: got.Traits}) {
				t.Errorf("cleanup would not recognise %v", got.Traits)
			}
		})
	}
}

func TestUsernameFallsBackToTheLongTokenWhereTheShortOneIsTooShort(t *testing.T) {
	s := strictSchema(t, 20, 64)
	got, err := s.Identity(hygiene.Email(run, 3))
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.ReplaceAll(hygiene.Token(run, 3), "-", "_"); got.Identifier != want {
		t.Errorf("identifier %q, want %q", got.Identifier, want)
	}
	if !hygiene.IsTestIdentity(kratosclient.Identity{Traits: got.Traits}) {
		t.Errorf("cleanup would not recognise %v", got.Traits)
	}
}

// A username limit below the short username's 13 characters, down to 8,
// gets the compact username, which cleanup recognises by the orybench
// address of the identity's email trait.
func TestCompactUsernameWhereTheShortOneIsTooLong(t *testing.T) {
	for _, maxLen := range []int{8, 10, 12} {
		addr := hygiene.Email(run, 7)
		got, err := strictSchema(t, 8, maxLen).Identity(addr)
		if err != nil {
			t.Fatalf("maxLength %d: %v", maxLen, err)
		}
		if want := hygiene.CompactUsername(run, 7); got.Identifier != want || len(want) != 8 {
			t.Errorf("maxLength %d: identifier %q, want %q (8 characters)", maxLen, got.Identifier, want)
		}
		if !hygiene.IsTestIdentity(kratosclient.Identity{Traits: got.Traits}) || hygiene.IsTestIdentifier(got.Identifier) {
			t.Errorf("maxLength %d: cleanup must recognise %v by its address, not by the username alone", maxLen, got.Traits)
		}
	}
}

// A schema that leaves no room still stops the run with one line naming
// the trait and the value orybench tried.
func TestStrictSchemaWithoutRoomNamesTheTrait(t *testing.T) {
	for _, tc := range []struct {
		minLen, maxLen int
		want           string
	}{
		{3, 7, `traits.username: length 3..7 leaves no room for a unique value orybench can recognise (username "` + hygiene.Username(run, 1) + `" is 13 characters): use --traits`},
	} {
		_, err := strictSchema(t, tc.minLen, tc.maxLen).Identity(hygiene.Email(run, 1))
		if err == nil {
			t.Fatalf("%d..%d: no error", tc.minLen, tc.maxLen)
		}
		if msg := err.Error(); !strings.HasSuffix(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("error %q, want one line ending %q", msg, tc.want)
		}
	}
}

// Without an email trait nothing but the username could recognise the
// identity, so the compact username, which carries no check, is not used:
// a limit below 13 characters leaves no room.
func TestNoCompactUsernameWithoutAnAddress(t *testing.T) {
	s, err := Parse("default", traitsSchema(`{
	  "type": "object",
	  "properties": {
	    "username": {"type": "string", "maxLength": 12, "pattern": "^[a-z][a-z0-9_]+$",
	      "ory.sh/kratos": {"credentials": {"password": {"identifier": true}}}}
	  },
	  "required": ["username"]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Identity(hygiene.Email(run, 1))
	if want := "traits.username: length 0..12 leaves no room for a unique value orybench can recognise"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one saying %q", err, want)
	}
}
