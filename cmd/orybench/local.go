package main

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/internal/localkratos"
)

func newLocalCmd(logger *slog.Logger) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "local",
		Short: "Run a real Ory Kratos v1.3.1 on loopback",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newLocalUpCmd(logger))
	return cmd
}

func newLocalUpCmd(logger *slog.Logger) *cobra.Command {
	var (
		bin        string
		profiles   []string
		publicPort int
		adminPort  int
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Start local Kratos instances and keep them running until Ctrl-C",
		Long: `Start one Kratos instance per --profile from configurations orybench
embeds, wait until each answers /health/ready, print its public and admin
URLs, and stop them all on Ctrl-C or SIGTERM. No Kratos process outlives
orybench, not even when orybench is killed; nor does the PostgreSQL server
of the postgres profile (make postgres installs its binaries).

Profiles:
` + profileHelp(),
		Example: `  orybench local up
  orybench local up --profile default --profile short
  orybench local up --profile postgres
  orybench local up --public-port 4433 --admin-port 4434`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(profiles) > 1 && (publicPort != 0 || adminPort != 0) {
				return fmt.Errorf("--public-port and --admin-port need exactly one --profile")
			}
			for _, p := range profiles {
				if _, err := localkratos.LookupProfile(p); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			var running []*localkratos.Instance
			defer func() {
				for _, inst := range running {
					if err := inst.Stop(); err != nil {
						logger.Warn("stop kratos", "profile", inst.Profile.Name, "err", err)
					}
				}
			}()
			for _, p := range profiles {
				inst, err := localkratos.Start(ctx, localkratos.Options{
					Bin: bin, Profile: p, PublicPort: publicPort, AdminPort: adminPort,
				})
				if err != nil {
					return err
				}
				running = append(running, inst)
				fmt.Fprintf(cmd.OutOrStdout(), "kratos %-9s public %s  admin %s  (pid %d, log %s)\n",
					p, inst.PublicURL, inst.AdminURL, inst.Pid(), inst.LogPath)
				if inst.Profile.Postgres {
					fmt.Fprintf(cmd.OutOrStdout(), "  database %s  (log %s)\n", inst.DSN, inst.PostgresLogPath)
				}
			}
			fmt.Fprintln(cmd.OutOrStdout(), "ready; Ctrl-C stops")
			exited := make(chan string, len(running))
			for _, inst := range running {
				go func() {
					<-inst.Exited()
					exited <- inst.Profile.Name
				}()
			}
			select {
			case <-ctx.Done():
				fmt.Fprintln(cmd.OutOrStdout(), "stopping")
				return nil
			case name := <-exited:
				return fmt.Errorf("kratos (%s profile) exited on its own; see its log", name)
			}
		},
	}
	f := cmd.Flags()
	f.StringVar(&bin, "kratos-bin", "", "kratos binary (default bin/kratos, then kratos on $PATH)")
	f.StringSliceVar(&profiles, "profile", []string{"default"}, "profile to start, repeatable ("+strings.Join(localkratos.ProfileNames(), ", ")+")")
	f.IntVar(&publicPort, "public-port", 0, "public API port (default: a free port)")
	f.IntVar(&adminPort, "admin-port", 0, "admin API port (default: a free port)")
	return cmd
}

func profileHelp() string {
	var b strings.Builder
	for _, p := range localkratos.Profiles() {
		fmt.Fprintf(&b, "  %-10s %s\n", p.Name, p.Description)
	}
	return b.String()
}
