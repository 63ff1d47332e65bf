package localkratos

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseHasher(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Hasher
		name string // String()
	}{
		{"bcrypt", Hasher{Algorithm: "bcrypt", Cost: 12}, "bcrypt cost 12 (Kratos default)"},
		{"bcrypt:12", KratosDefaultHasher(), "bcrypt cost 12 (Kratos default)"},
		{"bcrypt:4", FastHasher(), "bcrypt cost 4 (the cheapest Kratos accepts)"},
		{" bcrypt:10 ", Hasher{Algorithm: "bcrypt", Cost: 10}, "bcrypt cost 10"},
		{"bcrypt:31", Hasher{Algorithm: "bcrypt", Cost: 31}, "bcrypt cost 31"},
		{"argon2", Hasher{Algorithm: "argon2"}, fmt.Sprintf(
			"argon2id memory 128MB, iterations 1, parallelism %d, salt 16 B, key 32 B (Kratos default parameters)", Argon2DefaultParallelism())},
		{"argon2:memory=128MB,iterations=3,parallelism=4,salt_length=16,key_length=32",
			Hasher{Algorithm: "argon2", Memory: "128MB", Iterations: 3, Parallelism: 4, SaltLength: 16, KeyLength: 32},
			"argon2id memory 128MB, iterations 3, parallelism 4, salt 16 B, key 32 B"},
		{"argon2:memory=64KB", Hasher{Algorithm: "argon2", Memory: "64KB"}, fmt.Sprintf(
			"argon2id memory 64KB, iterations 1, parallelism %d, salt 16 B, key 32 B", Argon2DefaultParallelism())},
		{"argon2:memory=4GB", Hasher{Algorithm: "argon2", Memory: "4GB"}, ""},
	} {
		got, err := ParseHasher(tc.in)
		if err != nil {
			t.Errorf("ParseHasher(%q): %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ParseHasher(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
		if tc.name != "" && got.String() != tc.name {
			t.Errorf("ParseHasher(%q).String() = %q, want %q", tc.in, got, tc.name)
		}
	}
	if got := (Hasher{}).String(); got != FastHasher().String() {
		t.Errorf("the zero Hasher is %q, want FastHasher's %q", got, FastHasher())
	}
	for _, tc := range []struct{ in, says string }{
		{"", `unknown hasher ""`},
		{"scrypt", `unknown hasher "scrypt"`},
		{"BCRYPT", `unknown hasher "BCRYPT"`},
		{"bcrypt:", "from 4 to 31"},
		{"bcrypt:3", "from 4 to 31"},
		{"bcrypt:32", "from 4 to 31"},
		{"bcrypt:twelve", "from 4 to 31"},
		{"argon2:", "no argon2 parameters"},
		{"argon2:memory", "not KEY=VALUE"},
		{"argon2:memory=", "not KEY=VALUE"},
		{"argon2:time=3", `unknown argon2 parameter "time"`},
		{"argon2:iterations=2,iterations=3", "given twice"},
		{"argon2:memory=128", "not a size"},
		{"argon2:memory=128MiB", "not a size"},
		{"argon2:memory=0MB", "at most 4GB"},
		{"argon2:memory=5GB", "at most 4GB"},
		{"argon2:memory=99999999999999999999B", "at most 4GB"},
		{"argon2:iterations=0", "iterations must be a whole number from 1 to 100"},
		{"argon2:parallelism=256", "parallelism must be a whole number from 1 to 255"},
		{"argon2:salt_length=8", "salt_length must be a whole number from 16 to 1024"},
		{"argon2:key_length=x", "key_length must be a whole number from 16 to 1024"},
	} {
		_, err := ParseHasher(tc.in)
		switch {
		case err == nil:
			t.Errorf("ParseHasher(%q) accepted it", tc.in)
		case !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "give bcrypt, bcrypt:COST"):
			t.Errorf("ParseHasher(%q) = %q, want it to say %q and what it takes", tc.in, err, tc.says)
		case strings.Contains(err.Error(), "\n"):
			t.Errorf("ParseHasher(%q) error is more than one line: %q", tc.in, err)
		}
	}
}

func TestConfigHashers(t *testing.T) {
	p, err := LookupProfile("default")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		h    Hasher
		want map[string]any
	}{
		{FastHasher(), map[string]any{"algorithm": "bcrypt", "bcrypt": map[string]any{"cost": 4}}},
		{KratosDefaultHasher(), map[string]any{"algorithm": "bcrypt", "bcrypt": map[string]any{"cost": 12}}},
		{Hasher{Algorithm: "bcrypt", Cost: 10}, map[string]any{"algorithm": "bcrypt", "bcrypt": map[string]any{"cost": 10}}},
		// Kratos's defaults are Kratos's: nothing named, nothing rendered.
		{Hasher{Algorithm: "argon2"}, map[string]any{"algorithm": "argon2"}},
		{Hasher{Algorithm: "argon2", Memory: "64MB", Iterations: 3}, map[string]any{"algorithm": "argon2",
			"argon2": map[string]any{"memory": "64MB", "iterations": 3}}},
		{Hasher{Algorithm: "argon2", Memory: "128MB", Iterations: 3, Parallelism: 4, SaltLength: 16, KeyLength: 32},
			map[string]any{"algorithm": "argon2", "argon2": map[string]any{"memory": "128MB", "iterations": 3,
				"parallelism": 4, "salt_length": 16, "key_length": 32}}},
	} {
		if got := get(renderHashing(t, p, tc.h), "hashers"); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s renders hashers %v, want %v", tc.h, got, tc.want)
		}
	}
}

// TestHasherLive starts Kratos with each hasher and reads back the hash of
// a password it stored (the admin API returns it with
// include_credential=password): its PHC/modular-crypt prefix says the
// algorithm and parameters Kratos really hashed with, whatever the
// machine's speed.
func TestHasherLive(t *testing.T) {
	bin := kratosBin(t)
	for _, tc := range []struct {
		h      Hasher
		prefix string
	}{
		{FastHasher(), "$2a$04$"},
		{KratosDefaultHasher(), "$2a$12$"},
		{Hasher{Algorithm: "argon2", Memory: "8MB", Iterations: 2, Parallelism: 1}, "$argon2id$v=19$m=8192,t=2,p=1$"},
	} {
		t.Run(tc.h.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			inst, err := Start(ctx, Options{Bin: bin, Hasher: tc.h})
			if err != nil {
				t.Fatal(err)
			}
			defer inst.Stop()
			if inst.Hasher != tc.h {
				t.Errorf("instance says it hashes with %s, started with %s", inst.Hasher, tc.h)
			}
			// A native registration hashes the password as sign-ups do.
			if err := register(ctx, inst.PublicURL, "hasher@example.org"); err != nil {
				t.Fatal(err)
			}
			var found []struct{ ID string }
			if err := getJSON(ctx, inst.AdminURL+"/admin/identities?credentials_identifier=hasher@example.org", &found); err != nil {
				t.Fatal(err)
			}
			if len(found) != 1 {
				t.Fatalf("%d identities found for the address registered, want 1", len(found))
			}
			var got struct {
				Credentials struct {
					Password struct {
						Config struct {
							HashedPassword string `json:"hashed_password"`
						}
					}
				}
			}
			if err := getJSON(ctx, inst.AdminURL+"/admin/identities/"+found[0].ID+"?include_credential=password", &got); err != nil {
				t.Fatal(err)
			}
			hash := got.Credentials.Password.Config.HashedPassword
			if !strings.HasPrefix(hash, tc.prefix) {
				// The prefix names the parameters only; the hash itself is
				// left out of the message.
				t.Errorf("stored hash begins %q, want %q", hash[:min(len(hash), len(tc.prefix))], tc.prefix)
			}
		})
	}
}

// getJSON decodes the answer of a GET of url into v; an answer other than
// 200 is an error.
func getJSON(ctx context.Context, url string, v any) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d", url, res.StatusCode)
	}
	return json.NewDecoder(res.Body).Decode(v)
}
