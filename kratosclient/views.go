package kratosclient

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/orybench/orybench/internal/redact"
)

// This file holds typed views of Kratos's answers: the parts of a flow, a
// session, an identity and an error body that orybench reads. A view never
// decides what an answer should be (the JSON Schemas do that); it only
// names what callers look at, once, instead of an anonymous struct per
// call site.

// Flow is a self-service flow (login, registration, recovery, settings,
// verification) as Kratos serves it. Fields a flow kind does not have stay
// zero.
type Flow struct {
	ID string `json:"id"`
	// Type is "api" for a native app's flow, "browser" for a browser's or
	// a single page app's.
	Type string `json:"type"`
	// State is the flow's step: "choose_method", "sent_email",
	// "passed_challenge" (recovery, verification), "show_form", "success"
	// (settings).
	State string `json:"state"`
	// Active is the method the flow is in ("password", "code", "link").
	Active       string    `json:"active"`
	ExpiresAt    time.Time `json:"expires_at"`
	Refresh      bool      `json:"refresh"`
	RequestedAAL string    `json:"requested_aal"`
	// SessionTokenExchangeCode is the init code of a native login flow
	// created with return_session_token_exchange_code=true.
	SessionTokenExchangeCode string `json:"session_token_exchange_code"`
	// Identity is the identity a settings flow changes.
	Identity     *Identity      `json:"identity"`
	UI           UI             `json:"ui"`
	ContinueWith []ContinueWith `json:"continue_with"`
}

// UI is a flow's form: where it posts, its messages and its nodes.
type UI struct {
	Action   string    `json:"action"`
	Method   string    `json:"method"`
	Messages []Message `json:"messages"`
	Nodes    []Node    `json:"nodes"`
}

// Node is one element of a flow's form: an input, a text, an image...
type Node struct {
	Type       string         `json:"type"`
	Group      string         `json:"group"`
	Attributes NodeAttributes `json:"attributes"`
	Messages   []Message      `json:"messages"`
}

// NodeAttributes are a node's attributes: an input's name and value, a
// text node's id and text.
type NodeAttributes struct {
	Name  string   `json:"name"`
	ID    string   `json:"id"`
	Type  string   `json:"type"`
	Value any      `json:"value"`
	Text  *Message `json:"text"`
}

// Message is a UI message (text.ID): 4000006 wrong credentials, 1060003
// recovery email sent, ... Its text may hold what the user typed, never a
// secret Kratos issued.
type Message struct {
	ID      int            `json:"id"`
	Type    string         `json:"type"`
	Text    string         `json:"text"`
	Context map[string]any `json:"context"`
}

// ContinueWith is one of the next steps Kratos names after a flow.
type ContinueWith struct {
	Action          string `json:"action"`
	OrySessionToken string `json:"ory_session_token"`
	Flow            struct {
		ID  string `json:"id"`
		URL string `json:"url"`
	} `json:"flow"`
	RedirectBrowserTo string `json:"redirect_browser_to"`
}

// Session is a session as whoami, listMySessions and a successful flow
// return it.
type Session struct {
	ID                          string    `json:"id"`
	Active                      bool      `json:"active"`
	AuthenticatorAssuranceLevel string    `json:"authenticator_assurance_level"`
	AuthenticatedAt             time.Time `json:"authenticated_at"`
	ExpiresAt                   time.Time `json:"expires_at"`
	Identity                    *Identity `json:"identity"`
}

// IdentityID is the id of the session's identity ("" when it has none,
// as a native aal1 login of an identity with a second factor).
func (s Session) IdentityID() string {
	if s.Identity == nil {
		return ""
	}
	return s.Identity.ID
}

// Success is the answer to a completed login or registration: a session,
// for a native app its token, the identity, and what to do next.
type Success struct {
	SessionToken string         `json:"session_token"`
	Session      *Session       `json:"session"`
	Identity     *Identity      `json:"identity"`
	ContinueWith []ContinueWith `json:"continue_with"`
}

// IdentityID is the id of the identity that signed in or up.
func (s Success) IdentityID() string {
	if s.Identity != nil && s.Identity.ID != "" {
		return s.Identity.ID
	}
	if s.Session != nil {
		return s.Session.IdentityID()
	}
	return ""
}

// ErrorBody is a Kratos error answer: the error, and for a 422 where the
// browser goes next, for a 410 the flow that replaces the old one.
type ErrorBody struct {
	Error struct {
		ID      string         `json:"id"`
		Code    int            `json:"code"`
		Status  string         `json:"status"`
		Reason  string         `json:"reason"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
	} `json:"error"`
	RedirectBrowserTo string `json:"redirect_browser_to"`
	UseFlowID         string `json:"use_flow_id"`
}

// Flow decodes the body as a flow.
func (r *Response) Flow() (Flow, error) {
	var f Flow
	return f, r.Decode(&f)
}

// Session decodes the body as a session.
func (r *Response) Session() (Session, error) {
	var s Session
	return s, r.Decode(&s)
}

// Success decodes the body as a completed login or registration.
func (r *Response) Success() (Success, error) {
	var s Success
	return s, r.Decode(&s)
}

// ErrorBody decodes the body as a Kratos error; the zero value when it is
// none.
func (r *Response) ErrorBody() ErrorBody {
	var e ErrorBody
	_ = json.Unmarshal(r.Body, &e)
	return e
}

// CSRFToken is the value of the form's csrf_token input ("" for a native
// app's flow, which has none).
func (ui UI) CSRFToken() string {
	for _, n := range ui.Nodes {
		if n.Attributes.Name == "csrf_token" {
			if s, ok := n.Attributes.Value.(string); ok {
				return s
			}
		}
	}
	return ""
}

// CSRFTokenOf returns the value of the csrf_token node of a flow body.
func CSRFTokenOf(flow []byte) string {
	var f Flow
	if json.Unmarshal(flow, &f) != nil {
		return ""
	}
	return f.UI.CSRFToken()
}

// Groups are the form's node groups but default, in order of appearance:
// the methods the flow offers ("password", "code", "totp", "oidc", ...).
func (ui UI) Groups() []string {
	out := []string{}
	for _, n := range ui.Nodes {
		if n.Group != "default" && n.Group != "" && !slices.Contains(out, n.Group) {
			out = append(out, n.Group)
		}
	}
	return out
}

// Providers are the social sign-in providers the form offers: the values
// of its oidc "provider" inputs.
func (ui UI) Providers() []string {
	var out []string
	for _, n := range ui.Nodes {
		if p, ok := n.Attributes.Value.(string); ok && n.Group == "oidc" && n.Attributes.Name == "provider" && p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Inputs are the names of the form's inputs that start with prefix, the
// prefix cut off, sorted and each once: Inputs("traits.") of a
// registration flow are the traits it asks for.
func (ui UI) Inputs(prefix string) []string {
	var out []string
	for _, n := range ui.Nodes {
		if name, ok := strings.CutPrefix(n.Attributes.Name, prefix); ok && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// MessageIDs lists the ids of the form's own messages.
func (ui UI) MessageIDs() []int {
	var ids []int
	for _, m := range ui.Messages {
		ids = append(ids, m.ID)
	}
	return ids
}

// NodeMessageIDs lists the ids of the messages on the input named name.
func (ui UI) NodeMessageIDs(name string) []int {
	var ids []int
	for _, n := range ui.Nodes {
		if n.Attributes.Name == name {
			for _, m := range n.Messages {
				ids = append(ids, m.ID)
			}
		}
	}
	return ids
}

// TOTPSecret is the secret of a settings flow's totp_secret_key text node,
// which an authenticator app is given ("" when there is none: the method
// is off, or the identity has enrolled already).
func (ui UI) TOTPSecret() string {
	for _, n := range ui.Nodes {
		if n.Attributes.ID != "totp_secret_key" || n.Attributes.Text == nil {
			continue
		}
		if s, ok := n.Attributes.Text.Context["secret"].(string); ok && s != "" {
			return s
		}
		return n.Attributes.Text.Text
	}
	return ""
}

// Summary says what the form's messages say, its own and its inputs'
// ("traits.email: 4000001 ..."), for an error message: ids and texts only,
// never an input's value. "no message" when there is none.
func (ui UI) Summary() string {
	var out []string
	for _, m := range ui.Messages {
		out = append(out, fmt.Sprintf("%d %s", m.ID, m.Text))
	}
	for _, n := range ui.Nodes {
		for _, m := range n.Messages {
			out = append(out, fmt.Sprintf("%s: %d %s", n.Attributes.Name, m.ID, m.Text))
		}
	}
	if len(out) == 0 {
		return "no message"
	}
	return strings.Join(out, "; ")
}

// Explain says in one line what an answer that was not the one wanted
// says: its status, a Kratos error's id and reason or message, and a
// flow's messages; for an answer that is not JSON, a short plain text
// body's line ("status 404; 404 page not found", as a router with no route
// answers) or else its media type ("status 502 (text/html)"). It never
// quotes anything else of the body, which may hold tokens and secrets.
func (r *Response) Explain() string {
	var b strings.Builder
	fmt.Fprintf(&b, "status %d", r.Status)
	if e := r.ErrorBody().Error; e.ID != "" || e.Reason != "" || e.Message != "" {
		b.WriteString("; error")
		if e.ID != "" {
			b.WriteString(" " + e.ID)
		}
		b.WriteString(": " + strings.TrimSpace(e.Reason+" "+e.Message))
	}
	if f, err := r.Flow(); err == nil && (len(f.UI.Messages) > 0 || slices.ContainsFunc(f.UI.Nodes, func(n Node) bool { return len(n.Messages) > 0 })) {
		b.WriteString("; " + f.UI.Summary())
	}
	switch ct := r.ContentType(); ct {
	case "application/json", "":
	case "text/plain":
		if line := strings.TrimSpace(string(r.Body)); line != "" && len(line) <= 80 && !strings.Contains(line, "\n") {
			b.WriteString("; " + line)
		}
	default:
		b.WriteString(" (" + ct + ")")
	}
	return redact.Text(b.String())
}
