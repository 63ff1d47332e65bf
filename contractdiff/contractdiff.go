// Package contractdiff tells what changed between two FrontendApi
// contracts, such as Kratos v1.3.1's OpenAPI document and Ory Network's:
// the operations added and removed, the documented statuses added and
// removed on the operations both have, and the changes to their requests
// and responses, each judged breaking, compatible or for information from
// a client's point of view.
//
// Only operations tagged frontend count. The documents are diffed by
// oasdiff (github.com/oasdiff/oasdiff, v1.38.0), whose checker finds the
// changes and names each by its rule id; this package filters the
// documents, maps oasdiff's findings and levels to its Report (see
// classify for the mapping) and renders the Report as Markdown and JSON.
package contractdiff

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/oasdiff/oasdiff/checker"
	"github.com/oasdiff/oasdiff/diff"
	"github.com/oasdiff/oasdiff/load"

	"github.com/orybench/orybench/schemas"
)

// Document is one contract to compare.
type Document struct {
	// Name names the contract in the report and in errors ("kratos").
	Name string
	// Title is the contract's human name ("Ory Kratos v1.3.1"); the
	// report uses Name where it is empty.
	Title string
	// OpenAPI is the contract: an OpenAPI 3 document, JSON or YAML.
	OpenAPI []byte
}

// FrontendTag is the tag of the operations compared.
const FrontendTag = "frontend"

// Compare reports what changed from base to revision in the operations
// tagged FrontendTag. Its error names the side (base or revision) whose
// document is not an OpenAPI 3 document or has no such operation.
func Compare(ctx context.Context, base, revision Document) (*Report, error) {
	b, err := loadSide(ctx, "base", base)
	if err != nil {
		return nil, err
	}
	r, err := loadSide(ctx, "revision", revision)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, sources, err := diff.GetWithOperationsSourcesMap(diff.NewConfig(), b, r)
	if err != nil {
		return nil, fmt.Errorf("diff %s and %s: %w", base.Name, revision.Name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	found := checker.CheckBackwardCompatibilityUntilLevel(checker.NewConfig(checker.GetAllChecks()), d, sources, checker.INFO)
	rep := newReport(base, revision)
	rep.addEndpoints(d, b.Spec, r.Spec)
	rep.addChanges(found, b.Spec, r.Spec)
	rep.sort()
	return rep, nil
}

// Contracts compares two of package schemas' contracts (an embedded one,
// or one generated from a file) by their documents trimmed to the frontend
// operations (schemas.Set.OpenAPI).
func Contracts(ctx context.Context, base, revision *schemas.Set) (*Report, error) {
	doc := func(s *schemas.Set) Document {
		c := s.Contract()
		return Document{Name: c.Name, Title: c.Title, OpenAPI: s.OpenAPI()}
	}
	return Compare(ctx, doc(base), doc(revision))
}

// loadSide loads one side's document, keeps its frontend operations and
// checks that it is an OpenAPI 3 document that has some. Header names are
// lowercased (oasdiff's WithLowercaseHeaders): HTTP header names are
// case-insensitive, and Kratos documents a `cookie` header parameter that
// Ory Network's document spells `Cookie`, which oasdiff would otherwise
// report as one parameter removed and another added.
func loadSide(ctx context.Context, side string, doc Document) (*load.SpecInfo, error) {
	loader := openapi3.NewLoader() // one loader per document: its cache is keyed by name
	loader.Context = ctx
	info, err := load.NewSpecInfoFromData(loader, doc.OpenAPI, doc.Name, load.WithLowercaseHeaders())
	if err != nil {
		return nil, fmt.Errorf("%s %q: not an OpenAPI document: %w", side, doc.Name, err)
	}
	if !strings.HasPrefix(info.Spec.OpenAPI, "3.") {
		return nil, fmt.Errorf("%s %q: not an OpenAPI 3 document (openapi: %q)", side, doc.Name, info.Spec.OpenAPI)
	}
	if keepTagged(info.Spec, FrontendTag) == 0 {
		return nil, fmt.Errorf("%s %q: no operation is tagged %s", side, doc.Name, FrontendTag)
	}
	info.Spec.Webhooks = nil // OpenAPI 3.1's calls from the server: no operation a client calls
	return info, nil
}

// keepTagged deletes from spec every operation not tagged tag, and every
// path left without an operation, and returns how many operations are
// left. oasdiff filters paths by a pattern or an extension, not by tag,
// so the tag filter is done here, on the loaded document, before the
// diff. Components no operation refers to any more stay in the document;
// their changes are about no operation, and Report has none of those.
func keepTagged(spec *openapi3.T, tag string) int {
	if spec.Paths == nil {
		return 0
	}
	kept := 0
	for path, item := range spec.Paths.Map() {
		for method, op := range item.Operations() {
			if slices.Contains(op.Tags, tag) {
				kept++
			} else {
				item.SetOperation(method, nil)
			}
		}
		if len(item.Operations()) == 0 {
			spec.Paths.Delete(path)
		}
	}
	return kept
}

// operation finds method path in spec, nil if it has none.
func operation(spec *openapi3.T, method, path string) *openapi3.Operation {
	item := spec.Paths.Value(path)
	if item == nil {
		return nil
	}
	return item.GetOperation(method)
}

// operationName is how the report names an operation: its operationId, or
// "METHOD path" when it has none.
func operationName(op *openapi3.Operation, method, path string) string {
	if op != nil && op.OperationID != "" {
		return op.OperationID
	}
	return method + " " + path
}
