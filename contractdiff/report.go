package contractdiff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
)

// FormatVersion is the version of Report's JSON form, written in its
// format_version field.
const FormatVersion = 1

// The levels of a Change, from a client's point of view.
const (
	// LevelBreaking is a change that can break a client written against
	// the base contract.
	LevelBreaking = "breaking"
	// LevelCompatible is an addition a client may use and may ignore.
	LevelCompatible = "compatible"
	// LevelInfo is any other change: one that narrows what a client
	// receives, or documents without changing what is sent.
	LevelInfo = "info"
)

// Report is what changed from one contract (the base) to another (the
// revision) in the operations tagged FrontendTag. Its lists are sorted and
// never nil, so that it marshals the same way every time.
type Report struct {
	FormatVersion int    `json:"format_version"`
	Base          string `json:"base"`
	BaseTitle     string `json:"base_title"`
	Revision      string `json:"revision"`
	RevisionTitle string `json:"revision_title"`

	// OperationsAdded and OperationsRemoved are the operations only the
	// revision, and only the base, has.
	OperationsAdded   []Operation `json:"operations_added"`
	OperationsRemoved []Operation `json:"operations_removed"`
	// StatusesAdded and StatusesRemoved are the statuses documented only
	// by the revision, and only by the base, on operations both have.
	StatusesAdded   []Pair `json:"statuses_added"`
	StatusesRemoved []Pair `json:"statuses_removed"`
	// Changes are the changes to the requests and responses of the
	// operations both have, one for each operation, status and finding.
	Changes []Change `json:"changes"`

	// Breaking counts the breaking Changes and the operations removed;
	// Compatible counts the compatible Changes and the operations added.
	// Statuses added and removed count in neither: they are listed for a
	// person to judge.
	Breaking   int `json:"breaking"`
	Compatible int `json:"compatible"`
}

// Operation is one operation of a contract.
type Operation struct {
	// ID is the operationId, or "METHOD path" for an operation without one.
	ID     string `json:"id"`
	Method string `json:"method"`
	Path   string `json:"path"`
}

// Pair is a documented status of an operation.
type Pair struct {
	Operation string `json:"operation"` // as Operation.ID
	Status    string `json:"status"`    // "200", "default"
}

// Change is one change oasdiff found in an operation both contracts have.
type Change struct {
	Operation string `json:"operation"` // as Operation.ID
	// Status is the response status the change is to; "" for a change to
	// the request, and for the few response changes whose oasdiff finding
	// names no status (those on a response body's own bounds).
	Status string `json:"status"`
	Level  string `json:"level"` // LevelBreaking, LevelCompatible or LevelInfo
	ID     string `json:"id"`    // oasdiff's rule id
	Text   string `json:"text"`  // oasdiff's message, one line
}

// HasBreaking reports whether anything in r can break a client of the
// base contract.
func (r *Report) HasBreaking() bool { return r.Breaking > 0 }

// classify maps an oasdiff finding to a Change level. oasdiff's level
// decides, except for these rules, where the classification of issue 14
// (what breaks a client of a response) differs from oasdiff's:
//
//	rule id                             oasdiff  level here  why
//	response-optional-property-removed  INFO     breaking    a response property removed
//	response-optional-property-added    INFO     compatible  a response property added
//	response-required-property-added    INFO     compatible  a response property added
//	new-optional-request-property       INFO     compatible  an optional request property added
//	new-optional-request-parameter      INFO     compatible  an optional request parameter added
//
// The rest of that classification is oasdiff's own, and is left to it so
// that its guards (which lower a level where a read-only or write-only
// property makes a change harmless) still apply;
// TestClassificationOfIssue14 fails if an oasdiff upgrade changes it:
//
//	rule id                              oasdiff  level here  why
//	response-required-property-removed   ERR      breaking    a response property removed
//	response-property-became-optional    ERR      breaking    a response property made optional
//	response-property-type-changed       ERR      breaking    a type changed
//	response-body-type-changed           ERR      breaking    a type changed
//	response-property-enum-value-added   ERR      breaking    an enum value added
//	response-mediatype-enum-value-added  ERR      breaking    an enum value added
//
// Every other rule: ERR is breaking; WARN is breaking too (oasdiff warns
// where it cannot tell whether a client breaks, and its own breaking
// command lists warnings with errors); INFO is info.
func classify(id string, level checker.Level) string {
	switch id {
	case checker.ResponseOptionalPropertyRemovedId:
		return LevelBreaking
	case checker.ResponseOptionalPropertyAddedId, checker.ResponseRequiredPropertyAddedId,
		checker.NewOptionalRequestPropertyId, checker.NewOptionalRequestParameterId:
		return LevelCompatible
	}
	if level >= checker.WARN {
		return LevelBreaking
	}
	return LevelInfo
}

func newReport(base, revision Document) *Report {
	return &Report{
		FormatVersion: FormatVersion,
		Base:          base.Name, BaseTitle: cmp.Or(base.Title, base.Name),
		Revision: revision.Name, RevisionTitle: cmp.Or(revision.Title, revision.Name),
		OperationsAdded: []Operation{}, OperationsRemoved: []Operation{},
		StatusesAdded: []Pair{}, StatusesRemoved: []Pair{},
		Changes: []Change{},
	}
}

// addEndpoints adds the operations added and removed, and the statuses
// added and removed on the operations both documents have, from the diff.
func (r *Report) addEndpoints(d *diff.Diff, base, revision *openapi3.T) {
	if d == nil || d.EndpointsDiff == nil { // nil: no difference
		return
	}
	for _, e := range d.EndpointsDiff.Added {
		r.OperationsAdded = append(r.OperationsAdded, Operation{operationName(operation(revision, e.Method, e.Path), e.Method, e.Path), e.Method, e.Path})
	}
	for _, e := range d.EndpointsDiff.Deleted {
		r.OperationsRemoved = append(r.OperationsRemoved, Operation{operationName(operation(base, e.Method, e.Path), e.Method, e.Path), e.Method, e.Path})
	}
	for e, m := range d.EndpointsDiff.Modified {
		if m.ResponsesDiff == nil {
			continue
		}
		name := operationName(m.Revision, e.Method, e.Path)
		for _, s := range m.ResponsesDiff.Added {
			r.StatusesAdded = append(r.StatusesAdded, Pair{name, s})
		}
		for _, s := range m.ResponsesDiff.Deleted {
			r.StatusesRemoved = append(r.StatusesRemoved, Pair{name, s})
		}
	}
}

// addChanges adds oasdiff's findings on the operations both documents
// have. Findings about no operation (components, info, security schemes)
// are left out, and so are those that Report lists on their own: an
// operation added or removed, a status added or removed.
func (r *Report) addChanges(found checker.Changes, base, revision *openapi3.T) {
	onOwnList := map[string]bool{}
	for _, o := range slices.Concat(r.OperationsAdded, r.OperationsRemoved) {
		onOwnList[o.Method+" "+o.Path] = true
	}
	response := map[string]bool{}
	for _, rule := range checker.GetAllRules() {
		response[rule.Id] = rule.Direction == checker.DirectionResponse
	}
	l := checker.NewDefaultLocalizer()
	for _, c := range found {
		method, path := c.GetOperation(), c.GetPath()
		if method == "" || path == "" || onOwnList[method+" "+path] || isStatusRule(c.GetId()) {
			continue
		}
		ch := Change{
			Operation: cmp.Or(c.GetOperationId(), method+" "+path),
			Level:     classify(c.GetId(), c.GetLevel()),
			ID:        c.GetId(),
			Text:      strings.Join(strings.Fields(c.GetUncolorizedText(l)), " "),
		}
		if response[c.GetId()] {
			ch.Status = statusOf(c.GetArgs(), operation(base, method, path), operation(revision, method, path))
		}
		r.Changes = append(r.Changes, ch)
	}
}

// isStatusRule reports whether id is one of oasdiff's rules for a status
// added or removed, which Report lists as StatusesAdded and
// StatusesRemoved.
func isStatusRule(id string) bool {
	switch id {
	case checker.ResponseSuccessStatusAddedId, checker.ResponseNonSuccessStatusAddedId,
		checker.ResponseSuccessStatusRemovedId, checker.ResponseNonSuccessStatusRemovedId:
		return true
	}
	return false
}

// statusOf names the response status a finding is about: the last of its
// message arguments that is a status one of ops documents. oasdiff keeps
// the status of a finding only as a message argument, at a place that
// varies from rule to rule; where it has none, statusOf returns "".
func statusOf(args []any, ops ...*openapi3.Operation) string {
	for i := len(args) - 1; i >= 0; i-- {
		s, ok := args[i].(string)
		if !ok {
			continue
		}
		for _, op := range ops {
			if op != nil && op.Responses != nil && op.Responses.Value(s) != nil {
				return s
			}
		}
	}
	return ""
}

// sort puts r's lists in their order and counts.
func (r *Report) sort() {
	byOperation := func(a, b Operation) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Method, b.Method), cmp.Compare(a.Path, b.Path))
	}
	byPair := func(a, b Pair) int {
		return cmp.Or(cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Status, b.Status))
	}
	slices.SortFunc(r.OperationsAdded, byOperation)
	slices.SortFunc(r.OperationsRemoved, byOperation)
	slices.SortFunc(r.StatusesAdded, byPair)
	slices.SortFunc(r.StatusesRemoved, byPair)
	slices.SortFunc(r.Changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Status, b.Status),
			cmp.Compare(a.ID, b.ID), cmp.Compare(a.Text, b.Text), cmp.Compare(a.Level, b.Level))
	})
	r.Breaking, r.Compatible = len(r.OperationsRemoved), len(r.OperationsAdded)
	for _, c := range r.Changes {
		switch c.Level {
		case LevelBreaking:
			r.Breaking++
		case LevelCompatible:
			r.Compatible++
		}
	}
}
