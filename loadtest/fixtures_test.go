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
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeKratos answers the few Kratos endpoints fixtures and steps use, and
// remembers sessions, passwords and flows to check how they were used.
type fakeKratos struct {
	mu        sync.Mutex
	n         int
	sessions  map[string]bool   // token → valid
	passwords map[string]string // identifier → password
	flows     map[string]int    // login flow → submissions
}

func newFakeKratos() *fakeKratos {
	return &fakeKratos{sessions: map[string]bool{}, passwords: map[string]string{}, flows: map[string]int{}}
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
	switch r.Method + " " + r.URL.Path {
	case "GET /self-service/registration/api":
		reply(200, map[string]any{"id": fmt.Sprintf("reg-%d", k.n)})
	case "POST /self-service/registration":
		email := in["traits"].(map[string]any)["email"].(string)
		k.passwords[email] = in["password"].(string)
		k.sessions[token] = true
		reply(200, map[string]any{"session_token": token, "identity": map[string]any{"id": "id-" + email}})
	case "GET /self-service/login/api":
		id := fmt.Sprintf("login-%d", k.n)
		k.flows[id] = 0
		reply(200, map[string]any{"id": id})
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

func TestHTTPFixtures(t *testing.T) {
	k := newFakeKratos()
	srv := httptest.NewServer(k)
	defer srv.Close()
	fx := &HTTPFixtures{PublicURL: srv.URL}
	users, err := fx.Users(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, u := range users {
		if u.SessionToken == "" || u.Password == "" || u.IdentityID == "" || seen[u.Identifier] {
			t.Errorf("user %v is incomplete or repeated", u)
		}
		seen[u.Identifier] = true
		for _, s := range []string{u.String(), fmt.Sprintf("%v %+v %#v", u, u, u)} {
			if strings.Contains(s, u.SessionToken) || strings.Contains(s, u.Password) {
				t.Errorf("a printed User shows a secret: %s", s)
			}
		}
	}
	flows, err := fx.LoginFlows(context.Background(), 7)
	if err != nil || len(flows) != 7 {
		t.Fatalf("LoginFlows = %v, %v", flows, err)
	}
	if err := fx.DeleteUsers(context.Background(), users); err != nil {
		t.Fatal(err)
	}
	if n := k.validSessions(); n != 0 {
		t.Errorf("%d sessions still valid after DeleteUsers", n)
	}
	// Errors say the status and Kratos's message, not the request.
	bad := &HTTPFixtures{PublicURL: srv.URL + "/nowhere"}
	if _, err := bad.Users(context.Background(), 1); err == nil || !strings.Contains(err.Error(), "status 404") {
		t.Errorf("Users on a wrong URL: %v", err)
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
