package hygiene

import (
	"context"
	"encoding/json"
	"fmt"
	mathrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orybench/orybench/kratosclient"
)

func TestEmailIsRecognised(t *testing.T) {
	run := NewRunID()
	for _, tc := range []struct {
		traits map[string]any
		want   bool
	}{
		{map[string]any{"email": Email(run, 1)}, true},
		{map[string]any{"name": map[string]any{"first": "x"}, "contact": []any{Email(run, 7)}}, true},
		{map[string]any{"email": "alice@example.com"}, false},
		{map[string]any{"email": "orybench-someone@orybench.test"}, false},
		{map[string]any{"email": strings.Replace(Email(run, 1), Domain, "example.com", 1)}, false},
		// A username identity: the token alone, at any depth.
		{map[string]any{"username": Token(run, 3), "name": map[string]any{"first": "Ory"}}, true},
		{map[string]any{"account": map[string]any{"handle": strings.ReplaceAll(Token(run, 4), "-", "_")}}, true},
		{map[string]any{"username": strings.ReplaceAll(Token(run, 4), "-", ".")}, true},
		{map[string]any{"username": "orybench"}, false},
		{map[string]any{"username": "orybench-someone"}, false},
		{map[string]any{"username": "x" + Token(run, 5)}, false},
		{map[string]any{"username": Token(run, 5) + "x"}, false},
		// The short username, alone or with orybench's own address.
		{map[string]any{"username": Username(run, 9)}, true},
		{map[string]any{"username": Username(run, 9), "email": Email(run, 9)}, true},
		{map[string]any{"login": map[string]any{"handle": Username(run, 9)}, "plan": "free"}, true},
		// A username of that shape on an identity with someone's address
		// is someone's, whatever its check says.
		{map[string]any{"username": Username(run, 9), "email": "bob@example.com"}, false},
	} {
		if got := IsTestIdentity(kratosclient.Identity{Traits: tc.traits}); got != tc.want {
			t.Errorf("IsTestIdentity(%v) = %v, want %v", tc.traits, got, tc.want)
		}
	}
}

func TestCleanupDeletesOnlyOldTestIdentities(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	run := "20261125t100000-0a1b2c3d"
	idents := []kratosclient.Identity{
		{ID: "old-test", Traits: map[string]any{"email": Email(run, 1)}, CreatedAt: now.Add(-2 * time.Hour)},
		{ID: "young-test", Traits: map[string]any{"email": Email(run, 2)}, CreatedAt: now.Add(-10 * time.Minute)},
		{ID: "old-user", Traits: map[string]any{"email": "alice@example.com"}, CreatedAt: now.Add(-48 * time.Hour)},
		// Made through the admin API: known by its metadata alone.
		{ID: "old-admin-made", Traits: map[string]any{"email": "dave@example.com"}, MetadataAdmin: json.RawMessage(`{"orybench":{"run":"` + run + `"}}`), CreatedAt: now.Add(-3 * time.Hour)},
		{ID: "young-admin-made", Traits: map[string]any{"phone": "+12015550100"}, MetadataAdmin: json.RawMessage(`{"orybench":{"run":"` + run + `"}}`), CreatedAt: now.Add(-time.Minute)},
		{ID: "old-username", Traits: map[string]any{"username": Username(run, 3), "plan": "free"}, CreatedAt: now.Add(-2 * time.Hour)},
		{ID: "old-look-alike", Traits: map[string]any{"username": "ob1234567890abc"}, MetadataAdmin: json.RawMessage(`{"crm":"x"}`), CreatedAt: now.Add(-48 * time.Hour)},
	}
	var (
		mu      sync.Mutex
		deleted []string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodGet && r.URL.Path == "/admin/identities":
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(idents)
		case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/admin/identities/"):
			mu.Lock()
			deleted = append(deleted, strings.TrimPrefix(r.URL.Path, "/admin/identities/"))
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	admin, err := kratosclient.NewAdmin(srv.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	// A dry run counts what a real one deletes, and deletes nothing.
	res, err := Cleanup(context.Background(), admin, time.Hour, now, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Result{Scanned: 7, Deleted: 3, Kept: 2}); res != want || len(deleted) != 0 {
		t.Errorf("dry run: Cleanup = %+v with %d deleted, want %+v and none deleted", res, len(deleted), want)
	}
	res, err = Cleanup(context.Background(), admin, time.Hour, now, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Result{Scanned: 7, Deleted: 3, Kept: 2}); res != want {
		t.Errorf("Cleanup = %+v, want %+v", res, want)
	}
	slices.Sort(deleted)
	if want := []string{"old-admin-made", "old-test", "old-username"}; !slices.Equal(deleted, want) {
		t.Errorf("deleted %v, want %v", deleted, want)
	}
}

func TestUsernameFormat(t *testing.T) {
	run := "20261125t100000-0a1b2c3d"
	for _, tc := range []struct {
		n       int
		wantLen int
	}{
		{0, 13}, {1, 13}, {35, 13}, {36, 14}, {1295, 14}, {1296, 15}, {46655, 15}, {46656, 16}, {1679615, 16},
	} {
		u := Username(run, tc.n)
		if len(u) != tc.wantLen || !regexp.MustCompile(`^ob[a-z0-9]+$`).MatchString(u) {
			t.Errorf("Username(%d) = %q (%d characters), want ob + lower-case letters and digits, %d characters", tc.n, u, len(u), tc.wantLen)
		}
		if !IsTestUsername(u) || !IsTestIdentifier(u) {
			t.Errorf("Username(%d) = %q is not recognised", tc.n, u)
		}
		if got, ok := UsernameFor(Email(run, tc.n)); !ok || got != u {
			t.Errorf("UsernameFor(Email(%d)) = %q, %v; want %q", tc.n, got, ok, u)
		}
	}
	if got := Username(run, 1); got != "obsats0618ico" {
		t.Errorf("Username(run, 1) = %q, want the documented obsats0618ico", got)
	}
	for _, addr := range []string{"alice@example.com", "orybench-someone@orybench.test", Token(run, 1)} {
		if got, ok := UsernameFor(addr); ok {
			t.Errorf("UsernameFor(%q) = %q, want none", addr, got)
		}
	}
}

// Usernames differ between the identities of a run, between the shards of
// a run (each shard its own numbers, as target's namer hands them out:
// k*count + index - 1), and between runs.
func TestUsernamesAreUnique(t *testing.T) {
	seen := map[string]string{}
	add := func(u, who string) {
		if prev, dup := seen[u]; dup {
			t.Fatalf("%s and %s share username %q", prev, who, u)
		}
		seen[u] = who
	}
	run := NewRunID()
	const shards = 4
	for index := 1; index <= shards; index++ {
		for k := 1; k <= 2000; k++ {
			n := k*shards + index - 1
			add(Username(run, n), fmt.Sprintf("shard %d identity %d", index, k))
		}
	}
	for r := range 2000 {
		other := fmt.Sprintf("20261125t1000%02d-%08x", r%60, r)
		add(Username(other, 1), "run "+other)
	}
}

// A username someone chose is not taken for a test identity: not the
// look-alikes of the format, and not one random string of its shape in a
// hundred thousand (the check lets one in 36^4 through).
func TestLookAlikeUsernamesAreNotRecognised(t *testing.T) {
	run := "20261125t100000-0a1b2c3d"
	u := Username(run, 42)
	flipped := []byte(u)
	flipped[len(flipped)-1] = map[bool]byte{true: 'a', false: 'b'}[flipped[len(flipped)-1] != 'a']
	for _, s := range []string{
		"ob1234567890", "ob1234567890abcd", "obrien1985", "obrien19851234", "oberon_the_great",
		u[:len(u)-1], u + "0", "x" + u, strings.ToUpper(u), string(flipped),
		u[:8] + "0" + u[8:], // a leading zero in the counter
		"ob" + strings.Repeat("a", 30),
	} {
		if IsTestUsername(s) || IsTestIdentifier(s) {
			t.Errorf("%q taken for an orybench username", s)
		}
	}
	rng := mathrand.New(mathrand.NewPCG(1, 2))
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	taken := 0
	for range 100000 {
		b := []byte("ob")
		for range 11 + rng.IntN(4) {
			b = append(b, alphabet[rng.IntN(len(alphabet))])
		}
		if IsTestUsername(string(b)) {
			taken++
		}
	}
	if taken > 2 { // expected 0.06
		t.Errorf("%d of 100000 random usernames of the shape taken for orybench's", taken)
	}
}

func TestAdminMetadataIsRecognised(t *testing.T) {
	run := NewRunID()
	meta, err := json.Marshal(AdminMetadata(run))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		meta string
		want bool
	}{
		{string(meta), true},
		{`{"orybench":{"run":"` + run + `"},"crm":{"id":7}}`, true},
		{``, false},
		{`null`, false},
		{`{"orybench":{"run":"yesterday"}}`, false},
		{`{"orybench":true}`, false},
		{`{"run":"` + run + `"}`, false},
	} {
		id := kratosclient.Identity{Traits: map[string]any{"email": "carol@example.com"}, MetadataAdmin: json.RawMessage(tc.meta)}
		if got := IsTestIdentity(id); got != tc.want {
			t.Errorf("IsTestIdentity(metadata_admin %s) = %v, want %v", tc.meta, got, tc.want)
		}
	}
}

// A compact username is 8 lower-case letters and digits up to n = 46655,
// unique within a run, and never recognised on its own (it has no check).
func TestCompactUsername(t *testing.T) {
	run := NewRunID()
	seen := map[string]bool{}
	for _, n := range []int{0, 1, 35, 36, 1295, 1296, 46655} {
		u := CompactUsername(run, n)
		if !regexp.MustCompile(`^o[0-9a-z]{7}$`).MatchString(u) {
			t.Errorf("CompactUsername(%d) = %q, want o and 7 more lower-case letters or digits", n, u)
		}
		if seen[u] {
			t.Errorf("CompactUsername(%d) = %q again", n, u)
		}
		seen[u] = true
		if IsTestIdentifier(u) || IsTestIdentity(kratosclient.Identity{Traits: map[string]any{"username": u}}) {
			t.Errorf("%q is recognised on its own", u)
		}
		if !IsTestIdentity(kratosclient.Identity{Traits: map[string]any{"username": u, "email": Email(run, n)}}) {
			t.Errorf("%q beside its address is not recognised", u)
		}
	}
	if got, ok := CompactUsernameFor(Email(run, 9)); !ok || got != CompactUsername(run, 9) {
		t.Errorf("CompactUsernameFor = %q, %v", got, ok)
	}
}
