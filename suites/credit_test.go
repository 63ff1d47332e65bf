package suites

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/extensions/globals"
	"github.com/onsi/ginkgo/v2/types"
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/schemas"
)

// A passed case is credited to the pair its judge asserted: one whose
// labels say another pair fails, naming both.
func TestConformanceCreditsTheAssertedPair(t *testing.T) {
	set, err := schemas.Open(schemas.DefaultContract)
	if err != nil {
		t.Fatal(err)
	}
	spec := func(status string, asserted ...schemas.Pair) types.SpecReport {
		s := types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "answers " + status, State: types.SpecStatePassed,
			LeafNodeLabels: []string{"op:updateLoginFlow", "status:" + status, "client:native"}}
		for _, p := range asserted {
			s.ReportEntries = append(s.ReportEntries, types.ReportEntry{Name: entryAsserted, Value: types.WrapEntryValue(assertedEntry(p))})
		}
		return s
	}
	r := types.Report{SpecReports: []types.SpecReport{
		spec("200", schemas.Pair{Operation: "updateLoginFlow", Status: 200}),
		spec("400", schemas.Pair{Operation: "updateLoginFlow", Status: 422}),
		spec("410", schemas.Pair{Operation: "updateLoginFlow", Status: 410}, schemas.Pair{Operation: "getLoginFlow", Status: 410}),
		spec("422", schemas.Pair{Operation: "updateLoginFlow", Status: 422}, schemas.Pair{Operation: "updateLoginFlow", Status: 422}),
	}}
	got := map[int]results.Case{}
	for _, k := range Conformance(r, set).Cases {
		got[k.Status] = k
	}
	for _, tc := range []struct {
		status  int
		outcome string
		reason  string
	}{
		{200, results.Passed, ""},
		{400, results.Failed, "mislabelled: labelled updateLoginFlow 400 but asserted updateLoginFlow 422"},
		{410, results.Failed, "mislabelled: labelled updateLoginFlow 410 but asserted getLoginFlow 410"},
		{422, results.Passed, ""},
	} {
		if k := got[tc.status]; k.Outcome != tc.outcome || k.Reason != tc.reason {
			t.Errorf("%d: %s %q, want %s %q", tc.status, k.Outcome, k.Reason, tc.outcome, tc.reason)
		}
	}
}

// runMini runs the specs register declares with the suite's fail handler,
// and returns their reports by text.
func runMini(t *testing.T, register func(s *suite)) map[string]types.SpecReport {
	t.Helper()
	s := &suite{ctx: context.Background()}
	globals.Reset()
	var report types.Report
	ReportAfterSuite("report", func(r Report) { report = r })
	register(s)
	RegisterFailHandler(s.failOrSkip)
	suiteCfg, reporterCfg := types.NewDefaultSuiteConfig(), types.NewDefaultReporterConfig()
	reporterCfg.SilenceSkips, reporterCfg.Succinct, reporterCfg.NoColor = true, true, true
	RunSpecs(ginkgoT{}, "mini", suiteCfg, reporterCfg)
	out := map[string]types.SpecReport{}
	for _, r := range report.SpecReports {
		if r.LeafNodeType == types.NodeTypeIt {
			out[r.LeafNodeText] = r
		}
	}
	return out
}

// Only the 429 a call gave up on skips a case; a failure of anything else
// in a case that also met a 429 stays a failure.
func TestOnlyTheGivenUp429Skips(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/sessions/whoami" {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `[]`)
	}))
	defer srv.Close()
	c, err := kratosclient.New(srv.URL, kratosclient.Native, kratosclient.WithRateLimitRetries(0, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	got := runMini(t, func(s *suite) {
		Describe("toSession", Label("op:toSession"), func() {
			It("is skipped on the 429 it asserts", Label("status:200"), func(ctx SpecContext) {
				Expect(must(c.ToSession(ctx, nil)).Status).To(Equal(200))
			})
			It("fails on another assertion after a 429", Label("status:200"), func(ctx SpecContext) {
				r, err := c.ToSession(ctx, nil) // limited, and not what the case checks
				Expect(err).NotTo(HaveOccurred())
				Expect(r.Status).To(Equal(http.StatusTooManyRequests))
				Expect(must(c.ListMySessions(ctx, nil)).Body).To(BeEmpty(), "the unrelated check")
			})
			It("is skipped on a set-up step that gave up", Label("status:200"), func(ctx SpecContext) {
				r, _ := c.ToSession(ctx, nil)
				setUp(fmt.Errorf("sign up: %w", r.RateLimited()), "sign up")
			})
			It("fails on a set-up step's other error", Label("status:200"), func(ctx SpecContext) {
				setUp(errors.New("sign up: status 500"), "sign up")
			})
			It("fails when it asserted no answer", Label("status:200"), func(ctx SpecContext) {
				must(c.ListMySessions(ctx, nil))
				(&fixture{op: "toSession", status: 200}).expectAsserted()
			})
		})
	})
	for text, want := range map[string]struct {
		state  types.SpecState
		reason string
	}{
		"is skipped on the 429 it asserts":         {types.SpecStateSkipped, "the target rate-limited orybench: GET " + srv.URL + "/sessions/whoami: still 429 Too Many Requests after every retry"},
		"fails on another assertion after a 429":   {types.SpecStateFailed, "the unrelated check"},
		"is skipped on a set-up step that gave up": {types.SpecStateSkipped, "the target rate-limited orybench: sign up: GET"},
		"fails on a set-up step's other error":     {types.SpecStateFailed, "sign up"},
		"fails when it asserted no answer":         {types.SpecStateFailed, "labelled toSession 200 but asserted no answer"},
	} {
		r, ok := got[text]
		if !ok {
			t.Errorf("%q did not run", text)
			continue
		}
		if r.State != want.state || !strings.HasPrefix(r.Failure.Message, want.reason) {
			t.Errorf("%q: %s %q, want %s %q...", text, r.State, r.Failure.Message, want.state, want.reason)
		}
	}
}
