package target

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"time"
)

// The bodies the fake Kratos answers, shaped as Kratos v1.3.1's (compare
// the recordings in schemas/testdata): f.mu is held while they are built.

// flowBody is a flow as get*Flow serves it.
func (f *fakeKratos) flowBody(fl *fakeFlow) map[string]any {
	ui := map[string]any{"action": f.public.URL + "/self-service/" + fl.Kind + "?flow=" + fl.ID, "method": "POST", "nodes": f.nodes(fl)}
	if len(fl.Messages) > 0 {
		ui["messages"] = fl.Messages
	}
	create := map[string]string{"api": "api", "browser": "browser"}[fl.Type]
	body := map[string]any{
		"id": fl.ID, "type": fl.Type, "state": fl.State, "organization_id": nil,
		"expires_at": fl.Created.Add(time.Hour).UTC(), "issued_at": fl.Created.UTC(),
		"request_url": f.public.URL + "/self-service/" + fl.Kind + "/" + create,
		"ui":          ui,
	}
	switch fl.Kind {
	case "login":
		body["refresh"], body["requested_aal"] = false, "aal1"
	case "recovery", "verification":
		body["active"] = f.cfg.mailMethod(fl.Kind)
	case "settings":
		body["identity"] = f.identityBody(f.identities[fl.Identity])
	}
	return body
}

// nodes are a flow's form: the CSRF token (empty in an api flow), then
// each enabled method's group.
func (f *fakeKratos) nodes(fl *fakeFlow) []any {
	nodes := []any{input("default", "csrf_token", "hidden", fl.CSRF)}
	switch fl.Kind {
	case "login":
		nodes = append(nodes, input("default", "identifier", "text", ""))
		nodes = append(nodes, f.signInNodes()...)
	case "registration":
		for _, name := range traitNames(f.cfg.defaultSchema().Raw) {
			nodes = append(nodes, input("default", "traits."+name, "text", nil))
		}
		nodes = append(nodes, f.signInNodes()...)
	case "recovery", "verification":
		m := f.cfg.mailMethod(fl.Kind)
		nodes = append(nodes, input(m, "email", "email", nil), submit(m, "method", m))
	case "settings":
		id := f.identities[fl.Identity]
		for name, v := range id.Traits {
			nodes = append(nodes, input("profile", "traits."+name, "text", v))
		}
		nodes = append(nodes, submit("profile", "method", "profile"))
		if f.cfg.has("password") {
			nodes = append(nodes, input("password", "password", "password", nil), submit("password", "method", "password"))
		}
		switch {
		case fl.TOTPSecret != "":
			nodes = append(nodes,
				node("img", "totp", map[string]any{"id": "totp_qr", "src": "data:image/png;base64," + base64.StdEncoding.EncodeToString([]byte("not a QR code")), "width": 256, "height": 256}),
				node("text", "totp", map[string]any{"id": "totp_secret_key", "text": uiMessage(1050006, "info", fl.TOTPSecret, map[string]any{"secret": fl.TOTPSecret})}),
				input("totp", "totp_code", "text", nil), submit("totp", "method", "totp"))
		case id.TOTPSecret != "":
			nodes = append(nodes, submit("totp", "totp_unlink", "true"))
		}
	}
	return nodes
}

// signInNodes are the login and registration nodes of the enabled methods.
func (f *fakeKratos) signInNodes() []any {
	var nodes []any
	for _, m := range f.cfg.methods() {
		switch m {
		case "password":
			nodes = append(nodes, input("password", "password", "password", nil), submit("password", "method", "password"))
		case "code":
			nodes = append(nodes, submit("code", "method", "code"))
		}
	}
	for _, p := range f.cfg.Providers {
		nodes = append(nodes, submit("oidc", "provider", p))
	}
	return nodes
}

// traitNames are the top-level traits of a schema, sorted.
func traitNames(raw []byte) []string {
	var s struct {
		Properties struct {
			Traits struct {
				Properties map[string]any `json:"properties"`
			} `json:"traits"`
		} `json:"properties"`
	}
	_ = json.Unmarshal(raw, &s)
	var out []string
	for name := range s.Properties.Traits.Properties {
		out = append(out, name)
	}
	slices.Sort(out)
	return out
}

func node(typ, group string, attrs map[string]any) map[string]any {
	attrs["node_type"] = typ
	return map[string]any{"type": typ, "group": group, "attributes": attrs, "messages": []any{}, "meta": map[string]any{}}
}

func input(group, name, typ string, value any) map[string]any {
	attrs := map[string]any{"name": name, "type": typ, "disabled": false}
	if value != nil {
		attrs["value"] = value
	}
	if name == "csrf_token" || name == "identifier" || name == "password" {
		attrs["required"] = true
	}
	return node("input", group, attrs)
}

func submit(group, name, value string) map[string]any { return input(group, name, "submit", value) }

func uiMessage(id int, typ, text string, context map[string]any) map[string]any {
	m := map[string]any{"id": id, "type": typ, "text": text}
	if context != nil {
		m["context"] = context
	}
	return m
}

func (f *fakeKratos) identityBody(id *fakeIdentity) map[string]any {
	at := id.Created.UTC()
	body := map[string]any{
		"id": id.ID, "schema_id": id.SchemaID, "schema_url": f.public.URL + "/schemas/" + base64.RawURLEncoding.EncodeToString([]byte(id.SchemaID)),
		"state": "active", "state_changed_at": at, "traits": id.Traits,
		"verifiable_addresses": []any{}, "recovery_addresses": []any{},
		"metadata_public": nil, "created_at": at, "updated_at": at, "organization_id": nil,
	}
	if id.MetadataAdmin != nil {
		body["metadata_admin"] = id.MetadataAdmin
	}
	if email := str(id.Traits["email"]); email != "" {
		body["verifiable_addresses"] = []any{map[string]any{"id": newUUID(), "value": email, "verified": false, "via": "email", "status": "sent", "created_at": at, "updated_at": at}}
		body["recovery_addresses"] = []any{map[string]any{"id": newUUID(), "value": email, "via": "email", "created_at": at, "updated_at": at}}
	}
	return body
}

func (f *fakeKratos) sessionBody(s *fakeSession) map[string]any {
	at := s.Created.UTC()
	return map[string]any{
		"id": s.ID, "active": s.Active, "expires_at": at.Add(24 * time.Hour), "authenticated_at": at, "issued_at": at,
		"authenticator_assurance_level": "aal1",
		"authentication_methods":        []any{map[string]any{"method": "password", "aal": "aal1", "completed_at": at}},
		"identity":                      f.identityBody(f.identities[s.Identity]),
		"devices":                       []any{},
	}
}

// mailBody is a courier message as the admin API lists it, with the body
// of Kratos's default code and link templates.
func mailBody(m fakeMail) map[string]any {
	text := map[string]string{
		"verification_code_valid": "Hi,\n\nplease verify your account by entering the following code:\n\n" + m.Code + "\n",
		"recovery_code_valid":     "Hi,\n\nplease recover access to your account by entering the following code:\n\n" + m.Code + "\n",
		"verification_valid":      "Hi, please verify your account by clicking the following link:\n\n" + m.Link + "\n",
		"recovery_valid":          "Hi,\n\nplease recover access to your account by clicking the following link:\n\n" + m.Link + "\n",
	}[m.Template]
	at := m.Created.UTC()
	return map[string]any{
		"id": m.ID, "status": "queued", "type": "email", "recipient": m.To, "body": text,
		"subject": "Please verify your email address", "template_type": m.Template, "channel": "email",
		"send_count": 0, "created_at": at, "updated_at": at,
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes Kratos's (herodot's) error body.
func writeError(w http.ResponseWriter, status int, id, reason, message string) {
	e := map[string]any{"code": status, "status": http.StatusText(status), "message": message}
	if id != "" {
		e["id"] = id
	}
	if reason != "" {
		e["reason"] = reason
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func writeNotFound(w http.ResponseWriter) {
	writeError(w, http.StatusNotFound, "", "", "Unable to locate the resource")
}

func writeNoSession(w http.ResponseWriter) {
	writeError(w, http.StatusUnauthorized, "session_inactive", "No active session was found in this request.", "request does not have a valid authentication session")
}

func writeCSRFError(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "security_csrf_violation",
		"Please retry the flow and optionally clear your cookies. The request was rejected to protect you from Cross-Site-Request-Forgery (CSRF) which could cause account takeover, leaking personal information, and other serious security issues.",
		"the request was rejected to protect you from Cross-Site-Request-Forgery")
}

// newTOTPSecret is a base32 secret as Kratos's TOTP method makes.
func newTOTPSecret() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
}
