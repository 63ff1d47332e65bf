package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// fakeKratos answers the few Kratos endpoints fixtures (with the discovery
// of package target) and steps use, and
// remembers sessions, passwords, identities and flows to check how they were
// used. Like Kratos on in-memory SQLite, it answers transient database
// conflicts: the first registration and the first admin creation store the
// identity but answer 500 (so that sending it again finds the address
// taken), and the first delete of each identity answers 400.
type fakeKratos struct {
	mu         sync.Mutex
	n          int
	sessions   map[string]bool           // token → valid
	passwords  map[string]string         // identifier → password
	identities map[string]map[string]any // id → traits
	flows      map[string]int            // login flow → submissions
	conflicted map[string]bool           // what answered a conflict once
	// accept, when not negative, is how many more sign-ups the fake
	// accepts; it refuses the rest (refused lists their addresses).
	accept  int
	refused []string
}

func newFakeKratos() *fakeKratos {
	return &fakeKratos{sessions: map[string]bool{}, passwords: map[string]string{}, flows: map[string]int{},
		identities: map[string]map[string]any{}, conflicted: map[string]bool{}, accept: -1}
}

// fakeSchema is the fake's identity schema: an email that signs in with a
// password.
const fakeSchema = `{"type":"object","properties":{"traits":{"type":"object","required":["email"],"properties":{
	"email":{"type":"string","format":"email","ory.sh/kratos":{"credentials":{"password":{"identifier":true}}}},
	"name":{"type":"object","properties":{"first":{"type":"string"}}}}}}}`

// refuse refuses a sign-up once the fake accepted all it would.
func (k *fakeKratos) refuse(w http.ResponseWriter, email string) bool {
	if k.accept < 0 {
		return false
	}
	if k.accept == 0 {
		k.refused = append(k.refused, email)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
		json.NewEncoder(w).Encode(map[string]any{"ui": map[string]any{"messages": []any{map[string]any{"id": 4000007, "text": "no more sign-ups"}}}})
		return true
	}
	k.accept--
	return false
}

// conflict answers a transient conflict the first time it is asked for key.
func (k *fakeKratos) conflict(w http.ResponseWriter, key string, status int, msg string) bool {
	if k.conflicted[key] {
		return false
	}
	k.conflicted[key] = true
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": status, "message": msg}})
	return true
}

func (k *fakeKratos) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.n++
	var in map[string]any
	_ = json.NewDecoder(r.Body).Decode(&in)
	reply := func(code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(v)
	}
	token := fmt.Sprintf("secret-token-%d", k.n)
	traits, _ := in["traits"].(map[string]any)
	email, _ := traits["email"].(string)
	route := r.Method + " " + r.URL.Path
	if strings.HasPrefix(route, "DELETE /admin/identities/") {
		route = "DELETE /admin/identities/{id}"
	}
	switch route {
	case "GET /schemas":
		reply(200, []any{map[string]any{"id": "default", "schema": json.RawMessage(fakeSchema)}})
	case "GET /self-service/registration/api":
		reply(200, map[string]any{"id": fmt.Sprintf("reg-%d", k.n)})
	case "POST /self-service/registration":
		switch {
		case email == "":
			reply(400, map[string]any{"ui": map[string]any{"messages": []any{map[string]any{"text": "traits.email is required"}}}})
			return
		case k.identities["id-"+email] != nil:
			reply(400, map[string]any{"ui": map[string]any{"messages": []any{map[string]any{"text": "exists already"}}}})
			return
		case k.refuse(w, email):
			return
		}
		k.passwords[email] = in["password"].(string)
		k.identities["id-"+email] = traits
		if k.conflict(w, "registration", 500, "database table is locked") {
			return
		}
		k.sessions[token] = true
		reply(200, map[string]any{"session_token": token, "identity": map[string]any{"id": "id-" + email}})
	case "POST /admin/identities":
		switch {
		case email == "":
			reply(400, map[string]any{"error": map[string]any{"message": "traits.email is required"}})
			return
		case k.identities["id-"+email] != nil:
			reply(409, map[string]any{"error": map[string]any{"message": "exists already"}})
			return
		case k.refuse(w, email):
			return
		}
		pw, _ := in["credentials"].(map[string]any)["password"].(map[string]any)["config"].(map[string]any)["password"].(string)
		k.passwords[email] = pw
		k.identities["id-"+email] = traits
		if k.conflict(w, "create", 500, "database table is locked") {
			return
		}
		reply(201, map[string]any{"id": "id-" + email, "schema_id": in["schema_id"], "traits": traits})
	case "GET /admin/identities":
		var list []map[string]any
		for id, traits := range k.identities {
			if want := r.URL.Query().Get("credentials_identifier"); want == "" || traits["email"] == want {
				list = append(list, map[string]any{"id": id, "traits": traits})
			}
		}
		reply(200, list)
	case "DELETE /admin/identities/{id}":
		id := strings.TrimPrefix(r.URL.Path, "/admin/identities/")
		if k.conflict(w, "delete "+id, 400, "Unable to serialize access due to a concurrent update in another session") {
			return
		}
		if _, ok := k.identities[id]; !ok {
			reply(404, nil)
			return
		}
		delete(k.identities, id)
		w.WriteHeader(204)
	case "GET /self-service/login/api":
		if r.Header.Get("X-Session-Token") != "" {
			reply(400, map[string]any{"error": map[string]any{"message": "session already available"}})
			return
		}
		id := fmt.Sprintf("login-%d", k.n)
		k.flows[id] = 0
		reply(200, map[string]any{"id": id, "ui": map[string]any{"nodes": []any{
			map[string]any{"type": "input", "group": "password", "attributes": map[string]any{"name": "password"}}}}})
	case "POST /self-service/login":
		id := r.URL.Query().Get("flow")
		used, ok := k.flows[id]
		switch {
		case !ok || used > 0:
			reply(410, map[string]any{"error": map[string]any{"message": "flow gone"}})
		case k.passwords[in["identifier"].(string)] != in["password"]:
			reply(400, map[string]any{"ui": map[string]any{"messages": []any{map[string]any{"text": "bad credentials"}}}})
		default:
			k.flows[id]++
			k.sessions[token] = true
			reply(200, map[string]any{"session_token": token})
		}
	case "GET /sessions/whoami":
		if k.sessions[r.Header.Get("X-Session-Token")] {
			reply(200, map[string]any{"id": "s"})
		} else {
			reply(401, map[string]any{"error": map[string]any{"message": "no session"}})
		}
	case "DELETE /self-service/logout/api":
		tok, _ := in["session_token"].(string)
		if !k.sessions[tok] {
			reply(403, nil)
			return
		}
		k.sessions[tok] = false
		w.WriteHeader(204)
	default:
		reply(404, nil)
	}
}

// secrets returns every token and password the fake handed out or learned.
func (k *fakeKratos) secrets() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var s []string
	for tok := range k.sessions {
		s = append(s, tok)
	}
	for _, pw := range k.passwords {
		s = append(s, pw)
	}
	return s
}

func (k *fakeKratos) validSessions() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, ok := range k.sessions {
		if ok {
			n++
		}
	}
	return n
}

func (k *fakeKratos) identityCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.identities)
}

// openFake opens the fake as a target, closed when the test ends.
func openFake(t *testing.T, opts target.Options) *target.Target {
	t.Helper()
	set, err := target.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close(context.Background()) })
	return set.Targets()[0]
}

// runOf is the run id in an orybench test address.
var runOf = regexp.MustCompile(`^orybench-(.+)-[0-9]+@` + regexp.QuoteMeta(hygiene.Domain) + `$`)

func TestKratosFixtures(t *testing.T) {
	for _, c := range []struct {
		name  string
		admin bool
	}{{"native registration", false}, {"admin API", true}} {
		t.Run(c.name, func(t *testing.T) {
			k := newFakeKratos()
			srv := httptest.NewServer(k)
			defer srv.Close()
			opts := target.Options{URL: srv.URL, HTTPClient: srv.Client()}
			if c.admin {
				opts.AdminURL = srv.URL
			}
			fx := kratosFixtures{openFake(t, opts)}
			users, err := fx.Users(context.Background(), 5)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			runs := map[string]bool{}
			for _, u := range users {
				if u.SessionToken == "" || u.Password == "" || u.ID == "" || seen[u.Identifier] {
					t.Errorf("user %v is incomplete or repeated", u)
				}
				seen[u.Identifier] = true
				// orybench cleanup recognises them, all of one run.
				if m := runOf.FindStringSubmatch(u.Identifier); m != nil {
					runs[m[1]] = true
				}
				if !hygiene.IsTestIdentity(kratosclient.Identity{Traits: map[string]any{"email": u.Identifier}}) {
					t.Errorf("%s is not a hygiene test address", u.Identifier)
				}
				for _, s := range []string{u.String(), fmt.Sprintf("%v %+v %#v", u, u, u)} {
					if strings.Contains(s, u.SessionToken) || strings.Contains(s, u.Password) {
						t.Errorf("a printed user shows a secret: %s", s)
					}
				}
			}
			if len(runs) != 1 {
				t.Errorf("the users' addresses are of runs %v, want one run's", runs)
			}
			flows, err := fx.LoginFlows(context.Background(), 7)
			if err != nil || len(flows) != 7 {
				t.Fatalf("LoginFlows = %v, %v", flows, err)
			}
			// The first delete of each identity meets a transient conflict.
			if err := fx.DeleteUsers(context.Background(), users); err != nil {
				t.Fatal(err)
			}
			if n := k.validSessions(); n != 0 {
				t.Errorf("%d sessions still valid after DeleteUsers", n)
			}
			// Without the admin API, the identities stay: the users, the one
			// discovery signed up, and the one stored by the registration that
			// answered 500. orybench cleanup finds them by their addresses.
			if n, want := k.identityCount(), 7; c.admin && n != 0 || !c.admin && n != want {
				t.Errorf("%d identities left after DeleteUsers (admin API: %v)", n, c.admin)
			}
		})
	}
}

func TestKratosFixturesTraits(t *testing.T) {
	k := newFakeKratos()
	srv := httptest.NewServer(k)
	defer srv.Close()
	fx := kratosFixtures{openFake(t, target.Options{URL: srv.URL, Traits: []byte(`{"email": "{{email}}", "name": {"first": "Load"}}`)})}
	users, err := fx.Users(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer fx.DeleteUsers(context.Background(), users)
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, u := range users {
		name, _ := k.identities[u.ID]["name"].(map[string]any)
		if name["first"] != "Load" {
			t.Errorf("identity %s has traits %v, want the template's", u.ID, k.identities[u.ID])
		}
	}
}

func TestKratosFixturesErrors(t *testing.T) {
	k := newFakeKratos()
	srv := httptest.NewServer(k)
	defer srv.Close()
	// Errors say what was asked, what was answered and what that means.
	if _, err := target.Open(context.Background(), target.Options{URL: srv.URL + "/nowhere"}); err == nil || !strings.Contains(err.Error(), "public API: GET ") || !strings.Contains(err.Error(), "answered 404 Not Found where the Kratos public API answers 200") {
		t.Errorf("Open on a wrong URL: %v", err)
	}
	// A user that cannot be made is tried again with new addresses, then
	// fails Users, and the users made so far are removed.
	fx := kratosFixtures{openFake(t, target.Options{URL: srv.URL, AdminURL: srv.URL, Concurrency: 1})}
	k.mu.Lock()
	k.accept = 2
	k.mu.Unlock()
	_, err := fx.Users(context.Background(), 4)
	if err == nil || !strings.Contains(err.Error(), "identity 2: updateRegistrationFlow: status 400; 4000007 no more sign-ups") {
		t.Errorf("Users beyond what the target accepts: %v", err)
	}
	k.mu.Lock()
	tried := slices.Clone(k.refused)
	k.mu.Unlock()
	if len(tried) < 2 || len(slices.Compact(slices.Sorted(slices.Values(tried)))) != len(tried) {
		t.Errorf("user 2 was tried as %v, want several attempts with new addresses", tried)
	}
	if n := k.identityCount(); n != 0 {
		t.Errorf("%d identities left after a failed Users", n)
	}
	if n := k.validSessions(); n != 0 {
		t.Errorf("%d sessions left after a failed Users", n)
	}
}

// TestRunKratosScenarios runs whoami and login scenarios against the fake:
// every request is a correct answer, every login uses a fresh flow, the
// sessions are revoked afterwards, and no token or password is in any file.
func TestRunKratosScenarios(t *testing.T) {
	k := newFakeKratos()
	srv := httptest.NewServer(k)
	defer srv.Close()
	for _, src := range []string{
		"name: whoami\nrate: 100\nduration: 1s\nwarmup: 200ms\nsessions: 4\nsteps: [{name: whoami, operation: toSession, no_cache: true}]\n",
		"name: login\nrate: 60\nduration: 1s\nwarmup: 200ms\nsessions: 3\nsteps:\n  - {name: create-flow, operation: createNativeLoginFlow}\n  - {name: submit, operation: updateLoginFlow}\n",
	} {
		sc, err := ParseScenario("test.yaml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(sc.Name, func(t *testing.T) {
			dir := t.TempDir()
			sum, err := Run(context.Background(), sc, WithTarget(srv.URL), WithOutDir(dir))
			if err != nil {
				t.Fatal(err)
			}
			if sum.Errors.Total != 0 || sum.StatusCodes["200"] != sum.Requests || sum.Requests == 0 {
				t.Errorf("requests %d, statuses %v, errors %+v", sum.Requests, sum.StatusCodes, sum.Errors)
			}
			if n := k.validSessions(); n != 0 && sc.Name == "whoami" {
				t.Errorf("%d sessions still valid after the run", n)
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, f := range files {
				data, _ := os.ReadFile(f)
				for _, s := range k.secrets() {
					if bytes.Contains(data, []byte(s)) {
						t.Errorf("%s holds a secret", filepath.Base(f))
					}
				}
			}
		})
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for id, used := range k.flows {
		if used > 1 {
			t.Errorf("login flow %s submitted %d times", id, used)
		}
	}
}

func TestRunFixtureFailureIsReported(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	sc := &Scenario{Name: "w", Rate: Constant(10), Duration: time.Second, Steps: []Step{{Name: "w", Operation: OpToSession}}}
	_, err := Run(context.Background(), sc, WithTarget(srv.URL))
	if err == nil || !strings.Contains(err.Error(), "making 100 users") {
		t.Errorf("err = %v", err)
	}
}
