// Command orybench checks that an Ory Kratos / Ory Network deployment keeps
// the FrontendApi contract, and measures how much load it carries.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

// Exit codes: 0 everything held, 1 a contract or threshold failure, 2 a usage,
// configuration or environment error (nothing could be judged).
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// errFailed marks a run that worked and found failures (exit 1). Commands
// wrap it: fmt.Errorf("%w: 3 cases failed", errFailed).
var errFailed = errors.New("failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: it parses args, runs one command and
// returns the exit code. Diagnostics go to stderr, results to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(stderr, "orybench: "+oneLine(err.Error()))
	if errors.Is(err, errFailed) {
		return exitFailed
	}
	return exitUsage
}

func newRootCmd() *cobra.Command {
	root := command("root", "orybench", nil)
	root.Args, root.Version, root.SilenceUsage, root.SilenceErrors = nil, versionText(), true, true
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(
		newCapacityCmd(),
		newCleanupCmd(),
		newCompareCmd(),
		newConformCmd(),
		newContractCmd(),
		newFuzzCmd(),
		newLoadCmd(),
		newLocalCmd(),
		newReportCmd(),
		newSchemasCmd(),
	)
	return root
}

// oneLine keeps the first line of a message: the CLI reports one clear line.
func oneLine(s string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return first
}
