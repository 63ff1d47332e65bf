//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/orybench/orybench/internal/localkratos"
)

// kratosProxy stands on loopback between orybench and a local Kratos, one
// listener for each API, and records every secret that crosses it: the
// session tokens, cookie values, passwords, CSRF tokens and TOTP secrets
// orybench sends or is sent, and the bearer key of the admin calls. It
// needs no hook in orybench: the secrets a run used are the ones on the
// wire.
//
// Kratos writes its own URLs into bodies and redirects, so the proxy
// rewrites Kratos's origins to its own in every answer, and back in every
// request, as a front proxy with its own host name would be configured to.
type kratosProxy struct {
	Public, Admin *httptest.Server

	requests atomic.Int64
	// onRequest, when set, sees every request before it is forwarded; it
	// may block to hold the request.
	onRequest atomic.Pointer[func(r *http.Request)]

	mu      sync.Mutex
	secrets map[string]string // value -> kind
	// basic and bare count, for each API ("public", "admin"), the requests
	// that came with HTTP Basic credentials and those that came with no
	// Authorization header at all.
	basic, bare map[string]int
}

// Kinds of secret the proxy records.
const (
	secretSession  = "session token"
	secretCookie   = "cookie value"
	secretPassword = "password"
	secretCSRF     = "CSRF token"
	secretTOTP     = "TOTP secret"
	secretAPIKey   = "API key"
	// secretBasic is the password of a target URL's user information, as
	// the proxy gets it (in an Authorization: Basic header), and that
	// header's encoded credentials.
	secretBasic = "URL password"
)

// minSecret is the shortest value recorded: every real secret of a run is
// longer (session tokens 39 characters, passwords 27, cookies more), and
// the suite's deliberately wrong inputs ("not-the-token") are no secrets.
const minSecret = 16

func newKratosProxy(t *testing.T, inst *localkratos.Instance) *kratosProxy {
	t.Helper()
	p := &kratosProxy{secrets: map[string]string{}, basic: map[string]int{}, bare: map[string]int{}}
	p.Public = httptest.NewUnstartedServer(nil)
	p.Admin = httptest.NewUnstartedServer(nil)
	// Origins as each side knows them: Kratos's, and the proxy's.
	var pairs [][2]string
	for _, x := range []struct {
		api      string
		srv      *httptest.Server
		upstream string
	}{{"public", p.Public, inst.PublicURL}, {"admin", p.Admin, inst.AdminURL}} {
		up, err := url.Parse(x.upstream)
		if err != nil {
			t.Fatal(err)
		}
		x.srv.Config.Handler = p.handler(x.api, up, &pairs)
		x.srv.Start()
		t.Cleanup(x.srv.Close)
		pairs = append(pairs, [2]string{x.upstream, x.srv.URL})
	}
	return p
}

// handler forwards to upstream, the API named api; pairs are (Kratos
// origin, proxy origin).
func (p *kratosProxy) handler(api string, upstream *url.URL, pairs *[][2]string) http.Handler {
	// toKratos and fromKratos rewrite origins, plain and query-escaped.
	rewrite := func(s string, toKratos bool) string {
		for _, pr := range *pairs {
			from, to := pr[1], pr[0]
			if !toKratos {
				from, to = to, from
			}
			s = strings.ReplaceAll(s, from, to)
			s = strings.ReplaceAll(s, url.QueryEscape(from), url.QueryEscape(to))
		}
		return s
	}
	rp := &httputil.ReverseProxy{
		ErrorLog: log.New(io.Discard, "", 0), // a canceled call is no news here
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.Out.Header.Del("Accept-Encoding") // bodies in the clear, to read and rewrite
			pr.Out.URL.RawQuery = rewrite(pr.Out.URL.RawQuery, true)
			for _, h := range []string{"Origin", "Referer"} {
				if v := pr.Out.Header.Get(h); v != "" {
					pr.Out.Header.Set(h, rewrite(v, true))
				}
			}
			p.noteRequest(api, pr.Out)
			if pr.Out.Body != nil {
				body, _ := io.ReadAll(pr.Out.Body)
				pr.Out.Body.Close()
				p.noteBody(pr.Out.Header.Get("Content-Type"), body)
				body = []byte(rewrite(string(body), true))
				pr.Out.Body = io.NopCloser(bytes.NewReader(body))
				pr.Out.ContentLength = int64(len(body))
				pr.Out.Header.Set("Content-Length", strconv.Itoa(len(body)))
			}
		},
		ModifyResponse: func(r *http.Response) error {
			for _, c := range r.Cookies() {
				p.note(secretCookie, c.Value)
			}
			for _, h := range []string{"Location", "Link"} {
				if vs := r.Header.Values(h); len(vs) > 0 {
					r.Header.Del(h)
					for _, v := range vs {
						r.Header.Add(h, rewrite(v, false))
					}
				}
			}
			body, err := io.ReadAll(r.Body)
			r.Body.Close()
			if err != nil {
				return err
			}
			p.noteBody(r.Header.Get("Content-Type"), body)
			body = []byte(rewrite(string(body), false))
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
			r.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.requests.Add(1)
		if hook := p.onRequest.Load(); hook != nil {
			(*hook)(r)
		}
		rp.ServeHTTP(w, r)
	})
}

// noteRequest records the secrets of a request's headers, and counts the
// requests to api with Basic credentials and with no Authorization.
func (p *kratosProxy) noteRequest(api string, r *http.Request) {
	p.note(secretSession, r.Header.Get("X-Session-Token"))
	if _, password, ok := r.BasicAuth(); ok {
		p.note(secretBasic, password)
		_, encoded, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		p.note(secretBasic, encoded)
	}
	p.mu.Lock()
	if _, _, ok := r.BasicAuth(); ok {
		p.basic[api]++
	} else if r.Header.Get("Authorization") == "" {
		p.bare[api]++
	}
	p.mu.Unlock()
	if v, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		kind := secretAPIKey
		if strings.HasPrefix(v, "ory_st_") {
			kind = secretSession
		}
		p.note(kind, v)
	}
	for _, c := range r.Cookies() {
		p.note(secretCookie, c.Value)
	}
}

// noteBody records the secrets of a JSON or form body.
func (p *kratosProxy) noteBody(contentType string, body []byte) {
	mt, _, _ := mime.ParseMediaType(contentType)
	switch mt {
	case "application/json":
		var v any
		if json.Unmarshal(body, &v) == nil {
			p.noteJSON(v)
		}
	case "application/x-www-form-urlencoded":
		if form, err := url.ParseQuery(string(body)); err == nil {
			for k, vs := range form {
				for _, v := range vs {
					p.noteField(k, v)
				}
			}
		}
	}
}

// noteJSON walks a JSON document for members and UI nodes holding secrets.
func (p *kratosProxy) noteJSON(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok {
				p.noteField(k, s)
			}
			p.noteJSON(x)
		}
		// A UI node: {"attributes": {"name": "csrf_token", "value": "..."}}
		// or the TOTP secret shown as text {"id": "totp_secret_key", "text": {"text": "..."}}.
		if attrs, ok := t["attributes"].(map[string]any); ok {
			if name, _ := attrs["name"].(string); name != "" {
				if s, ok := attrs["value"].(string); ok {
					p.noteField(name, s)
				}
			}
			if id, _ := attrs["id"].(string); id == "totp_secret_key" {
				if text, ok := attrs["text"].(map[string]any); ok {
					s, _ := text["text"].(string)
					p.note(secretTOTP, s)
				}
			}
		}
	case []any:
		for _, x := range t {
			p.noteJSON(x)
		}
	}
}

func (p *kratosProxy) noteField(name, value string) {
	switch name {
	case "session_token":
		p.note(secretSession, value)
	case "password":
		p.note(secretPassword, value)
	case "csrf_token":
		p.note(secretCSRF, value)
	case "totp_secret_key":
		p.note(secretTOTP, value)
	}
}

func (p *kratosProxy) note(kind, value string) {
	if len(value) < minSecret {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.secrets[value] = kind
}

// Authorizations returns how many requests to api came with Basic
// credentials, and how many with no Authorization header.
func (p *kratosProxy) Authorizations(api string) (basic, bare int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.basic[api], p.bare[api]
}

// Secrets returns a copy of what the proxy recorded, value -> kind.
func (p *kratosProxy) Secrets() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]string, len(p.secrets))
	for k, v := range p.secrets {
		out[k] = v
	}
	return out
}
