package loadtest

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/orybench/orybench/kratosclient"
)

// ParseScenario reads a scenario from YAML. file names the source in errors,
// which say file:line and the field, and match ErrUsage. The format, with
// defaults in brackets:
//
//	name: whoami                 # required
//	description: ...
//	target: http://127.0.0.1:4433   # [the one given to Run]
//	rate: 200                    # hits/s; or {from: 10, to: 500} (linear over
//	                             # duration), or {steps: [{rate: 100, duration: 10s}, ...]}
//	duration: 30s                # [10s] at most 1h; [sum of rate steps]
//	warmup: 5s                   # [0] not measured
//	timeout: 5s                  # [10s] per request
//	workers: 10                  # [10] initial vegeta workers
//	max_workers: 256             # [256]
//	max_connections: 0           # [0 = no cap]
//	sessions: 100                # [100] session pool size, for toSession and updateLoginFlow
//	steps:                       # required
//	  - name: whoami             # required, [a-z0-9_-]+
//	    weight: 1                # [1]
//	    operation: toSession     # a Kratos operationId, or method + url:
//	    method: GET
//	    url: /health/ready       # absolute, or relative to the target
//	    headers: {X-Foo: bar}
//	    body: '{"a":1}'
//	    no_cache: true           # send Cache-Control: max-age=0
//	    expect: [200, 401, 4xx]  # [the operation's success status; 2xx for raw]
//	    thresholds: [p99<50ms]
//	thresholds: [error_rate<0.1%, rate>=0.99*requested, whoami:p99<20ms]
//
// A journey (see Journey) puts its steps in a journey block instead:
//
//	journey:
//	  client: native             # native, browser or spa
//	  think: 200ms               # [0] before each request but the first
//	  steps:
//	    - name: create
//	      operation: createNativeLoginFlow
//	    - name: submit
//	      operation: updateLoginFlow
//	      flow: "{{ create.id }}"
//	      body: {method: password, identifier: "{{ identity.identifier }}", password: "{{ identity.password }}"}
//	      expect: [200]          # [the operation's success status for the client]
//	      repeat: 1              # [1]
//	thresholds: [journey:p99<800ms, submit:p99<500ms]
func ParseScenario(file string, data []byte) (*Scenario, error) {
	p := &yamlParser{file: file, lines: map[string]int{}}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		// yaml places an error at the end of the input on the line after it.
		lines := bytes.Count(data, []byte("\n"))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			lines++
		}
		return nil, &ScenarioError{File: file, Line: min(yamlErrLine(err), lines), Err: errors.New(yamlLine.ReplaceAllString(strings.TrimPrefix(err.Error(), "yaml: "), ""))}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &ScenarioError{File: file, Err: errors.New("empty scenario")}
	}
	sc := p.scenario(doc.Content[0])
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	if err := sc.Validate(); err != nil {
		return nil, p.locate(err)
	}
	return sc, nil
}

// yamlLine finds the line in yaml's errors ("yaml: line 3: did not find
// expected key"); ScenarioError says it as file:3 instead.
var yamlLine = regexp.MustCompile(`line (\d+): `)

// yamlParserProblems are the errors of yaml's parser (parserc.go), as
// opposed to its scanner's: yaml reports their line counting from 0, and
// leaves it out on the first line.
var yamlParserProblems = regexp.MustCompile(`(^|: )(did not find expected (<document start>|<stream-start>|node content|key|'-' indicator|',' or '\]'|',' or '\}')|found (duplicate %(TAG|YAML) directive|incompatible YAML document|undefined tag handle))$`)

// yamlErrLine is the line, counted from 1, of yaml's error (0: unknown).
func yamlErrLine(err error) int {
	msg := err.Error()
	parser := yamlParserProblems.MatchString(msg)
	m := yamlLine.FindStringSubmatch(msg)
	switch {
	case m != nil && parser:
		n, _ := strconv.Atoi(m[1])
		return n + 1
	case m != nil:
		n, _ := strconv.Atoi(m[1])
		return n
	case parser:
		return 1
	}
	return 0
}

type yamlParser struct {
	file  string
	errs  []error
	lines map[string]int // field path → line, to locate Validate's errors
}

func (p *yamlParser) errf(n *yaml.Node, field, format string, a ...any) {
	p.errs = append(p.errs, &ScenarioError{File: p.file, Line: n.Line, Field: field, Err: fmt.Errorf(format, a...)})
}

// locate adds file and line to Validate's errors.
func (p *yamlParser) locate(err error) error {
	var errs []error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	} else {
		errs = []error{err}
	}
	out := make([]error, 0, len(errs))
	for _, e := range errs {
		var se *ScenarioError
		if !errors.As(e, &se) {
			out = append(out, e)
			continue
		}
		c := *se
		c.File = p.file
		for f := c.Field; f != "" && c.Line == 0; {
			c.Line = p.lines[f]
			i := strings.LastIndexAny(f, ".[")
			if i < 0 {
				break
			}
			f = f[:i]
		}
		out = append(out, &c)
	}
	return errors.Join(out...)
}

// fields walks a mapping, calling each for every key it knows and reporting
// unknown and repeated keys.
func (p *yamlParser) fields(n *yaml.Node, path string, each map[string]func(v *yaml.Node, field string)) {
	if n.Kind != yaml.MappingNode {
		p.errf(n, path, "want a mapping")
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		field := k.Value
		if path != "" {
			field = path + "." + k.Value
		}
		p.lines[field] = k.Line
		f, ok := each[k.Value]
		switch {
		case !ok:
			known := make([]string, 0, len(each))
			for name := range each {
				known = append(known, name)
			}
			sort.Strings(known)
			p.errf(k, field, "unknown field (known: %s)", strings.Join(known, ", "))
		case seen[k.Value]:
			p.errf(k, field, "given twice")
		default:
			seen[k.Value] = true
			f(v, field)
		}
	}
}

func (p *yamlParser) scalar(n *yaml.Node, field string) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		p.errf(n, field, "want a single value")
		return "", false
	}
	return n.Value, true
}

func (p *yamlParser) str(dst *string) func(*yaml.Node, string) {
	return func(n *yaml.Node, field string) {
		if s, ok := p.scalar(n, field); ok {
			*dst = s
		}
	}
}

func (p *yamlParser) num(n *yaml.Node, field string) (float64, bool) {
	s, ok := p.scalar(n, field)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || n.Tag == "!!str" {
		p.errf(n, field, "want a number, got %q", s)
		return 0, false
	}
	return v, true
}

func (p *yamlParser) float(dst *float64) func(*yaml.Node, string) {
	return func(n *yaml.Node, field string) {
		if v, ok := p.num(n, field); ok {
			*dst = v
		}
	}
}

func (p *yamlParser) integer(n *yaml.Node, field string) (int, bool) {
	s, ok := p.scalar(n, field)
	if !ok {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	if err != nil || n.Tag == "!!str" {
		p.errf(n, field, "want a whole number, got %q", s)
		return 0, false
	}
	return v, true
}

func (p *yamlParser) int(dst *int) func(*yaml.Node, string) {
	return func(n *yaml.Node, field string) {
		if v, ok := p.integer(n, field); ok {
			*dst = v
		}
	}
}

func (p *yamlParser) uint(dst *uint64) func(*yaml.Node, string) {
	return func(n *yaml.Node, field string) {
		if v, ok := p.integer(n, field); ok {
			if v < 1 {
				p.errf(n, field, "must be at least 1")
				return
			}
			*dst = uint64(v)
		}
	}
}

func (p *yamlParser) dur(dst *time.Duration) func(*yaml.Node, string) {
	return p.duration(dst, false)
}

// durOrNone is dur that also takes 0 (0s: none), as the matching flag
// does (--warmup 0s).
func (p *yamlParser) durOrNone(dst *time.Duration) func(*yaml.Node, string) {
	return p.duration(dst, true)
}

// duration reads a positive duration (or 0 too, when zero is allowed).
func (p *yamlParser) duration(dst *time.Duration, zero bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, field string) {
		s, ok := p.scalar(n, field)
		if !ok {
			return
		}
		d, err := time.ParseDuration(s)
		switch {
		case zero && (err != nil || d < 0):
			p.errf(n, field, "want a duration like 30s, 500ms or 0s (none), got %q", s)
		case !zero && (err != nil || d <= 0):
			p.errf(n, field, "want a positive duration like 30s or 500ms, got %q", s)
		default:
			*dst = d
		}
	}
}

func (p *yamlParser) boolean(dst *bool) func(*yaml.Node, string) {
	return func(n *yaml.Node, field string) {
		s, ok := p.scalar(n, field)
		if !ok {
			return
		}
		v, err := strconv.ParseBool(s)
		if err != nil {
			p.errf(n, field, "want true or false, got %q", s)
			return
		}
		*dst = v
	}
}

func (p *yamlParser) seq(n *yaml.Node, field string, each func(v *yaml.Node, field string)) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		each(n, field+"[0]") // a single item may be written without brackets
		return
	}
	if n.Kind != yaml.SequenceNode {
		p.errf(n, field, "want a list")
		return
	}
	for i, v := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, i)
		p.lines[f] = v.Line
		each(v, f)
	}
}

func (p *yamlParser) thresholds(dst *[]Threshold) func(*yaml.Node, string) {
	return func(n *yaml.Node, field string) {
		p.seq(n, field, func(v *yaml.Node, f string) {
			s, ok := p.scalar(v, f)
			if !ok {
				return
			}
			t, err := parseThreshold(s)
			if err != nil {
				p.errf(v, f, "threshold %q: %v", s, err)
				return
			}
			*dst = append(*dst, t)
		})
	}
}

func (p *yamlParser) scenario(n *yaml.Node) *Scenario {
	sc := &Scenario{}
	var (
		duration     time.Duration
		durationSet  bool
		journeySteps []Step
	)
	p.fields(n, "", map[string]func(*yaml.Node, string){
		"name":        p.str(&sc.Name),
		"description": p.str(&sc.Description),
		"target":      p.str(&sc.Target),
		"rate":        func(v *yaml.Node, f string) { p.rate(v, f, &sc.Rate) },
		"duration": func(v *yaml.Node, f string) {
			p.dur(&duration)(v, f)
			durationSet = true
		},
		"warmup":          p.durOrNone(&sc.Warmup),
		"timeout":         p.dur(&sc.Timeout),
		"workers":         p.uint(&sc.Workers),
		"max_workers":     p.uint(&sc.MaxWorkers),
		"max_connections": p.int(&sc.MaxConnections),
		"sessions":        p.int(&sc.Sessions),
		"steps": func(v *yaml.Node, f string) {
			p.seq(v, f, func(sv *yaml.Node, sf string) { sc.Steps = append(sc.Steps, p.step(sv, sf)) })
		},
		"journey":    func(v *yaml.Node, f string) { sc.Journey = p.journey(v, f, &journeySteps) },
		"thresholds": p.thresholds(&sc.Thresholds),
	})
	if n.Kind == yaml.MappingNode {
		required := []string{"name", "rate", "steps"}
		if _, ok := p.lines["journey"]; ok {
			required = required[:2]
			if _, ok := p.lines["steps"]; ok {
				p.errf(n, "steps", "a journey's steps go in journey.steps")
			}
			sc.Steps = journeySteps
		}
		for _, req := range required {
			if _, ok := p.lines[req]; !ok {
				p.errf(n, req, "required")
			}
		}
	}
	sc.Duration = duration
	if !durationSet && len(sc.Rate.Steps) > 0 {
		for _, st := range sc.Rate.Steps {
			sc.Duration += st.Duration
		}
	}
	if sc.Duration > MaxDuration {
		p.errf(n, "duration", "%s is above the limit of %s", sc.Duration, MaxDuration)
	}
	for i, st := range sc.Steps {
		for _, t := range st.Thresholds {
			if t.Step != "" && t.Step != st.Name {
				f := fmt.Sprintf("%s[%d].thresholds", sc.stepsField(), i)
				p.errs = append(p.errs, &ScenarioError{File: p.file, Line: p.lines[f], Field: f,
					Err: fmt.Errorf("threshold %q names another step", t.Expr)})
			}
		}
	}
	for i, t := range sc.Thresholds {
		if t.Step != "" && !sc.hasStep(t.Step) {
			f := fmt.Sprintf("thresholds[%d]", i)
			p.errs = append(p.errs, &ScenarioError{File: p.file, Line: p.lines[f], Field: f,
				Err: fmt.Errorf("threshold %q names no step of this scenario", t.Expr)})
		}
	}
	return sc
}

// hasStep reports whether a threshold may name step: one of the
// scenario's, or a journey's whole (JourneyName).
func (sc *Scenario) hasStep(name string) bool {
	if sc.Journey != nil && name == JourneyName {
		return true
	}
	for _, s := range sc.Steps {
		if s.Name == name {
			return true
		}
	}
	return false
}

func (p *yamlParser) rate(n *yaml.Node, field string, dst *RateSpec) {
	if n.Kind == yaml.ScalarNode {
		if v, ok := p.num(n, field); ok {
			*dst = Constant(v)
		}
		return
	}
	var (
		r        RateSpec
		constant *float64
		from, to *float64
	)
	set := func(dst **float64) func(*yaml.Node, string) {
		return func(v *yaml.Node, f string) {
			if x, ok := p.num(v, f); ok {
				*dst = &x
			}
		}
	}
	p.fields(n, field, map[string]func(*yaml.Node, string){
		"constant": set(&constant),
		"from":     set(&from),
		"to":       set(&to),
		"steps": func(v *yaml.Node, f string) {
			p.seq(v, f, func(sv *yaml.Node, sf string) {
				var st RateStep
				p.fields(sv, sf, map[string]func(*yaml.Node, string){
					"rate":     p.float(&st.Rate),
					"duration": p.dur(&st.Duration),
				})
				r.Steps = append(r.Steps, st)
			})
		},
	})
	forms := 0
	if constant != nil {
		forms++
		r.From, r.To = *constant, *constant
	}
	if from != nil || to != nil {
		forms++
		if from == nil || to == nil {
			p.errf(n, field, "a ramp needs both from and to")
			return
		}
		r.From, r.To = *from, *to
	}
	if len(r.Steps) > 0 {
		forms++
	}
	if forms != 1 {
		p.errf(n, field, "want exactly one of: a number, constant, from/to, steps")
		return
	}
	*dst = r
}

// journey reads a journey: its client, think time and steps.
func (p *yamlParser) journey(n *yaml.Node, field string, steps *[]Step) *Journey {
	j := &Journey{}
	p.fields(n, field, map[string]func(*yaml.Node, string){
		"client": func(v *yaml.Node, f string) {
			s, ok := p.scalar(v, f)
			if !ok {
				return
			}
			m, err := kratosclient.ParseMode(s)
			if err != nil {
				p.errf(v, f, "%v", err)
				return
			}
			j.Client = m
		},
		"think": p.durOrNone(&j.Think),
		"steps": func(v *yaml.Node, f string) {
			p.seq(v, f, func(sv *yaml.Node, sf string) { *steps = append(*steps, p.step(sv, sf)) })
		},
	})
	if n.Kind == yaml.MappingNode {
		for _, req := range []string{"client", "steps"} {
			if _, ok := p.lines[field+"."+req]; !ok {
				p.errf(n, field+"."+req, "required")
			}
		}
	}
	return j
}

var statusClass = regexp.MustCompile(`^([1-5])xx$`)

func (p *yamlParser) step(n *yaml.Node, field string) Step {
	var (
		st   Step
		op   string
		body string
	)
	p.fields(n, field, map[string]func(*yaml.Node, string){
		"name":      p.str(&st.Name),
		"weight":    p.int(&st.Weight),
		"operation": p.str(&op),
		"method":    p.str(&st.Method),
		"url":       p.str(&st.URL),
		"body": func(v *yaml.Node, f string) {
			if v.Kind != yaml.MappingNode {
				p.str(&body)(v, f)
				return
			}
			if err := v.Decode(&st.Fields); err != nil {
				p.errf(v, f, "want a mapping of fields: %v", err)
			}
		},
		"flow":   p.str(&st.Flow),
		"repeat": p.int(&st.Repeat),
		"query": func(v *yaml.Node, f string) {
			st.Query = map[string]string{}
			if v.Kind != yaml.MappingNode {
				p.errf(v, f, "want a mapping of parameter names to values")
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, val := v.Content[i], v.Content[i+1]
				p.lines[f+"."+k.Value] = k.Line
				if s, ok := p.scalar(val, f+"."+k.Value); ok {
					st.Query[k.Value] = s
				}
			}
		},
		"no_cache": p.boolean(&st.NoCache),
		"headers": func(v *yaml.Node, f string) {
			st.Header = http.Header{}
			if v.Kind != yaml.MappingNode {
				p.errf(v, f, "want a mapping of header names to values")
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				k, val := v.Content[i], v.Content[i+1]
				if s, ok := p.scalar(val, f+"."+k.Value); ok {
					st.Header.Add(k.Value, s)
				}
			}
		},
		"expect": func(v *yaml.Node, f string) {
			p.seq(v, f, func(cv *yaml.Node, cf string) {
				s, ok := p.scalar(cv, cf)
				if !ok {
					return
				}
				if m := statusClass.FindStringSubmatch(strings.ToLower(s)); m != nil {
					base := int(m[1][0]-'0') * 100
					for c := base; c < base+100; c++ {
						st.Expect.add(c)
					}
					return
				}
				c, err := strconv.Atoi(s)
				if err != nil || c < 100 || c > 599 {
					p.errf(cv, cf, "want a status code (100-599) or a class like 4xx, got %q", s)
					return
				}
				st.Expect.add(c)
			})
		},
		"thresholds": p.thresholds(&st.Thresholds),
	})
	if _, ok := p.lines[field+".name"]; !ok && n.Kind == yaml.MappingNode {
		p.errf(n, field+".name", "required")
	}
	for i := range st.Thresholds {
		if st.Thresholds[i].Step == "" {
			st.Thresholds[i].Step = st.Name
		}
	}
	st.Operation = Operation(op)
	if body != "" {
		st.Body = []byte(body)
	}
	return st
}
