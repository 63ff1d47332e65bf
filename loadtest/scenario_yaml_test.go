package loadtest

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orybench/orybench/target"
)

func TestParseScenario(t *testing.T) {
	src := `name: mix
description: a mix
target: http://127.0.0.1:4433
rate: {steps: [{rate: 100, duration: 10s}, {rate: 200, duration: 5s}]}
warmup: 2s
timeout: 3s
workers: 4
max_workers: 64
max_connections: 32
sessions: 10
steps:
  - name: whoami
    operation: toSession
    weight: 9
    no_cache: true
    thresholds: [p99<50ms]
  - name: raw
    method: POST
    url: /x
    headers: {X-A: b}
    body: '{"a":1}'
    expect: [200, 4xx]
thresholds: [error_rate<0.1%, "raw:p50<1s"]
`
	sc, err := ParseScenario("mix.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := &Scenario{
		Name: "mix", Description: "a mix", Target: "http://127.0.0.1:4433",
		Rate:     RateSpec{Steps: []RateStep{{100, 10 * time.Second}, {200, 5 * time.Second}}},
		Duration: 15 * time.Second, Warmup: 2 * time.Second, Timeout: 3 * time.Second,
		Workers: 4, MaxWorkers: 64, MaxConnections: 32, Sessions: 10,
	}
	got := *sc
	got.Steps, got.Thresholds = nil, nil
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("scenario = %+v\nwant %+v", got, *want)
	}
	if len(sc.Steps) != 2 {
		t.Fatalf("steps = %+v", sc.Steps)
	}
	w, r := sc.Steps[0], sc.Steps[1]
	if w.Name != "whoami" || w.Operation != OpToSession || w.Weight != 9 || !w.NoCache ||
		len(w.Thresholds) != 1 || w.Thresholds[0].Step != "whoami" {
		t.Errorf("step 0 = %+v", w)
	}
	if r.Method != "POST" || r.URL != "/x" || r.Header.Get("X-A") != "b" || string(r.Body) != `{"a":1}` ||
		!r.Expect.Has(200) || !r.Expect.Has(404) || r.Expect.Has(201) || r.Expect.Has(500) {
		t.Errorf("step 1 = %+v, expect %s", r, r.Expect)
	}
	if len(sc.Thresholds) != 2 || sc.Thresholds[1].Step != "raw" {
		t.Errorf("thresholds = %+v", sc.Thresholds)
	}

	// Constant and ramp forms.
	for src, want := range map[string]RateSpec{
		"rate: 250":                 Constant(250),
		"rate: {constant: 250}":     Constant(250),
		"rate: {from: 10, to: 500}": {From: 10, To: 500},
	} {
		sc, err := ParseScenario("r.yaml", []byte("name: r\n"+src+"\nsteps: [{name: a, method: GET, url: /}]\n"))
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if !reflect.DeepEqual(sc.Rate, want) {
			t.Errorf("%s: rate = %+v, want %+v", src, sc.Rate, want)
		}
	}
}

func TestParseScenarioErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []string // each a line of the error
	}{
		{"syntax", "name: [", []string{"bad.yaml:1: "}},
		// yaml counts its parser's lines from 0: the line is corrected.
		{"unclosed flow", "name: x\nrate: 10\nsteps:\n  - name: [a\n", []string{"bad.yaml:4: did not find expected ',' or ']'"}},
		{"sequence then mapping", "- a\nb: c\n", []string{"bad.yaml:2: did not find expected '-' indicator"}},
		{"not a mapping", "- a\n", []string{"bad.yaml:1: want a mapping"}},
		{"unknown field", "name: x\nrate: 1\nrats: 2\nsteps: [{name: a, method: GET, url: /}]\n",
			[]string{"bad.yaml:3: rats: unknown field (known: description, duration,"}},
		{"missing", "description: x\n", []string{
			"bad.yaml:1: name: required", "bad.yaml:1: rate: required", "bad.yaml:1: steps: required"}},
		{"bad duration", "name: x\nrate: 1\nduration: 30\nsteps: [{name: a, method: GET, url: /}]\n",
			[]string{`bad.yaml:3: duration: want a positive duration like 30s or 500ms, got "30"`}},
		{"negative warm-up", "name: x\nrate: 1\nwarmup: -1s\nsteps: [{name: a, method: GET, url: /}]\n",
			[]string{`bad.yaml:3: warmup: want a duration like 30s, 500ms or 0s (none), got "-1s"`}},
		{"too long", "name: x\nrate: 1\nduration: 2h\nsteps: [{name: a, method: GET, url: /}]\n",
			[]string{"bad.yaml:1: duration: 2h0m0s is above the limit of 1h0m0s"}},
		{"rate as text", "name: x\nrate: fast\nsteps: [{name: a, method: GET, url: /}]\n",
			[]string{`bad.yaml:2: rate: want a number, got "fast"`}},
		{"two rate forms", "name: x\nrate: {constant: 1, from: 1, to: 2}\nsteps: [{name: a, method: GET, url: /}]\n",
			[]string{"bad.yaml:2: rate: want exactly one of"}},
		{"ramp half", "name: x\nrate: {from: 1}\nsteps: [{name: a, method: GET, url: /}]\n",
			[]string{"bad.yaml:2: rate: a ramp needs both from and to"}},
		{"negative rate", "name: x\nrate: -5\nsteps: [{name: a, method: GET, url: /}]\n",
			[]string{"bad.yaml:2: rate: must be within [0, 100000] hits per second"}},
		{"unknown operation", "name: x\nrate: 1\nsteps:\n  - name: a\n    operation: whoAmI\n",
			[]string{`bad.yaml:5: steps[0].operation: unknown operation "whoAmI" (known: createBrowserLoginFlow,`}},
		{"step without request", "name: x\nrate: 1\nsteps:\n  - name: a\n    weight: 2\n",
			[]string{"bad.yaml:4: steps[0]: needs an operation, or a method and a url"}},
		{"bad step name", "name: x\nrate: 1\nsteps:\n  - name: Who Am I\n    operation: toSession\n",
			[]string{`bad.yaml:4: steps[0].name: "Who Am I" must match`}},
		{"twice", "name: x\nrate: 1\nsteps:\n  - {name: a, operation: toSession}\n  - {name: a, operation: toSession}\n",
			[]string{`bad.yaml:5: steps[1].name: "a" is used twice`}},
		{"bad expect", "name: x\nrate: 1\nsteps:\n  - name: a\n    operation: toSession\n    expect: [200, 99, 6xx]\n",
			[]string{`bad.yaml:6: steps[0].expect[1]: want a status code (100-599) or a class like 4xx, got "99"`,
				`bad.yaml:6: steps[0].expect[2]: want a status code`}},
		{"bad threshold", "name: x\nrate: 1\nsteps:\n  - name: a\n    operation: toSession\n    thresholds:\n      - p99<50\n",
			[]string{`bad.yaml:7: steps[0].thresholds[0]: threshold "p99<50": bad latency "50"`}},
		{"threshold of another step", "name: x\nrate: 1\nsteps:\n  - name: a\n    operation: toSession\nthresholds: [b:p99<1s]\n",
			[]string{`bad.yaml:6: thresholds[0]: threshold "b:p99<1s" names no step of this scenario`}},
		{"weight", "name: x\nrate: 1\nsteps:\n  - name: a\n    operation: toSession\n    weight: 0.5\n",
			[]string{`bad.yaml:6: steps[0].weight: want a whole number, got "0.5"`}},
		{"repeated key", "name: x\nname: y\nrate: 1\nsteps: [{name: a, method: GET, url: /}]\n",
			[]string{"bad.yaml:2: name: given twice"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseScenario("bad.yaml", []byte(c.src))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrUsage) {
				t.Errorf("error does not match ErrUsage: %v", err)
			}
			lines := strings.Split(err.Error(), "\n")
			for _, w := range c.want {
				found := false
				for _, l := range lines {
					found = found || strings.HasPrefix(l, w)
				}
				if !found {
					t.Errorf("error:\n%v\nwant a line starting %q", err, w)
				}
			}
		})
	}
}

func TestStepTargets(t *testing.T) {
	users := []target.Identity{{Identifier: "a@x", Password: "pa", SessionToken: "ta"}, {Identifier: "b@x", Password: "pb", SessionToken: "tb"}}
	steps := []Step{
		{Name: "who", Weight: 3, Operation: OpToSession, NoCache: true},
		{Name: "submit", Weight: 1, Operation: OpUpdateLoginFlow},
		{Name: "raw", Weight: 1, Method: "GET", URL: "health/ready", Header: http.Header{"x-a": {"b"}}},
	}
	tg, err := newTargeter("http://127.0.0.1:4433/", steps, fixtureData{users: users, flows: []string{"f1", "f2", "f3"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for range 10 {
		var tgt vegetaTarget
		if err := tg.next(&tgt); err != nil {
			t.Fatal(err)
		}
		s := tgt.Method + " " + tgt.URL + " " + tgt.Header.Get("X-Session-Token") + tgt.Header.Get("Cache-Control") + tgt.Header.Get("X-A") + " " + string(tgt.Body)
		got = append(got, strings.Join(strings.Fields(s), " "))
	}
	want := []string{
		"GET http://127.0.0.1:4433/sessions/whoami#who tamax-age=0",
		`POST http://127.0.0.1:4433/self-service/login?flow=f1#submit {"identifier":"a@x","method":"password","password":"pa"}`,
		"GET http://127.0.0.1:4433/sessions/whoami#who tbmax-age=0",
		"GET http://127.0.0.1:4433/health/ready#raw b",
		"GET http://127.0.0.1:4433/sessions/whoami#who tamax-age=0",
		"GET http://127.0.0.1:4433/sessions/whoami#who tbmax-age=0",
		`POST http://127.0.0.1:4433/self-service/login?flow=f2#submit {"identifier":"b@x","method":"password","password":"pb"}`,
		"GET http://127.0.0.1:4433/sessions/whoami#who tamax-age=0",
		"GET http://127.0.0.1:4433/health/ready#raw b",
		"GET http://127.0.0.1:4433/sessions/whoami#who tbmax-age=0",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("targets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if name, clean := stepOf("http://h/p?q=1#submit"); name != "submit" || clean != "http://h/p?q=1" {
		t.Errorf("stepOf = %q, %q", name, clean)
	}
}

// TestWarmupNone: warmup: 0s in a scenario means none, as --warmup 0s does.
func TestWarmupNone(t *testing.T) {
	sc, err := ParseScenario("w.yaml", []byte("name: x\nrate: 1\nwarmup: 0s\nsteps: [{name: a, method: GET, url: /}]\n"))
	if err != nil || sc.Warmup != 0 {
		t.Fatalf("ParseScenario = %+v, %v; want no warm-up", sc, err)
	}
}
