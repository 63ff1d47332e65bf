package localkratos

import (
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// Hasher is how a local Kratos hashes passwords: the hashers section of
// its configuration. Registration, login and password changes pay for one
// hash each, so capacity figures for them hold only for the hasher they
// were measured with.
//
// The zero value is FastHasher. Parse a user's words with ParseHasher.
type Hasher struct {
	// Algorithm is "bcrypt" or "argon2"; "" is FastHasher.
	Algorithm string
	// Cost is bcrypt's cost, 4 to 31 (Kratos accepts below 12 only in
	// --dev mode, which local instances run in).
	Cost int
	// Memory, Iterations, Parallelism, SaltLength and KeyLength are
	// argon2's parameters; a zero one is left to Kratos's default
	// (Argon2Default*). Memory is a size like "128MB".
	Memory                                         string
	Iterations, Parallelism, SaltLength, KeyLength int
}

// Kratos v1.3.1's defaults (driver/config: BcryptDefaultCost,
// Argon2Default*; its parallelism is twice the CPUs of the machine it runs
// on, which for a local instance is this one).
const (
	KratosDefaultBcryptCost  = 12
	Argon2DefaultMemory      = "128MB"
	Argon2DefaultIterations  = 1
	Argon2DefaultSaltLength  = 16
	Argon2DefaultKeyLength   = 32
	fastBcryptCost           = 4
	maxBcryptCost            = 31
	maxArgon2Memory          = 4 << 30 // bytes: a local instance shares this machine
	maxArgon2Iterations      = 100
	maxArgon2Parallelism     = 255 // Kratos keeps it in a uint8
	minArgon2Length          = 16  // salt and key, as Kratos's schema says
	maxArgon2Length          = 1024
	hasherSyntax             = "bcrypt, bcrypt:COST (4 to 31), argon2, or argon2:memory=128MB,iterations=1,parallelism=4,salt_length=16,key_length=32 (any of them)"
	kratosDefaultHasherLabel = "Kratos default"
)

// Argon2DefaultParallelism is Kratos's default argon2 parallelism on this
// machine: twice its CPUs.
func Argon2DefaultParallelism() int { return 2 * runtime.NumCPU() }

// FastHasher is bcrypt at cost 4, the cheapest hash Kratos accepts: the
// password path stays real, only 2^8 times cheaper than Kratos's default.
// Right for conformance runs, which check answers, not speed; wrong for
// capacity figures of anything that hashes a password.
func FastHasher() Hasher { return Hasher{Algorithm: "bcrypt", Cost: fastBcryptCost} }

// KratosDefaultHasher is what Kratos hashes with when its configuration
// says nothing: bcrypt at cost 12.
func KratosDefaultHasher() Hasher {
	return Hasher{Algorithm: "bcrypt", Cost: KratosDefaultBcryptCost}
}

// orFast is h, or FastHasher for the zero Hasher.
func (h Hasher) orFast() Hasher {
	if h.Algorithm == "" {
		return FastHasher()
	}
	return h
}

// String names the hasher and its parameters, defaults filled in, e.g.
// "bcrypt cost 12 (Kratos default)".
func (h Hasher) String() string {
	h = h.orFast()
	if h.Algorithm == "bcrypt" {
		s := fmt.Sprintf("bcrypt cost %d", h.Cost)
		switch h.Cost {
		case KratosDefaultBcryptCost:
			s += " (" + kratosDefaultHasherLabel + ")"
		case fastBcryptCost:
			s += " (the cheapest Kratos accepts)"
		}
		return s
	}
	s := fmt.Sprintf("argon2id memory %s, iterations %d, parallelism %d, salt %d B, key %d B",
		orDefault(h.Memory, Argon2DefaultMemory), orDefault(h.Iterations, Argon2DefaultIterations),
		orDefault(h.Parallelism, Argon2DefaultParallelism()), orDefault(h.SaltLength, Argon2DefaultSaltLength),
		orDefault(h.KeyLength, Argon2DefaultKeyLength))
	if h == (Hasher{Algorithm: "argon2"}) {
		s += " (" + kratosDefaultHasherLabel + " parameters)"
	}
	return s
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

var argon2Memory = regexp.MustCompile(`^([0-9]+)(B|KB|MB|GB)$`)

// argon2Keys are the parameters argon2:... takes, as Kratos's
// configuration names them.
var argon2Keys = []string{"memory", "iterations", "parallelism", "salt_length", "key_length"}

// ParseHasher reads a hasher as the --hasher flag takes it: "bcrypt"
// (Kratos's default cost, 12), "bcrypt:COST", "argon2" (Kratos's default
// parameters) or "argon2:" with any of memory=SIZE (B, KB, MB or GB, at
// most 4GB), iterations=N, parallelism=N, salt_length=N and key_length=N,
// comma-separated. Its error is one line that says what it takes.
func ParseHasher(s string) (Hasher, error) {
	algo, params, hasParams := strings.Cut(strings.TrimSpace(s), ":")
	bad := func(format string, a ...any) (Hasher, error) {
		return Hasher{}, fmt.Errorf("%q: %s; give %s", s, fmt.Sprintf(format, a...), hasherSyntax)
	}
	switch algo {
	case "bcrypt":
		if !hasParams {
			return KratosDefaultHasher(), nil
		}
		cost, err := strconv.Atoi(params)
		if err != nil || cost < fastBcryptCost || cost > maxBcryptCost {
			return bad("the bcrypt cost must be a whole number from %d to %d", fastBcryptCost, maxBcryptCost)
		}
		return Hasher{Algorithm: "bcrypt", Cost: cost}, nil
	case "argon2":
		h := Hasher{Algorithm: "argon2"}
		if !hasParams {
			return h, nil
		}
		if params == "" {
			return bad("no argon2 parameters after the colon")
		}
		var seen []string
		for _, kv := range strings.Split(params, ",") {
			k, v, ok := strings.Cut(kv, "=")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			switch {
			case !ok || v == "":
				return bad("%q is not KEY=VALUE", kv)
			case !slices.Contains(argon2Keys, k):
				return bad("unknown argon2 parameter %q (known: %s)", k, strings.Join(argon2Keys, ", "))
			case slices.Contains(seen, k):
				return bad("argon2 parameter %s given twice", k)
			}
			seen = append(seen, k)
			if k == "memory" {
				m := argon2Memory.FindStringSubmatch(v)
				if m == nil {
					return bad("memory %q is not a size like 128MB (B, KB, MB or GB)", v)
				}
				n, err := strconv.ParseUint(m[1], 10, 64)
				unit := map[string]uint64{"B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[m[2]]
				if err != nil || n == 0 || n > maxArgon2Memory/unit {
					return bad("memory must be above 0 and at most 4GB (a local instance shares this machine)")
				}
				h.Memory = v
				continue
			}
			lo, hi, field := 1, maxArgon2Iterations, &h.Iterations
			switch k {
			case "parallelism":
				hi, field = maxArgon2Parallelism, &h.Parallelism
			case "salt_length":
				lo, hi, field = minArgon2Length, maxArgon2Length, &h.SaltLength
			case "key_length":
				lo, hi, field = minArgon2Length, maxArgon2Length, &h.KeyLength
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				return bad("%s must be a whole number from %d to %d", k, lo, hi)
			}
			*field = n
		}
		return h, nil
	}
	return bad("unknown hasher %q", algo)
}
