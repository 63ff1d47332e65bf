//go:build unix

package main

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// badAPIKey is the key of the invalid-API-key cases: no message may hold it.
const badAPIKey = "ory_pat_badinputNotAValidKey0123456789"

// urlPassword is the password of the target URLs with user information:
// no message may hold it either.
const urlPassword = "badinputUrlPassword42"

// A badInput is one bad input: the orybench command line, with {name}
// placeholders for the fake targets and files of fakeTargets, and a word
// the one line on stderr must hold to name the problem.
type badInput struct {
	what string // the bad input, for the table
	args []string
	want string
	// slow cases (a timeout) may take this long; others 10s.
	within time.Duration
	// serial cases build the suite's spec tree in Ginkgo's global suite,
	// which holds one at a time (suites.Selected): they do not run in
	// parallel with each other.
	serial bool
}

// badInputs are every bad input of issue 9, for conform and load where it
// applies. Each must give exit code 2 and one line on stderr; those with
// the {count} target must be refused before any request reaches it (it
// counts them).
var badInputs = []badInput{
	// Scenarios and flags.
	{what: "malformed scenario YAML", args: []string{"load", "--scenario", "{dir}/malformed.yaml", "--target", "{count}"}, want: "malformed.yaml:4: did not find expected ',' or ']'"},
	{what: "unknown field in a scenario", args: []string{"load", "--scenario", "{dir}/unknown-field.yaml", "--target", "{count}"}, want: "unknown-field.yaml:7: steps[0].bogus: unknown field"},
	{what: "scenario value of the wrong type", args: []string{"load", "--scenario", "{dir}/bad-rate.yaml", "--target", "{count}"}, want: "bad-rate.yaml:2: rate: want a number"},
	{what: "empty scenario file", args: []string{"load", "--scenario", "{dir}/empty.yaml", "--target", "{count}"}, want: "empty.yaml: empty scenario"},
	{what: "scenario that is no file (/dev/zero)", args: []string{"load", "--scenario", "/dev/zero", "--target", "{count}"}, want: `nor a readable file: larger than 1024 KiB`},
	{what: "scenario that is a directory", args: []string{"load", "--scenario", "{dir}", "--target", "{count}"}, want: `nor a readable file: read {dir}: is a directory`},
	{what: "unknown scenario", args: []string{"load", "--scenario", "nope", "--target", "{count}"}, want: `--scenario "nope" is neither a built-in scenario`},
	{what: "zero rate", args: []string{"load", "--rate", "0", "--target", "{count}"}, want: "--rate must be within (0, 100000]"},
	{what: "negative rate", args: []string{"load", "--rate", "-5", "--target", "{count}"}, want: "--rate must be within (0, 100000]"},
	{what: "absurd rate", args: []string{"load", "--rate", "1e12", "--target", "{count}"}, want: "--rate must be within (0, 100000]"},
	{what: "NaN rate", args: []string{"load", "--rate", "NaN", "--target", "{count}"}, want: "--rate must be within (0, 100000]"},
	{what: "rate that is not a number", args: []string{"load", "--rate", "fast", "--target", "{count}"}, want: `invalid argument "fast" for "--rate"`},
	{what: "zero duration", args: []string{"load", "--duration", "0", "--target", "{count}"}, want: "--duration must be within (0, 1h0m0s]"},
	{what: "negative duration", args: []string{"load", "--duration", "-1s", "--target", "{count}"}, want: "--duration must be within (0, 1h0m0s]"},
	{what: "absurd duration", args: []string{"load", "--duration", "100000h", "--target", "{count}"}, want: "--duration must be within (0, 1h0m0s]"},
	{what: "duration without a unit", args: []string{"load", "--duration", "30", "--target", "{count}"}, want: `invalid argument "30" for "--duration"`},
	{what: "zero request timeout", args: []string{"load", "--timeout", "0s", "--target", "{count}"}, want: "--timeout must be positive"},
	{what: "unknown output format (conform)", args: []string{"conform", "--format", "yaml", "--target", "{count}"}, want: `--format must be text or json, got "yaml"`},
	{what: "unknown output format (load)", args: []string{"load", "--format", "xml"}, want: `--format must be text or json, got "xml"`},
	{what: "--version given a value", args: []string{"--version=x"}, want: `invalid argument "x" for "-v, --version" flag`},
	{what: "version as a command", args: []string{"version"}, want: `unknown command "version" for "orybench"`},
	{what: "zero conformance timeout", args: []string{"conform", "--timeout", "0s", "--target", "{count}"}, want: "--timeout must be positive"},
	{what: "zero conformance duration", args: []string{"conform", "--max-duration", "0s", "--target", "{count}"}, want: "--max-duration must be positive"},
	{what: "negative fuzz duration", args: []string{"fuzz", "--duration", "-1s", "--target", "{count}"}, want: "--duration must not be negative"},
	{what: "fuzz without an end", args: []string{"fuzz", "--duration", "0", "--target", "{count}"}, want: "would never end"},
	{what: "unknown fuzz contract", args: []string{"fuzz", "--contract", "nope", "--target", "{count}"}, want: `unknown contract "nope"`},
	{what: "unreadable fuzz allow-list", args: []string{"fuzz", "--allow", "{dir}/no-such-allow-list", "--target", "{count}"}, want: "--allow: open"},
	{what: "unknown fuzz operation", args: []string{"fuzz", "--operation", "nope", "--target", "{count}"}, want: `documents no operation "nope"`},
	{what: "unpaced fuzz of a remote admin API", args: []string{"fuzz", "--max-rps", "0", "--target", "{count}", "--admin-url", "https://kratos-admin.orybench.invalid"}, want: "a target (or admin API) that is not on loopback is fuzzed at most"},
	{what: "unparseable threshold", args: []string{"load", "--threshold", "p99<<5ms", "--target", "{count}"}, want: `threshold "p99<<5ms": bad latency`},
	{what: "threshold of an unknown metric", args: []string{"load", "--threshold", "latency<5ms", "--target", "{count}"}, want: `unknown metric "latency"`},
	{what: "threshold latency without a unit", args: []string{"load", "--threshold", "p99<50", "--target", "{count}"}, want: `bad latency "50"`},
	{what: "threshold naming no step", args: []string{"load", "--threshold", "nostep:p99<5ms", "--target", "{count}"}, want: `names no step`},
	{what: "unknown profile (local up)", args: []string{"local", "up", "--profile", "nope"}, want: `unknown profile "nope"`},
	{what: "unknown profile (conform)", args: []string{"conform", "--profile", "nope"}, want: `--profile: unknown profile "nope"`},
	{what: "unknown profile (load)", args: []string{"load", "--profile", "nope"}, want: `--profile: unknown profile "nope"`},
	{what: "unknown hasher (load)", args: []string{"load", "--hasher", "scrypt"}, want: `--hasher "scrypt": unknown hasher "scrypt"; give bcrypt, bcrypt:COST (4 to 31), argon2`},
	{what: "bcrypt cost out of range (capacity)", args: []string{"capacity", "--hasher", "bcrypt:3"}, want: `--hasher "bcrypt:3": the bcrypt cost must be a whole number from 4 to 31`},
	{what: "unknown argon2 parameter (conform)", args: []string{"conform", "--hasher", "argon2:time=3"}, want: `--hasher "argon2:time=3": unknown argon2 parameter "time"`},
	{what: "argon2 memory beyond 4GB (local up)", args: []string{"local", "up", "--hasher", "argon2:memory=8GB"}, want: `--hasher "argon2:memory=8GB": memory must be above 0 and at most 4GB`},
	{what: "--hasher with --target (load)", args: []string{"load", "--hasher", "bcrypt:12", "--target", "{count}"}, want: "--hasher configures a local Kratos"},
	{what: "--hasher with --target (conform)", args: []string{"conform", "--hasher", "bcrypt", "--target", "{count}"}, want: "--hasher configures a local Kratos"},
	{what: "--profile with --target (load)", args: []string{"load", "--profile", "default", "--target", "{count}"}, want: "--profile starts a local Kratos"},
	{what: "unknown capability", args: []string{"conform", "--capabilities", "nope", "--target", "{count}"}, want: `--capabilities: unknown capability "nope"`},
	{what: "unparseable label filter", args: []string{"conform", "--label-filter", "((", "--target", "{count}"}, want: `--label-filter: "((": `},
	{what: "label filter that selects nothing", args: []string{"conform", "--label-filter", "op:toSesion", "--target", "{count}"}, want: `--label-filter "op:toSesion" selects none of the `, serial: true},
	{what: "label filter that selects nothing (local)", args: []string{"conform", "--label-filter", "op:toSesion"}, want: `--label-filter "op:toSesion" selects none of the `, serial: true},
	{what: "unknown flag", args: []string{"load", "--rat", "5"}, want: "unknown flag: --rat"},
	{what: "unknown command", args: []string{"lod"}, want: `unknown command "lod"`},

	// Target URLs.
	{what: "target URL without a scheme (load)", args: []string{"load", "--target", "127.0.0.1:4433"}, want: "no scheme: want an http:// or https:// URL"},
	{what: "target URL without a scheme (conform)", args: []string{"conform", "--target", "localhost:4433"}, want: "no scheme: want an http:// or https:// URL"},
	{what: "target URL of another scheme", args: []string{"conform", "--target", "ftp://127.0.0.1/"}, want: "want an http:// or https:// URL"},
	{what: "admin URL without a scheme", args: []string{"conform", "--target", "{count}", "--admin-url", "127.0.0.1:4434"}, want: "--admin-url: invalid URL"},
	{what: "target URL with a password that does not parse", args: []string{"conform", "--target", "https://u:" + urlPassword + "@bad host/"}, want: `invalid URL "https://u:[REDACTED]@bad host/"`},
	{what: "target URL with a password, connection refused", args: []string{"load", "--target", "http://u:" + urlPassword + "@127.0.0.1:1/"}, want: "--target: GET http://127.0.0.1:1/schemas?page_size=1: connection refused"},
	{what: "target URL with a password and no scheme", args: []string{"conform", "--target", "u:" + urlPassword + "@127.0.0.1:1"}, want: `--target: invalid URL "u:[REDACTED]@127.0.0.1:1": no scheme`},
	{what: "admin URL with a password, connection refused", args: []string{"conform", "--target", "{badkey}", "--admin-url", "http://u:" + urlPassword + "@127.0.0.1:1/"}, want: "--admin-url: GET http://127.0.0.1:1/admin/identities?page_size=1: connection refused"},
	{what: "--url with a password, connection refused", args: []string{"load", "--url", "http://u:" + urlPassword + "@127.0.0.1:1/x", "--rate", "10"}, want: "--url: connect to 127.0.0.1:1: connection refused"},
	{what: "--url without a scheme", args: []string{"load", "--url", "127.0.0.1:8080/x", "--rate", "10"}, want: `--url: invalid URL "127.0.0.1:8080/x": no scheme`},

	// Targets that cannot be used.
	{what: "connection refused (conform)", args: []string{"conform", "--target", "{closed}"}, want: "connection refused: nothing listens at"},
	{what: "connection refused (load)", args: []string{"load", "--target", "{closed}"}, want: "connection refused: nothing listens at"},
	{what: "connection refused (load --url)", args: []string{"load", "--url", "{closed}/x", "--rate", "10"}, want: "connection refused: nothing listens at"},
	{what: "DNS name that does not resolve (conform)", args: []string{"conform", "--target", "http://kratos.orybench.invalid"}, want: `host "kratos.orybench.invalid" not found (DNS)`},
	{what: "DNS name that does not resolve (load)", args: []string{"load", "--target", "http://kratos.orybench.invalid", "--rate", "10"}, want: `host "kratos.orybench.invalid" not found (DNS)`},
	{what: "DNS name that does not resolve (load --url)", args: []string{"load", "--url", "http://kratos.orybench.invalid/x", "--rate", "10"}, want: `host "kratos.orybench.invalid" not found (DNS)`},
	{what: "TLS certificate that does not verify (conform)", args: []string{"conform", "--target", "{tls}"}, want: "the TLS certificate does not verify: x509: certificate signed by unknown authority (--insecure-skip-verify accepts it"},
	{what: "TLS certificate that does not verify (load)", args: []string{"load", "--target", "{tls}"}, want: "the TLS certificate does not verify: x509: certificate signed by unknown authority (--insecure-skip-verify accepts it"},
	{what: "TLS certificate that does not verify (load --url)", args: []string{"load", "--url", "{tls}/x", "--rate", "10"}, want: "the TLS certificate does not verify: x509: certificate signed by unknown authority (--insecure-skip-verify accepts it"},
	{what: "invalid API key (conform, Ory Network)", args: []string{"conform", "--target", "{badkey}", "--api-key", badAPIKey}, want: "unexpected status 401 (the admin API refused the API key"},
	{what: "invalid API key (load, self-hosted admin)", args: []string{"load", "--target", "{badkey}", "--admin-url", "{badkey}", "--api-key", badAPIKey}, want: "unexpected status 401 (the admin API refused the API key"},
	{what: "target that answers HTML (conform)", args: []string{"conform", "--target", "{html}"}, want: "answered text/html, not JSON: is this the Kratos public API?"},
	{what: "target that answers HTML (load)", args: []string{"load", "--target", "{html}"}, want: "answered text/html, not JSON: is this the Kratos public API?"},
	{what: "target that answers garbage as JSON (conform)", args: []string{"conform", "--target", "{garbage}"}, want: "answered a body that is not JSON"},
	{what: "target that answers garbage as JSON (load)", args: []string{"load", "--target", "{garbage}"}, want: "answered a body that is not JSON"},
	{what: "target that answers JSON of another shape", args: []string{"load", "--target", "{object}"}, want: "answered JSON that is not a list of identity schemas"},
	{what: "target that is not Kratos (404)", args: []string{"conform", "--target", "{notfound}"}, want: "answered 404 Not Found where the Kratos public API answers 200"},
	{what: "body far larger than any Kratos answer (conform)", args: []string{"conform", "--target", "{huge}"}, want: "response body exceeds the size of any Kratos answer (4 MiB)"},
	{what: "body far larger than any Kratos answer (load)", args: []string{"load", "--target", "{huge}"}, want: "response body exceeds the size of any Kratos answer (4 MiB)"},
	{what: "target that never answers (conform --timeout 1s)", args: []string{"conform", "--target", "{hang}", "--timeout", "1s"}, want: "no answer within 1s", within: 15 * time.Second},
	{what: "target that never answers (load --timeout 1s)", args: []string{"load", "--target", "{hang}", "--timeout", "1s"}, want: "no answer within 1s", within: 15 * time.Second},
	{what: "redirect loop (conform)", args: []string{"conform", "--target", "{redirect}"}, want: "answered 302 Found, a redirect to"},
	{what: "redirect loop (load)", args: []string{"load", "--target", "{redirect}"}, want: "answered 302 Found, a redirect to"},

	// Contracts: an unknown name, a document that is not OpenAPI 3.0, a
	// step that expects what its contract does not document.
	{what: "unknown contract (conform)", args: []string{"conform", "--target", "{count}", "--contract", "nope"}, want: `--contract: unknown contract "nope": known contracts are kratos-v1.3.1, network-v1.22.92`},
	{what: "contract that is not OpenAPI (conform)", args: []string{"conform", "--target", "{count}", "--contract", "{dir}/bad-rate.yaml"}, want: `bad-rate.yaml: not an OpenAPI 3.0 document: no "openapi" field`},
	{what: "contract that is Swagger 2.0 (load)", args: []string{"load", "--target", "{count}", "--contract", "{dir}/swagger.yaml"}, want: `swagger.yaml: not an OpenAPI 3.0 document`},
	{what: "contract that is no file (load)", args: []string{"load", "--target", "{count}", "--contract", "{dir}"}, want: `--contract: `},
	{what: "a rate that is not a number", args: []string{"load", "--rate", "abc", "--target", "{count}"}, want: `invalid argument "abc" for "--rate" flag: must be a number`},
	{what: "--url with --scenario (load)", args: []string{"load", "--url", "{count}", "--scenario", "whoami"}, want: "--url loads one URL as its own scenario: it cannot be combined with --scenario whoami"},
	{what: "--url with --scenario (capacity)", args: []string{"capacity", "--url", "{count}", "--scenario", "whoami"}, want: "--url loads one URL as its own scenario: it cannot be combined with --scenario whoami"},
	{what: "a scenario's own target that is not Kratos", args: []string{"load", "--scenario", "{dir}/target-html.yaml"}, want: "the scenario's target http://127.0.0.1:"},
	{what: "step expecting a status its contract lacks", args: []string{"load", "--target", "{count}", "--scenario", "{dir}/expect-400.yaml"}, want: "steps[0].expect: contract kratos-v1.3.1 documents no 400 for toSession (it documents 200, 401, 403)"},
	{what: "unknown contract (contract diff)", args: []string{"contract", "diff", "kratos", "nope"}, want: `REVISION: unknown contract "nope"`},
	{what: "unknown contract (report)", args: []string{"report", "--in", "{dir}", "--out", "{dir}", "--contract", "nope"}, want: `--contract: unknown contract "nope"`},

	// Load to a host that is not loopback: refused before anything is sent
	// (the .invalid names would fail DNS if anything were).
	{what: "non-loopback target at 500/s", args: []string{"load", "--target", "http://kratos.orybench.invalid", "--rate", "500"}, want: "refusing to send up to 500 hits/s to kratos.orybench.invalid, which is not loopback"},
	{what: "non-loopback target at the scenario's 200/s", args: []string{"load", "--target", "http://kratos.orybench.invalid"}, want: "pass --max-remote-rate 200 (or --yes) to allow it"},
	{what: "non-loopback --url at 100/s", args: []string{"load", "--url", "http://kratos.orybench.invalid/x"}, want: "refusing to send up to 100 hits/s"},
	{what: "non-loopback target above --max-remote-rate", args: []string{"load", "--target", "http://kratos.orybench.invalid", "--rate", "500", "--max-remote-rate", "400"}, want: "at most 400 hits/s"},
	{what: "load --max-rate (capacity's ceiling)", args: []string{"load", "--url", "{count}", "--rate", "100", "--max-rate", "50"}, want: "--max-rate is capacity's search ceiling; load's cap on hosts that are not loopback is --max-remote-rate"},
	{what: "non-loopback admin URL at 500/s", args: []string{"load", "--target", "{count}", "--admin-url", "http://admin.orybench.invalid", "--rate", "500"}, want: "to admin.orybench.invalid, which is not loopback"},
	{what: "non-loopback at 500/s with --max-remote-rate 500 (allowed: then DNS)", args: []string{"load", "--target", "http://kratos.orybench.invalid", "--rate", "500", "--max-remote-rate", "500"}, want: "not found (DNS)"},
	{what: "non-loopback at 500/s with --yes (allowed: then DNS)", args: []string{"load", "--target", "http://kratos.orybench.invalid", "--rate", "500", "--yes"}, want: "not found (DNS)"},
}

// scenarioFiles are the scenario files of the cases, written to {dir}.
var scenarioFiles = map[string]string{
	"malformed.yaml":     "name: x\nrate: 10\nsteps:\n  - name: [a\n",
	"unknown-field.yaml": "name: x\nrate: 10\nsteps:\n  - name: a\n    operation: toSession\n    weight: 1\n    bogus: true\n",
	"bad-rate.yaml":      "name: x\nrate: fast\nsteps:\n  - name: a\n    operation: toSession\n",
	"empty.yaml":         "",
	"swagger.yaml":       "swagger: \"2.0\"\ninfo: {title: x, version: \"1\"}\npaths: {}\n",
	"expect-400.yaml":    "name: x\nrate: 10\nsteps:\n  - name: a\n    operation: toSession\n    expect: [200, 400]\n",
	"target-html.yaml":   "name: x\ntarget: {html}\nrate: 10\nsteps:\n  - name: a\n    operation: toSession\n",
}

// fakeTargets starts the fake targets of the cases and returns the
// placeholders' values. count counts the requests {count} received.
func fakeTargets(t *testing.T, count *atomic.Int64) map[string]string {
	t.Helper()
	serve := func(h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return srv.URL
	}
	kratos := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/schemas":
			io.WriteString(w, `[{"id":"default","schema":{"type":"object","properties":{"traits":{"type":"object","properties":{"email":{"type":"string","format":"email"}}}}}}]`)
		case strings.HasPrefix(r.URL.Path, "/admin/") && r.Header.Get("Authorization") != "":
			// Ory Network's answer to a key it does not know.
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":{"code":401,"status":"Unauthorized","message":"The request could not be authorized"}}`)
		default:
			io.WriteString(w, `[]`)
		}
	}
	tlsSrv := quietTLSServer(t, http.HandlerFunc(kratos))
	// Never answers: the client gives up and closes the connection, which
	// ends the handler.
	hangURL := serve(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })

	dir := t.TempDir()
	urls := map[string]string{
		"{dir}":    dir,
		"{closed}": closedURL(t),
		"{tls}":    tlsSrv.URL,
		"{count}":  serve(func(w http.ResponseWriter, r *http.Request) { count.Add(1); kratos(w, r) }),
		"{badkey}": serve(kratos),
		"{hang}":   hangURL,
		"{html}": serve(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!doctype html><html><body>Welcome to nginx!</body></html>")
		}),
		"{garbage}": serve(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, "\x00\x01garbage}{")
		}),
		"{object}": serve(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"message":"hello"}`)
		}),
		"{notfound}": serve(http.NotFound),
		"{huge}": serve(func(w http.ResponseWriter, r *http.Request) {
			// 64 MiB, 16 times the most orybench reads of one answer.
			w.Header().Set("Content-Type", "application/json")
			chunk := "[" + strings.Repeat(" ", 1<<16-1)
			for range 1 << 10 {
				if _, err := io.WriteString(w, chunk); err != nil {
					return // the client stopped reading
				}
			}
		}),
		"{redirect}": serve(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, r.URL.String(), http.StatusFound) // to itself, for ever
		}),
	}
	// A scenario file may name a placeholder (its own target:).
	var pairs []string
	for k, v := range urls {
		pairs = append(pairs, k, v)
	}
	fill := strings.NewReplacer(pairs...)
	for name, body := range scenarioFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(fill.Replace(body)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return urls
}

// quietTLSServer is an httptest TLS server with a certificate no client
// trusts, which does not log the handshakes that refuse it.
func quietTLSServer(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// closedURL is a loopback URL where nothing listens.
func closedURL(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

func expand(args []string, vars map[string]string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		for k, v := range vars {
			a = strings.ReplaceAll(a, k, v)
		}
		out[i] = a
	}
	return out
}

// unexpand puts the placeholders back into what orybench printed, so that
// the table does not depend on ports and temporary directories.
func unexpand(s string, vars map[string]string) string {
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return len(vars[keys[i]]) > len(vars[keys[j]]) })
	for _, k := range keys {
		s = strings.ReplaceAll(s, vars[k], k)
		s = strings.ReplaceAll(s, strings.TrimPrefix(strings.TrimPrefix(vars[k], "https://"), "http://"), k)
	}
	return s
}

// checkBadOutput checks what orybench printed for a bad input: exit code 2,
// exactly one line on stderr that holds want, and no panic anywhere.
func checkBadOutput(t *testing.T, how string, code int, stdout, stderr, want string) {
	t.Helper()
	if code != exitUsage {
		t.Errorf("%s: exit code %d, want %d", how, code, exitUsage)
	}
	lines := strings.Split(strings.TrimRight(stderr, "\n"), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "orybench: ") || strings.TrimSpace(lines[0]) == "orybench:" {
		t.Errorf("%s: stderr is not one line starting orybench: %q", how, stderr)
	}
	if !strings.Contains(stderr, want) {
		t.Errorf("%s: stderr %q does not say %q", how, stderr, want)
	}
	for _, out := range []string{stdout, stderr} {
		for _, bad := range []string{"panic", "goroutine ", badAPIKey, urlPassword} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: output holds %q:\n%s", how, bad, out)
			}
		}
	}
	if stdout != "" {
		t.Errorf("%s: stdout %q, want nothing", how, stdout)
	}
}

// TestBadInput runs every bad input through run (the table of what users
// see is logged from these: go test -run TestBadInput -v) and, unless it is
// refused on its flags alone, again as a process of its own (exit status
// and all output as a user gets them, transports and all).
func TestBadInput(t *testing.T) {
	t.Setenv("ORY_SDK_URL", "")
	t.Setenv("ORY_API_KEY", "")
	var count atomic.Int64
	vars := fakeTargets(t, &count)
	var (
		mu   sync.Mutex
		rows = make([]string, len(badInputs))
	)
	t.Cleanup(func() {
		table := "| bad input | command | what the user sees (stderr) | exit |\n|---|---|---|---|\n" + strings.Join(rows, "\n")
		t.Logf("what users see for each bad input:\n%s", table)
		if path := os.Getenv("ORYBENCH_BADINPUT_TABLE"); path != "" {
			if err := os.WriteFile(path, []byte(table+"\n"), 0o644); err != nil {
				t.Error(err)
			}
		}
	})
	for i, c := range badInputs {
		t.Run(c.what, func(t *testing.T) {
			if !c.serial {
				t.Parallel()
			}
			args := expand(c.args, vars)
			if args[0] == "load" || args[0] == "conform" {
				// Not in the table: the default (out/...) says the same.
				args = append(args, "--out", t.TempDir())
			}
			want := expand([]string{c.want}, vars)[0]
			within := c.within
			if within == 0 {
				within = 10 * time.Second
			}

			var stdout, stderr bytes.Buffer
			start := time.Now()
			code := run(t.Context(), args, &stdout, &stderr)
			if took := time.Since(start); took > within {
				t.Errorf("run: took %s, want within %s", took, within)
			}
			checkBadOutput(t, "run", code, stdout.String(), stderr.String(), want)
			mu.Lock()
			rows[i] = fmt.Sprintf("| %s | `orybench %s` | `%s` | %d |", c.what, strings.Join(c.args, " "),
				unexpand(strings.TrimSpace(stderr.String()), vars), code)
			mu.Unlock()

			if slices.Contains(c.args, "{count}") {
				return // refused on its flags alone: run() says it all
			}
			pcode, p := runOrybench(t, procOpts{}, within+10*time.Second, args...)
			perr := p.stderr.String()
			checkBadOutput(t, "process", pcode, p.stdout.String(), perr, want)
			if perr != stderr.String() {
				t.Errorf("the process printed %q, run %q", perr, stderr.String())
			}
		})
	}
	t.Cleanup(func() { // after every case

		if n := count.Load(); n != 0 {
			t.Errorf("the cases that must be refused on their flags alone sent %d requests to their target", n)
		}
	})
}

// TestInsecureSkipVerify: a certificate that does not verify is accepted
// with --insecure-skip-verify by every client a run uses: load's check,
// identity schema and load (a fake Kratos), --url, and a conformance run
// (a real Kratos behind a TLS proxy).
func TestInsecureSkipVerify(t *testing.T) {
	t.Setenv("ORY_SDK_URL", "")
	t.Setenv("ORY_API_KEY", "")
	var flows, raw atomic.Int64
	srv := quietTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/schemas":
			io.WriteString(w, `[{"id":"default","schema":{"type":"object","properties":{"traits":{"type":"object","properties":{"email":{"type":"string","format":"email"}}}}}}]`)
		case "/self-service/login/api":
			flows.Add(1)
			io.WriteString(w, `{"id":"f"}`)
		case "/x": // --url's
			raw.Add(1)
			io.WriteString(w, `{}`)
		default: // the rest of what load asks a Kratos before the clock
			io.WriteString(w, `{}`)
		}
	}))
	scenario := filepath.Join(t.TempDir(), "flows.yaml")
	if err := os.WriteFile(scenario, []byte("name: flows\nrate: 20\nduration: 1s\nsteps:\n  - name: login\n    operation: createNativeLoginFlow\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		hits *atomic.Int64
	}{
		{"load", []string{"load", "--scenario", scenario, "--target", srv.URL}, &flows},
		{"load --url", []string{"load", "--url", srv.URL + "/x", "--rate", "20", "--duration", "1s"}, &raw},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append(c.args, "--out", t.TempDir(), "--progress=false")
			if code := run(t.Context(), args, &stdout, &stderr); code != exitUsage || !strings.Contains(stderr.String(), "certificate signed by unknown authority") {
				t.Fatalf("without --insecure-skip-verify: exit %d, stderr %q", code, stderr.String())
			}
			if n := c.hits.Load(); n != 0 {
				t.Fatalf("%d requests were sent before the refusal", n)
			}
			stdout.Reset()
			stderr.Reset()
			if code := run(t.Context(), append(args, "--insecure-skip-verify"), &stdout, &stderr); code != exitOK {
				t.Fatalf("with --insecure-skip-verify: exit %d\nstdout: %s\nstderr: %s", code, stdout.String(), stderr.String())
			}
			if n := c.hits.Load(); n < 20 {
				t.Errorf("with --insecure-skip-verify: %d requests reached the target, want 20", n)
			}
		})
	}
	t.Run("conform", func(t *testing.T) {
		inst := startKratos(t)
		public, _ := url.Parse(inst.PublicURL)
		admin, _ := url.Parse(inst.AdminURL)
		pub := quietTLSServer(t, httputil.NewSingleHostReverseProxy(public))
		adm := quietTLSServer(t, httputil.NewSingleHostReverseProxy(admin))
		// The 403 spec compares a redirect with the target's URL, which the
		// proxy changes: not what this test is about.
		args := []string{"conform", "--target", pub.URL, "--admin-url", adm.URL, "--max-rps", "0",
			"--label-filter", "op:toSession && client:native && !status:403", "--out", t.TempDir(), "--insecure-skip-verify"}
		code, p := runOrybench(t, procOpts{}, 5*time.Minute, args...)
		if code != exitOK || !strings.Contains(p.stdout.String(), "toSession") {
			t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, p.stdout.String(), p.stderr.String())
		}
	})
}

// TestCheckInterrupted: Ctrl-C while the target check waits for an answer
// ends conform and load at once, exit 2, one line; nothing was run, so
// nothing is written.
func TestCheckInterrupted(t *testing.T) {
	asked := make(chan struct{}, 2)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked <- struct{}{}
		<-r.Context().Done()
	}))
	defer srv.Close()
	for _, command := range []string{"conform", "load"} {
		t.Run(command, func(t *testing.T) {
			p := startOrybench(t, procOpts{}, command, "--target", srv.URL, "--out", t.TempDir())
			select {
			case <-asked:
			case <-time.After(time.Minute):
				t.Fatal("the target check never asked")
			}
			took, code := p.signal(t, os.Interrupt)
			stderr := strings.TrimSpace(p.stderr.String())
			if code != exitUsage || strings.Contains(stderr, "\n") || !strings.Contains(stderr, "interrupt") {
				t.Errorf("exit %d, stderr %q; want %d and one line saying interrupted", code, stderr, exitUsage)
			}
			// Generous: the bound that matters (2s) is the fault tests'.
			if took > 10*time.Second {
				t.Errorf("exited %s after the signal", took)
			}
		})
	}
}
