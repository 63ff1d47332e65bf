package schemas

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed known_deviations.yaml
var deviationsYAML []byte

// Deviation is a known place where real answers contradict a contract's
// OpenAPI document, as listed in known_deviations.yaml.
//
// A deviation explains a failed validation in one of two ways: Violations
// patterns, each matching violations precisely (pointer, rule, optionally
// what was found), or BodySchema, naming the component the body really is
// (Kratos answered with an errorGeneric where a flow is documented).
type Deviation struct {
	ID       string `yaml:"id"`
	Summary  string `yaml:"summary"`
	Upstream string `yaml:"upstream"`
	// Contracts names the embedded contracts the deviation applies to.
	Contracts []string `yaml:"contracts"`
	// Responses are where the deviation shows.
	Responses []DeviationResponse `yaml:"responses"`
	// Violations the deviation explains; empty when BodySchema is set.
	Violations []ViolationPattern `yaml:"violations"`
	// BodySchema is the component the real body matches instead.
	BodySchema string `yaml:"body_schema"`
}

// DeviationResponse is one response a deviation shows in, or every one
// (Any).
type DeviationResponse struct {
	Operation string `yaml:"operation"`
	// Status is a documented status code, or "default" for the statuses the
	// operation does not document.
	Status string `yaml:"status"`
	// Always: every answer of this response shows the deviation, so an
	// answer that validates means the deviation is stale.
	Always bool `yaml:"always"`
}

// ViolationPattern matches violations. Pointer is a JSON pointer in which a
// "*" segment matches any one segment; Found, if set, must equal the
// violation's Found.
type ViolationPattern struct {
	Pointer string `yaml:"pointer"`
	Rule    string `yaml:"rule"`
	Found   string `yaml:"found"`
}

// Matches reports whether the pattern covers v.
func (p ViolationPattern) Matches(v Violation) bool {
	if p.Rule != v.Rule || (p.Found != "" && p.Found != v.Found) {
		return false
	}
	ps, vs := strings.Split(p.Pointer, "/"), strings.Split(v.Pointer, "/")
	if len(ps) != len(vs) {
		return false
	}
	for i := range ps {
		if ps[i] != "*" && ps[i] != vs[i] {
			return false
		}
	}
	return true
}

// Explains reports whether one of the deviation's patterns covers v.
func (d Deviation) Explains(v Violation) bool {
	for _, p := range d.Violations {
		if p.Matches(v) {
			return true
		}
	}
	return false
}

// AppliesTo reports whether the deviation is listed for the response of
// operationID with the given status (0 for the default response), and
// whether it is listed as always showing there.
func (d Deviation) AppliesTo(operationID string, status int) (listed, always bool) {
	want := "default"
	if status != 0 {
		want = strconv.Itoa(status)
	}
	for _, r := range d.Responses {
		if r.Any() || r.Operation == operationID && r.Status == want {
			return true, r.Always
		}
	}
	return false, false
}

// Any reports whether r is {operation: "*", status: "*"}: every response of
// the deviation's contracts, for one whose violation patterns alone say
// where it shows (an enum of a shared component).
func (r DeviationResponse) Any() bool { return r.Operation == "*" && r.Status == "*" }

type deviationsFile struct {
	Deviations []Deviation `yaml:"deviations"`
}

var deviationID = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// loadDeviations parses the embedded file, checks every entry and keeps the
// ones for s's contract; each of those must name operations, statuses and
// schemas of s. elsewhere are the ids of the others, which other contracts
// have. A set generated from a file has none of its own.
func loadDeviations(s *Set) (out []Deviation, elsewhere map[string]bool, err error) {
	all, err := parseDeviations(deviationsYAML)
	if err != nil {
		return nil, nil, err
	}
	elsewhere = map[string]bool{}
	for _, d := range all {
		if !slices.Contains(d.Contracts, s.contract.Name) {
			elsewhere[d.ID] = true
			continue
		}
		if err := s.checkDeviation(d); err != nil {
			return nil, nil, fmt.Errorf("known_deviations.yaml: %s: %w", d.ID, err)
		}
		out = append(out, d)
	}
	return out, elsewhere, nil
}

// parseDeviations decodes a deviations file strictly (unknown fields are
// errors) and checks what does not depend on a schema set.
func parseDeviations(b []byte) ([]Deviation, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var f deviationsFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("known_deviations.yaml: %w", err)
	}
	known := embeddedNames()
	seen := map[string]bool{}
	for _, d := range f.Deviations {
		if !deviationID.MatchString(d.ID) || seen[d.ID] {
			return nil, fmt.Errorf("known_deviations.yaml: bad or duplicate id %q", d.ID)
		}
		seen[d.ID] = true
		if err := checkDeviationText(d, known); err != nil {
			return nil, fmt.Errorf("known_deviations.yaml: %s: %w", d.ID, err)
		}
	}
	return f.Deviations, nil
}

func checkDeviationText(d Deviation, contracts []string) error {
	switch {
	case strings.TrimSpace(d.Summary) == "":
		return fmt.Errorf("no summary")
	case !strings.HasPrefix(d.Upstream, "https://"):
		return fmt.Errorf("upstream %q is not an https link", d.Upstream)
	case len(d.Contracts) == 0:
		return fmt.Errorf("no contracts")
	case len(d.Responses) == 0:
		return fmt.Errorf("no responses")
	case (len(d.Violations) == 0) == (d.BodySchema == ""):
		return fmt.Errorf("want exactly one of violations and body_schema")
	}
	for _, c := range d.Contracts {
		if !slices.Contains(contracts, c) {
			return fmt.Errorf("contract %q is not embedded (known: %s)", c, strings.Join(contracts, ", "))
		}
	}
	for _, p := range d.Violations {
		if p.Rule == "" {
			return fmt.Errorf("violation pattern without rule")
		}
		if p.Pointer != "" && !strings.HasPrefix(p.Pointer, "/") {
			return fmt.Errorf("pointer %q: want \"\" or a leading /", p.Pointer)
		}
	}
	return nil
}

func (s *Set) checkDeviation(d Deviation) error {
	if d.BodySchema != "" {
		if _, ok := s.files[d.BodySchema]; !ok {
			return fmt.Errorf("body_schema %q is not a component of the %s set", d.BodySchema, s.contract.Name)
		}
	}
	for _, r := range d.Responses {
		if r.Any() {
			if d.BodySchema != "" {
				return fmt.Errorf("a body_schema deviation cannot list every response")
			}
			continue
		}
		op, ok := s.Operation(r.Operation)
		if !ok {
			return fmt.Errorf("%w: %q", ErrUnknownOperation, r.Operation)
		}
		if r.Status == "default" {
			if _, ok := op.Default(); !ok {
				return fmt.Errorf("%s has no default response", r.Operation)
			}
			continue
		}
		n, err := strconv.Atoi(r.Status)
		if err != nil {
			return fmt.Errorf("%s: status %q: want a code or \"default\"", r.Operation, r.Status)
		}
		resp, ok := op.Response(n)
		if !ok {
			return fmt.Errorf("%s %d is not documented; list it as \"default\"", r.Operation, n)
		}
		if resp.EmptyBody {
			return fmt.Errorf("%s %d has no body to deviate", r.Operation, n)
		}
	}
	return nil
}

// Deviations lists the known deviations of the set's contract, in file order.
func (s *Set) Deviations() []Deviation {
	out := make([]Deviation, len(s.deviations))
	for i, d := range s.deviations {
		out[i] = d.clone()
	}
	return out
}

// Deviation looks a known deviation up by id.
func (s *Set) Deviation(id string) (Deviation, bool) {
	for _, d := range s.deviations {
		if d.ID == id {
			return d.clone(), true
		}
	}
	return Deviation{}, false
}
