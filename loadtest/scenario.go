package loadtest

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A Scenario is one load test: what to send, at what rate, for how long, and
// what must hold. Scenarios are usually read from YAML with ParseScenario;
// the zero values of the optional fields mean the documented defaults.
type Scenario struct {
	Name        string
	Description string
	// Target is the base URL of the Kratos public API. Empty: the one given
	// to Run with WithTarget.
	Target string
	// Rate is the requested rate profile.
	Rate RateSpec
	// Duration of the measured attack; default DefaultDuration, at most
	// MaxDuration.
	Duration time.Duration
	// Warmup is sent at the profile's starting rate before the measured
	// attack and not measured; default none.
	Warmup time.Duration
	// Timeout of one request; default DefaultTimeout.
	Timeout time.Duration
	// Workers is the initial number of vegeta workers (default 10), which may
	// grow up to MaxWorkers (default DefaultMaxWorkers) to keep the rate.
	Workers, MaxWorkers uint64
	// MaxConnections caps the connections to the target; 0: no cap other
	// than MaxWorkers.
	MaxConnections int
	// Sessions is the size of the pool of real session tokens (and identities
	// that can log in) made before the clock starts for steps that need them;
	// default DefaultSessions.
	Sessions int
	// Steps are picked in proportion to their weights; in a journey, run
	// in order by every arrival.
	Steps []Step
	// Journey, when set, makes each arrival of the rate profile one virtual
	// user that runs Steps in order (see Journey).
	Journey *Journey
	// Thresholds judge the whole run.
	Thresholds []Threshold
}

// RateSpec is a rate profile as configured: a linear ramp from From to To
// hits per second over the run (constant when From == To), or Steps.
type RateSpec struct {
	From, To float64
	Steps    []RateStep
}

// Constant returns the RateSpec of a constant rate.
func Constant(rate float64) RateSpec { return RateSpec{From: rate, To: rate} }

// Profile returns the Profile for a run of duration d.
func (r RateSpec) Profile(d time.Duration) Profile {
	switch {
	case len(r.Steps) > 0:
		return SteppedRate(r.Steps...)
	case r.From == r.To:
		return ConstantRate(r.From)
	default:
		return LinearRamp(r.From, r.To, d)
	}
}

// String describes the profile, e.g. "100/s", "10→500/s", "100/s 10s, 200/s 10s".
func (r RateSpec) String() string {
	switch {
	case len(r.Steps) > 0:
		parts := make([]string, len(r.Steps))
		for i, s := range r.Steps {
			parts[i] = fmt.Sprintf("%g/s %s", s.Rate, s.Duration)
		}
		return strings.Join(parts, ", ")
	case r.From == r.To:
		return fmt.Sprintf("%g/s", r.From)
	default:
		return fmt.Sprintf("%g→%g/s", r.From, r.To)
	}
}

// A Step is one kind of request in a scenario: a Kratos operation, or a raw
// Method and URL.
type Step struct {
	// Name identifies the step in reports and file names: [a-z0-9_-]+.
	Name string
	// Weight is the step's share of hits relative to the others; default 1.
	Weight int
	// Operation is a Kratos operationId (see Operations); empty for a raw
	// request.
	Operation Operation
	// Method and URL of a raw request. URL is absolute or relative to the
	// target.
	Method, URL string
	// Header is added to every request of the step.
	Header http.Header
	// Body of a raw request.
	Body []byte
	// NoCache sends Cache-Control: max-age=0.
	NoCache bool
	// Expect holds the statuses that are correct answers; default the
	// operation's documented success status, or any 2xx for a raw request.
	Expect StatusSet
	// Thresholds judge this step alone.
	Thresholds []Threshold

	// Flow, Query and Fields are the inputs of a journey step: the flow id,
	// query parameters and submitted fields, whose strings may take values
	// from earlier answers ({{ create.id }}, see Journey).
	Flow   string
	Query  map[string]string
	Fields map[string]any
	// Repeat sends a journey step this many times in a row; default 1.
	Repeat int
}

// Operation is a Kratos FrontendApi operationId that a step can load.
type Operation string

// The operations a step can load.
const (
	// OpToSession is GET /sessions/whoami with X-Session-Token, round robin
	// over the session pool.
	OpToSession Operation = "toSession"
	// OpCreateNativeLoginFlow is GET /self-service/login/api.
	OpCreateNativeLoginFlow Operation = "createNativeLoginFlow"
	// OpCreateNativeRegistrationFlow is GET /self-service/registration/api.
	OpCreateNativeRegistrationFlow Operation = "createNativeRegistrationFlow"
	// OpCreateBrowserLoginFlow is GET /self-service/login/browser asking for
	// JSON, without cookies.
	OpCreateBrowserLoginFlow Operation = "createBrowserLoginFlow"
	// OpCreateBrowserRegistrationFlow is GET /self-service/registration/browser
	// asking for JSON, without cookies.
	OpCreateBrowserRegistrationFlow Operation = "createBrowserRegistrationFlow"
	// OpUpdateLoginFlow submits the password method to a native login flow
	// made before the clock started (one per hit), as a pool identity.
	OpUpdateLoginFlow Operation = "updateLoginFlow"
)

// need says which fixtures an operation needs.
type need int

const (
	needNothing need = iota
	needSessions
	needLoginFlows
)

type operation struct {
	method, path string
	header       http.Header
	expect       int
	need         need
}

var operations = map[Operation]operation{
	OpToSession:                     {method: http.MethodGet, path: "/sessions/whoami", expect: 200, need: needSessions},
	OpCreateNativeLoginFlow:         {method: http.MethodGet, path: "/self-service/login/api", expect: 200},
	OpCreateNativeRegistrationFlow:  {method: http.MethodGet, path: "/self-service/registration/api", expect: 200},
	OpCreateBrowserLoginFlow:        {method: http.MethodGet, path: "/self-service/login/browser", header: http.Header{"Accept": {"application/json"}}, expect: 200},
	OpCreateBrowserRegistrationFlow: {method: http.MethodGet, path: "/self-service/registration/browser", header: http.Header{"Accept": {"application/json"}}, expect: 200},
	OpUpdateLoginFlow:               {method: http.MethodPost, path: "/self-service/login", header: http.Header{"Accept": {"application/json"}, "Content-Type": {"application/json"}}, expect: 200, need: needLoginFlows},
}

// Operations returns the operations a step can load, sorted.
func Operations() []Operation { return slices.Sorted(maps.Keys(operations)) }

// StatusSet is a set of HTTP status codes.
type StatusSet struct{ bits [10]uint64 }

// Statuses returns the set of the given codes (100-599).
func Statuses(codes ...int) StatusSet {
	var s StatusSet
	for _, c := range codes {
		s.add(c)
	}
	return s
}

func (s *StatusSet) add(code int) {
	if code >= 0 && code < 640 {
		s.bits[code/64] |= 1 << (code % 64)
	}
}

// Has reports whether code is in the set.
func (s *StatusSet) Has(code int) bool {
	return code >= 0 && code < 640 && s.bits[code/64]&(1<<(code%64)) != 0
}

// Empty reports whether the set has no code.
func (s *StatusSet) Empty() bool { return s.bits == [10]uint64{} }

// String lists the codes, e.g. "200,204".
func (s StatusSet) String() string {
	var parts []string
	for c := 0; c < 640; c++ {
		if s.Has(c) {
			parts = append(parts, strconv.Itoa(c))
		}
	}
	return strings.Join(parts, ",")
}

// Defaults and limits. Every run is bounded in time and in hits.
const (
	DefaultDuration   = 10 * time.Second
	MaxDuration       = time.Hour
	DefaultTimeout    = 10 * time.Second
	DefaultWorkers    = 10
	DefaultMaxWorkers = 256
	DefaultSessions   = 100
	MaxSessions       = 10000
	MaxLoginFlows     = 200000
	MaxRate           = 100000
	// DefaultMaxHits caps the hits of one run; see WithMaxHits.
	DefaultMaxHits = 20_000_000
)

var stepName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ErrUsage marks a bad scenario, option or flag: nothing was measured.
// Callers map it to exit code 2.
var ErrUsage = errors.New("invalid configuration")

// ScenarioError is one problem in a scenario, located by file, line and
// field. It matches ErrUsage with errors.Is.
type ScenarioError struct {
	File  string // empty for a scenario built in Go
	Line  int    // 0 when unknown
	Field string // e.g. "steps[1].expect"
	Err   error
}

func (e *ScenarioError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ScenarioError) Unwrap() error { return e.Err }

// Is makes every ScenarioError match ErrUsage.
func (e *ScenarioError) Is(target error) bool { return target == ErrUsage }

// withDefaults returns a copy of s with defaults filled in.
func (s Scenario) withDefaults() Scenario {
	if s.Duration == 0 {
		s.Duration = DefaultDuration
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultTimeout
	}
	if s.Workers == 0 {
		s.Workers = DefaultWorkers
	}
	if s.MaxWorkers == 0 {
		s.MaxWorkers = DefaultMaxWorkers
	}
	if s.Workers > s.MaxWorkers {
		s.Workers = s.MaxWorkers
	}
	if s.Sessions == 0 {
		s.Sessions = DefaultSessions
	}
	steps := make([]Step, len(s.Steps))
	for i, st := range s.Steps {
		if st.Weight == 0 {
			st.Weight = 1
		}
		if st.Repeat == 0 {
			st.Repeat = 1
		}
		if st.Expect.Empty() && s.Journey != nil {
			st.Expect = journeyExpect(st.Operation, s.Journey.Client)
		}
		if st.Expect.Empty() {
			if op, ok := operations[st.Operation]; ok {
				st.Expect = Statuses(op.expect)
			} else {
				for c := 200; c < 300; c++ {
					st.Expect.add(c)
				}
			}
		}
		steps[i] = st
	}
	s.Steps = steps
	return s
}

// Validate checks a scenario built in Go (ParseScenario checks files with
// line numbers); its errors match ErrUsage.
func (s *Scenario) Validate() error {
	var errs []error
	bad := func(field, format string, a ...any) {
		errs = append(errs, &ScenarioError{Field: field, Err: fmt.Errorf(format, a...)})
	}
	if s.Name == "" {
		bad("name", "required")
	}
	if s.Duration < 0 || s.Duration > MaxDuration {
		bad("duration", "must be within (0, %s]", MaxDuration)
	}
	if s.Warmup < 0 || s.Warmup > MaxDuration {
		bad("warmup", "must be within [0, %s]", MaxDuration)
	}
	if s.Timeout < 0 {
		bad("timeout", "must be positive")
	}
	if s.MaxConnections < 0 {
		bad("max_connections", "must not be negative")
	}
	if s.Sessions < 0 || s.Sessions > MaxSessions {
		bad("sessions", "must be within [1, %d]", MaxSessions)
	}
	if err := s.Rate.validate(); err != nil {
		bad("rate", "%w", err)
	}
	if len(s.Steps) == 0 {
		bad(s.stepsField(), "at least one step is required")
	}
	if s.Journey != nil {
		errs = append(errs, s.validateJourney()...)
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		return nil
	}
	seen := map[string]bool{}
	total := 0
	for i, st := range s.Steps {
		f := fmt.Sprintf("steps[%d]", i)
		switch {
		case !stepName.MatchString(st.Name):
			bad(f+".name", "%q must match %s", st.Name, stepName)
		case seen[st.Name]:
			bad(f+".name", "%q is used twice", st.Name)
		}
		seen[st.Name] = true
		if st.Weight < 0 || st.Weight > 1000 {
			bad(f+".weight", "must be within [1, 1000]")
		}
		total += st.Weight
		if st.Operation != "" {
			if _, ok := operations[st.Operation]; !ok {
				bad(f+".operation", "unknown operation %q (known: %s)", st.Operation, opList())
			}
			if st.Method != "" || st.URL != "" || len(st.Body) > 0 {
				bad(f, "an operation step takes no method, url or body")
			}
		} else if st.Method == "" || st.URL == "" {
			bad(f, "needs an operation, or a method and a url")
		}
		if st.Flow != "" || len(st.Query) > 0 || len(st.Fields) > 0 || st.Repeat > 1 {
			bad(f, "flow, query, a body of fields and repeat are for the steps of a journey")
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return nil
}

func (r RateSpec) validate() error {
	ok := func(v float64) bool { return v >= 0 && v <= MaxRate && !math.IsNaN(v) }
	if len(r.Steps) > 0 {
		for i, st := range r.Steps {
			if !ok(st.Rate) || st.Duration <= 0 {
				return fmt.Errorf("step %d: rate must be within [0, %d] and duration positive", i, MaxRate)
			}
		}
		return nil
	}
	if !ok(r.From) || !ok(r.To) {
		return fmt.Errorf("must be within [0, %d] hits per second", MaxRate)
	}
	if r.From == 0 && r.To == 0 {
		return errors.New("must be positive")
	}
	return nil
}

func opList() string { return joinOps(Operations()) }

// joinOps lists operations, comma-separated.
func joinOps(ops []Operation) string {
	s := make([]string, len(ops))
	for i, op := range ops {
		s[i] = string(op)
	}
	return strings.Join(s, ", ")
}

// RawScenario returns a scenario of one raw step, as `vegeta attack` with one
// target: method and url at rate hits per second for d. An absolute url
// also sets the scenario's target.
func RawScenario(method, rawURL string, rate float64, d time.Duration) *Scenario {
	sc := &Scenario{
		Name:     "raw",
		Rate:     Constant(rate),
		Duration: d,
		Steps:    []Step{{Name: "raw", Method: method, URL: rawURL}},
	}
	if u, err := url.Parse(rawURL); err == nil && u.Host != "" {
		sc.Target = u.Scheme + "://" + u.Host
		sc.Steps[0].URL = u.RequestURI()
	}
	return sc
}
