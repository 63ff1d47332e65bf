package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/orybench/orybench/internal/hygiene"
	"github.com/orybench/orybench/kratosclient"
)

func newCleanupCmd() *cobra.Command {
	var (
		t         targetFlags
		olderThan time.Duration
		dryRun    bool
	)
	t.adminOnly = true
	cmd := command("cleanup", "cleanup", func(cmd *cobra.Command, _ []string) error {
		if err := t.resolve(false); err != nil {
			return err
		}
		if t.adminURL == "" {
			return fmt.Errorf("cleanup needs the admin API: pass --admin-url, or ORY_SDK_URL with ORY_API_KEY")
		}
		if olderThan < 0 {
			return fmt.Errorf("--older-than must not be negative")
		}
		from := "--admin-url"
		if !cmd.Flags().Changed("admin-url") {
			from = t.source + " with an API key"
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "admin API: %s (from %s%s); unpaced\n", t.adminURL, from, t.credentials())
		admin, err := kratosclient.NewAdmin(t.adminURL, t.apiKey, kratosclient.WithHTTPClient(t.httpClient(setupTimeout)), kratosclient.WithBasicAuth(t.basicAuth...))
		if err != nil {
			return err
		}
		res, err := hygiene.Cleanup(cmd.Context(), admin, olderThan, time.Now(), dryRun)
		verb := "deleted"
		if dryRun {
			verb = "would delete (--dry-run: nothing deleted)"
		}
		fmt.Fprintf(cmd.OutOrStdout(), "scanned %d identities: %s %d orybench test identities older than %s, kept %d younger ones\n",
			res.Scanned, verb, res.Deleted, olderThan, res.Kept)
		return err
	})
	t.register(cmd.Flags())
	// cleanup calls the admin API alone and never starts a local Kratos.
	cmd.Flags().Lookup("target").Usage = "public URL of the Kratos / Ory Network project (default $ORY_SDK_URL); with an API key the admin API is on its host; not needed beside --admin-url. cleanup never starts a local Kratos"
	cmd.Flags().DurationVar(&olderThan, "older-than", time.Hour, "delete only test identities created at least this long ago")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "count the test identities that would be deleted, and delete none")
	return cmd
}
