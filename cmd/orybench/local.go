package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/target"
)

func newLocalCmd() *cobra.Command {
	return group("local", "Run a real Ory Kratos "+target.LocalKratosVersion+" on loopback", newLocalUpCmd())
}

func newLocalUpCmd() *cobra.Command {
	var (
		bin        string
		profiles   []string
		publicPort int
		adminPort  int
		hasher     hasherFlag
	)
	cmd := command("local-up", "up", func(cmd *cobra.Command, _ []string) error {
		if len(profiles) > 1 && (publicPort != 0 || adminPort != 0) {
			return fmt.Errorf("--public-port and --admin-port need exactly one --profile")
		}
		for _, p := range profiles {
			if _, err := localkratos.LookupProfile(p); err != nil {
				return err
			}
		}
		if err := hasher.resolve(true); err != nil {
			return err
		}
		var opts []localkratos.Options
		for _, p := range profiles {
			opts = append(opts, localkratos.Options{Bin: bin, Profile: p, PublicPort: publicPort, AdminPort: adminPort, Hasher: hasher.hasher})
		}
		out, started := cmd.OutOrStdout(), 0
		err := localkratos.Up(cmd.Context(), opts, func(inst *localkratos.Instance) {
			fmt.Fprintf(out, "kratos %-9s public %s  admin %s  (pid %d, log %s)\n  %s\n",
				inst.Profile.Name, inst.PublicURL, inst.AdminURL, inst.Pid(), inst.LogPath, hasher.describe(true))
			if inst.Profile.Postgres {
				fmt.Fprintf(out, "  database %s  (log %s)\n", inst.DSN, inst.PostgresLogPath)
			}
			if started++; started == len(opts) {
				fmt.Fprintln(out, "ready; Ctrl-C stops")
			}
		})
		if err == nil {
			fmt.Fprintln(out, "stopped")
		}
		return err
	})
	f := cmd.Flags()
	f.StringVar(&bin, "kratos-bin", "", "kratos binary (default bin/kratos, then kratos on $PATH)")
	f.StringSliceVar(&profiles, "profile", []string{"default"}, "profile to start, repeatable ("+strings.Join(localkratos.ProfileNames(), ", ")+")")
	f.IntVar(&publicPort, "public-port", 0, "public API port (default: a free port)")
	f.IntVar(&adminPort, "admin-port", 0, "admin API port (default: a free port)")
	hasher.register(f, target.FastHasher(), "cheap for conformance and fuzzing; load it with --hasher bcrypt for capacity figures")
	return cmd
}
