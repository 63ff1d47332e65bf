package target

import "github.com/orybench/orybench/internal/localkratos"

// Hasher is how a local target hashes passwords (localkratos.Hasher): its
// String names the algorithm and parameters, e.g. "bcrypt cost 12 (Kratos
// default)". The zero value is FastHasher.
type Hasher = localkratos.Hasher

// ParseHasher reads a hasher as --hasher takes it: "bcrypt" or "argon2"
// (Kratos's defaults), "bcrypt:COST", or "argon2:" with parameters
// (localkratos.ParseHasher).
func ParseHasher(s string) (Hasher, error) { return localkratos.ParseHasher(s) }

// FastHasher is bcrypt at cost 4, the cheapest Kratos accepts: right for
// conformance runs, a fiction for capacity figures.
func FastHasher() Hasher { return localkratos.FastHasher() }

// KratosDefaultHasher is what Kratos hashes with unless configured
// otherwise: bcrypt at cost 12.
func KratosDefaultHasher() Hasher { return localkratos.KratosDefaultHasher() }

// RemoteHasher is what orybench records as the hasher of a target it did
// not start: it hashes as its operators configured it.
const RemoteHasher = "the target's own"

// Hasher names how the target hashes passwords: a local target's hasher
// (Hasher.String), RemoteHasher for any other.
func (t *Target) Hasher() string {
	if t.local == nil {
		return RemoteHasher
	}
	return t.local.Hasher.String()
}
