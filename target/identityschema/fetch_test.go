package identityschema

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/kratosclient"
)

// fakeKratos serves GET /schemas (two pages), GET /schemas/{id} and, when
// form is not nil, a registration flow whose traits inputs are form.
func fakeKratos(t *testing.T, schemas map[string]string, order []string, form []string) *kratosclient.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/schemas":
			ids := order[:1]
			if r.URL.Query().Get("page_token") == "2" {
				ids = order[1:]
			} else if len(order) > 1 {
				w.Header().Set("Link", `</schemas?page_size=100&page_token=2>; rel="next"`)
			}
			var out []map[string]any
			for _, id := range ids {
				out = append(out, map[string]any{"id": id, "schema": json.RawMessage(schemas[id])})
			}
			_ = json.NewEncoder(w).Encode(out)
		case strings.HasPrefix(r.URL.Path, "/schemas/"):
			raw, ok := schemas[strings.TrimPrefix(r.URL.Path, "/schemas/")]
			if !ok {
				http.NotFound(w, r)
				return
			}
			_, _ = w.Write([]byte(raw))
		case r.URL.Path == "/self-service/registration/api" && form != nil:
			var nodes []map[string]any
			for _, name := range append([]string{"csrf_token", "password", "method"}, form...) {
				nodes = append(nodes, map[string]any{"attributes": map[string]any{"name": name}})
			}
			_ = json.NewEncoder(w).Encode(map[string]any{"ui": map[string]any{"nodes": nodes}})
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":{"id":"self_service_flow_disabled"}}`))
		}
	}))
	t.Cleanup(srv.Close)
	c, err := kratosclient.New(srv.URL, kratosclient.Native)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func read(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestFetchChoosesTheRegistrationSchema(t *testing.T) {
	email, username := read(t, "email-password.json"), read(t, "username-nested.json")
	for _, tc := range []struct {
		name    string
		schemas map[string]string
		order   []string
		form    []string
		id      string
		want    string
		wantErr string
	}{
		{name: "the only one", schemas: map[string]string{"preset://email": email}, order: []string{"preset://email"}, want: "preset://email"},
		{name: "default among several", schemas: map[string]string{"default": email, "member": username}, order: []string{"member", "default"}, want: "default"},
		{name: "Ory Network ids, told apart by the registration form",
			schemas: map[string]string{"0f1e2d": email, "9a8b7c": username}, order: []string{"0f1e2d", "9a8b7c"},
			form: []string{"traits.email", "traits.name.first", "traits.name.last", "traits.username"}, want: "9a8b7c"},
		{name: "chosen by id", schemas: map[string]string{"default": email, "member": username}, order: []string{"default", "member"}, id: "member", want: "member"},
		{name: "unknown id", schemas: map[string]string{"default": email}, order: []string{"default"}, id: "nope", wantErr: "status 404"},
		{name: "registration closed and no default",
			schemas: map[string]string{"a": email, "b": username}, order: []string{"a", "b"},
			wantErr: "none is \"default\"; a registration flow is not available"},
		{name: "no schema fits the form",
			schemas: map[string]string{"a": email, "b": username}, order: []string{"a", "b"},
			form: []string{"traits.phone"}, wantErr: "none of the target's identity schemas (a, b)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := fakeKratos(t, tc.schemas, tc.order, tc.form)
			s, err := Fetch(context.Background(), c, tc.id)
			if failedAsWanted(t, err, tc.wantErr) {
				return
			}
			if s.ID != tc.want {
				t.Errorf("schema %q, want %q", s.ID, tc.want)
			}
		})
	}
}

func TestTemplate(t *testing.T) {
	addr := hygiene.Email(run, 12)
	token := hygiene.Username(run, 12)
	username := load(t, "username-nested.json")
	for _, tc := range []struct {
		name           string
		file           string
		schema         *Schema
		wantTraits     map[string]any
		wantIdentifier string
		wantIDTrait    string
		wantEmail      string
		wantErr        string
	}{
		{
			name:           "plain traits, identifier from the schema",
			file:           `{"username":"{{username}}","email":"{{email}}","name":{"first":"Test","last":"User {{n}}"}}`,
			schema:         username,
			wantTraits:     map[string]any{"username": token, "email": addr, "name": map[string]any{"first": "Test", "last": "User 12"}},
			wantIdentifier: token, wantIDTrait: "username", wantEmail: addr,
		},
		{
			name:           "wrapped, identifier given, no schema",
			file:           `{"traits":{"login":"{{username}}","contact":{"mail":"{{email}}"},"age":30},"identifier":"{{username}}","schema_id":"member"}`,
			wantTraits:     map[string]any{"login": token, "contact": map[string]any{"mail": addr}, "age": int64(30)},
			wantIdentifier: token, wantIDTrait: "login", wantEmail: addr,
		},
		{
			name:           "no schema, identifier guessed",
			file:           `{"email":"{{email}}"}`,
			wantTraits:     map[string]any{"email": addr},
			wantIdentifier: addr, wantIDTrait: "email", wantEmail: addr,
		},
		{name: "no placeholder", file: `{"email":"fixed@example.org"}`, wantErr: "no {{email}}"},
		{name: "not JSON", file: `email: x`, wantErr: "not a JSON object"},
		{name: "invalid for the schema", file: `{"username":"{{username}}","email":"{{email}}"}`, schema: username, wantErr: "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl, err := ParseTemplate([]byte(tc.file), tc.schema)
			var got Identity
			if err == nil {
				got, err = tmpl.Identity(addr)
			}
			if failedAsWanted(t, err, tc.wantErr) {
				return
			}
			if !reflect.DeepEqual(got.Traits, tc.wantTraits) {
				t.Errorf("traits\n got %#v\nwant %#v", got.Traits, tc.wantTraits)
			}
			if got.Identifier != tc.wantIdentifier || got.IdentifierTrait != tc.wantIDTrait || got.Email != tc.wantEmail {
				t.Errorf("identifier %q (%s) email %q, want %q (%s) %q", got.Identifier, got.IdentifierTrait, got.Email, tc.wantIdentifier, tc.wantIDTrait, tc.wantEmail)
			}
		})
	}
}

// failedAsWanted fails t unless err is what wantErr says (an error holding
// it, or none when it is ""), and reports whether there was an error.
func failedAsWanted(t *testing.T, err error, wantErr string) bool {
	t.Helper()
	switch {
	case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
		t.Fatalf("err %v, want %q", err, wantErr)
	case wantErr == "" && err != nil:
		t.Fatal(err)
	}
	return err != nil
}
