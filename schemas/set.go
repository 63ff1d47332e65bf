// Package schemas validates Kratos FrontendApi response bodies against JSON
// Schemas generated from the pinned Kratos OpenAPI document (see package
// schemagen; never edit the files under v*/ by hand).
//
// The schema sets are embedded, one folder per Kratos version, and compiled
// once per version on first use; a *Set is safe for concurrent use. Loading
// never touches the disk or the network: every $ref resolves inside the
// embedded set.
//
// Validate reports how a body departs from the documented response of an
// (operationId, status) pair as a *ValidationError listing Violations with
// JSON pointers. A status the operation does not document is an
// *UndocumentedStatusError (errors.Is ErrUndocumentedStatus) that also
// carries the outcome against the operation's default response: accepting
// the default is the caller's decision. A response documented without
// content is not checked.
//
// Judge classifies the result with the known spec bugs listed in
// known_deviations.yaml: passed, expected failure, failed, or stale.
//
// Operations lists the index: every operation with its method, path and
// documented responses.
package schemas

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"sync"

	"github.com/xeipuuv/gojsonschema"

	"github.com/orybench/orybench/schemas/schemagen"
)

// DefaultVersion is the Kratos version the package-level functions use.
const DefaultVersion = "v1.3.1"

//go:embed v*/*.json
var embedded embed.FS

// Errors returned by this package. Each is wrapped with details; test for
// them with errors.Is.
var (
	// ErrUnknownVersion: no schema set is embedded for the version.
	ErrUnknownVersion = errors.New("unknown schema version")
	// ErrUnknownOperation: the operationId is not a FrontendApi operation.
	ErrUnknownOperation = errors.New("unknown operation")
	// ErrUndocumentedStatus: the operation documents no response for the
	// status (only, possibly, a default one). Returned as an
	// *UndocumentedStatusError.
	ErrUndocumentedStatus = errors.New("undocumented status")
)

// Set is the schema set of one Kratos version.
type Set struct {
	version    string
	specSHA256 string
	ops        []Operation
	byID       map[string]int
	files      map[string][]byte // component name -> schema document
	deviations []Deviation

	once     sync.Once
	compiled map[string]*gojsonschema.Schema
	err      error
}

// Operation is one FrontendApi operation as documented.
type Operation struct {
	ID        string
	Method    string
	Path      string
	Responses []Response // by status, the default response last
}

// Response is one documented response of an operation.
type Response struct {
	// Status is the HTTP status code, or 0 for the default response.
	Status int
	// Schema names the body's component schema; empty when EmptyBody.
	Schema string
	// ContentType is the documented media type; empty when EmptyBody.
	ContentType string
	// EmptyBody: the spec documents no content for this response.
	EmptyBody bool
}

// IsDefault reports whether r is the operation's default response.
func (r Response) IsDefault() bool { return r.Status == 0 }

// Pair is one documented (operationId, status) pair.
type Pair struct {
	Operation string
	Status    int
}

// Response returns the response documented for status, without falling
// back to the default response.
func (o Operation) Response(status int) (Response, bool) {
	if status <= 0 {
		return Response{}, false
	}
	for _, r := range o.Responses {
		if r.Status == status {
			return r, true
		}
	}
	return Response{}, false
}

// Default returns the operation's default response, if it has one.
func (o Operation) Default() (Response, bool) {
	for _, r := range o.Responses {
		if r.IsDefault() {
			return r, true
		}
	}
	return Response{}, false
}

var sets sync.Map // version -> *setResult

type setResult struct {
	once sync.Once
	set  *Set
	err  error
}

// ForVersion returns the schema set of a Kratos version such as "v1.3.1".
// It returns the same *Set for every call with the same version.
func ForVersion(version string) (*Set, error) {
	if !contains(Versions(), version) {
		return nil, fmt.Errorf("%w: %q (embedded: %v)", ErrUnknownVersion, version, Versions())
	}
	v, _ := sets.LoadOrStore(version, &setResult{})
	r := v.(*setResult)
	r.once.Do(func() { r.set, r.err = load(version) })
	return r.set, r.err
}

// Versions lists the embedded schema set versions, sorted.
func Versions() []string {
	entries, _ := fs.ReadDir(embedded, ".")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func load(version string) (*Set, error) {
	raw, err := embedded.ReadFile(path.Join(version, schemagen.IndexFile))
	if err != nil {
		return nil, fmt.Errorf("schema set %s: %w", version, err)
	}
	var idx schemagen.Index
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, fmt.Errorf("schema set %s: index: %w", version, err)
	}
	if idx.KratosVersion != version {
		return nil, fmt.Errorf("schema set %s: index is for %q", version, idx.KratosVersion)
	}
	s := &Set{
		version:    version,
		specSHA256: idx.SpecSHA256,
		byID:       map[string]int{},
		files:      map[string][]byte{},
	}
	for _, name := range idx.Schemas {
		b, err := embedded.ReadFile(path.Join(version, schemagen.FileName(name)))
		if err != nil {
			return nil, fmt.Errorf("schema set %s: %w", version, err)
		}
		s.files[name] = b
	}
	for _, op := range idx.Operations {
		o, err := s.operation(op)
		if err != nil {
			return nil, fmt.Errorf("schema set %s: %w", version, err)
		}
		s.byID[o.ID] = len(s.ops)
		s.ops = append(s.ops, o)
	}
	if s.deviations, err = loadDeviations(s); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Set) operation(op schemagen.Operation) (Operation, error) {
	o := Operation{ID: op.ID, Method: op.Method, Path: op.Path}
	for _, r := range op.Responses {
		st := 0
		if r.Status != "default" {
			n, err := strconv.Atoi(r.Status)
			if err != nil || n <= 0 {
				return Operation{}, fmt.Errorf("%s: bad status %q", op.ID, r.Status)
			}
			st = n
		}
		if !r.EmptyBody {
			if _, ok := s.files[r.Schema]; !ok {
				return Operation{}, fmt.Errorf("%s %s: schema %q not in the set", op.ID, r.Status, r.Schema)
			}
		}
		o.Responses = append(o.Responses, Response{Status: st, Schema: r.Schema, ContentType: r.ContentType, EmptyBody: r.EmptyBody})
	}
	if _, dup := s.byID[o.ID]; dup {
		return Operation{}, fmt.Errorf("duplicate operation %q", o.ID)
	}
	return o, nil
}

// Version is the Kratos version of the set, for example "v1.3.1".
func (s *Set) Version() string { return s.version }

// SpecSHA256 is the hex SHA-256 of the OpenAPI document the set was
// generated from.
func (s *Set) SpecSHA256() string { return s.specSHA256 }

// Operations lists the documented operations sorted by operationId.
func (s *Set) Operations() []Operation {
	out := make([]Operation, len(s.ops))
	for i, o := range s.ops {
		o.Responses = append([]Response(nil), o.Responses...)
		out[i] = o
	}
	return out
}

// Operation looks an operation up by operationId.
func (s *Set) Operation(id string) (Operation, bool) {
	i, ok := s.byID[id]
	if !ok {
		return Operation{}, false
	}
	o := s.ops[i]
	o.Responses = append([]Response(nil), o.Responses...)
	return o, true
}

// Pairs lists every documented (operationId, status) pair, without the
// default responses, sorted by operationId then status.
func (s *Set) Pairs() []Pair {
	var out []Pair
	for _, o := range s.ops {
		for _, r := range o.Responses {
			if !r.IsDefault() {
				out = append(out, Pair{Operation: o.ID, Status: r.Status})
			}
		}
	}
	return out
}

// Schema returns the embedded JSON Schema document of a component.
func (s *Set) Schema(component string) ([]byte, bool) {
	b, ok := s.files[component]
	return append([]byte(nil), b...), ok
}

// Operations lists the operations of the DefaultVersion set.
func Operations() ([]Operation, error) {
	s, err := ForVersion(DefaultVersion)
	if err != nil {
		return nil, err
	}
	return s.Operations(), nil
}
