package schemas

import (
	"fmt"
	"slices"
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
	// Stale: the body does not show a known deviation that said it would
	// (listed with always: true for the response, or expected by the
	// caller), although any other violation is explained: the deviation
	// looks fixed and should be revisited. The body may keep the contract,
	// or still show the other expected deviations (half fixed).
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
	// Deviations explain the violations (ExpectedFailure, and Stale when
	// some remain), explain some of them (Failed), or, when the body keeps
	// the contract (Stale), are the stale ones.
	Deviations []Deviation
	// StaleDeviations are the deviations that should have shown and did
	// not; non-empty exactly when Outcome is Stale.
	StaleDeviations []Deviation
}

// Judge validates a body and classifies the result against the known
// deviations of the response. expect names deviations (by id) the caller's
// case is known to trigger; a body that does not show one of them (it
// matches, or shows only the others) makes it Stale, exactly as for
// deviations listed with always: true. A deviation listed for other
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
		v.Outcome, v.Deviations, v.StaleDeviations = Passed, always, always
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
		return explained(v, always), nil
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
			v.Unexplained, v.Deviations = nil, append([]Deviation{d}, used...)
			return explained(v, always), nil
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

// explained classifies a body whose violations v.Deviations explain: an
// expected failure, or Stale when a deviation that must show (always) is
// not among them.
func explained(v Verdict, always []Deviation) Verdict {
	v.Outcome = ExpectedFailure
	for _, d := range always {
		if !slices.ContainsFunc(v.Deviations, func(u Deviation) bool { return u.ID == d.ID }) {
			v.StaleDeviations = append(v.StaleDeviations, d)
		}
	}
	if len(v.StaleDeviations) > 0 {
		v.Outcome = Stale
	}
	return v
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
