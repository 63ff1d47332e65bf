// Package suites holds orybench's conformance specs: every operation of
// the public Kratos FrontendApi driven through each documented status as a
// native app, a browser and a single page app, each answer judged against
// the contract (status, Content-Type, body against the JSON Schemas
// generated from the OpenAPI document, Location, cookies, error ids).
//
// The specs are Ginkgo v2 specs. They hold no state of their own: one
// suite value per run carries the options and the targets, which package
// target opens, knows and cleans up; a spec only drives the API and
// asserts. Run runs them from a plain program, as many times as it likes;
// `go test ./suites` and `ginkgo ./suites` run them too.
package suites

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/extensions/globals"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/schemas"
	"github.com/orybench/orybench/target"
)

// Options say what a conformance run checks and how.
type Options struct {
	// Target is what to check. With no URL and no profiles, the run starts
	// StandardProfiles.
	Target target.Options
	// Contract is what the answers are judged against, and which
	// operations and statuses the run covers (nil: schemas.DefaultContract).
	Contract *schemas.Set
	// LabelFilter selects cases, e.g. "op:toSession && !requires:totp".
	LabelFilter string
	// Timeout bounds the whole run (0: Ginkgo's default).
	Timeout time.Duration
	// Verbose prints Ginkgo's report of every case as it runs, to Output
	// (nil: standard output); NoColor turns colours off. A run that is not
	// verbose prints nothing of Ginkgo's: Progress follows it, and the
	// document Run returns says what failed and why.
	Verbose, NoColor bool
	Output           io.Writer
	// Progress, when set, is called after each case, from one goroutine.
	Progress func(Progress)
	// Log receives what the run found out about its targets before the
	// cases ran (never a secret).
	Log io.Writer
}

// Progress is how far a run has got.
type Progress struct {
	// Done counts the cases finished (passed, failed or skipped) of the
	// Total the label filter selects; Failed those of them that failed.
	Done, Total, Failed int
	// Elapsed is the time since the run began, its targets' opening
	// included.
	Elapsed time.Duration
}

// StandardProfiles are the local profiles a run without a target starts,
// in the order cases pick them: the default deployment, short lifespans
// (410 and 403 answers), short lifespans with continue-with transitions,
// and a database that can be locked (500 answers).
func StandardProfiles() []string { return []string{"default", "short", "short-cwt", "fault"} }

// suite is one run of the specs: its options, its contract, the targets
// BeforeSuite opens and the report Ginkgo makes.
type suite struct {
	ctx      context.Context // the run's: once it is done, cases stop
	opts     Options
	contract *schemas.Set

	mu     sync.Mutex
	set    *target.Set
	report types.Report

	progress   Progress  // so far, when opts.Progress is set
	began      time.Time // when the run began
	previewing bool      // the specs run dry, to be counted
}

func newSuite(ctx context.Context, opts Options) (*suite, error) {
	if opts.Target.URL == "" && len(opts.Target.Profiles) == 0 {
		opts.Target.Profiles = StandardProfiles()
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	contract := opts.Contract
	if contract == nil {
		var err error
		if contract, err = schemas.Open(schemas.DefaultContract); err != nil {
			return nil, err
		}
	}
	// Discovery asks which route families a target serves only when the
	// contract has their operations (Ory Network's does).
	opts.Target.ProbeRoutes = slices.ContainsFunc(networkOperations(), func(op networkOperation) bool {
		_, ok := contract.Operation(op.id)
		return ok
	})
	return &suite{ctx: ctx, opts: opts, contract: contract}, nil
}

// ginkgoT is the failure sink RunSpecs wants outside go test: a run's
// outcome is in its report.
type ginkgoT struct{}

func (ginkgoT) Fail() {}

// ErrIncomplete is returned, wrapped, by Run when the suite did not
// complete although no case failed: it timed out, or its clean-up failed.
var ErrIncomplete = errors.New("the suite did not complete")

// ErrNoneSelected is returned, wrapped, by Run when its label filter
// selects no case: nothing was run or printed, nor any target opened.
var ErrNoneSelected = errors.New("label filter selects no case")

// Run runs the conformance cases against opts.Target and returns
// conformance.json's document of them, with what was discovered of the
// targets and how often they rate-limited the run. Cancelling ctx stops
// the run: the case in flight and those not reached are reported skipped.
// The error is for a run that could not check its target at all (it could
// not be opened; see SetupError), or one that did not complete
// (ErrIncomplete); failed cases are in the document. Run and Selected are
// not for concurrent use in one process: both build their spec tree in
// Ginkgo's global suite, which holds one at a time.
func Run(ctx context.Context, opts Options) (*results.Conformance, error) {
	if err := CheckLabelFilter(opts.LabelFilter); err != nil {
		return nil, fmt.Errorf("label filter %w", err)
	}
	s, err := newSuite(ctx, opts)
	if err != nil {
		return nil, err
	}
	// Each run's configuration is its own: none is left from an earlier run.
	suiteCfg, reporterCfg := types.NewDefaultSuiteConfig(), types.NewDefaultReporterConfig()
	suiteCfg.LabelFilter = opts.LabelFilter
	if opts.Timeout > 0 {
		suiteCfg.Timeout = opts.Timeout
	}
	suiteCfg.GracePeriod = 5 * time.Second
	reporterCfg.Verbose, reporterCfg.NoColor, reporterCfg.SilenceSkips = opts.Verbose, opts.NoColor, !opts.Verbose
	if opts.LabelFilter != "" {
		if selected, total := s.preview(suiteCfg); selected == 0 {
			return nil, fmt.Errorf("%w: %q selects none of the %d cases", ErrNoneSelected, opts.LabelFilter, total)
		}
	}
	fmt.Fprintf(s.opts.Log, "contract: %s\n", new(s.contract.Contract()))
	// Ginkgo's reporter writes to formatter.ColorableStdOut, read when
	// RunSpecs starts: like the global suite, one run's at a time.
	output := io.Discard
	if opts.Verbose {
		output = cmp.Or[io.Writer](opts.Output, os.Stdout)
	}
	defer func(w io.Writer) { formatter.ColorableStdOut = w }(formatter.ColorableStdOut)
	formatter.ColorableStdOut = output
	s.runSpecs(ginkgoT{}, suiteCfg, reporterCfg)
	c := s.conformance()
	if err := SetupError(s.report); err != nil {
		return c, err
	}
	if !s.report.SuiteSucceeded && !c.Failed() && ctx.Err() == nil {
		reason := "see the output above"
		if r := s.report.SpecialSuiteFailureReasons; len(r) > 0 {
			reason = r[0]
		}
		return c, fmt.Errorf("%w: %s", ErrIncomplete, reason)
	}
	return c, nil
}

// Selected counts the cases opts.LabelFilter selects, and all there are
// for opts.Contract, without running any or opening a target. Like Run,
// it builds the spec tree in Ginkgo's global suite: one call at a time.
func Selected(opts Options) (selected, total int, err error) {
	if err := CheckLabelFilter(opts.LabelFilter); err != nil {
		return 0, 0, fmt.Errorf("label filter %w", err)
	}
	s, err := newSuite(context.Background(), opts)
	if err != nil {
		return 0, 0, err
	}
	cfg := types.NewDefaultSuiteConfig()
	cfg.LabelFilter = opts.LabelFilter
	selected, total = s.preview(cfg)
	return selected, total, nil
}

// preview counts the cases cfg's label filter selects, and all there are,
// from Ginkgo's preview of the spec tree: nothing runs, nothing is printed.
func (s *suite) preview(cfg types.SuiteConfig) (selected, total int) {
	globals.Reset()
	s.register()
	st := PreviewSpecs(suiteDescription, cfg).PreRunStats
	return st.SpecsThatWillRun, st.TotalSpecs
}

// suiteDescription is the name of the conformance suite in Ginkgo's
// reports.
const suiteDescription = "orybench FrontendApi conformance"

// runSpecs builds this run's spec tree in Ginkgo's (emptied) global suite
// and runs it; go test's entry point calls it with its *testing.T.
func (s *suite) runSpecs(t GinkgoTestingT, args ...any) {
	globals.Reset()
	s.register()
	RegisterFailHandler(s.failOrSkip)
	RunSpecs(t, suiteDescription, args...)
}

// register declares every spec of the run. Nothing is read from the
// targets here: cases look their target up when they run.
func (s *suite) register() {
	BeforeSuite(s.open, NodeTimeout(2*time.Minute))
	ReportAfterSuite("orybench conformance report", func(r Report) { s.report = r })
	if s.opts.Progress != nil {
		selected := labelSelector(s.opts.LabelFilter)
		// Run's preview of the spec tree, a dry run, runs these nodes too.
		ReportBeforeSuite(func(r Report) {
			s.progress, s.began = Progress{Total: r.PreRunStats.SpecsThatWillRun}, time.Now()
			s.previewing = r.SuiteConfig.DryRun
		})
		ReportAfterEach(func(r SpecReport) {
			if s.previewing || r.LeafNodeType != types.NodeTypeIt || !selected(r) {
				return
			}
			s.progress.Done++
			if r.State.Is(types.SpecStateFailureStates) {
				s.progress.Failed++
			}
			s.progress.Elapsed = time.Since(s.began)
			s.opts.Progress(s.progress)
		})
	}
	s.selfServiceSpecs()
	s.sessionSpecs()
	s.logoutSpecs()
	s.errorSpecs()
	s.networkSpecs()
}

// open opens the targets before any case runs; they are closed (what was
// made removed, local instances stopped) after the last.
func (s *suite) open(ctx SpecContext) {
	octx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()
	set, err := target.Open(octx, s.opts.Target)
	if err != nil {
		s.failOrSkip(err.Error())
	}
	for _, t := range set.Targets() {
		fmt.Fprint(s.opts.Log, t.Describe())
	}
	s.mu.Lock()
	s.set = set
	s.mu.Unlock()
	DeferCleanup(func(ctx SpecContext) {
		if err := set.Close(ctx); err != nil {
			fmt.Fprintf(GinkgoWriter, "cleanup: %v\n", err)
		}
	}, NodeTimeout(time.Minute))
}

// failOrSkip is the suite's fail handler. A run that was stopped fails no
// case: the case in flight is skipped as interrupted. A 429 is never a
// contract failure either, but that is not decided here: the helpers that
// meet the 429 a call gave up on skip the case (skipGaveUp, setUp), and
// any other failure, after a 429 or not, stays a failure.
func (s *suite) failOrSkip(message string, callerSkip ...int) {
	skip := 1
	if len(callerSkip) > 0 {
		skip += callerSkip[0]
	}
	if s.ctx.Err() != nil {
		Skip("interrupted before it finished: "+context.Cause(s.ctx).Error(), skip)
	}
	Fail(message, skip)
}

// interruptible makes a container's nodes stop when the run's context is
// done: their contexts are cancelled with it.
func (s *suite) interruptible() types.AroundNodeDecorator {
	return AroundNode(func(ctx context.Context, body func(context.Context)) {
		ctx, cancel := context.WithCancelCause(ctx)
		defer cancel(nil)
		defer context.AfterFunc(s.ctx, func() { cancel(context.Cause(s.ctx)) })()
		body(ctx)
	})
}

// conformance is conformance.json's document of the run.
func (s *suite) conformance() *results.Conformance {
	r := s.report
	if err := s.ctx.Err(); err != nil {
		r.SpecialSuiteFailureReasons = append(r.SpecialSuiteFailureReasons, "interrupted: "+context.Cause(s.ctx).Error())
	}
	c := Conformance(r, s.contract)
	o := s.opts.Target
	c.Target = results.TargetInfo{URL: o.URL, AdminURL: o.AdminAPI(), Local: o.URL == ""}
	if c.Target.Local {
		c.KratosVersion = target.LocalKratosVersion
		c.Target.URL, c.Target.Profiles = "local Kratos "+c.KratosVersion, o.Profiles
	}
	for _, cp := range o.Capabilities {
		c.Target.Capabilities = append(c.Target.Capabilities, string(cp))
	}
	for _, cp := range o.Without {
		c.Target.Capabilities = append(c.Target.Capabilities, "-"+string(cp))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set != nil {
		limits := s.set.RateLimits()
		c.Target.Discovered, c.Target.RateLimits = s.set.Facts(), &limits
	}
	return c
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

// SetupError is why a run could not check its target at all: opening it
// (starting local Kratos, reading its identity schema and flows) failed,
// e.g. on an identity schema orybench cannot make traits for. It is nil
// when the set-up succeeded.
func SetupError(r types.Report) error {
	for _, s := range r.SpecReports {
		if s.LeafNodeType == types.NodeTypeBeforeSuite && s.State.Is(types.SpecStateFailureStates) {
			return fmt.Errorf("set-up: %s", firstLine(s.Failure.Message))
		}
	}
	return nil
}
