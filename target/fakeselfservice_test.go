package target

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// The public API of the fake Kratos: identity schemas, self-service
// flows, sessions.

// listSchemas pages with page_size (at most cfg.SchemaPage) and
// page_token, and links the next page as Kratos does.
func (f *fakeKratos) listSchemas(w http.ResponseWriter, r *http.Request) {
	var items []any
	for _, s := range f.cfg.Schemas {
		items = append(items, map[string]any{"id": s.ID, "schema": json.RawMessage(s.Raw)})
	}
	writePage(w, r, items, f.cfg.SchemaPage)
}

func (f *fakeKratos) getSchema(w http.ResponseWriter, r *http.Request) {
	for _, s := range f.cfg.Schemas {
		if s.ID == r.PathValue("id") {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(s.Raw)
			return
		}
	}
	writeNotFound(w)
}

// enabled reports whether a kind of flow is enabled; if not, it answers
// as Kratos does.
func (f *fakeKratos) enabled(w http.ResponseWriter, kind string) bool {
	switch {
	case kind == "registration" && f.cfg.RegistrationClosed:
		writeError(w, http.StatusBadRequest, "self_service_flow_disabled", "Registration is not allowed because it was disabled.", "registration flow disabled")
	case (kind == "recovery" || kind == "verification") && f.cfg.mailMethod(kind) == "":
		writeError(w, http.StatusBadRequest, "", title(kind)+" is not allowed because it was disabled.", "The request was malformed or contained invalid parameters")
	case !slices.Contains([]string{"login", "registration", "recovery", "settings", "verification"}, kind):
		writeNotFound(w)
	default:
		return true
	}
	return false
}

// createFlow is createNative*Flow (/api) and createBrowser*Flow
// (/browser): a browser asking for HTML is sent to the UI with ?flow=,
// anyone else answered the flow. Browser flows set the CSRF cookie.
func (f *fakeKratos) createFlow(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !f.enabled(w, kind) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	sess := f.session(r)
	switch {
	case kind == "settings" && sess == nil:
		writeNoSession(w)
		return
	case (kind == "login" || kind == "registration") && sess != nil:
		writeError(w, http.StatusBadRequest, "session_already_available", "A valid session was detected and thus login is not possible. Did you forget to set `?refresh=true`?", "The request was malformed or contained invalid parameters")
		return
	}
	fl := &fakeFlow{ID: newUUID(), Kind: kind, Type: "api", State: "choose_method", Created: time.Now()}
	if strings.HasSuffix(r.URL.Path, "/browser") {
		fl.Type, fl.Cookie = "browser", f.csrfCookie(w, r)
		fl.CSRF = maskCSRF(fl.Cookie)
	}
	if sess != nil {
		fl.Identity = sess.Identity
	}
	if kind == "settings" && f.cfg.has("totp") && f.identities[fl.Identity].TOTPSecret == "" {
		fl.TOTPSecret = newTOTPSecret()
	}
	f.flows[fl.ID] = fl
	if fl.Type == "browser" && !wantsJSON(r) {
		http.Redirect(w, r, fakeUI+"/"+kind+"?flow="+fl.ID, http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, f.flowBody(fl))
}

// csrfCookie is the request's anti-CSRF cookie, set anew when it has none.
func (f *fakeKratos) csrfCookie(w http.ResponseWriter, r *http.Request) string {
	name := f.csrfCookieName()
	if c, err := r.Cookie(name); err == nil {
		return c.Value
	}
	v := randomHex(32)
	http.SetCookie(w, &http.Cookie{Name: name, Value: v, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 31536000})
	return v
}

// csrfCookieName ends, as Kratos's, in a hash of the public URL.
func (f *fakeKratos) csrfCookieName() string {
	sum := sha256.Sum256([]byte(f.public.URL))
	return "csrf_token_" + hex.EncodeToString(sum[:])
}

// maskCSRF is what stands in the flow for a CSRF cookie: another string
// that only the fake relates to it, as nosurf's masked token is.
func maskCSRF(cookie string) string { return "masked-" + cookie }

// getFlow is get*Flow: a browser flow only with its CSRF cookie, a
// settings flow only with its identity's session.
func (f *fakeKratos) getFlow(w http.ResponseWriter, r *http.Request) {
	if !f.enabled(w, r.PathValue("kind")) {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.flows[r.URL.Query().Get("id")]
	if fl == nil || fl.Kind != r.PathValue("kind") {
		writeNotFound(w)
		return
	}
	if !f.csrfCookieOK(r, fl) {
		writeCSRFError(w)
		return
	}
	if f.ownsSettings(w, r, fl) {
		writeJSON(w, http.StatusOK, f.flowBody(fl))
	}
}

// csrfCookieOK reports whether a request to a browser flow carries the
// CSRF cookie the flow was created with.
func (f *fakeKratos) csrfCookieOK(r *http.Request, fl *fakeFlow) bool {
	if fl.Type != "browser" {
		return true
	}
	c, err := r.Cookie(f.csrfCookieName())
	return err == nil && c.Value == fl.Cookie
}

// ownsSettings reports whether a settings flow's identity asks for it; if
// not, it answers 401.
func (f *fakeKratos) ownsSettings(w http.ResponseWriter, r *http.Request, fl *fakeFlow) bool {
	if fl.Kind != "settings" {
		return true
	}
	if s := f.session(r); s != nil && s.Identity == fl.Identity {
		return true
	}
	writeNoSession(w)
	return false
}

// session is the active session of a request: its X-Session-Token, else
// its session cookie.
func (f *fakeKratos) session(r *http.Request) *fakeSession {
	tok := r.Header.Get("X-Session-Token")
	if c, err := r.Cookie(SessionCookie); tok == "" && err == nil {
		tok = c.Value
	}
	if s := f.sessions[tok]; s != nil && s.Active && f.identities[s.Identity] != nil {
		return s
	}
	return nil
}

// updateFlow is update*Flow.
func (f *fakeKratos) updateFlow(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if !f.enabled(w, kind) {
		return
	}
	fields, err := submitted(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, "", err.Error(), "The request was malformed or contained invalid parameters")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	fl := f.flows[r.URL.Query().Get("flow")]
	switch {
	case fl == nil || fl.Kind != kind:
		writeNotFound(w)
		return
	case !f.csrfCookieOK(r, fl) || fl.Type == "browser" && fields["csrf_token"] != fl.CSRF:
		writeCSRFError(w)
		return
	case !f.ownsSettings(w, r, fl):
		return
	}
	fl.Messages = nil
	switch kind {
	case "registration":
		f.registration(w, r, fl, fields)
	case "login":
		f.login(w, r, fl, fields)
	case "recovery", "verification":
		f.mailFlow(w, r, fl, fields)
	case "settings":
		f.settings(w, r, fl, fields)
	}
}

func (f *fakeKratos) registration(w http.ResponseWriter, r *http.Request, fl *fakeFlow, fields map[string]any) {
	traits, _ := fields["traits"].(map[string]any)
	schema := f.cfg.defaultSchema()
	identifier := str(traits[schema.Identifier])
	switch {
	case fields["method"] != "password" || !f.cfg.has("password"):
		f.invalid(w, r, fl, 4010001, "Could not find a strategy to sign you up with. Did you fill out the form correctly?")
		return
	case identifier == "" || str(fields["password"]) == "":
		f.invalid(w, r, fl, 4000002, "Property "+schema.Identifier+" is missing.")
		return
	case f.identifierTaken(identifier):
		f.invalid(w, r, fl, 4000007, "An account with the same identifier (email, phone, username, ...) exists already.")
		return
	}
	id := f.newIdentity(schema, traits, str(fields["password"]))
	if f.cfg.mailMethod("verification") == "code" {
		f.mail(str(traits["email"]), "verification_code_valid", "")
	}
	body := map[string]any{"identity": f.identityBody(id), "continue_with": []any{}}
	var sess *fakeSession
	if !f.cfg.NoSessionHook {
		sess = f.newSession(id)
	}
	f.signedIn(w, r, fl, sess, body)
}

func (f *fakeKratos) login(w http.ResponseWriter, r *http.Request, fl *fakeFlow, fields map[string]any) {
	if fields["method"] != "password" || !f.cfg.has("password") {
		f.invalid(w, r, fl, 4010002, "Could not find a strategy to log you in with. Did you fill out the form correctly?")
		return
	}
	for _, id := range f.identities {
		if id.Identifier == str(fields["identifier"]) && id.Password == str(fields["password"]) && id.Password != "" {
			f.signedIn(w, r, fl, f.newSession(id), map[string]any{"continue_with": []any{}})
			return
		}
	}
	f.invalid(w, r, fl, 4000006, "The provided credentials are invalid, check for spelling mistakes in your password or username, email address, or phone number.")
}

// signedIn answers a completed registration or login: a native app gets
// the session and its token, an SPA the session and a cookie, a browser a
// redirect and a cookie (no session: the identity alone, or a redirect).
func (f *fakeKratos) signedIn(w http.ResponseWriter, r *http.Request, fl *fakeFlow, sess *fakeSession, body map[string]any) {
	delete(f.flows, fl.ID)
	if sess != nil {
		body["session"] = f.sessionBody(sess)
		if fl.Type == "api" {
			body["session_token"] = sess.Token
		} else {
			http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: sess.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 86400})
		}
	}
	if fl.Type == "browser" && !wantsJSON(r) {
		http.Redirect(w, r, fakeUI+"/welcome", http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (f *fakeKratos) mailFlow(w http.ResponseWriter, r *http.Request, fl *fakeFlow, fields map[string]any) {
	method := f.cfg.mailMethod(fl.Kind)
	email := str(fields["email"])
	if fields["method"] != method || email == "" {
		f.invalid(w, r, fl, 4000002, "Property email is missing.")
		return
	}
	for _, id := range f.identities {
		if str(id.Traits["email"]) == email {
			f.mail(email, map[string]string{"code": fl.Kind + "_code_valid", "link": fl.Kind + "_valid"}[method], fl.ID)
		}
	}
	fl.State = "sent_email"
	id, text := 1060003, "An email containing a recovery code has been sent to the email address you provided. If you have not received an email, check the spelling of the address and make sure to use the address you registered with."
	if fl.Kind == "verification" {
		id, text = 1080003, strings.Replace(text, "recovery", "verification", 1)
	}
	fl.Messages = []map[string]any{uiMessage(id, "info", text, nil)}
	f.answerFlow(w, r, fl, http.StatusOK)
}

func (f *fakeKratos) settings(w http.ResponseWriter, r *http.Request, fl *fakeFlow, fields map[string]any) {
	id := f.identities[fl.Identity]
	switch {
	case fields["method"] == "totp" && fl.TOTPSecret != "":
		if want, _ := TOTPCode(fl.TOTPSecret, time.Now()); str(fields["totp_code"]) != want {
			f.invalid(w, r, fl, 4000008, "The provided authentication code is invalid, please try again.")
			return
		}
		id.TOTPSecret, fl.TOTPSecret = fl.TOTPSecret, ""
	case fields["method"] == "password" && f.cfg.has("password") && str(fields["password"]) != "":
		id.Password = str(fields["password"])
	default:
		f.invalid(w, r, fl, 4000002, "Could not find a strategy to update your settings.")
		return
	}
	fl.State = "success"
	fl.Messages = []map[string]any{uiMessage(1050001, "success", "Your changes have been saved!", nil)}
	f.answerFlow(w, r, fl, http.StatusOK)
}

// invalid answers a submission Kratos refuses: the flow with the message,
// with 400 (a browser is sent back to the UI).
func (f *fakeKratos) invalid(w http.ResponseWriter, r *http.Request, fl *fakeFlow, id int, text string) {
	fl.Messages = []map[string]any{uiMessage(id, "error", text, nil)}
	f.answerFlow(w, r, fl, http.StatusBadRequest)
}

// answerFlow answers the flow as it now is: JSON with status, or a browser
// sent back to the UI.
func (f *fakeKratos) answerFlow(w http.ResponseWriter, r *http.Request, fl *fakeFlow, status int) {
	if fl.Type == "browser" && !wantsJSON(r) {
		http.Redirect(w, r, fakeUI+"/"+fl.Kind+"?flow="+fl.ID, http.StatusSeeOther)
		return
	}
	writeJSON(w, status, f.flowBody(fl))
}

func (f *fakeKratos) whoami(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.session(r)
	if s == nil {
		writeError(w, http.StatusUnauthorized, "", "No valid session credentials found in the request.", "The request could not be authorized")
		return
	}
	writeJSON(w, http.StatusOK, f.sessionBody(s))
}

// performNativeLogout revokes a session token: again with 204 when it was
// revoked, 403 when there is no such session.
func (f *fakeKratos) performNativeLogout(w http.ResponseWriter, r *http.Request) {
	var body struct {
		SessionToken string `json:"session_token"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.SessionToken == "" {
		writeError(w, http.StatusBadRequest, "", "Property session_token is missing.", "The request was malformed or contained invalid parameters")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.sessions[body.SessionToken]
	if s == nil {
		writeError(w, http.StatusForbidden, "", "The provided Ory Session Token could not be found, is invalid, or otherwise malformed.", "The requested action was forbidden")
		return
	}
	s.Active = false
	w.WriteHeader(http.StatusNoContent)
}

// submitted reads a submission: JSON, or a form whose dotted keys
// (traits.email) nest.
func submitted(r *http.Request) (map[string]any, error) {
	fields := map[string]any{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		return fields, json.NewDecoder(r.Body).Decode(&fields)
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, vs := range r.PostForm {
		m := fields
		parts := strings.Split(k, ".")
		for _, p := range parts[:len(parts)-1] {
			if _, ok := m[p].(map[string]any); !ok {
				m[p] = map[string]any{}
			}
			m = m[p].(map[string]any)
		}
		m[parts[len(parts)-1]] = vs[0]
	}
	return fields, nil
}

// wantsJSON is how Kratos tells an SPA from a browser: it asks for JSON.
func wantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}
