package target

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orybench/orybench/internal/redact"
)

// This file and the other fake*_test.go are a fake Kratos v1.3.1: just
// enough of its public API (fakeselfservice_test.go) and admin API
// (fakeadmin_test.go), with the statuses, headers and bodies Kratos answers
// (fakebodies_test.go; compare the recordings in schemas/testdata), for
// package target to be tested without starting one.

// fakeConfig is what the fake is configured for. The zero value is the
// quickstart: registration open and signing in, the password method, an
// email-password schema, recovery and verification by code.
type fakeConfig struct {
	RegistrationClosed bool // selfservice.flows.registration.enabled: false
	NoSessionHook      bool // no session hook after registration
	// Methods are the enabled methods (nil: password); "totp" shows in
	// the settings flow, the others in login and registration.
	Methods   []string
	Providers []string // oidc providers
	// Recovery and Verification are "code" (""), "link" or "disabled".
	Recovery, Verification string
	// Schemas are listed by GET /schemas (nil: one "default", the
	// quickstart's email-password schema) SchemaPage at a time (0: all).
	Schemas    []fakeSchema
	SchemaPage int
	// APIKey, when set, serves the admin API on the public URL too, as
	// Ory Network does, to callers with this bearer token.
	APIKey string
	// Network, when set, serves the routes the Ory Network contract adds
	// (fakenetwork_test.go); without it the fake serves none of them.
	Network *fakeNetwork
}

// fakeSchema is an identity schema the fake serves; its password
// identifier is the top-level trait Identifier.
type fakeSchema struct {
	ID, Identifier string
	Raw            []byte
}

// defaultSchema is the schema registration uses: "default", else the first.
func (c fakeConfig) defaultSchema() fakeSchema {
	if i := slices.IndexFunc(c.Schemas, func(s fakeSchema) bool { return s.ID == "default" }); i >= 0 {
		return c.Schemas[i]
	}
	return c.Schemas[0]
}

func (c fakeConfig) methods() []string {
	if c.Methods == nil {
		return []string{"password"}
	}
	return c.Methods
}

func (c fakeConfig) has(method string) bool { return slices.Contains(c.methods(), method) }

// mailMethod is how recovery or verification works: code, link or "".
func (c fakeConfig) mailMethod(kind string) string {
	m := map[string]string{"recovery": c.Recovery, "verification": c.Verification}[kind]
	switch m {
	case "":
		return "code"
	case "disabled":
		return ""
	}
	return m
}

// fakeKratos is a running fake: a public and an admin server over one
// state.
type fakeKratos struct {
	t             testing.TB
	cfg           fakeConfig
	public, admin *httptest.Server

	mu         sync.Mutex
	flows      map[string]*fakeFlow
	identities map[string]*fakeIdentity
	sessions   map[string]*fakeSession // by token (a native app's, or a cookie's value)
	mails      []fakeMail
	secrets    []string // every password and session token, deleted or not
	requests   []fakeRequest
	faults     map[string][]fault
}

type fakeFlow struct {
	ID, Kind, Type string // Type: api or browser
	// CSRF is the token in the flow's csrf_token node, Cookie the value of
	// the CSRF cookie it was created with (browser flows).
	CSRF, Cookie string
	Identity     string // the identity a settings flow changes
	State        string
	Messages     []map[string]any
	TOTPSecret   string
	Created      time.Time
}

type fakeIdentity struct {
	ID, SchemaID, Identifier string
	Traits                   map[string]any
	Password, TOTPSecret     string
	MetadataAdmin            json.RawMessage // as the admin API was given it
	Created                  time.Time
}

type fakeSession struct {
	ID, Token, Identity string
	Active              bool
	Created             time.Time
}

type fakeMail struct {
	ID, To, Template, Code string
	Link                   string // a link template's: .../self-service/<kind>?flow=&token=
	Created                time.Time
}

// fakeRequest is a request as the fake received it.
type fakeRequest struct {
	Server, Method, Path string // Server: public or admin
	Query                url.Values
	Header               http.Header
	Body                 string
}

// fault is a failure the fake gives the next matching request instead of
// its answer.
type fault int

const (
	pass          fault = iota // Kratos's own answer
	internalError              // a 500 with Kratos's error body
	hangUp                     // the connection closed without an answer
)

// fakeUI is where the fake sends browsers: nothing is ever fetched there.
const fakeUI = "https://ui.orybench.test"

// startFake starts a fake Kratos configured as cfg, stopped when t ends;
// when t fails, it logs every request it received, redacted.
func startFake(t testing.TB, cfg fakeConfig) *fakeKratos {
	t.Helper()
	if cfg.Schemas == nil {
		raw, err := os.ReadFile("identityschema/testdata/email-password.json")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Schemas = []fakeSchema{{ID: "default", Identifier: "email", Raw: raw}}
	}
	f := &fakeKratos{t: t, cfg: cfg, flows: map[string]*fakeFlow{}, identities: map[string]*fakeIdentity{},
		sessions: map[string]*fakeSession{}, faults: map[string][]fault{}}
	admin := f.adminMux()
	f.admin = httptest.NewServer(f.middleware("admin", admin))
	f.public = httptest.NewServer(f.middleware("public", f.publicMux(admin)))
	t.Cleanup(func() {
		f.public.Close()
		f.admin.Close()
		if t.Failed() {
			for _, l := range f.log() {
				t.Log(l)
			}
		}
	})
	return f
}

// open opens the fake as a remote target with opts (URL filled in), closed
// when t ends.
func (f *fakeKratos) open(t testing.TB, opts Options) (*Set, *Target) {
	t.Helper()
	opts.URL = f.public.URL
	s, err := Open(context.Background(), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(context.Background()); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, s.Targets()[0]
}

// failNext makes the next requests to route ("POST /self-service/login")
// fail as faults say, one each (pass lets one through).
func (f *fakeKratos) failNext(route string, faults ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[route] = append(f.faults[route], faults...)
}

// heal drops the faults not given yet.
func (f *fakeKratos) heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.faults)
}

func (f *fakeKratos) middleware(server string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		route := r.Method + " " + r.URL.Path
		f.mu.Lock()
		f.requests = append(f.requests, fakeRequest{Server: server, Method: r.Method, Path: r.URL.Path,
			Query: r.URL.Query(), Header: r.Header.Clone(), Body: string(body)})
		var ft fault
		if q := f.faults[route]; len(q) > 0 {
			ft, f.faults[route] = q[0], q[1:]
		}
		f.mu.Unlock()
		switch ft {
		case internalError:
			writeError(w, http.StatusInternalServerError, "", "", "An internal server error occurred, please contact the system administrator")
		case hangUp:
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				f.t.Errorf("hang up: %v", err)
				return
			}
			conn.Close()
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// received are the requests to server (public or admin) whose route,
// "METHOD /path", starts with prefix.
func (f *fakeKratos) received(server, prefix string) []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeRequest
	for _, r := range f.requests {
		if r.Server == server && strings.HasPrefix(r.Method+" "+r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// log is every request received, redacted as orybench logs requests.
func (f *fakeKratos) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, r := range f.requests {
		u := (&url.URL{Path: r.Path, RawQuery: r.Query.Encode()}).String()
		body := r.Body
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			body = string(redact.JSON([]byte(body)))
		} else {
			body = redact.Text(body)
		}
		out = append(out, fmt.Sprintf("%s %s %s %v %s", r.Server, r.Method, redact.URL(u), redact.Header(r.Header), body))
	}
	return out
}

// identityCount is how many identities the fake holds.
func (f *fakeKratos) identityCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.identities)
}

// hasIdentity reports whether an identity with id exists.
func (f *fakeKratos) hasIdentity(id string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.identities[id] != nil
}

// sessionActive reports whether a session token or cookie is active.
func (f *fakeKratos) sessionActive(token string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[token]
	return s != nil && s.Active
}

// register makes an identity as an answer under test would, without the
// target knowing its id.
func (f *fakeKratos) register(id Identity) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.newIdentity(f.cfg.defaultSchema(), id.TraitsWithEmail(), id.Password).ID
}

func (f *fakeKratos) publicMux(admin http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /schemas", f.listSchemas)
	mux.HandleFunc("GET /schemas/{id}", f.getSchema)
	mux.HandleFunc("GET /self-service/{kind}/api", f.createFlow)
	mux.HandleFunc("GET /self-service/{kind}/browser", f.createFlow)
	mux.HandleFunc("GET /self-service/{kind}/flows", f.getFlow)
	mux.HandleFunc("POST /self-service/{kind}", f.updateFlow)
	mux.HandleFunc("GET /sessions/whoami", f.whoami)
	mux.HandleFunc("DELETE /self-service/logout/api", f.performNativeLogout)
	if f.cfg.Network != nil {
		f.networkRoutes(mux, f.cfg.Network)
	}
	mux.HandleFunc("/admin/", func(w http.ResponseWriter, r *http.Request) {
		switch {
		case f.cfg.APIKey == "":
			writeNotFound(w)
		case r.Header.Get("Authorization") != "Bearer "+f.cfg.APIKey:
			writeError(w, http.StatusUnauthorized, "", "", "The request could not be authorized")
		default:
			admin.ServeHTTP(w, r)
		}
	})
	return mux
}

func (f *fakeKratos) adminMux() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/identities", f.createIdentity)
	mux.HandleFunc("GET /admin/identities", f.listIdentities)
	mux.HandleFunc("DELETE /admin/identities/{id}", f.deleteIdentity)
	mux.HandleFunc("GET /admin/courier/messages", f.listCourierMessages)
	return mux
}

// newIdentity stores an identity of schema; f.mu is held.
func (f *fakeKratos) newIdentity(schema fakeSchema, traits map[string]any, password string) *fakeIdentity {
	id := &fakeIdentity{ID: newUUID(), SchemaID: schema.ID, Identifier: str(traits[schema.Identifier]),
		Traits: traits, Password: password, Created: time.Now()}
	f.identities[id.ID] = id
	f.secrets = append(f.secrets, password, url.QueryEscape(password))
	return id
}

// identifierTaken reports whether an identity signs in with identifier;
// f.mu is held.
func (f *fakeKratos) identifierTaken(identifier string) bool {
	for _, id := range f.identities {
		if id.Identifier == identifier {
			return true
		}
	}
	return false
}

// newSession signs an identity in; f.mu is held.
func (f *fakeKratos) newSession(id *fakeIdentity) *fakeSession {
	s := &fakeSession{ID: newUUID(), Token: "ory_st_" + randomHex(16), Identity: id.ID, Active: true, Created: time.Now()}
	f.sessions[s.Token] = s
	f.secrets = append(f.secrets, s.Token)
	return s
}

// mail queues a mail with a new code; f.mu is held.
// mail mails to the code of a code template or, for a link template
// (<kind>_valid), the link to flowID.
func (f *fakeKratos) mail(to, template, flowID string) {
	m := fakeMail{ID: newUUID(), To: to, Template: template, Created: time.Now()}
	if kind, ok := strings.CutSuffix(template, "_valid"); ok && !strings.HasSuffix(kind, "_code") {
		m.Link = f.public.URL + "/self-service/" + kind + "?" + url.Values{"flow": {flowID}, "token": {newUUID()}}.Encode()
	} else {
		m.Code = strconv.Itoa(100000 + mrand.IntN(900000))
	}
	f.mails = append(f.mails, m)
}

// mailed are the codes mailed to an address, oldest first.
func (f *fakeKratos) mailed(to string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, m := range f.mails {
		if m.To == to {
			out = append(out, m.Code)
		}
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
