package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/orybench/orybench/target"
)

// hasherFlag is --hasher: how the local Kratos a command starts hashes
// passwords. Each command has its default: conform the cheapest hash
// (it checks answers, not speed), load and capacity Kratos's own (their
// figures for registration and login hold only for a real cost).
type hasherFlag struct {
	raw    string
	def    target.Hasher
	hasher target.Hasher
	flags  *pflag.FlagSet
}

// register adds --hasher to f, defaulting to def; why says why that
// default, in the help.
func (h *hasherFlag) register(f *pflag.FlagSet, def target.Hasher, why string) {
	h.flags, h.def = f, def
	f.StringVar(&h.raw, "hasher", "", fmt.Sprintf("password hasher of the local Kratos: bcrypt (Kratos's default, cost %d), bcrypt:COST (4 to 31), argon2 (Kratos's default parameters) "+
		"or argon2:memory=128MB,iterations=1,parallelism=4,salt_length=16,key_length=32 (any of them; the rest Kratos's defaults). Default: %s, %s",
		target.KratosDefaultHasher().Cost, def, why))
}

// resolve parses --hasher; local says whether the command starts a local
// Kratos, without which --hasher is refused: a remote target hashes as its
// operators configured it.
func (h *hasherFlag) resolve(local bool) error {
	h.hasher = h.def
	if !h.flags.Changed("hasher") {
		return nil
	}
	if !local {
		return fmt.Errorf("--hasher configures a local Kratos: a target orybench does not start hashes as it is configured to")
	}
	var err error
	if h.hasher, err = target.ParseHasher(h.raw); err != nil {
		return fmt.Errorf("--hasher %w", err)
	}
	return nil
}

// record is what a run's results say of the hasher: the local Kratos's, or
// target.RemoteHasher.
func (h *hasherFlag) record(local bool) string {
	if !local {
		return target.RemoteHasher
	}
	return h.hasher.String()
}

// describe is the hasher on the console's target line, and where it came
// from.
func (h *hasherFlag) describe(local bool) string {
	switch {
	case !local:
		return "hasher: " + target.RemoteHasher
	case h.flags.Changed("hasher"):
		return "hasher: " + h.hasher.String() + ", from --hasher"
	}
	return "hasher: " + h.hasher.String() + ", the default here (--hasher changes it)"
}
