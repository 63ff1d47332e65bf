package suites

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
)

// options is set once, before the spec tree runs, by Run or by the go test
// entry point. Specs never read it while the tree is built.
var options Options

// The suite's setup and teardown: one environment for the whole run, built
// from options. DeferCleanup runs last, after every spec's own cleanup.
var _ = BeforeSuite(func(ctx SpecContext) {
	e, err := newEnv(ctx, options)
	if err != nil {
		Fail(err.Error())
	}
	theEnv = e
	discovered, _ := e.facts()
	AddReportEntry(entryDiscovered, ReportEntryVisibilityNever, discovered)
	DeferCleanup(func(ctx SpecContext) {
		_, limits := theEnv.facts()
		AddReportEntry(entryRateLimits, ReportEntryVisibilityNever, limits)
		if err := theEnv.close(ctx); err != nil {
			fmt.Fprintf(GinkgoWriter, "cleanup: %v\n", err)
		}
	}, NodeTimeout(time.Minute))
}, NodeTimeout(2*time.Minute))

// Every spec notes how many calls of the run had given up on a 429 before
// it began, so that failOrSkip can tell whether the spec met one.
var _ = BeforeEach(func() {
	if theEnv != nil {
		theEnv.specStart()
	}
})

// failOrSkip is the suite's fail handler. A 429 is never a contract
// failure: when a call of the failing spec was still rate-limited after
// every retry, the spec is skipped with that reason instead.
func failOrSkip(message string, callerSkip ...int) {
	skip := 0
	if len(callerSkip) > 0 {
		skip = callerSkip[0]
	}
	if theEnv != nil && theEnv.throttledInSpec() {
		Skip(fmt.Sprintf("the target rate-limited orybench: a call still had 429 Too Many Requests after %d retries, which says nothing of the contract (pace the run with --max-rps)", kratosclient.DefaultRateLimitRetries), skip+1)
	}
	Fail(message, skip+1)
}

// lastReport is the suite's report, kept by ReportAfterSuite for Run.
var lastReport types.Report

var _ = ReportAfterSuite("orybench conformance report", func(r Report) {
	lastReport = r
})

// RunConfig is how Run drives Ginkgo.
type RunConfig struct {
	// LabelFilter selects specs, e.g. "op:toSession && !requires:totp".
	LabelFilter string
	// Timeout bounds the whole run.
	Timeout time.Duration
	// Verbose prints every spec as it runs.
	Verbose bool
	// NoColor turns off ANSI colours.
	NoColor bool
	// JUnitReport, when set, is where Ginkgo writes a JUnit file.
	JUnitReport string
	// JSONReport, when set, is where Ginkgo writes its JSON report.
	JSONReport string
}

type failer struct{ failed bool }

func (f *failer) Fail() { f.failed = true }

// Run runs the conformance specs against opts' target from a plain binary and
// returns Ginkgo's report of them. It can be called once per process (a
// Ginkgo limit).
func Run(_ context.Context, opts Options, cfg RunConfig) (types.Report, error) {
	options = opts
	suiteCfg, reporterCfg := GinkgoConfiguration()
	suiteCfg.LabelFilter = cfg.LabelFilter
	if cfg.Timeout > 0 {
		suiteCfg.Timeout = cfg.Timeout
	}
	suiteCfg.GracePeriod = 5 * time.Second
	reporterCfg.Verbose = cfg.Verbose
	reporterCfg.NoColor = cfg.NoColor
	reporterCfg.SilenceSkips = !cfg.Verbose
	reporterCfg.JUnitReport = cfg.JUnitReport
	reporterCfg.JSONReport = cfg.JSONReport
	if err := CheckLabelFilter(cfg.LabelFilter); err != nil {
		return types.Report{}, fmt.Errorf("--label-filter: %w", err)
	}
	RegisterFailHandler(failOrSkip)
	t := &failer{}
	RunSpecs(t, "orybench FrontendApi conformance", suiteCfg, reporterCfg)
	return lastReport, nil
}

// CheckLabelFilter returns, in one line without colours, why filter is not
// a Ginkgo label filter, if it is not.
func CheckLabelFilter(filter string) error {
	_, err := types.ParseLabelFilter(filter)
	var ge types.GinkgoError
	if errors.As(err, &ge) {
		lines := strings.Split(strings.TrimSpace(ge.Message), "\n")
		return fmt.Errorf("%q: %s", filter, strings.TrimSpace(lines[len(lines)-1]))
	}
	return err
}

// SetupError is why a run could not check its target at all: the suite's
// set-up (starting local Kratos, reading the target's identity schema and
// flows) failed, e.g. on an identity schema orybench cannot make traits for.
// It is nil when the set-up succeeded.
func SetupError(r types.Report) error {
	for _, s := range r.SpecReports {
		if s.LeafNodeType == types.NodeTypeBeforeSuite && s.State.Is(types.SpecStateFailureStates) {
			return fmt.Errorf("set-up: %s", firstLine(s.Failure.Message))
		}
	}
	return nil
}
