// Package schemas validates FrontendApi response bodies against JSON
// Schemas generated from pinned OpenAPI documents, one set per contract
// (see package schemagen; never edit the generated folders by hand).
//
// Two contracts are embedded: Kratos (Ory Kratos v1.3.1's spec/api.json)
// and Network (the Ory Network SDK's api/openapi.yaml); Contracts lists
// them. Open returns a contract's set by name or alias, or generates one in
// memory from an OpenAPI document on disk; Choose says which contract a
// run is judged by. An embedded set is compiled once, on first use; a
// *Set is safe for concurrent use. Loading an embedded set never touches
// the disk or the network: every $ref resolves inside the set.
//
// Validate reports how a body departs from the documented response of an
// (operationId, status) pair as a *ValidationError listing Violations with
// JSON pointers. A status the operation does not document is an
// *UndocumentedStatusError (errors.Is ErrUndocumentedStatus) that also
// carries the outcome against the operation's default response: accepting
// the default is the caller's decision. A response documented without
// content is not checked.
//
// Judge classifies the result with the known spec bugs of the contract
// listed in known_deviations.yaml: passed, expected failure, failed, or
// stale.
//
// Operations lists the index: every operation with its method, path and
// documented responses; OperationAt finds the operation a request calls.
// OpenAPI returns the contract's document trimmed to
// the frontend operations, for diffing contracts.
package schemas

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/xeipuuv/gojsonschema"

	"github.com/orybench/orybench/schemas/schemagen"
)

// Errors returned by this package. Each is wrapped with details; test for
// them with errors.Is.
var (
	// ErrUnknownOperation: the operationId is not a FrontendApi operation.
	ErrUnknownOperation = errors.New("unknown operation")
	// ErrUndocumentedStatus: the operation documents no response for the
	// status (only, possibly, a default one). Returned as an
	// *UndocumentedStatusError.
	ErrUndocumentedStatus = errors.New("undocumented status")
)

// Set is the schema set of one contract.
type Set struct {
	contract   Contract
	openapi    []byte // the trimmed OpenAPI document
	ops        []Operation
	byID       map[string]int
	files      map[string][]byte // component name -> schema document
	deviations []Deviation
	elsewhere  map[string]bool // ids of the deviations of other contracts only

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

// readIndex reads and decodes a set's index.json.
func readIndex(read func(string) ([]byte, error)) (schemagen.Index, error) {
	var idx schemagen.Index
	raw, err := read(schemagen.IndexFile)
	if err != nil {
		return idx, err
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		return idx, fmt.Errorf("index: %w", err)
	}
	return idx, nil
}

func contractOf(idx schemagen.Index) Contract {
	return Contract{Name: idx.Contract, Title: idx.Title, Module: idx.Module, Version: idx.Version, SourceFile: idx.SourceFile, SHA256: idx.SpecSHA256}
}

// load builds the set of the contract name from its generated files.
func load(name string, read func(string) ([]byte, error)) (*Set, error) {
	idx, err := readIndex(read)
	if err != nil {
		return nil, fmt.Errorf("schema set %s: %w", name, err)
	}
	if idx.Contract != name {
		return nil, fmt.Errorf("schema set %s: index is for %q", name, idx.Contract)
	}
	s := &Set{
		contract: contractOf(idx),
		byID:     map[string]int{},
		files:    map[string][]byte{},
	}
	if s.openapi, err = read(schemagen.OpenAPIFile); err != nil {
		return nil, fmt.Errorf("schema set %s: %w", name, err)
	}
	for _, c := range idx.Schemas {
		b, err := read(schemagen.FileName(c))
		if err != nil {
			return nil, fmt.Errorf("schema set %s: %w", name, err)
		}
		s.files[c] = b
	}
	for _, op := range idx.Operations {
		o, err := s.operation(op)
		if err != nil {
			return nil, fmt.Errorf("schema set %s: %w", name, err)
		}
		s.byID[o.ID] = len(s.ops)
		s.ops = append(s.ops, o)
	}
	if s.deviations, s.elsewhere, err = loadDeviations(s); err != nil {
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

// Contract says which document the set was generated from.
func (s *Set) Contract() Contract { return s.contract }

// OpenAPI returns the contract's OpenAPI document trimmed to the frontend
// operations and the components they reference (schemagen's openapi.json).
func (s *Set) OpenAPI() []byte { return append([]byte(nil), s.openapi...) }

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

// OperationAt looks up the operation a request is a call of: method and
// path (escaped, relative to the API's base URL, without the query) against
// each operation's method and path template, a "{name}" segment matching
// any one segment. Where two templates match, the one with more literal
// segments wins (GET /sessions/whoami over a GET /sessions/{id}).
func (s *Set) OperationAt(method, path string) (Operation, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, bestLiteral := -1, -1
	for i, o := range s.ops {
		if !strings.EqualFold(o.Method, method) {
			continue
		}
		tmpl := strings.Split(strings.Trim(o.Path, "/"), "/")
		if len(tmpl) != len(segs) {
			continue
		}
		literal := 0
		for j, t := range tmpl {
			switch {
			case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") && segs[j] != "":
			case t == segs[j]:
				literal++
			default:
				literal = -1
			}
			if literal < 0 {
				break
			}
		}
		if literal > bestLiteral {
			best, bestLiteral = i, literal
		}
	}
	if best < 0 {
		return Operation{}, false
	}
	return s.Operation(s.ops[best].ID)
}

// Pairs lists every documented (operationId, status) pair, without the
// default responses, sorted by operationId then status.
func (s *Set) Pairs() []Pair {
	var out []Pair
	for _, o := range s.ops {
		statuses, _ := s.Statuses(o.ID)
		for _, st := range statuses {
			out = append(out, Pair{Operation: o.ID, Status: st})
		}
	}
	return out
}

// Statuses lists the statuses an operation documents, without its default
// response, in order; false when the contract has no such operation.
func (s *Set) Statuses(operation string) ([]int, bool) {
	i, ok := s.byID[operation]
	if !ok {
		return nil, false
	}
	var out []int
	for _, r := range s.ops[i].Responses {
		if !r.IsDefault() {
			out = append(out, r.Status)
		}
	}
	return out, true
}

// Schema returns the embedded JSON Schema document of a component.
func (s *Set) Schema(component string) ([]byte, bool) {
	b, ok := s.files[component]
	return append([]byte(nil), b...), ok
}

// Operations lists the operations of the DefaultContract set.
func Operations() ([]Operation, error) {
	s, err := Open(DefaultContract)
	if err != nil {
		return nil, err
	}
	return s.Operations(), nil
}
