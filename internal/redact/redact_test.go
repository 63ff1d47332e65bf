package redact

import (
	"net/http"
	"strings"
	"testing"
)

func TestJSONRemovesEverySecret(t *testing.T) {
	body := `{"session_token":"ory_st_abc","session":{"id":"s1"},
	"ui":{"nodes":[{"attributes":{"name":"csrf_token","value":"csrf-value-1"}},
	               {"attributes":{"name":"traits.email","value":"a@b.c"}},
	               {"attributes":{"name":"totp_secret_key","value":"JBSWY3DP"}},
	               {"type":"text","attributes":{"id":"totp_secret_key","node_type":"text","text":{"id":1050006,"text":"KRSXG5CTMVRXEZLU","context":{"secret":"KRSXG5CTMVRXEZLU"}}}},
	               {"type":"img","attributes":{"id":"totp_qr","src":"data:image/png;base64,iVBORw0QRSECRET"}}]},
	"error":{"code":403,"id":"security_csrf_violation"},
	"logout_url":"http://127.0.0.1:4433/self-service/logout?token=logout-secret",
	"continue_with":[{"action":"set_ory_session_token","ory_session_token":"ory_st_abc"}]}`
	got := string(JSON([]byte(body)))
	for _, secret := range []string{"ory_st_abc", "csrf-value-1", "JBSWY3DP", "KRSXG5CTMVRXEZLU", "QRSECRET", "logout-secret"} {
		if strings.Contains(got, secret) {
			t.Errorf("%q survived: %s", secret, got)
		}
	}
	for _, kept := range []string{"s1", "a@b.c", "traits.email", `"code":403`} {
		if !strings.Contains(got, kept) {
			t.Errorf("%q was lost: %s", kept, got)
		}
	}
}

func TestTextAndHeaders(t *testing.T) {
	for _, in := range []string{
		`password=hunter2&identifier=x`,
		`{"password": "hunter2"}`,
		`Authorization: Bearer hunter2`,
		`token ory_apikey_hunter2`,
	} {
		if got := Text(in); strings.Contains(got, "hunter2") {
			t.Errorf("Text(%q) = %q", in, got)
		}
	}
	for in, want := range map[string]string{
		`{"error":{"code":500,"status":"Internal Server Error"}}`: `{"error":{"code":500,"status":"Internal Server Error"}}`,
		`{"code": "123456"}`: `{"code": "` + Placeholder + `"}`,
		`{"code":123456}`:    `{"code":123456}`, // a number, as the JSON walker sees it
		`code=123456&flow=x`: `code=` + Placeholder + `&flow=x`,
	} {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
	h := http.Header{}
	h.Set("X-Session-Token", "hunter2")
	h.Add("Set-Cookie", "ory_kratos_session=hunter2; Path=/; HttpOnly")
	h.Set("Content-Type", "application/json")
	got := Header(h)
	if strings.Contains(got.Get("X-Session-Token")+got.Get("Set-Cookie"), "hunter2") {
		t.Errorf("Header kept a secret: %v", got)
	}
	if got.Get("Set-Cookie") != "ory_kratos_session="+Placeholder+"; Path=/; HttpOnly" {
		t.Errorf("Set-Cookie = %q", got.Get("Set-Cookie"))
	}
	if got.Get("Content-Type") != "application/json" || h.Get("X-Session-Token") != "hunter2" {
		t.Error("Header changed what it should not")
	}
}

func TestURLUserinfoPassword(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://alice:s3cret@kratos.example/self-service?x=1", "https://alice:" + Placeholder + "@kratos.example/self-service?x=1"},
		{"https://alice@kratos.example/", "https://alice@kratos.example/"},
		{"http://127.0.0.1:4433/sessions/whoami", "http://127.0.0.1:4433/sessions/whoami"},
		// Does not parse (a space in the host), yet loses the password.
		{"https://alice:s3cret@kra tos.example/", "https://alice:" + Placeholder + "@kra tos.example/"},
		// Typed without a scheme: it would parse as scheme "alice".
		{"alice:s3cret@127.0.0.1:4433/x", "alice:" + Placeholder + "@127.0.0.1:4433/x"},
		{"127.0.0.1:4433", "127.0.0.1:4433"},
	} {
		if got := URL(tc.in); got != tc.want {
			t.Errorf("URL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestProse(t *testing.T) {
	in := "failed: GET https://alice:s3cret@kratos.example/sessions/whoami?token=t0k with password=hunter2"
	got := Prose(in)
	for _, secret := range []string{"s3cret", "hunter2"} {
		if strings.Contains(got, secret) {
			t.Errorf("Prose(%q) = %q", in, got)
		}
	}
	if !strings.Contains(got, "https://alice:"+Placeholder+"@kratos.example/sessions/whoami") {
		t.Errorf("Prose(%q) = %q: the URL is lost", in, got)
	}
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"0123456789", 4, "0123 … (6 more bytes)"},
		{"aé", 2, "a … (2 more bytes)"}, // é is two bytes: not cut in half
	} {
		if got := Clip(tt.s, tt.n); got != tt.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

// tokenize_as names a JWT template, no secret: a URL keeps it, while the
// names that speak of a token keep being redacted.
func TestTokenizeAsIsNoSecret(t *testing.T) {
	for k, want := range map[string]bool{"tokenize_as": false, "TOKENIZE_AS": false, "token": true, "session_token": true, "tokenize": true} {
		if got := IsSecretKey(k); got != want {
			t.Errorf("IsSecretKey(%q) = %v, want %v", k, got, want)
		}
	}
	if got, want := URL("http://127.0.0.1:4433/sessions/whoami?tokenize_as=jwt_example"), "http://127.0.0.1:4433/sessions/whoami?tokenize_as=jwt_example"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
}
