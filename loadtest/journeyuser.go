package loadtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// journeys runs the virtual users of a journey scenario: one per arrival,
// each with its own clients, all on the run's one HTTP client (its
// transport, connection tracker and loopback guard), with no pacing and no
// retry of a 429, which is an answer to count.
type journeys struct {
	base  string
	steps []Step // with defaults
	// mail[i] says whether step i takes a code from mail (usesMail), found
	// once, not for every request.
	mail []bool
	spec Journey
	hc   *http.Client
	fx   fixtureData
	pool atomic.Uint64 // round robin over fx.users
	// timeout bounds one mail wait.
	timeout time.Duration

	mu         sync.Mutex
	registered []target.Identity // made by registrations, to remove
	uncertain  []target.Identity // registrations not answered: looked up
	made       uint64            // registrations answered as expected
}

// Kinds of a stopped journey beyond the ErrorKinds of its request.
const (
	kindRateLimited  = "rate_limited"
	kindMissingValue = "missing_value"
	kindMail         = "mail"
	kindIdentity     = "identity"
)

// newJourneys readies the users' common parts for the steps of spec.
func newJourneys(base string, steps []Step, spec Journey, hc *http.Client, fx fixtureData, timeout time.Duration) *journeys {
	j := &journeys{base: base, steps: steps, spec: spec, hc: hc, fx: fx, timeout: timeout, mail: make([]bool, len(steps))}
	for i := range steps {
		j.mail[i] = usesMail(&steps[i])
	}
	return j
}

// journeyEvent is what a virtual user tells the runner: one request, or
// the end of its journey.
type journeyEvent struct {
	res      vegeta.Result
	intended time.Time
	end      *journeyEnd
}

// journeyEnd is how a journey ended.
type journeyEnd struct {
	completed, canceled    bool
	step                   int // the step it stopped at
	kind                   string
	corrected, uncorrected time.Duration
}

// user is one virtual user.
type user struct {
	j       *journeys
	c, ui   *kratosclient.Client
	id      target.Identity
	answers map[string]*answer
	mail    string
	// registered: the registration answered as expected; tried: it was sent.
	registered, tried bool
}

// answer is one step's last answer and what references read from it.
type answer struct {
	r      *kratosclient.Response
	parsed bool
	v      struct {
		ID           string                      `json:"id"`
		UI           kratosclient.UI             `json:"ui"`
		SessionToken string                      `json:"session_token"`
		LogoutToken  string                      `json:"logout_token"`
		ContinueWith []kratosclient.ContinueWith `json:"continue_with"`
		Identity     *kratosclient.Identity      `json:"identity"`
		Session      *kratosclient.Session       `json:"session"`
	}
}

func (a *answer) field(name string) string {
	if !a.parsed {
		a.parsed = true
		if a.r.ContentType() == "application/json" {
			_ = json.Unmarshal(a.r.Body, &a.v)
		}
	}
	switch name {
	case "id":
		if a.v.ID != "" {
			return a.v.ID
		}
		return target.FlowIDOf(a.r.Location())
	case "csrf_token":
		return a.v.UI.CSRFToken()
	case "session_token":
		if a.v.SessionToken != "" {
			return a.v.SessionToken
		}
		for _, cw := range a.v.ContinueWith {
			if cw.OrySessionToken != "" {
				return cw.OrySessionToken
			}
		}
	case "logout_token":
		return a.v.LogoutToken
	case "identity_id":
		switch {
		case a.v.Identity != nil:
			return a.v.Identity.ID
		case a.v.Session != nil:
			return a.v.Session.IdentityID()
		}
	}
	return ""
}

func (j *journeys) newUser(registers, pool bool) (*user, error) {
	opts := []kratosclient.Option{kratosclient.WithHTTPClient(j.hc), kratosclient.WithRateLimitRetries(0, 0)}
	c, err := kratosclient.New(j.base, j.spec.Client, opts...)
	if err != nil {
		return nil, err
	}
	u := &user{j: j, c: c, ui: c, answers: map[string]*answer{}}
	if j.spec.Client == kratosclient.Browser {
		if u.ui, err = kratosclient.New(j.base, kratosclient.SPA, opts...); err != nil {
			return nil, err
		}
		u.ui.ShareCookies(c)
	}
	switch {
	case registers:
		if j.fx.journey == nil {
			return nil, errors.New("no fixtures make new test identities")
		}
		if u.id, err = j.fx.journey.NewIdentity(); err != nil {
			return nil, err
		}
	case pool:
		if len(j.fx.users) == 0 {
			return nil, errors.New("no pool identities")
		}
		u.id = j.fx.users[(j.pool.Add(1)-1)%uint64(len(j.fx.users))]
		u.id.SessionToken = "" // the journey signs in itself
	}
	return u, nil
}

// value is what a reference stands for, "" or nil when it is missing.
func (u *user) value(r ref) any {
	switch r.name {
	case "identity":
		switch r.field {
		case "email":
			return u.id.Email
		case "identifier":
			return u.id.PasswordLogin()["identifier"]
		case "password":
			return u.id.Password
		case "traits":
			if u.id.Traits == nil && u.id.Email == "" {
				return nil
			}
			return u.id.TraitsWithEmail()
		}
	case "mail":
		return u.mail
	}
	if a, ok := u.answers[r.name]; ok {
		return a.field(r.field)
	}
	return nil
}

// errMissing is an input whose reference has no value.
var errMissing = errors.New("missing value")

// expand replaces the references in s: a string that is one reference
// becomes its value as it is (traits stay an object).
func (u *user) expand(s string) (any, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	var missing error
	get := func(m []string) any {
		v := u.value(ref{m[1], m[2]})
		if v == nil || v == "" {
			missing = fmt.Errorf("%w: {{ %s.%s }}", errMissing, m[1], m[2])
		}
		return v
	}
	if m := refPattern.FindStringSubmatch(s); m != nil && m[0] == strings.TrimSpace(s) {
		v := get(m)
		return v, missing
	}
	out := refPattern.ReplaceAllStringFunc(s, func(whole string) string {
		return fmt.Sprint(get(refPattern.FindStringSubmatch(whole)))
	})
	return out, missing
}

func (u *user) expandAll(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return u.expand(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			var err error
			if out[k], err = u.expandAll(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			var err error
			if out[i], err = u.expandAll(e); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return v, nil
}

// usesMail reports whether a step's inputs refer to the mail.
func usesMail(st *Step) bool {
	uses := false
	st.eachInput("", func(_, v string) {
		refs, _ := refsIn(v)
		for _, r := range refs {
			uses = uses || r.name == "mail"
		}
	})
	return uses
}

// inputs are a step's flow id, query and body, with their references
// replaced; waited reports whether a mail was waited for first.
func (u *user) inputs(ctx context.Context, st *Step, mail bool) (flow string, q url.Values, body *kratosclient.Body, waited bool, kind string, err error) {
	if mail {
		if u.j.fx.journey == nil {
			return "", nil, nil, false, kindMail, errors.New("no fixtures read mail")
		}
		mctx, cancel := context.WithTimeout(ctx, u.j.timeout)
		u.mail, err = u.j.fx.journey.RecoveryCode(mctx, u.id.Email)
		cancel()
		if err != nil {
			return "", nil, nil, true, kindMail, err
		}
		waited = true
	}
	if st.Flow != "" {
		v, err := u.expand(st.Flow)
		if err != nil {
			return "", nil, nil, waited, kindMissingValue, err
		}
		flow = fmt.Sprint(v)
	}
	if len(st.Query) > 0 {
		q = url.Values{}
		for k, s := range st.Query {
			v, err := u.expand(s)
			if err != nil {
				return "", nil, nil, waited, kindMissingValue, err
			}
			q.Set(k, fmt.Sprint(v))
		}
	}
	if len(st.Fields) > 0 {
		v, err := u.expandAll(map[string]any(st.Fields))
		if err != nil {
			return "", nil, nil, waited, kindMissingValue, err
		}
		body = u.c.Submission(kratosclient.Fields(v.(map[string]any)))
	}
	return flow, q, body, waited, "", nil
}

// send sends one request of step st and keeps its answer.
func (u *user) send(ctx context.Context, st *Step, flow string, q url.Values, body *kratosclient.Body) (*kratosclient.Response, error) {
	op := journeyOps[st.Operation]
	c := u.c
	if op.ui {
		c = u.ui
	}
	if st.Operation == "updateRegistrationFlow" {
		u.tried = true
	}
	r, err := op.call(ctx, c, flow, q, body)
	if err != nil {
		return nil, err
	}
	a := &answer{r: r}
	u.answers[st.Name] = a
	if c != u.c && u.c.Mode() != kratosclient.Native {
		if tok := a.field("csrf_token"); tok != "" {
			u.c.SetCSRFToken(tok) // the browser's form carries what its UI read
		}
	}
	if id := a.field("identity_id"); id != "" && u.id.ID == "" && (u.registered || st.Operation == "updateRegistrationFlow") {
		u.id.ID = id
	}
	return r, nil
}

// done hands what the user's registration made to the clean-up: an
// identity it knows (by its id, else its identifier), or, for a
// registration refused with a 4xx, nothing.
func (j *journeys) done(u *user, refused bool) {
	if !u.tried {
		return
	}
	if refused && !u.registered {
		if j.fx.journey != nil {
			j.fx.journey.Forget(u.id)
		}
		return
	}
	id := target.Identity{ID: u.id.ID, Identifier: u.id.Identifier, Email: u.id.Email}
	j.mu.Lock()
	defer j.mu.Unlock()
	if u.registered {
		j.made++
		j.registered = append(j.registered, id)
	} else {
		j.uncertain = append(j.uncertain, id)
	}
}

// run runs one arrival's journey, due at due, telling emit every request
// and its end. Think time (and a mail wait) before a request moves its
// intended start: a journey's latency is the sum of its requests'
// latencies from their intended starts.
func (j *journeys) run(ctx context.Context, seq uint64, due time.Time, registers, pool bool, emit func(journeyEvent)) {
	end := &journeyEnd{}
	defer func() { emit(journeyEvent{end: end}) }()
	u, err := j.newUser(registers, pool)
	if err != nil {
		end.kind = kindIdentity
		return
	}
	refused := false
	defer func() { j.done(u, refused) }()
	var (
		prevEnd time.Time
		timer   *time.Timer // for think time
	)
	for i := range j.steps {
		st := &j.steps[i]
		end.step = i
		for range st.Repeat {
			intended := due
			if !prevEnd.IsZero() {
				intended = prevEnd.Add(j.spec.Think)
				if time.Until(intended) > earlyEnough && !waitUntil(intended, ctx.Done(), &timer) {
					end.canceled = true
					return
				}
			}
			flow, q, body, waited, kind, err := u.inputs(ctx, st, j.mail[i])
			if waited {
				intended = time.Now() // the mail's wait is not the target's
			}
			if err != nil {
				end.kind, end.canceled = kind, ctx.Err() != nil
				return
			}
			start := time.Now()
			r, err := u.send(ctx, st, flow, q, body)
			finish := time.Now()
			res := vegeta.Result{Attack: st.Name, Seq: seq, Timestamp: start, Latency: finish.Sub(start),
				Method: string(st.Operation), URL: "#" + st.Name}
			if err != nil {
				res.Error = err.Error()
			} else {
				res.Code = uint16(r.Status)
			}
			emit(journeyEvent{res: res, intended: intended})
			jg := judge(&res, &st.Expect)
			corrected := max(finish.Sub(intended), res.Latency)
			end.corrected += corrected
			end.uncorrected += res.Latency
			if jg.kind != KindNone || jg.rateLimited {
				end.kind = jg.kind.String()
				if jg.rateLimited {
					end.kind = kindRateLimited
				}
				end.canceled = ctx.Err() != nil && res.Code == 0
				refused = st.Operation == "updateRegistrationFlow" && res.Code >= 400 && res.Code < 500
				return
			}
			if st.Operation == "updateRegistrationFlow" {
				u.registered = true
			}
			prevEnd = finish
		}
	}
	end.completed = true
}

// registeredIdentities returns, once the run is over, what registrations
// made (answered, and unanswered ones to look up) and how many were made.
func (j *journeys) registeredIdentities() (ids []target.Identity, made uint64) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append(append([]target.Identity(nil), j.registered...), j.uncertain...), j.made
}
