package loadtest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Documented says what a contract documents of an operation: the statuses
// of its responses (without the default one), and false for an operation
// the contract does not have. schemas.Set.Statuses is one.
type Documented func(operation string) (statuses []int, ok bool)

// CheckContract checks the scenario's operation steps against the contract
// called name: each step's operation must be one the contract has, and
// every status the step expects (its own, or the operation's default) one
// the contract documents for it; a class like 4xx must hold at least one.
// Raw requests are not checked. Its error matches ErrUsage and lists every
// problem.
func (s *Scenario) CheckContract(name string, documented Documented) error {
	var errs []error
	for i, st := range s.withDefaults().Steps {
		if st.Operation == "" {
			continue
		}
		field := fmt.Sprintf("steps[%d]", i)
		statuses, ok := documented(string(st.Operation))
		if !ok {
			errs = append(errs, &ScenarioError{Field: field + ".operation", Err: fmt.Errorf("%s is not an operation of contract %s", st.Operation, name)})
			continue
		}
		if bad := undocumented(st.Expect, statuses); len(bad) > 0 {
			errs = append(errs, &ScenarioError{Field: field + ".expect", Err: fmt.Errorf("contract %s documents no %s for %s (it documents %s)",
				name, strings.Join(bad, ", "), st.Operation, joinInts(statuses))})
		}
	}
	return errors.Join(errs...)
}

// undocumented lists what of expect is not among documented: single
// codes, and whole classes (all of 4xx) with no documented code in them.
func undocumented(expect StatusSet, documented []int) []string {
	var bad []string
	for class := 100; class < 600; class += 100 {
		whole := true
		for c := class; c < class+100; c++ {
			whole = whole && expect.Has(c)
		}
		if whole {
			if !slices.ContainsFunc(documented, func(c int) bool { return c/100 == class/100 }) {
				bad = append(bad, fmt.Sprintf("%dxx", class/100))
			}
			continue
		}
		for c := class; c < class+100; c++ {
			if expect.Has(c) && !slices.Contains(documented, c) {
				bad = append(bad, strconv.Itoa(c))
			}
		}
	}
	return bad
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}
