package schemas

import (
	"fmt"
)

// Outcome classifies an answer's body.
type Outcome string

// Outcomes of Judge.
const (
	// Passed: the body matches the documented response.
	Passed Outcome = "passed"
	// ExpectedFailure: the body does not match, and known deviations of
	// this response explain every violation.
	ExpectedFailure Outcome = "expected-failure"
	// Failed: at least one violation is not explained by a known deviation.
	Failed Outcome = "failed"
	// Stale: the body matches although a known deviation said it would not
	// (listed with always: true for the response, or expected by the
	// caller): the deviation looks fixed and should be revisited.
	Stale Outcome = "stale"
)

// Verdict is Judge's classification of one answer.
type Verdict struct {
	Outcome   Outcome
	Operation string
	// Status is the HTTP status judged.
	Status int
	// Undocumented: the operation does not document Status; the body was
	// judged against the default response. Whether that is acceptable is
	// the caller's call.
	Undocumented bool
	// Schema is the component the body was judged against; empty for a
	// response without content.
	Schema string
	// Violations are all departures from Schema.
	Violations []Violation
	// Unexplained are the violations no known deviation covers; non-empty
	// exactly when Outcome is Failed.
	Unexplained []Violation
	// Deviations explain the violations (ExpectedFailure), explain some of
	// them (Failed), or are the stale ones (Stale).
	Deviations []Deviation
}

// Judge validates a body and classifies the result against the known
// deviations of the response. expect names deviations (by id) the caller's
// case is known to trigger; a matching body then makes them Stale, exactly
// as for deviations listed with always: true. A deviation listed for other
// contracts only is not expected under this one (it has no such bug): the
// body must keep this contract.
//
// An undocumented status is judged against the operation's default
// response with Verdict.Undocumented set; it is an error (wrapping
// ErrUndocumentedStatus) only when there is no default response. Unknown
// operations and unknown or unlisted expected deviations are errors too.
func (s *Set) Judge(operationID string, status int, body []byte, expect ...string) (Verdict, error) {
	op, ok := s.Operation(operationID)
	if !ok {
		return Verdict{}, fmt.Errorf("%w: %q", ErrUnknownOperation, operationID)
	}
	v := Verdict{Operation: op.ID, Status: status}
	r, ok := op.Response(status)
	if !ok {
		if r, ok = op.Default(); !ok {
			return Verdict{}, &UndocumentedStatusError{Operation: op.ID, Status: status}
		}
		v.Undocumented = true
	}
	v.Schema = r.Schema
	listed, always, err := s.listed(op.ID, r.Status, expect)
	if err != nil {
		return Verdict{}, err
	}
	if !r.EmptyBody {
		if v.Violations, err = s.check(r.Schema, body); err != nil {
			return Verdict{}, err
		}
	}
	if len(v.Violations) == 0 {
		v.Outcome, v.Deviations = Passed, always
		if len(always) > 0 {
			v.Outcome = Stale
		}
		return v, nil
	}
	var patterns []Deviation
	for _, d := range listed {
		if len(d.Violations) > 0 {
			patterns = append(patterns, d)
		}
	}
	v.Unexplained, v.Deviations = explain(v.Violations, patterns)
	if len(v.Unexplained) == 0 {
		v.Outcome = ExpectedFailure
		return v, nil
	}
	// The body may be another component altogether (an errorGeneric where a
	// flow is documented); the rest must then be explained by patterns.
	for _, d := range listed {
		if d.BodySchema == "" {
			continue
		}
		alt, err := s.check(d.BodySchema, body)
		if err != nil {
			return Verdict{}, err
		}
		if rest, used := explain(alt, patterns); len(rest) == 0 {
			v.Outcome, v.Unexplained, v.Deviations = ExpectedFailure, nil, append([]Deviation{d}, used...)
			return v, nil
		}
	}
	v.Outcome = Failed
	return v, nil
}

// Judge judges a body with the DefaultContract set; see Set.Judge.
func Judge(operationID string, status int, body []byte, expect ...string) (Verdict, error) {
	s, err := Open(DefaultContract)
	if err != nil {
		return Verdict{}, err
	}
	return s.Judge(operationID, status, body, expect...)
}

// listed returns the deviations listed for the response, and among them the
// ones that must show (always: true, or expected by the caller).
func (s *Set) listed(op string, status int, expect []string) (listed, always []Deviation, err error) {
	want := map[string]bool{}
	for _, id := range expect {
		d, ok := s.Deviation(id)
		if !ok && s.elsewhere[id] {
			continue
		}
		if !ok {
			return nil, nil, fmt.Errorf("expected deviation %q is not in known_deviations.yaml for %s", id, s.contract.Name)
		}
		if in, _ := d.AppliesTo(op, status); !in {
			return nil, nil, fmt.Errorf("expected deviation %q is not listed for %s %s", id, op, statusName(status))
		}
		want[id] = true
	}
	for _, d := range s.deviations {
		in, alw := d.AppliesTo(op, status)
		if !in {
			continue
		}
		listed = append(listed, d.clone())
		if alw || want[d.ID] {
			always = append(always, d.clone())
		}
	}
	return listed, always, nil
}

// explain splits violations into the unexplained ones and lists the
// deviations that explain at least one, in the order given.
func explain(vs []Violation, devs []Deviation) (unexplained []Violation, used []Deviation) {
	hit := make([]bool, len(devs))
	for _, v := range vs {
		found := false
		for i, d := range devs {
			if d.Explains(v) {
				hit[i], found = true, true
			}
		}
		if !found {
			unexplained = append(unexplained, v)
		}
	}
	for i, d := range devs {
		if hit[i] {
			used = append(used, d)
		}
	}
	return unexplained, used
}

func statusName(status int) string {
	if status == 0 {
		return "default"
	}
	return fmt.Sprint(status)
}

func (d Deviation) clone() Deviation {
	d.Contracts = append([]string(nil), d.Contracts...)
	d.Responses = append([]DeviationResponse(nil), d.Responses...)
	d.Violations = append([]ViolationPattern(nil), d.Violations...)
	return d
}
