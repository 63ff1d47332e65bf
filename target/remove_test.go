package target

import (
	"context"
	"slices"
	"testing"
)

func TestSignUpManyChecksEachSessionToken(t *testing.T) {
	f := startFake(t, fakeConfig{})
	_, tg := f.open(t, Options{AdminURL: f.admin.URL, Concurrency: 3})
	ids, err := tg.SignUpMany(context.Background(), 5)
	if err != nil {
		t.Fatalf("SignUpMany: %v", err)
	}
	checked := map[string]bool{}
	for _, r := range f.received("public", "GET /sessions/whoami") {
		checked[r.Header.Get("X-Session-Token")] = true
	}
	seen := map[string]bool{}
	for i, id := range ids {
		if id.ID == "" || seen[id.ID] || !f.hasIdentity(id.ID) {
			t.Errorf("identity %d: id %q is not a new identity of the fake", i, id.ID)
		}
		seen[id.ID] = true
		if !f.sessionActive(id.SessionToken) || !checked[id.SessionToken] {
			t.Errorf("identity %d: session token active %v, checked by whoami %v", i, f.sessionActive(id.SessionToken), checked[id.SessionToken])
		}
	}
	if len(ids) != 5 {
		t.Errorf("%d identities, want 5", len(ids))
	}
}

func TestSignUpManyRemovesWhatItMadeOnFailure(t *testing.T) {
	f := startFake(t, fakeConfig{})
	_, tg := f.open(t, Options{AdminURL: f.admin.URL, Concurrency: 1})
	before, revoked := f.identityCount(), len(f.received("public", "DELETE /self-service/logout/api"))
	f.failNext("POST /self-service/registration", pass, pass, hangUp)
	ids, err := tg.SignUpMany(context.Background(), 4)
	if err == nil || ids != nil {
		t.Fatalf("SignUpMany = %d identities, %v; want an error", len(ids), err)
	}
	if n := f.identityCount(); n != before {
		t.Errorf("%d identities left behind", n-before)
	}
	if n := len(f.received("public", "DELETE /self-service/logout/api")) - revoked; n != 2 {
		t.Errorf("%d session tokens revoked, want the 2 made", n)
	}
}

func TestRemoveRevokesAndDeletes(t *testing.T) {
	f := startFake(t, fakeConfig{})
	s, tg := f.open(t, Options{AdminURL: f.admin.URL})
	ids, err := tg.SignUpMany(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Remove(context.Background(), ids[:2]...); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	for i, id := range ids {
		if kept := i == 2; f.hasIdentity(id.ID) != kept || f.sessionActive(id.SessionToken) != kept {
			t.Errorf("identity %d: exists %v, session active %v; want %v", i, f.hasIdentity(id.ID), f.sessionActive(id.SessionToken), kept)
		}
	}
	deleted := len(f.received("admin", "DELETE /admin/identities/"))
	if err := tg.Remove(context.Background()); err != nil {
		t.Errorf("Remove of nothing: %v", err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := f.identityCount(); n != 0 {
		t.Errorf("%d identities left after Close", n)
	}
	// Close deletes the third, not the removed ones again, nor the one
	// discovery made, which it removed as soon as it had read the settings
	// flow.
	if n := len(f.received("admin", "DELETE /admin/identities/")) - deleted; n != 1 {
		t.Errorf("Close made %d deletions, want 1", n)
	}
}

func TestCloseRemovesIdentitiesOnlyAnAnswerKnew(t *testing.T) {
	f := startFake(t, fakeConfig{})
	s, tg := f.open(t, Options{AdminURL: f.admin.URL})
	// An answer under test registered a, and b, whose id the case learnt
	// and remembered; c was never registered.
	a, err := tg.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := tg.NewIdentity()
	c, _ := tg.NewIdentity()
	aID, bID := f.register(a), f.register(b)
	tg.Remember(bID)
	tg.Remember("")
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if f.hasIdentity(aID) || f.hasIdentity(bID) || f.identityCount() != 0 {
		t.Errorf("left behind: a %v, b %v, %d in all", f.hasIdentity(aID), f.hasIdentity(bID), f.identityCount())
	}
	var looked []string
	for _, r := range f.received("admin", "GET /admin/identities") {
		looked = append(looked, r.Query.Get("credentials_identifier"))
	}
	for _, id := range []Identity{a, b, c} {
		if !slices.Contains(looked, id.Identifier) {
			t.Errorf("Close did not look %s up (looked up %q)", id.Identifier, looked)
		}
	}
}

func TestRemoveAndCloseWithoutAnAdminAPIDeleteNothing(t *testing.T) {
	f := startFake(t, fakeConfig{})
	s, tg := f.open(t, Options{})
	ids, err := tg.SignUpMany(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	before := f.identityCount()
	if err := tg.Remove(context.Background(), ids[0]); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if f.sessionActive(ids[0].SessionToken) || !f.sessionActive(ids[1].SessionToken) {
		t.Error("Remove did not revoke the session token of the one it removed alone")
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := f.identityCount(); n != before {
		t.Errorf("%d identities deleted", before-n)
	}
	if n := len(f.received("admin", "")) + len(f.received("public", "DELETE /admin")); n != 0 {
		t.Errorf("%d admin requests", n)
	}
}

func TestRemoveTwice(t *testing.T) {
	f := startFake(t, fakeConfig{})
	_, tg := f.open(t, Options{AdminURL: f.admin.URL})
	ids, err := tg.SignUpMany(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := tg.Remove(context.Background(), ids[0]); err != nil {
			t.Errorf("Remove %d: %v", i+1, err)
		}
	}
}

func TestRemoveOfAnIdentityWhoseIDIsUnknownLeavesItToClose(t *testing.T) {
	f := startFake(t, fakeConfig{})
	s, tg := f.open(t, Options{AdminURL: f.admin.URL})
	id, err := tg.NewIdentity()
	if err != nil {
		t.Fatal(err)
	}
	made := f.register(id) // by an answer under test
	if err := tg.Remove(context.Background(), id); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if f.hasIdentity(made) {
		t.Error("the identity is left behind")
	}
}
