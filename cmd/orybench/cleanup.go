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
	)
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
		res, err := hygiene.Cleanup(cmd.Context(), admin, olderThan, time.Now())
		fmt.Fprintf(cmd.OutOrStdout(), "scanned %d identities: deleted %d orybench test identities older than %s, kept %d younger ones\n",
			res.Scanned, res.Deleted, olderThan, res.Kept)
		return err
	})
	t.register(cmd.Flags())
	cmd.Flags().DurationVar(&olderThan, "older-than", time.Hour, "delete only test identities created at least this long ago")
	return cmd
}
