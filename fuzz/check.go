package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strings"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/schemas"
)

// Checks an answer can fail.
const (
	CheckServerError  = "server-error"
	CheckUndocumented = "undocumented-status"
	CheckSchema       = "schema"
	CheckContentType  = "content-type"
	CheckSecretEcho   = "secret-echo"
)

// problem is one check an answer failed.
type problem struct {
	Operation string
	Status    int
	Check     string
	Detail    string
	Message   string
}

// Key identifies a finding: every answer with the same key is the same
// finding.
func (p problem) Key() string {
	return strings.TrimSpace(fmt.Sprintf("%s %d %s %s", p.Operation, p.Status, p.Check, p.Detail))
}

// secret is a value of the request no answer may repeat.
type secret struct {
	kind, value string
}

// check runs every check on one answer of op.
func check(set *schemas.Set, op string, r *kratosclient.Response, secrets []secret) ([]problem, error) {
	var out []problem
	add := func(check, detail, format string, a ...any) {
		out = append(out, problem{Operation: op, Status: r.Status, Check: check, Detail: detail, Message: fmt.Sprintf(format, a...)})
	}
	errID := r.ErrorBody().Error.ID
	if r.Status >= 500 {
		add(CheckServerError, errID, "answered %s", r.Explain())
	}
	o, ok := set.Operation(op)
	if !ok {
		return nil, fmt.Errorf("%w: %q", schemas.ErrUnknownOperation, op)
	}
	doc, documented := o.Response(r.Status)
	if !documented {
		add(CheckUndocumented, errID, "status %d is not documented for %s (only a default response covers it, if any)", r.Status, op)
		if doc, ok = o.Default(); !ok || r.Status/100 == 3 {
			// A redirect the operation does not document has no body
			// the default response describes: its status is the finding.
			return append(out, echoes(op, r, secrets)...), nil
		}
	}
	if doc.EmptyBody {
		return append(out, echoes(op, r, secrets)...), nil
	}
	v, err := set.Judge(op, r.Status, r.Body)
	var undoc *schemas.UndocumentedStatusError
	switch {
	case errors.As(err, &undoc):
	case err != nil:
		return nil, err
	case v.Outcome == schemas.Failed:
		if got := r.ContentType(); !sameMediaType(got, doc.ContentType) {
			add(CheckContentType, got, "Content-Type %q where %s is documented", got, doc.ContentType)
			break // a body of another type is that finding, not a schema one
		}
		first := v.Unexplained[0]
		add(CheckSchema, first.Pointer+" "+first.Rule, "body departs from %s: %d unexplained violations, first %s", v.Schema, len(v.Unexplained), first)
	default:
		// A body that keeps the schema, or departs from it only as a
		// known deviation says (one served as another type, too), must
		// still come as the documented type unless a deviation explains it.
		if got := r.ContentType(); v.Outcome == schemas.Passed && !sameMediaType(got, doc.ContentType) {
			add(CheckContentType, got, "Content-Type %q where %s is documented", got, doc.ContentType)
		}
	}
	return append(out, echoes(op, r, secrets)...), nil
}

// sameMediaType compares two Content-Types without parameters.
func sameMediaType(a, b string) bool {
	ma, _, errA := mime.ParseMediaType(a)
	mb, _, errB := mime.ParseMediaType(b)
	if errA != nil || errB != nil {
		return strings.EqualFold(a, b)
	}
	return ma == mb
}

// echoes are the secrets of the request the answer repeats, in its body or
// its headers.
func echoes(op string, r *kratosclient.Response, secrets []secret) []problem {
	var out []problem
	for _, s := range secrets {
		if len(s.value) < 8 {
			continue // too short to tell an echo from a coincidence
		}
		in := ""
		switch {
		case bytes.Contains(r.Body, []byte(s.value)):
			in = "body"
		case headerContains(r, s.value):
			in = "headers"
		}
		if in != "" {
			out = append(out, problem{Operation: op, Status: r.Status, Check: CheckSecretEcho, Detail: s.kind,
				Message: fmt.Sprintf("the answer's %s repeat the request's %s", in, s.kind)})
		}
	}
	return out
}

func headerContains(r *kratosclient.Response, v string) bool {
	for k, vs := range r.Header {
		if strings.EqualFold(k, "Set-Cookie") {
			continue // a cookie set again is not an echo
		}
		for _, x := range vs {
			if strings.Contains(x, v) {
				return true
			}
		}
	}
	return false
}
