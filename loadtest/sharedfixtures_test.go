package loadtest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

// Runs given the same SharedFixtures make their session pool once, leave it
// in place, and Close removes it.
func TestSharedFixtures(t *testing.T) {
	k := newFakeKratos()
	srv := httptest.NewServer(k)
	defer srv.Close()
	sc := &Scenario{Name: "whoami", Rate: Constant(20), Duration: 500 * time.Millisecond, Sessions: 3,
		Steps: []Step{{Name: "whoami", Operation: OpToSession}}}
	shared := &SharedFixtures{}
	for run := 1; run <= 2; run++ {
		sum, err := Run(context.Background(), sc, WithTarget(srv.URL), WithAdmin(srv.URL, ""), WithSharedFixtures(shared))
		if err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		if sum.Requests == 0 || sum.StatusCodes["200"] != sum.Requests {
			t.Fatalf("run %d: statuses %v of %d requests; want every whoami answered 200", run, sum.StatusCodes, sum.Requests)
		}
		if n, s := k.identityCount(), k.validSessions(); n != 3 || s != 3 || shared.Users() != 3 {
			t.Errorf("after run %d: %d identities, %d valid sessions, %d users shared; want the same 3 kept", run, n, s, shared.Users())
		}
	}
	if err := shared.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, s := k.identityCount(), k.validSessions(); n != 0 || s != 0 || shared.Users() != 0 {
		t.Errorf("after Close: %d identities, %d valid sessions, %d users shared; want none", n, s, shared.Users())
	}
}
