// Package hygiene names the test identities orybench creates and removes the
// ones a crashed run left behind. Every identity orybench creates carries a
// marker by which it is recognised on any target without touching anyone
// else's data: an address orybench-<run id>-<n>@orybench.test in its email
// traits, a short checksummed username (Username) in its username traits,
// and, when made through the admin API, metadata_admin
// {"orybench": {"run": "<run id>"}} (AdminMetadata). Usernames of older
// runs, orybench-<run id>-<n> (with _ or . for -), are still recognised.
package hygiene

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
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
// local part of Email (usernames are the shorter Username).
func Token(runID string, n int) string {
	return fmt.Sprintf("orybench-%s-%d", runID, n)
}

// runPattern is a run id (NewRunID).
const runPattern = `[0-9]{8}t[0-9]{6}-[0-9a-f]{8}`

var (
	runRE        = regexp.MustCompile(`^` + runPattern + `$`)
	emailPattern = regexp.MustCompile(`^orybench-(` + runPattern + `)-([0-9]+)@` + regexp.QuoteMeta(Domain) + `$`)
	// tokenPattern is a Token standing alone (a username of an older run),
	// with -, _ or . between its parts.
	tokenPattern = regexp.MustCompile(`^orybench[-_.][0-9]{8}t[0-9]{6}[-_.][0-9a-f]{8}[-_.][0-9]+$`)
	// usernamePattern is the shape of a Username: prefix, run part,
	// counter (no leading zero), check.
	usernamePattern = regexp.MustCompile(`^` + usernamePrefix + `[0-9a-z]{6}(0|[1-9a-z][0-9a-z]{0,11})[0-9a-z]{4}$`)
)

// The short username of a test identity, for schemas whose username traits
// are short, lower case, letters and digits:
//
//	ob <run:6> <n> <check:4>      e.g. obsats0618ico (run 20261125t100000-0a1b2c3d, n = 1)
//
// all in lower-case base 36 (0-9a-z), starting with a letter: "ob"; run, the
// run id hashed (SHA-256) to 6 characters; n, the identity's number in the
// run (the same n as its address, so shard-aware: the shards of a run never
// share one) without leading zeros; check, the first four characters of a
// hash of everything before it. A run's usernames are 13 characters up to
// n = 35, 14 up to 1295, 15 up to 46655 and 16 up to 1679615: they fit the
// username limits deployments use (8 and up; 15, 16, 24, 30 at most) and
// patterns like ^[a-z][a-z0-9_]+$.
//
// Uniqueness: within a run by n; between runs by the run part, 36^6 ≈ 2.2e9
// values: two runs share it with probability 4.6e-10, R runs on one target
// with about R²/4.4e9 (100 runs: 2e-6), and even then their identities
// collide only where both runs reach the same n while both exist.
//
// False positives: cleanup deletes what it recognises, so a username is
// taken for a test identity only with a valid check: a username someone
// chose that happens to have the shape (ob and 11 to 22 more letters or
// digits) passes with probability 36^-4 ≈ 6e-7. IsTestIdentity further
// ignores such a username on an identity that has an address outside
// Domain (orybench gives every email trait one of its own), and cleanup
// only deletes identities older than its cut-off.
const (
	usernamePrefix = "ob"
	runLen         = 6
	checkLen       = 4
)

// Username is the short username of the n-th test identity of a run.
func Username(runID string, n int) string {
	body := usernamePrefix + base36(hash(runID), runLen) + strconv.FormatUint(uint64(n), 36)
	return body + check(body)
}

// CompactUsername is the username of the n-th test identity of a run for
// schemas whose username traits allow fewer characters than Username
// takes (13 and up), down to 8:
//
//	o <run:4> <n:3>      e.g. osats001
//
// in lower-case base 36: "o"; run, the run id hashed to 4 characters; n,
// zero-padded to 3 digits (longer past 46655). Uniqueness within a run is
// by n; between runs by the run part, 36^4 ≈ 1.7e6 values (two runs share
// it with probability 6e-7). It carries no check, so it is never taken for
// a test identity on its own: an identity gets it only beside an orybench
// address in an email trait (identityschema), by which IsTestIdentity
// recognises it.
func CompactUsername(runID string, n int) string {
	num := strconv.FormatUint(uint64(n), 36)
	if len(num) < 3 {
		num = strings.Repeat("0", 3-len(num)) + num
	}
	return "o" + base36(hash(runID), 4) + num
}

// UsernameFor is the short username of the test identity whose address is
// address (an Email); false for any other address.
func UsernameFor(address string) (string, bool) {
	runID, n, ok := parseEmail(address)
	if !ok {
		return "", false
	}
	return Username(runID, n), true
}

// parseEmail is the run id and number of an Email.
func parseEmail(address string) (runID string, n int, ok bool) {
	m := emailPattern.FindStringSubmatch(address)
	if m == nil {
		return "", 0, false
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, false
	}
	return m[1], n, true
}

// CompactUsernameFor is the compact username of the test identity whose
// address is address (an Email); false for any other address.
func CompactUsernameFor(address string) (string, bool) {
	runID, n, ok := parseEmail(address)
	if !ok {
		return "", false
	}
	return CompactUsername(runID, n), true
}

// IsTestUsername reports whether s is a Username: its shape and its check.
func IsTestUsername(s string) bool {
	return usernamePattern.MatchString(s) && check(s[:len(s)-checkLen]) == s[len(s)-checkLen:]
}

func check(body string) string {
	return base36(hash("orybench username "+body), checkLen)
}

func hash(s string) uint64 {
	sum := sha256.Sum256([]byte(s))
	return binary.BigEndian.Uint64(sum[:8])
}

// base36 is v modulo 36^width in base 36, zero-padded to width.
func base36(v uint64, width int) string {
	m := uint64(1)
	for range width {
		m *= 36
	}
	s := strconv.FormatUint(v%m, 36)
	return strings.Repeat("0", width-len(s)) + s
}

// AdminMetadata is the metadata_admin of an identity a run makes through
// the admin API, by which cleanup recognises it whatever its traits.
func AdminMetadata(runID string) map[string]any {
	return map[string]any{"orybench": map[string]any{"run": runID}}
}

// IsTestIdentity reports whether an identity is one orybench created: its
// metadata_admin is AdminMetadata, or some string trait, at any depth, is
// an orybench address or an older run's username, or is a Username while
// no trait holds an address outside Domain.
func IsTestIdentity(id kratosclient.Identity) bool {
	if isTestMetadata(id.MetadataAdmin) || anyString(id.Traits, isLongMarker) {
		return true
	}
	return anyString(id.Traits, IsTestUsername) && !anyString(id.Traits, isForeignAddress)
}

// IsTestIdentifier reports whether s is an orybench address or username.
func IsTestIdentifier(s string) bool {
	return isLongMarker(s) || IsTestUsername(s)
}

func isLongMarker(s string) bool {
	return emailPattern.MatchString(s) || tokenPattern.MatchString(s)
}

// isForeignAddress reports whether s looks like an email address outside
// Domain.
func isForeignAddress(s string) bool {
	at := strings.LastIndex(s, "@")
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\n") && !strings.EqualFold(s[at+1:], Domain)
}

func isTestMetadata(raw json.RawMessage) bool {
	var m struct {
		Orybench struct {
			Run string `json:"run"`
		} `json:"orybench"`
	}
	return len(raw) > 0 && json.Unmarshal(raw, &m) == nil && runRE.MatchString(m.Orybench.Run)
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

// Result says what a cleanup found and removed (or, on a dry run, would
// remove: Deleted counts those).
type Result struct {
	Scanned int
	Deleted int
	Kept    int // test identities younger than the cut-off
}

// Cleanup deletes the test identities created before now-olderThan. Other
// identities are never touched. A dry run deletes nothing and counts what
// it would delete.
func Cleanup(ctx context.Context, admin *kratosclient.Admin, olderThan time.Duration, now time.Time, dryRun bool) (Result, error) {
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
		if dryRun {
			res.Deleted++
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
