package reports

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/results"
)

// JUnit XML, the subset CI systems read.
type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	junitCounts
	Suites []junitSuite `xml:"testsuite"`
}

// junitCounts are what a suite and the suites say of their cases.
type junitCounts struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Time     string `xml:"time,attr"`
}

type junitSuite struct {
	junitCounts
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Error     *junitFailure `xml:"error,omitempty"`
	Skipped   *junitSkipped `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// WriteJUnit writes junit.xml: a suite of the conformance cases (a known
// deviation passes and says so), a suite per load run with one testcase
// per threshold, and one for a run that stopped early, a suite per
// capacity search and a suite per fuzz run: a testcase per finding,
// failed unless the allow-list accepts it, one per stale allow-list entry,
// failed, and one for a run that stopped before its budget.
func (r *Report) WriteJUnit(w io.Writer) error {
	out := junitSuites{junitCounts: junitCounts{Name: "orybench"}}
	if c := r.Conformance; c != nil {
		out.Suites = append(out.Suites, conformanceSuite(c))
	}
	for _, l := range r.Loads {
		out.Suites = append(out.Suites, loadSuite(l))
	}
	for _, c := range r.Capacities {
		out.Suites = append(out.Suites, capacitySuite(c))
	}
	for _, f := range r.Fuzzes {
		out.Suites = append(out.Suites, fuzzSuite(&f.Result))
	}
	return writeSuites(w, out)
}

func fuzzSuite(f *results.Fuzz) junitSuite {
	s := junitSuite{junitCounts: junitCounts{Name: "orybench fuzz", Time: seconds(f.DurationS)}, Timestamp: f.StartedAt,
		Properties: []junitProperty{
			{"target", scrubURL(f.Target.URL)},
			{"contract", f.Contract.String()},
			{"seed", fmt.Sprint(f.Seed)},
			{"cases", fmt.Sprint(f.Cases)},
			{"orybench_version", f.Orybench},
			{"command", scrubCommand(f.Command)},
		}}
	add := func(jc junitCase, failed bool) {
		s.Tests++
		if failed {
			s.Failures++
		}
		s.Cases = append(s.Cases, jc)
	}
	for _, x := range f.Findings {
		jc := junitCase{Name: x.Key, Classname: "fuzz." + x.Operation, Time: "0",
			SystemOut: fmt.Sprintf("%s\ncase %d of seed %d, %d times\n%s", redact.Prose(x.Message), x.Case, f.Seed, x.Count, x.Curl)}
		if !x.Allowed {
			jc.Failure = &junitFailure{Message: redact.Clip(redact.Prose(x.Message), 500), Type: x.Check, Text: jc.SystemOut}
		}
		add(jc, !x.Allowed)
	}
	for _, k := range f.Stale {
		add(junitCase{Name: k, Classname: "fuzz.allow-list", Time: "0",
			Failure: &junitFailure{Message: "stale: the allow-list accepts a finding the run no longer found", Type: "stale"}}, true)
	}
	if why := f.Incomplete(); why != "" {
		add(junitCase{Name: "run completed", Classname: "fuzz", Time: seconds(f.DurationS), Failure: incompleteFailure(why)}, true)
	}
	return s
}

// writeSuites writes out with its totals.
func writeSuites(w io.Writer, out junitSuites) error {
	total := 0.0
	for _, s := range out.Suites {
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
		var t float64
		fmt.Sscanf(s.Time, "%g", &t)
		total += t
	}
	out.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func conformanceSuite(c *results.Conformance) junitSuite {
	s := junitSuite{junitCounts: junitCounts{Name: "orybench conformance", Time: seconds(c.DurationS)}, Timestamp: c.StartedAt,
		Properties: []junitProperty{
			{"target", scrubURL(c.Target.URL)},
			{"contract", c.Contract.String()},
			{"kratos_version", c.KratosVersion},
			{"orybench_version", c.Orybench},
			{"command", scrubCommand(c.Command)},
		}}
	for _, k := range c.Cases {
		jc := junitCase{
			Name:      fmt.Sprintf("%s %d [%s] %s", k.Operation, k.Status, k.Client, k.Name),
			Classname: "conformance." + k.Operation,
			Time:      seconds(k.DurationMS / 1000),
		}
		var out []string
		if k.Request != "" {
			out = append(out, fmt.Sprintf("request: %s", redact.Prose(k.Request)))
			if k.ActualStatus != 0 {
				out = append(out, fmt.Sprintf("status: expected %d, actual %d", orInt(k.ExpectedStatus, k.Status), k.ActualStatus))
			}
		}
		for _, v := range k.Violations {
			by := "unexplained"
			if v.Deviation != "" {
				by = "known deviation " + v.Deviation
			}
			out = append(out, fmt.Sprintf("violation %s: %s: expected %s, found %s (%s)", orDefault(v.Pointer, "(body)"), v.Rule, v.Expected, redact.Prose(v.Found), by))
		}
		switch k.Outcome {
		case results.Failed, results.SetupFailed:
			text := redact.Prose(orDefault(k.Failure, k.Reason))
			if len(out) > 0 {
				text = strings.Join(out, "\n") + "\n\n" + text
			}
			if k.Location != "" {
				text += "\nat " + k.Location
			}
			f := &junitFailure{Message: redact.Clip(redact.Prose(k.Reason), 500), Type: "contract", Text: text}
			if k.Outcome == results.SetupFailed {
				// An error, not a failure: the contract was not checked.
				f.Type, jc.Error = "setup", f
				s.Errors++
			} else {
				jc.Failure = f
				s.Failures++
			}
		case results.Skipped:
			s.Skipped++
			jc.Skipped = &junitSkipped{Message: redact.Prose(k.Reason)}
		case results.ExpectedFailure:
			out = append(out, "passed but for a known spec deviation: "+redact.Prose(k.Reason))
		}
		jc.SystemOut = strings.Join(out, "\n")
		s.Cases = append(s.Cases, jc)
		s.Tests++
	}
	if why := c.Incomplete(); why != "" {
		s.Cases = append(s.Cases, junitCase{Name: "run completed", Classname: "conformance", Time: seconds(c.DurationS), Failure: incompleteFailure(why)})
		s.Tests++
		s.Failures++
	}
	return s
}

// incompleteFailure is the failure of a run's "run completed" testcase
// when it did not check everything: a CI system must not read it as a
// pass.
func incompleteFailure(why string) *junitFailure {
	return &junitFailure{Message: "INCOMPLETE: " + redact.Prose(why), Type: "incomplete"}
}

func loadSuite(l *results.LoadRun) junitSuite {
	sum := l.Summary
	s := junitSuite{junitCounts: junitCounts{Name: "orybench load " + sum.Scenario, Time: seconds(sum.DurationS)}, Timestamp: l.Run.StartedAt,
		Properties: []junitProperty{
			{"target", scrubURL(sum.Target)},
			{"requests", fmt.Sprint(sum.Requests)},
			{"rate_requested", trimFloat(sum.Rate.Requested, 3)},
			{"rate_achieved", trimFloat(sum.Rate.Achieved, 3)},
			{"latency_p99_ms", trimFloat(sum.Latency.P99, 3)},
			{"latency_uncorrected_p99_ms", trimFloat(sum.LatencyUncorrected.P99, 3)},
			{"errors", fmt.Sprint(sum.Errors.Total)},
		}}
	if v := sum.Server; measured(v) {
		s.Properties = append(s.Properties,
			junitProperty{"server_p99_ms", trimFloat(v.Latency.P99, 3)},
			junitProperty{"server_cpu_per_request_ms", trimFloat(v.CPUPerRequestMs, 3)})
	}
	class := "load." + sum.Scenario
	for _, t := range sum.Thresholds {
		jc := junitCase{Name: "threshold " + t.Expr, Classname: class, Time: "0",
			SystemOut: fmt.Sprintf("actual %s (%s)", FormatThresholdActual(t.Expr, t.Actual), orDefault(t.Step, "all steps"))}
		if !t.OK {
			s.Failures++
			jc.Failure = &junitFailure{Message: fmt.Sprintf("%s breached: actual %s", t.Expr, FormatThresholdActual(t.Expr, t.Actual)),
				Type: "threshold", Text: jc.SystemOut}
		}
		s.Cases = append(s.Cases, jc)
		s.Tests++
	}
	if sum.Stopped != "" {
		failure := &junitFailure{Message: "the run stopped early: " + sum.Stopped, Type: "run"}
		if why := sum.Incomplete(); why != "" {
			failure = incompleteFailure(why)
		}
		s.Cases = append(s.Cases, junitCase{Name: "run completed", Classname: class, Time: seconds(sum.DurationS), Failure: failure})
		s.Tests++
		s.Failures++
	}
	return s
}

func seconds(s float64) string {
	return trimFloat(time.Duration(s*float64(time.Second)).Seconds(), 3)
}
