// Package hygiene names the test identities orybench creates and removes the
// ones a crashed run left behind. Every identity orybench creates has an
// address orybench-<run id>-<n>@orybench.test, or on a schema without one a
// username orybench-<run id>-<n> (its separators may be _ or . where the
// schema's pattern wants them), so it can be recognised on any target
// without touching anyone else's data.
package hygiene

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/orybench/orybench/kratosclient"
)

// Domain is the email domain of every identity orybench creates (.test is
// reserved: no mail is ever delivered there).
const Domain = "orybench.test"

// NewRunID returns a run id: the UTC start time and a random suffix.
func NewRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b)
}

// Email is the n-th test address of a run: Token at Domain.
func Email(runID string, n int) string {
	return Token(runID, n) + "@" + Domain
}

// Token is the n-th test identifier of a run, orybench-<run id>-<n>: the
// local part of Email, and the username of an identity whose schema has one.
func Token(runID string, n int) string {
	return fmt.Sprintf("orybench-%s-%d", runID, n)
}

var (
	emailPattern = regexp.MustCompile(`^orybench-[0-9]{8}t[0-9]{6}-[0-9a-f]{8}-[0-9]+@` + regexp.QuoteMeta(Domain) + `$`)
	// tokenPattern is a Token standing alone (a username), with -, _ or .
	// between its parts.
	tokenPattern = regexp.MustCompile(`^orybench[-_.][0-9]{8}t[0-9]{6}[-_.][0-9a-f]{8}[-_.][0-9]+$`)
)

// IsTestIdentity reports whether an identity is one orybench created: some
// string trait, at any depth, is an orybench address or username.
func IsTestIdentity(id kratosclient.Identity) bool {
	return anyString(id.Traits, IsTestIdentifier)
}

// IsTestIdentifier reports whether s is an orybench address or username.
func IsTestIdentifier(s string) bool {
	return emailPattern.MatchString(s) || tokenPattern.MatchString(s)
}

func anyString(v any, match func(string) bool) bool {
	switch t := v.(type) {
	case string:
		return match(t)
	case map[string]any:
		for _, x := range t {
			if anyString(x, match) {
				return true
			}
		}
	case []any:
		for _, x := range t {
			if anyString(x, match) {
				return true
			}
		}
	}
	return false
}

// Result says what a cleanup found and removed.
type Result struct {
	Scanned int
	Deleted int
	Kept    int // test identities younger than the cut-off
}

// Cleanup deletes the test identities created before now-olderThan. Other
// identities are never touched.
func Cleanup(ctx context.Context, admin *kratosclient.Admin, olderThan time.Duration, now time.Time) (Result, error) {
	ids, err := admin.ListIdentities(ctx, "")
	if err != nil {
		return Result{}, err
	}
	res := Result{Scanned: len(ids)}
	cutoff := now.Add(-olderThan)
	var errs []error
	for _, id := range ids {
		if !IsTestIdentity(id) {
			continue
		}
		if id.CreatedAt.After(cutoff) {
			res.Kept++
			continue
		}
		if err := admin.DeleteIdentity(ctx, id.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		res.Deleted++
	}
	return res, errors.Join(errs...)
}
