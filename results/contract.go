package results

import (
	"cmp"
	"errors"
	"fmt"
	"strings"
)

// Contract is the contract a run was judged against: one of the OpenAPI
// documents package schemas embeds (Kratos v1.3.1's, Ory Network's), or a
// document the user gave. Every document a run writes records it, so that
// a result always says which contract its verdicts hold for.
type Contract struct {
	// Name is what --contract takes: "kratos-v1.3.1", "network-v1.22.92",
	// or "file:<name>" for a document given as a file.
	Name string `json:"name"`
	// Title says what it is, e.g. "Ory Network (github.com/ory/client-go
	// v1.22.92)".
	Title string `json:"title,omitempty"`
	// Module, Version and SourceFile say where the document comes from: a
	// Go module, its version and the file in it; for a given file, no
	// module, its info.version and the path it was given by.
	Module     string `json:"module,omitempty"`
	Version    string `json:"version,omitempty"`
	SourceFile string `json:"source_file,omitempty"`
	// SHA256 is the hex SHA-256 of the source document as shipped.
	SHA256 string `json:"sha256"`
}

// String is one line: the name, the title, the source and the checksum's
// first 12 digits, e.g. "kratos-v1.3.1: Ory Kratos v1.3.1
// (github.com/ory/kratos v1.3.1 spec/api.json, sha256 e2d471e67b33…)";
// "not recorded" for none.
func (c *Contract) String() string {
	if c == nil {
		return "not recorded"
	}
	s := c.Name
	if c.Title != "" {
		s += ": " + c.Title
	}
	var src []string
	for _, f := range []string{c.Module, c.Version, c.SourceFile} {
		if f != "" {
			src = append(src, f)
		}
	}
	source := strings.Join(src, " ")
	if sum := c.SHA256; sum != "" {
		if len(sum) > 12 {
			sum = sum[:12] + "…"
		}
		source = strings.TrimPrefix(source+", sha256 "+sum, ", ")
	}
	if source != "" {
		s += " (" + source + ")"
	}
	return s
}

// Same reports whether c and o are the same contract: the same document,
// by checksum (a name alone may be reused by a given file). Two unrecorded
// contracts are the same.
func (c *Contract) Same(o *Contract) bool {
	switch {
	case c == nil || o == nil:
		return c == nil && o == nil
	case c.SHA256 != "" || o.SHA256 != "":
		return c.SHA256 == o.SHA256
	}
	return c.Name == o.Name
}

// ErrOtherContract is returned, wrapped, by Runs.CheckContract when a run
// was judged against another contract than the one asked for.
var ErrOtherContract = errors.New("judged against another contract")

// CheckContract returns an error wrapping ErrOtherContract that names the
// first run, if any, judged against a contract other than c. A run that
// recorded no contract (written before runs recorded theirs) is not
// refused: what it was judged against is unknown.
func (r *Runs) CheckContract(c *Contract) error {
	check := func(dir string, got *Contract) error {
		if got == nil || got.Same(c) {
			return nil
		}
		return fmt.Errorf("%s: %w: %s, not %s", dir, ErrOtherContract, got.Name, c.Name)
	}
	var err error
	if r.Conformance != nil {
		err = check(r.ConformanceDir, r.Conformance.Contract)
	}
	for _, l := range r.Loads {
		err = cmp.Or(err, check(l.Dir, l.Run.Contract))
	}
	for _, k := range r.Capacities {
		err = cmp.Or(err, check(k.Dir, k.Run.Contract))
	}
	for _, f := range r.Fuzzes {
		err = cmp.Or(err, check(f.Dir, f.Result.Contract))
	}
	return err
}
