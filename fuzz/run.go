// Package fuzz sends generated requests to a Kratos inside live flows and
// reports what its answers get wrong.
//
// For every operation of a contract it generates requests from the
// contract's request side (query and path parameters, headers, JSON and
// form bodies of every method of every flow) with valid, boundary and
// invalid values, and sends each inside a fresh flow of the right kind, as
// a native app, a browser or an SPA, signed in where the operation needs a
// session, so that the request gets past the flow-id, CSRF and session
// checks. Every answer is checked: no 5xx, a documented status, a body
// valid against the documented schema (known deviations applied), the
// documented Content-Type, no secret of the request repeated. Each
// distinct problem is a finding, shrunk by hand to a minimal request that
// still shows it.
//
// Case i of a seed is always the same request (math/rand/v2's PCG seeded
// with the seed and i): a finding is reproduced from its seed and case
// index. pgregory.net/rapid is not used: its runner is driven by go
// test's flags and reports through a testing.TB, and it would decide how
// many requests a live target gets.
package fuzz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/schemas"
	"github.com/orybench/orybench/target"
)

// Target is the Kratos a run is sent to: a *target.Target, which paces
// every client it makes and removes every identity it made, or remembered,
// when its set is closed.
type Target interface {
	Client(mode kratosclient.Mode, opts ...kratosclient.Option) (*kratosclient.Client, error)
	StartFlow(ctx context.Context, c *kratosclient.Client, kind kratosclient.FlowKind) (string, error)
	SignUp(ctx context.Context, c *kratosclient.Client) (target.Identity, error)
	SignIn(ctx context.Context, c *kratosclient.Client, id target.Identity) (*kratosclient.Response, error)
	// NewIdentity is a fresh test identity's traits and password, which the
	// clean-up looks for if a case registers them.
	NewIdentity() (target.Identity, error)
	// Forget drops a new identity whose registration was refused from
	// what the clean-up looks for.
	Forget(target.Identity)
	Remember(identityID string)
}

// Options say what a run sends, and how much.
type Options struct {
	Contract *schemas.Set
	Target   Target
	// Operations limits the run to these operations (nil: every one of the
	// contract).
	Operations []string
	Seed       uint64
	// Duration and MaxRequests bound the run (zero: unbounded); at least
	// one must be set. MaxRequests counts the requests shrinking sends too.
	Duration    time.Duration
	MaxRequests int
	// ShrinkRequests bounds the requests shrinking one finding sends
	// (0: 60).
	ShrinkRequests int
	// Log, when set, gets every generated case as one JSON line (Record),
	// live values as placeholders: the same seed writes the same log.
	Log io.Writer
	// Allow are the keys of findings the run accepts (ReadAllowList).
	Allow []string
}

// ErrTargetUnreachable ends a run whose target stopped answering; the
// findings so far are returned with it.
var ErrTargetUnreachable = errors.New("the target stopped answering")

// unreachableAfter is how many calls in a row without an answer end a run.
const unreachableAfter = 3

// Run sends generated cases until a bound is reached or ctx is done, and
// returns what it found. On an interrupt (ctx done) or an unreachable
// target the findings so far are returned, with Stopped saying why (and
// ErrTargetUnreachable for the latter).
func Run(ctx context.Context, opts Options) (*results.Fuzz, error) {
	if opts.Contract == nil || opts.Target == nil {
		return nil, errors.New("fuzz: a contract and a target are needed")
	}
	if opts.Duration < 0 || opts.MaxRequests < 0 || opts.ShrinkRequests < 0 {
		return nil, errors.New("fuzz: negative bound")
	}
	if opts.Duration == 0 && opts.MaxRequests == 0 {
		return nil, errors.New("fuzz: a duration or a maximum number of requests is needed")
	}
	sp, err := readSpec(opts.Contract)
	if err != nil {
		return nil, err
	}
	g := &generator{spec: sp, seed: opts.Seed}
	if sample, err := opts.Target.NewIdentity(); err == nil {
		g.traits = traitsNode(sample)
	}
	for _, id := range opts.Operations {
		o, ok := sp.op(id)
		if !ok {
			return nil, fmt.Errorf("%w: %q", schemas.ErrUnknownOperation, id)
		}
		g.ops = append(g.ops, o)
	}
	if len(opts.Operations) == 0 {
		g.ops = sp.ops
	}
	if opts.ShrinkRequests == 0 {
		opts.ShrinkRequests = 60
	}
	c := opts.Contract.Contract()
	r := &runner{opts: opts, gen: g, sessions: map[kratosclient.Mode]*kratosclient.Client{}, identities: map[kratosclient.Mode]target.Identity{}, found: map[string]int{},
		doc: &results.Fuzz{Contract: &c, Seed: opts.Seed, Operations: map[string]int{}, StartedAt: time.Now().UTC().Format(time.RFC3339)}}
	start := time.Now()
	if opts.Duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, opts.Duration, errBudget)
		defer cancel()
	}
	err = r.loop(ctx)
	r.doc.DurationS = time.Since(start).Seconds()
	r.judgeAllowList()
	return r.doc, err
}

var errBudget = errors.New("duration reached")

type runner struct {
	opts     Options
	gen      *generator
	doc      *results.Fuzz
	found    map[string]int // key -> index in doc.Findings
	sessions map[kratosclient.Mode]*kratosclient.Client
	// identities are those signed up per kind of caller, signed in again
	// once a case ends a session.
	identities map[kratosclient.Mode]target.Identity
	requests   int
	base       string // the public API's base URL, for curl commands
	failures   int    // calls in a row without an answer
}

// sent is what sending one case gave: the checks its answer failed, and
// the names of the cookies it sent in place of its client's (for its curl
// command).
type sent struct {
	probs   []problem
	cookies []string
}

func (r *runner) loop(ctx context.Context) error {
	for i := 0; ; i++ {
		switch {
		case ctx.Err() != nil && errors.Is(context.Cause(ctx), errBudget):
			r.doc.Stopped = results.FuzzStoppedDuration
			return nil
		case ctx.Err() != nil:
			r.doc.Stopped = "interrupted"
			return nil
		case r.opts.MaxRequests > 0 && r.requests >= r.opts.MaxRequests:
			r.doc.Stopped = results.FuzzStoppedMaxRequests
			return nil
		}
		c := r.gen.generate(i)
		if r.opts.Log != nil {
			line, _ := json.Marshal(c.Record()) // a Record always encodes
			if _, err := r.opts.Log.Write(append(line, '\n')); err != nil {
				return fmt.Errorf("request log: %w", err)
			}
		}
		got, err := r.try(ctx, c)
		if ctx.Err() != nil {
			continue // the loop says why it ended
		}
		if err != nil {
			if r.failures >= unreachableAfter {
				r.doc.Stopped = "target-unreachable: " + redact.Text(err.Error())
				return fmt.Errorf("%w: %w", ErrTargetUnreachable, err)
			}
			r.doc.SetupErrors++
			continue
		}
		r.doc.Cases++
		r.doc.Operations[c.Operation]++
		for _, p := range got.probs {
			r.record(ctx, p, c, got.cookies)
		}
	}
}

// try sends c inside a live flow and checks the answer. Its error is a
// set-up or a send that got no answer.
func (r *runner) try(ctx context.Context, c Case) (sent, error) {
	var got sent
	cl, live, err := r.live(ctx, c)
	if err != nil {
		return got, err
	}
	fill := func(s string) string {
		if v, ok := live[s]; ok {
			return v
		}
		return s
	}
	req := kratosclient.Request{Method: c.Method, Path: c.Path, Query: url.Values{}, Header: http.Header{}}
	for _, q := range c.Query {
		req.Query.Add(q.Name, fill(q.Value))
	}
	for _, h := range c.Header {
		if h.Omit {
			req.Header[http.CanonicalHeaderKey(h.Name)] = nil
		} else {
			req.Header.Set(h.Name, fill(h.Value))
		}
	}
	body := c.body(fill)
	if c.Body != nil {
		req.Body = kratosclient.RawBody(c.ContentType, body)
	}
	if c.Cookies != "" {
		req.Header["Cookie"], got.cookies = ownCookies(c.Cookies, cl.Cookies())
	}
	r.requests++
	res, err := cl.Send(ctx, req)
	if err != nil {
		r.failures++
		return got, err
	}
	r.failures = 0
	if endsSession(c.Operation) {
		delete(r.sessions, c.Mode) // the next case signs in afresh
	}
	r.remember(c.Operation, res)
	if id := live[liveIdentifier]; id != "" && res.Status >= 400 && res.Status < 500 {
		r.opts.Target.Forget(target.Identity{Identifier: id, Email: live[liveEmail]})
	}
	var secrets []secret
	if tok := live[liveSession]; tok != "" {
		secrets = append(secrets, secret{"session token", tok})
	}
	for _, ck := range cl.Cookies() {
		if strings.HasPrefix(ck.Name, target.CSRFCookiePrefix) {
			secrets = append(secrets, secret{"CSRF cookie", ck.Value})
		}
		if ck.Name == target.SessionCookie {
			secrets = append(secrets, secret{"session cookie", ck.Value})
		}
	}
	if c.Body != nil {
		secrets = append(secrets, passwords(c.Body, fill)...)
	}
	if got.probs, err = check(r.opts.Contract, c.Operation, res, secrets); err != nil {
		return got, err
	}
	r.base = cl.BaseURL()
	return got, nil
}

// live makes what c is sent in: a client of its kind, signed in where the
// operation needs a session, and a fresh flow of the operation's kind;
// live maps each placeholder to its value.
func (r *runner) live(ctx context.Context, c Case) (*kratosclient.Client, map[string]string, error) {
	var (
		cl  *kratosclient.Client
		err error
	)
	if needsSession(c.Operation) {
		if cl = r.sessions[c.Mode]; cl == nil {
			if cl, err = r.signIn(ctx, c.Mode); err != nil {
				return nil, nil, err
			}
			r.sessions[c.Mode] = cl
		}
	} else if cl, err = r.opts.Target.Client(c.Mode); err != nil {
		return nil, nil, err
	}
	live := map[string]string{liveSession: cl.SessionToken()}
	if kind := flowKindOf(c.Operation); kind != "" {
		id, err := r.opts.Target.StartFlow(ctx, cl, kind)
		if err != nil {
			return nil, nil, r.setupFailed(ctx, cl, "start a "+string(kind)+" flow", err)
		}
		live[liveFlow] = id
	}
	live[liveCSRF] = cl.CSRFToken()
	if c.Body.holds(liveIdentifier, liveEmail, livePassword) {
		id, err := r.opts.Target.NewIdentity()
		if err != nil {
			return nil, nil, fmt.Errorf("a new test identity: %w", err)
		}
		live[liveIdentifier], live[liveEmail], live[livePassword] = id.Identifier, id.Email, id.Password
	}
	return cl, live, nil
}

// ownCookies is the Cookie header a case sends in place of the jar's
// cookies (nil: none), and the names of those it sends.
func ownCookies(how string, jar []*http.Cookie) ([]string, []string) {
	v, ok := strings.CutPrefix(how, cookiesValue)
	if !ok || len(jar) == 0 {
		return nil, nil
	}
	var pairs, names []string
	for _, ck := range jar {
		pairs = append(pairs, ck.Name+"="+v)
		names = append(names, ck.Name)
	}
	return []string{strings.Join(pairs, "; ")}, names
}

// signIn is a client of kind mode with a session: the kind's identity
// signed in again, or, the first time or when that fails (a case changed
// its password or identifier), a new one signed up. A run makes a few
// identities, not one for every case that ends a session.
func (r *runner) signIn(ctx context.Context, mode kratosclient.Mode) (*kratosclient.Client, error) {
	cl, err := r.opts.Target.Client(mode)
	if err != nil {
		return nil, err
	}
	if id, ok := r.identities[mode]; ok {
		if _, err := r.opts.Target.SignIn(ctx, cl, id); err == nil && hasSession(cl) {
			return cl, nil
		}
		if cl, err = r.opts.Target.Client(mode); err != nil {
			return nil, err
		}
	}
	id, err := r.opts.Target.SignUp(ctx, cl)
	if err != nil {
		return nil, r.setupFailed(ctx, cl, "sign up", err)
	}
	r.identities[mode] = id
	return cl, nil
}

// hasSession reports whether c holds a session: a native app's token, a
// browser's session cookie.
func hasSession(c *kratosclient.Client) bool {
	if c.SessionToken() != "" {
		return true
	}
	return slices.ContainsFunc(c.Cookies(), func(ck *http.Cookie) bool { return ck.Name == target.SessionCookie })
}

// setupFailed says what failed, and counts it as a call without an answer
// when the target does not answer at all any more.
func (r *runner) setupFailed(ctx context.Context, cl *kratosclient.Client, what string, err error) error {
	if _, perr := cl.Send(ctx, kratosclient.Request{Method: http.MethodGet, Path: "/health/alive"}); perr != nil {
		r.failures++
	} else {
		r.failures = 0
	}
	return fmt.Errorf("%s: %w", what, err)
}

// remember hands the target the identity a registration made, so that it
// is removed with the rest.
func (r *runner) remember(op string, res *kratosclient.Response) {
	if op != "updateRegistrationFlow" || res.Status != http.StatusOK {
		return
	}
	var v struct {
		Identity struct {
			ID string `json:"id"`
		} `json:"identity"`
	}
	if json.Unmarshal(res.Body, &v) == nil && v.Identity.ID != "" {
		r.opts.Target.Remember(v.Identity.ID)
	}
}

// passwords are the password values of a body, as sent, as secrets: a
// member named like a password, but not password_identifier, an
// identifier that Kratos rightly shows again in its form.
func passwords(n *Node, fill func(string) string) []secret {
	var out []secret
	for _, m := range n.Members {
		if strings.Contains(m.Key, "password") && !strings.Contains(m.Key, "identifier") && m.Value.Kind == kindString {
			out = append(out, secret{"password", fill(m.Value.String)})
		}
		out = append(out, passwords(m.Value, fill)...)
	}
	for _, it := range n.Items {
		out = append(out, passwords(it, fill)...)
	}
	return out
}

// record adds p, seen in case c, to the findings: a new one is shrunk.
func (r *runner) record(ctx context.Context, p problem, c Case, cookies []string) {
	key := p.Key()
	if i, ok := r.found[key]; ok {
		r.doc.Findings[i].Count++
		return
	}
	small, shrinks, cookies := r.shrink(ctx, key, c, cookies)
	r.found[key] = len(r.doc.Findings)
	r.doc.Findings = append(r.doc.Findings, results.FuzzFinding{
		Key: key, Operation: p.Operation, Status: p.Status, Check: p.Check, Detail: p.Detail,
		Message: redact.Text(p.Message), Mode: c.Mode.String(), Case: c.Index, Count: 1,
		Input: small.Record(), Shrinks: shrinks, Curl: curl(r.base, small, cookies), Allowed: slices.Contains(r.opts.Allow, key),
	})
}

// shrink simplifies c while the finding key still shows: a query
// parameter or header dropped, a body member or item dropped, a string
// shortened, each step tried in a fresh live flow, first success taken,
// until no step reproduces it or the budget is spent.
func (r *runner) shrink(ctx context.Context, key string, c Case, cookies []string) (Case, int, []string) {
	budget, shrinks := r.opts.ShrinkRequests, 0
	for {
		improved := false
		for cand := range candidates(c) {
			if budget == 0 || ctx.Err() != nil || (r.opts.MaxRequests > 0 && r.requests >= r.opts.MaxRequests) {
				return c, shrinks, cookies
			}
			budget--
			r.doc.ShrinkRequests++
			got, err := r.try(ctx, cand)
			if err != nil || !slices.ContainsFunc(got.probs, func(p problem) bool { return p.Key() == key }) {
				continue
			}
			c, improved, cookies = cand, true, got.cookies
			shrinks++
			break
		}
		if !improved {
			return c, shrinks, cookies
		}
	}
}

// candidates yields the cases one step simpler than c, as they are asked
// for: without a query parameter, a header, part of the body or its own
// cookies, or with a shorter value. Each is c's clone, its body shared
// where unchanged (Node.simpler).
func candidates(c Case) iter.Seq[Case] {
	return func(yield func(Case) bool) {
		with := func(change func(*Case)) bool {
			n := c
			n.Query, n.Header = slices.Clone(c.Query), slices.Clone(c.Header)
			change(&n)
			return yield(n)
		}
		for i := range c.Query {
			if !with(func(n *Case) { n.Query = slices.Delete(n.Query, i, i+1) }) {
				return
			}
		}
		for i, h := range c.Header {
			if !with(func(n *Case) {
				n.Header = slices.Delete(n.Header, i, i+1)
				if strings.EqualFold(h.Name, "Content-Type") {
					n.ContentType = map[string]string{"json": "application/json", "form": "application/x-www-form-urlencoded"}[n.Encoding]
				}
			}) {
				return
			}
		}
		if c.Cookies != "" && !with(func(n *Case) { n.Cookies = "" }) {
			return
		}
		for i, q := range c.Query {
			for v := range str(q.Value).simpler() {
				if !with(func(n *Case) { n.Query[i].Value = v.String }) {
					return
				}
			}
		}
		for i, h := range c.Header {
			for v := range str(h.Value).simpler() {
				if !with(func(n *Case) { n.Header[i].Value = v.String }) {
					return
				}
			}
		}
		if c.Body != nil {
			for b := range c.Body.simpler() {
				if !with(func(n *Case) { n.Body = b }) {
					return
				}
			}
		}
		if v, ok := strings.CutPrefix(c.Cookies, cookiesValue); ok {
			for s := range str(v).simpler() {
				if !with(func(n *Case) { n.Cookies = cookiesValue + s.String }) {
					return
				}
			}
		}
	}
}

// curl is a command that sends c again to the public API at base (its
// userinfo redacted), its live values as shell variables
// the user sets from a flow of their own: $FLOW, $CSRF_TOKEN,
// $SESSION_TOKEN (a native app's), $COOKIES (a browser's or an SPA's: a
// cookie string or a curl cookie jar file), and $IDENTIFIER, $EMAIL and
// $PASSWORD (a new identity's). Cookies sent in place of the jar's are
// named as they were (names), not secret.
func curl(base string, c Case, names []string) string {
	vars := map[string]string{liveFlow: "ORYBENCHFLOW", liveCSRF: "ORYBENCHCSRFTOKEN", liveSession: "ORYBENCHSESSIONTOKEN",
		liveIdentifier: "ORYBENCHIDENTIFIER", liveEmail: "ORYBENCHEMAIL", livePassword: "ORYBENCHPASSWORD"}
	fill := func(s string) string {
		if v, ok := vars[s]; ok {
			return v
		}
		return s
	}
	q := func(v string) string { return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'" }
	query := url.Values{}
	for _, f := range c.Query {
		query.Add(f.Name, fill(f.Value))
	}
	// The query holds generated values and placeholders, never a live
	// value: a generated token=… is sent as it was, or the command would
	// not reproduce. Only the base URL may hold a secret (Basic auth).
	u := redact.URL(base) + c.Path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	parts := []string{"curl", "-sS", "-X", c.Method, q(u)}
	accept, session := "Accept: "+c.Mode.Accept(), c.Mode == kratosclient.Native && needsSession(c.Operation)
	var header []string
	for _, h := range c.Header {
		switch {
		case strings.EqualFold(h.Name, "Accept") && h.Omit:
			accept = "Accept:"
		case strings.EqualFold(h.Name, "Accept"):
			accept = "Accept: " + h.Value
		case strings.EqualFold(h.Name, "Content-Type"):
		case h.Omit:
			header = append(header, h.Name+":")
		default:
			session = session && !strings.EqualFold(h.Name, "X-Session-Token")
			header = append(header, h.Name+": "+fill(h.Value))
		}
	}
	parts = append(parts, "-H", q(accept))
	switch {
	case session:
		parts = append(parts, "-H", q("X-Session-Token: "+liveSession))
	case c.Mode != kratosclient.Native && c.Cookies == "":
		parts = append(parts, "-b", `"$COOKIES"`)
	case c.Mode != kratosclient.Native && len(names) > 0:
		v, _ := strings.CutPrefix(c.Cookies, cookiesValue)
		var pairs []string
		for _, n := range names {
			pairs = append(pairs, n+"="+v)
		}
		parts = append(parts, "-H", q("Cookie: "+strings.Join(pairs, "; ")))
	}
	for _, h := range header {
		parts = append(parts, "-H", q(h))
	}
	if c.Body != nil {
		if c.ContentType != "" {
			parts = append(parts, "-H", q("Content-Type: "+c.ContentType))
		} else {
			parts = append(parts, "-H", q("Content-Type:"))
		}
		parts = append(parts, "--data-binary", q(string(c.body(fill))))
	}
	// No live value is in parts, only their placeholders: redact.Text
	// would take a placeholder for a token and mangle it.
	cmd := strings.Join(parts, " ")
	return strings.NewReplacer("ORYBENCHFLOW", `'"$FLOW"'`, "ORYBENCHCSRFTOKEN", `'"$CSRF_TOKEN"'`,
		liveSession, `'"$SESSION_TOKEN"'`, "ORYBENCHSESSIONTOKEN", `'"$SESSION_TOKEN"'`,
		"ORYBENCHIDENTIFIER", `'"$IDENTIFIER"'`, "ORYBENCHEMAIL", `'"$EMAIL"'`, "ORYBENCHPASSWORD", `'"$PASSWORD"'`).Replace(cmd)
}

// judgeAllowList marks the allow-list's entries no finding matched as
// stale, once the run went its whole budget: an interrupted run cannot say.
func (r *runner) judgeAllowList() {
	if r.doc.Incomplete() != "" {
		return
	}
	for _, k := range r.opts.Allow {
		if _, ok := r.found[k]; !ok {
			r.doc.Stale = append(r.doc.Stale, k)
		}
	}
}
