package target

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/kratosclient"
)

// An identity made through the admin API carries the run in its
// metadata_admin, by which `orybench cleanup` knows it whatever its traits.
func TestAdminMadeIdentitiesCarryTheRun(t *testing.T) {
	f := startFake(t, fakeConfig{RegistrationClosed: true})
	s, tg := f.open(t, Options{AdminURL: f.admin.URL})
	id, err := tg.SignUp(context.Background(), newClient(t, tg, kratosclient.Native))
	if err != nil {
		t.Fatal(err)
	}
	admin, err := kratosclient.NewAdmin(f.admin.URL, "")
	if err != nil {
		t.Fatal(err)
	}
	listed, err := admin.ListIdentities(context.Background(), id.Identifier)
	if err != nil || len(listed) != 1 {
		t.Fatalf("list %q: %v, %d identities", id.Identifier, err, len(listed))
	}
	var meta struct {
		Orybench struct {
			Run string `json:"run"`
		} `json:"orybench"`
	}
	if err := json.Unmarshal(listed[0].MetadataAdmin, &meta); err != nil || meta.Orybench.Run != s.names.runID {
		t.Errorf("metadata_admin %s (%v), want the run %s", listed[0].MetadataAdmin, err, s.names.runID)
	}
	listed[0].Traits = map[string]any{"email": "renamed@example.com"} // say someone changed them
	if !hygiene.IsTestIdentity(listed[0]) {
		t.Errorf("cleanup would not recognise %s by its metadata", listed[0].MetadataAdmin)
	}
}

// The shards of a run never hand out the same username, even with the
// same run id (each shard has its own, and its own numbers).
func TestShardsMakeDistinctUsernames(t *testing.T) {
	seen := map[string]string{}
	const count = 3
	run := hygiene.NewRunID()
	for index := 1; index <= count; index++ {
		n := &namer{runID: run, index: index, count: count}
		for k := range 500 {
			u, ok := hygiene.UsernameFor(n.address())
			if !ok {
				t.Fatalf("shard %d: an address with no username", index)
			}
			who := fmt.Sprintf("shard %d identity %d", index, k)
			if prev, dup := seen[u]; dup {
				t.Fatalf("%s and %s share %q", prev, who, u)
			}
			seen[u] = who
		}
	}
}
