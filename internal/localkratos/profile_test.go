package localkratos

import (
	"bytes"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// render is the configuration a profile starts Kratos with.
func render(t *testing.T, p Profile) map[string]any {
	t.Helper()
	return renderHashing(t, p, FastHasher())
}

// renderHashing is the configuration a profile starts Kratos with when it
// hashes with h.
func renderHashing(t *testing.T, p Profile, h Hasher) map[string]any {
	t.Helper()
	var buf bytes.Buffer
	err := configTemplate.Execute(&buf, configData{
		Profile: p, DSN: "memory", PublicURL: "http://127.0.0.1:1", AdminURL: "http://127.0.0.1:2",
		PublicPort: 1, AdminPort: 2, UIURL: UIURL, Dir: "/cfg", CourierURL: "http://127.0.0.1:3/mail",
		OIDCIssuer: "http://127.0.0.1:4", CookieSecret: "c", CipherSecret: "x", LogLevel: "info", Hasher: h,
	})
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := yaml.Unmarshal(buf.Bytes(), &cfg); err != nil {
		t.Fatalf("profile %s renders invalid YAML: %v\n%s", p.Name, err, buf.String())
	}
	return cfg
}

func get(cfg map[string]any, path ...string) any {
	var cur any = cfg
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func TestProfilesConfigureWhatTheySay(t *testing.T) {
	for _, tc := range []struct {
		profile string
		want    map[string]any // dotted path under selfservice -> value
		schema  string
	}{
		{"default", map[string]any{
			"flows.registration.enabled": true, "flows.recovery.use": "code", "flows.verification.use": "code",
			"methods.code.enabled": true, "methods.totp.enabled": true, "methods.oidc.enabled": true,
			"flows.registration.after.password.hooks": []any{map[string]any{"hook": "session"}},
		}, "file:///cfg/default.schema.json"},
		{"username", map[string]any{
			"flows.registration.enabled": true, "flows.recovery.use": "link", "flows.verification.use": "link",
			"methods.code.enabled": false, "methods.link.enabled": true, "methods.totp.enabled": false, "methods.oidc.enabled": false,
			"flows.registration.after": nil,
		}, "file:///cfg/username.schema.json"},
		{"closed", map[string]any{
			"flows.registration.enabled": false, "flows.recovery.use": "code", "methods.totp.enabled": true,
		}, "file:///cfg/default.schema.json"},
	} {
		p, err := LookupProfile(tc.profile)
		if err != nil {
			t.Fatal(err)
		}
		cfg := render(t, p)
		for path, want := range tc.want {
			keys := append([]string{"selfservice"}, strings.Split(path, ".")...)
			got := get(cfg, keys...)
			if !equalYAML(got, want) {
				t.Errorf("%s: selfservice.%s = %#v, want %#v", tc.profile, path, got, want)
			}
		}
		schemas, _ := get(cfg, "identity", "schemas").([]any)
		if len(schemas) != 1 || get(schemas[0].(map[string]any), "url") != tc.schema {
			t.Errorf("%s: identity schemas %v, want %s", tc.profile, schemas, tc.schema)
		}
		if _, err := configFS.ReadFile("config/" + p.SchemaFile()); err != nil {
			t.Errorf("%s: schema file: %v", tc.profile, err)
		}
	}
}

func equalYAML(a, b any) bool {
	var x, y bytes.Buffer
	_ = yaml.NewEncoder(&x).Encode(a)
	_ = yaml.NewEncoder(&y).Encode(b)
	return x.String() == y.String()
}
