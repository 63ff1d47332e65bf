// Package redact removes secrets — session tokens, cookie values, CSRF
// tokens, passwords, one-time codes and API keys — from what orybench logs or
// writes into a report. Everything a person may read passes through it.
package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Placeholder replaces every secret.
const Placeholder = "[REDACTED]"

// secretKeys are JSON members, query parameters and form fields that hold a
// secret in Kratos's API.
var secretKeys = map[string]bool{
	"session_token":               true,
	"csrf_token":                  true,
	"password":                    true,
	"code":                        true,
	"recovery_code":               true,
	"verification_code":           true,
	"login_code":                  true,
	"token":                       true,
	"logout_token":                true,
	"init_code":                   true,
	"return_to_code":              true,
	"session_token_exchange_code": true,
	"totp_code":                   true,
	"lookup_secret":               true,
	"totp_secret_key":             true,
	"api_key":                     true,
}

// IsSecretKey tells whether a member, parameter or field name holds a
// secret: a listed name, or any name that speaks of a token, password or
// secret (ory_session_token, new_password, totp_secret_key ...), but for
// toSession's tokenize_as, which names a JWT template (and must survive in
// a command that reproduces a request).
func IsSecretKey(k string) bool {
	k = strings.ToLower(k)
	if k == "tokenize_as" {
		return false
	}
	return secretKeys[k] || strings.Contains(k, "token") || strings.Contains(k, "password") || strings.Contains(k, "secret")
}

// JSON returns body with every secret value replaced. The values of UI nodes
// named like a secret (the csrf_token hidden input, a TOTP secret) and URLs
// carrying secret parameters (logout_url) are replaced too. A body that is
// not JSON is scrubbed by Text.
func JSON(body []byte) []byte {
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return []byte(Text(string(body)))
	}
	out, err := json.Marshal(walk(v))
	if err != nil {
		return []byte(Text(string(body)))
	}
	return out
}

func walk(v any) any {
	switch t := v.(type) {
	case map[string]any:
		// A UI node that holds a secret: the csrf_token input, the TOTP
		// secret shown as text and as a QR code image.
		secretNode := false
		for _, k := range []string{"name", "id"} {
			if id, ok := t[k].(string); ok && (IsSecretKey(id) || id == "totp_qr") {
				secretNode = true
			}
		}
		for k, val := range t {
			switch {
			case IsSecretKey(k):
				// Secrets are strings; a number under a secret-sounding key
				// is not one (error.code is the HTTP status).
				if _, ok := val.(string); ok {
					t[k] = Placeholder
				} else {
					t[k] = walk(val)
				}
			case secretNode && (k == "value" || k == "text" || k == "src") && val != nil:
				t[k] = Placeholder
			default:
				t[k] = walk(val)
			}
		}
		return t
	case []any:
		for i := range t {
			t[i] = walk(t[i])
		}
		return t
	case string:
		if strings.Contains(t, "://") && strings.Contains(t, "?") {
			return URL(t)
		}
		return t
	}
	return v
}

// URL replaces the values of secret query parameters and the password of
// any user information (https://user:password@host, or user:password@host
// without a scheme). A string that does not parse as a URL still loses what
// looks like a password before an "@".
func URL(raw string) string {
	if !strings.Contains(raw, "://") && strings.Contains(raw, "@") {
		// A URL typed without its scheme (user:password@host:port), which
		// would parse as scheme "user": read as the http URL it means.
		return strings.TrimPrefix(URL("http://"+raw), "http://")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return userinfoPassword.ReplaceAllString(raw, "${1}"+Placeholder+"@")
	}
	changed, hidden := false, false
	if _, has := u.User.Password(); has {
		// url.UserPassword would percent-encode the placeholder's brackets:
		// it is put in as text once the rest is encoded.
		u.User = url.UserPassword(u.User.Username(), "REDACTEDPASSWORD")
		changed, hidden = true, true
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if IsSecretKey(k) {
				q.Set(k, Placeholder)
				changed = true
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
	}
	if !changed {
		return raw
	}
	if hidden {
		return strings.Replace(u.String(), ":REDACTEDPASSWORD@", ":"+Placeholder+"@", 1)
	}
	return u.String()
}

// userinfoPassword matches "scheme://user:" up to the password's "@".
var userinfoPassword = regexp.MustCompile(`(://[^/@:\s]*:)[^/@\s]*@`)

// Header returns a copy of h with credentials and cookie values replaced.
func Header(h http.Header) http.Header {
	out := h.Clone()
	for k, vs := range out {
		switch http.CanonicalHeaderKey(k) {
		case "Authorization", "X-Session-Token", "Cookie", "X-Csrf-Token":
			for i := range vs {
				vs[i] = Placeholder
			}
		case "Set-Cookie":
			for i, v := range vs {
				vs[i] = cookieValue.ReplaceAllString(v, "${1}="+Placeholder)
			}
		}
	}
	return out
}

var (
	cookieValue = regexp.MustCompile(`^([^=;]+)=[^;]*`)
	// textSecrets finds key=value and "key":"value" pairs in free text.
	textSecrets = regexp.MustCompile(`(?i)("?(?:[a-z_]*token|[a-z_]*password|[a-z_]*secret[a-z_]*|code|recovery_code|verification_code|token|logout_token|init_code|return_to_code|session_token_exchange_code|api_key)"?\s*[:=]\s*"?)([^"&\s,;}]+)`)
	bearer      = regexp.MustCompile(`(?i)(bearer\s+)\S+`)
	// statusCode is the "code": of a JSON member with no quote after it.
	statusCode = regexp.MustCompile(`(?i)^"code"\s*:\s*$`)
	oryTokens  = regexp.MustCompile(`\bory_(?:st|ht|ac|apikey|pat|rt|at|lc|ac)_[A-Za-z0-9]+`)
)

// Text scrubs free text: key=value and "key":"value" pairs of secret keys,
// bearer credentials and Ory-style tokens (ory_st_…, ory_apikey_…). A JSON
// "code" member holding a bare number is an error's HTTP status, as the JSON
// walker sees it: one-time codes are strings.
func Text(s string) string {
	s = textSecrets.ReplaceAllStringFunc(s, func(m string) string {
		sub := textSecrets.FindStringSubmatch(m)
		if statusCode.MatchString(sub[1]) && isDigits(sub[2]) {
			return m
		}
		return sub[1] + Placeholder
	})
	s = bearer.ReplaceAllString(s, "${1}"+Placeholder)
	return oryTokens.ReplaceAllString(s, Placeholder)
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// Prose scrubs free text for a person to read that may hold URLs (a
// reason, a message, a note): Text's secrets, and the password of any URL's
// user information in it (https://user:password@host).
func Prose(s string) string {
	return userinfoPassword.ReplaceAllString(Text(s), "${1}"+Placeholder+"@")
}

// Clip shortens s to at most n bytes, at a rune boundary, and says how many
// bytes it left out: the most of a message a report shows.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + fmt.Sprintf(" … (%d more bytes)", len(s)-n)
}
