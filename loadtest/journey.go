package loadtest

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/orybench/orybench/kratosclient"
)

// A Journey makes a scenario's arrivals virtual users: each arrival of the
// rate profile (open model: arrivals do not wait for each other) starts one
// user that runs the scenario's steps in order, each step taking values from
// earlier answers, and stops at the first answer its step does not expect.
//
// A step's Flow, Query and Fields may hold references, {{ NAME.FIELD }}:
//
//	{{ create.id }}             the flow id of step create's answer (its
//	                            body's id, or the ?flow= of its redirect)
//	{{ get.csrf_token }}        the CSRF token of the flow in step get's answer
//	{{ submit.session_token }}  the session token of a native login or
//	                            registration (or of a recovery's continue_with)
//	{{ logout.logout_token }}   the token of a browser logout flow
//	{{ identity.identifier }}   the user's test identity: identifier,
//	{{ identity.password }}     password, email, traits (a string that is
//	{{ identity.traits }}       one reference takes the value as it is)
//	{{ mail.code }}             the code of the recovery mail last sent to the
//	                            identity (waited for; the wait is not measured)
//
// The identity is a new test identity (target.NewIdentity) when the journey
// registers (updateRegistrationFlow), else one of the session pool's.
type Journey struct {
	// Client is the kind of caller each user is: native, browser (HTML,
	// forms, cookies; its UI reads flows and sessions as JSON with its
	// cookies) or spa (JSON and cookies). Each user has its own cookie jar.
	Client kratosclient.Mode
	// Think is the pause before every request of a journey but its first:
	// not counted in any latency.
	Think time.Duration
}

// JourneyName is the name thresholds give the whole journey
// (journey:p99<800ms); no step of a journey may take it.
const JourneyName = "journey"

// MaxRepeat bounds a journey step's Repeat.
const MaxRepeat = 1000

// journeyOp is an operation a journey step can call.
type journeyOp struct {
	modes []kratosclient.Mode // the clients that may call it
	flow  bool                // takes a flow id
	body  bool                // takes fields
	query bool                // takes query parameters
	// ui: a browser's UI calls it (as JSON, with the browser's cookies).
	ui bool
	// expect is the success status for a client of mode.
	expect func(kratosclient.Mode) int
	call   func(ctx context.Context, c *kratosclient.Client, flow string, q url.Values, body *kratosclient.Body) (*kratosclient.Response, error)
}

var (
	native      = []kratosclient.Mode{kratosclient.Native}
	browsers    = []kratosclient.Mode{kratosclient.Browser, kratosclient.SPA}
	everyClient = kratosclient.Modes
)

func status(code int) func(kratosclient.Mode) int { return func(kratosclient.Mode) int { return code } }

// redirectsBrowser is the status of a flow created or submitted: a
// redirect for a browser, ok for the others.
func redirectsBrowser(ok int) func(kratosclient.Mode) int {
	return func(m kratosclient.Mode) int {
		if m == kratosclient.Browser {
			return http.StatusSeeOther
		}
		return ok
	}
}

func createNative(kind kratosclient.FlowKind) journeyOp {
	return journeyOp{modes: native, expect: status(http.StatusOK),
		call: func(ctx context.Context, c *kratosclient.Client, _ string, q url.Values, _ *kratosclient.Body) (*kratosclient.Response, error) {
			return c.CreateNativeFlow(ctx, kind, q)
		}}
}

func createBrowser(kind kratosclient.FlowKind) journeyOp {
	return journeyOp{modes: browsers, expect: redirectsBrowser(http.StatusOK),
		call: func(ctx context.Context, c *kratosclient.Client, _ string, q url.Values, _ *kratosclient.Body) (*kratosclient.Response, error) {
			return c.CreateBrowserFlow(ctx, kind, q)
		}}
}

func getFlow(kind kratosclient.FlowKind) journeyOp {
	return journeyOp{modes: everyClient, flow: true, ui: true, expect: status(http.StatusOK),
		call: func(ctx context.Context, c *kratosclient.Client, flow string, _ url.Values, _ *kratosclient.Body) (*kratosclient.Response, error) {
			return c.GetFlow(ctx, kind, flow)
		}}
}

func updateFlow(kind kratosclient.FlowKind) journeyOp {
	return journeyOp{modes: everyClient, flow: true, body: true, expect: redirectsBrowser(http.StatusOK),
		call: func(ctx context.Context, c *kratosclient.Client, flow string, _ url.Values, body *kratosclient.Body) (*kratosclient.Response, error) {
			return c.UpdateFlow(ctx, kind, flow, body)
		}}
}

var journeyOps = map[Operation]journeyOp{
	"createNativeLoginFlow":         createNative(kratosclient.Login),
	"createNativeRegistrationFlow":  createNative(kratosclient.Registration),
	"createNativeRecoveryFlow":      createNative(kratosclient.Recovery),
	"createBrowserLoginFlow":        createBrowser(kratosclient.Login),
	"createBrowserRegistrationFlow": createBrowser(kratosclient.Registration),
	"createBrowserRecoveryFlow":     createBrowser(kratosclient.Recovery),
	"getLoginFlow":                  getFlow(kratosclient.Login),
	"getRegistrationFlow":           getFlow(kratosclient.Registration),
	"getRecoveryFlow":               getFlow(kratosclient.Recovery),
	"updateLoginFlow":               updateFlow(kratosclient.Login),
	"updateRegistrationFlow":        updateFlow(kratosclient.Registration),
	"updateRecoveryFlow":            updateFlow(kratosclient.Recovery),
	"toSession": {modes: everyClient, ui: true, query: true, expect: status(http.StatusOK),
		call: func(ctx context.Context, c *kratosclient.Client, _ string, q url.Values, _ *kratosclient.Body) (*kratosclient.Response, error) {
			return c.ToSession(ctx, q)
		}},
	"createBrowserLogoutFlow": {modes: browsers, ui: true, expect: status(http.StatusOK),
		call: func(ctx context.Context, c *kratosclient.Client, _ string, q url.Values, _ *kratosclient.Body) (*kratosclient.Response, error) {
			return c.CreateBrowserLogoutFlow(ctx, q)
		}},
	"updateLogoutFlow": {modes: browsers, query: true, expect: redirectsBrowser(http.StatusNoContent),
		call: func(ctx context.Context, c *kratosclient.Client, _ string, q url.Values, _ *kratosclient.Body) (*kratosclient.Response, error) {
			return c.UpdateLogoutFlow(ctx, q)
		}},
	"performNativeLogout": {modes: native, body: true, expect: status(http.StatusNoContent),
		call: func(ctx context.Context, c *kratosclient.Client, _ string, _ url.Values, body *kratosclient.Body) (*kratosclient.Response, error) {
			return c.PerformNativeLogout(ctx, body)
		}},
}

// JourneyOperations returns the operations a journey step can call, sorted.
func JourneyOperations() []Operation { return slices.Sorted(maps.Keys(journeyOps)) }

// journeyExpect is the default expected status of a journey step.
func journeyExpect(op Operation, m kratosclient.Mode) StatusSet {
	if jo, ok := journeyOps[op]; ok {
		return Statuses(jo.expect(m))
	}
	return StatusSet{}
}

// A ref is one {{ NAME.FIELD }} in a journey step's input.
type ref struct{ name, field string }

var (
	refPattern = regexp.MustCompile(`\{\{\s*([a-z0-9][a-z0-9_-]*)\.([a-z_]+)\s*\}\}`)
	// refFields are what each source of values offers.
	identityFields = []string{"email", "identifier", "password", "traits"}
	mailFields     = []string{"code"}
	answerFields   = []string{"csrf_token", "id", "logout_token", "session_token"}
)

// refsIn returns the references in s, or an error for "{{" that is not one.
func refsIn(s string) ([]ref, error) {
	var out []ref
	for _, m := range refPattern.FindAllStringSubmatch(s, -1) {
		out = append(out, ref{m[1], m[2]})
	}
	if strings.Count(s, "{{") != len(out) {
		return out, fmt.Errorf("%q: want references like {{ create.id }}", s)
	}
	return out, nil
}

// eachInput calls fn with every string input of a step and its field.
func (st *Step) eachInput(field string, fn func(field, s string)) {
	if st.Flow != "" {
		fn(field+".flow", st.Flow)
	}
	for _, k := range slices.Sorted(maps.Keys(st.Query)) {
		fn(field+".query."+k, st.Query[k])
	}
	var walk func(f string, v any)
	walk = func(f string, v any) {
		switch x := v.(type) {
		case string:
			fn(f, x)
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(f+"."+k, x[k])
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", f, i), e)
			}
		}
	}
	for k, v := range st.Fields {
		walk(field+".body."+k, v)
	}
}

// stepsField is where a scenario's steps are written.
func (s *Scenario) stepsField() string {
	if s.Journey != nil {
		return "journey.steps"
	}
	return "steps"
}

// validateJourney checks a journey's steps: known operations the client
// can call, the inputs each takes, and references to earlier steps only.
func (s *Scenario) validateJourney() []error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &ScenarioError{Field: field, Err: fmt.Errorf(format, a...)})
	}
	if !slices.Contains(kratosclient.Modes, s.Journey.Client) {
		bad("journey.client", "unknown client %v (want native, browser or spa)", s.Journey.Client)
	}
	if s.Journey.Think < 0 || s.Journey.Think > time.Minute {
		bad("journey.think", "must be within [0, 1m]")
	}
	seen := map[string]int{}
	for i, st := range s.Steps {
		f := fmt.Sprintf("journey.steps[%d]", i)
		switch _, dup := seen[st.Name]; {
		case !stepName.MatchString(st.Name):
			bad(f+".name", "%q must match %s", st.Name, stepName)
		case st.Name == JourneyName || st.Name == "identity" || st.Name == "mail":
			bad(f+".name", "%q is reserved", st.Name)
		case dup:
			bad(f+".name", "%q is used twice", st.Name)
		}
		op, ok := journeyOps[st.Operation]
		switch {
		case st.Operation == "":
			bad(f+".operation", "a journey step needs an operation (known: %s)", joinOps(JourneyOperations()))
			continue
		case !ok:
			bad(f+".operation", "unknown operation %q (known: %s)", st.Operation, joinOps(JourneyOperations()))
			continue
		case !slices.Contains(op.modes, s.Journey.Client):
			bad(f+".operation", "a %s client does not call %s", s.Journey.Client, st.Operation)
		}
		if st.Method != "" || st.URL != "" || len(st.Body) > 0 || st.Weight > 1 || len(st.Header) > 0 || st.NoCache {
			bad(f, "a journey step takes no method, url, raw body, headers, no_cache or weight")
		}
		if st.Repeat < 0 || st.Repeat > MaxRepeat {
			bad(f+".repeat", "must be within [1, %d]", MaxRepeat)
		}
		if (st.Flow != "") != op.flow {
			bad(f+".flow", "%s %s a flow id", st.Operation, map[bool]string{true: "needs", false: "takes no"}[op.flow])
		}
		if len(st.Fields) > 0 && !op.body {
			bad(f+".body", "%s takes no body", st.Operation)
		}
		if len(st.Query) > 0 && !op.query {
			bad(f+".query", "%s takes no query", st.Operation)
		}
		st.eachInput(f, func(field, v string) {
			refs, err := refsIn(v)
			if err != nil {
				bad(field, "%v", err)
			}
			for _, r := range refs {
				var known []string
				switch j, earlier := seen[r.name]; {
				case r.name == "identity":
					known = identityFields
				case r.name == "mail":
					known = mailFields
				case earlier && j < i:
					known = answerFields
				default:
					bad(field, "{{ %s.%s }} names no earlier step (nor identity or mail)", r.name, r.field)
					continue
				}
				if !slices.Contains(known, r.field) {
					bad(field, "{{ %s.%s }}: %s has no %s (it has %s)", r.name, r.field, r.name, r.field, strings.Join(known, ", "))
				}
			}
		})
		seen[st.Name] = i
	}
	return errs
}

// registers reports whether the journey registers a new identity.
func (s *Scenario) registers() bool {
	return s.Journey != nil && slices.ContainsFunc(s.Steps, func(st Step) bool { return st.Operation == "updateRegistrationFlow" })
}

// needsPool reports whether the journey acts as a pool identity: it
// refers to the identity (or its mail) and does not register a new one.
func (s *Scenario) needsPool() bool {
	if s.Journey == nil || s.registers() {
		return false
	}
	uses := false
	for i := range s.Steps {
		s.Steps[i].eachInput("", func(_, v string) {
			refs, _ := refsIn(v)
			for _, r := range refs {
				uses = uses || r.name == "identity" || r.name == "mail"
			}
		})
	}
	return uses
}

// requestsPerJourney is how many requests a completed journey sends.
func (s *Scenario) requestsPerJourney() int {
	n := 0
	for _, st := range s.Steps {
		n += max(st.Repeat, 1)
	}
	return max(n, 1)
}
