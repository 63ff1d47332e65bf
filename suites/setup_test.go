package suites

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/schemas"
	"github.com/orybench/orybench/target"
)

// A case whose set-up step failed is set-up failed, with the step and the
// answer; a case that failed its contract check stays failed.
func TestConformanceOfSetupFailures(t *testing.T) {
	set, err := schemas.Open(schemas.DefaultContract)
	if err != nil {
		t.Fatal(err)
	}
	spec := func(status string, entries ...types.ReportEntry) types.SpecReport {
		return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: "answers " + status, State: types.SpecStateFailed,
			LeafNodeLabels: []string{"op:updateLoginFlow", "status:" + status, "client:browser"},
			Failure:        types.Failure{Message: "enrol TOTP\nUnexpected error: ..."}, ReportEntries: entries}
	}
	entry := func(name, value string) types.ReportEntry {
		return types.ReportEntry{Name: name, Value: types.WrapEntryValue(value)}
	}
	r := types.Report{SpecReports: []types.SpecReport{
		spec("303", entry(entrySetupFailure, "enrol TOTP: enrol TOTP by form: status 200, token=ory_st_secret")),
		spec("400", entry(entryRequest, "POST http://x/self-service/login -> 500, expected 400")),
	}}
	c := Conformance(r, set)
	got := map[int]results.Case{}
	for _, k := range c.Cases {
		got[k.Status] = k
	}
	if k := got[303]; k.Outcome != results.SetupFailed || !strings.HasPrefix(k.Reason, "set-up failed: enrol TOTP: enrol TOTP by form: status 200") || strings.Contains(k.Reason, "ory_st_secret") {
		t.Errorf("303: %s %q, want setup-failed with the step and the answer, redacted", k.Outcome, k.Reason)
	}
	if k := got[400]; k.Outcome != results.Failed {
		t.Errorf("400: %s, want failed", k.Outcome)
	}
	pairs := map[int]string{}
	for _, p := range c.Pairs {
		if p.Operation == "updateLoginFlow" {
			pairs[p.Status] = p.Outcome
		}
	}
	if pairs[303] != results.SetupFailed || pairs[400] != results.Failed || c.Coverage.SetupFailedPairs != 1 || !c.Failed() {
		t.Errorf("pairs %v, coverage %+v, failed %t; want 303 setup-failed, 400 failed", pairs, c.Coverage, c.Failed())
	}
}

// TestTOTPEnrolmentFailureIsASetupFailure runs the login cases of an
// identity with TOTP against a real Kratos behind a proxy that answers
// every TOTP enrolment with 500: each case is reported set-up failed with
// that answer, and no updateLoginFlow pair is failed by it.
func TestTOTPEnrolmentFailureIsASetupFailure(t *testing.T) {
	bin := kratosBin()
	if bin == "" {
		t.Skip("no Kratos binary: run make kratos")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := localkratos.Start(ctx, localkratos.Options{Bin: bin})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Stop()
	upstream, err := url.Parse(inst.PublicURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/self-service/settings" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte("totp_code")) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusInternalServerError)
				io.WriteString(w, `{"error":{"code":500,"status":"Internal Server Error","message":"injected by the test"}}`)
				return
			}
		}
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()

	c, err := Run(ctx, Options{
		Target:      target.Options{URL: srv.URL, AdminURL: inst.AdminURL, Capabilities: []target.Capability{target.TOTP}},
		LabelFilter: "op:updateLoginFlow && requires:totp",
		NoColor:     true,
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, k := range c.Cases {
		if k.Outcome == results.Skipped {
			continue
		}
		n++
		if k.Outcome != results.SetupFailed || !strings.Contains(k.Reason, "enrol TOTP") || !strings.Contains(k.Reason, "status 500; error: injected by the test") {
			t.Errorf("%s %d [%s]: %s %q, want setup-failed by the enrolment's 500", k.Operation, k.Status, k.Client, k.Outcome, k.Reason)
		}
	}
	if n == 0 {
		t.Fatal("no TOTP login case ran")
	}
	for _, p := range c.Pairs {
		if p.Operation == "updateLoginFlow" && p.Outcome == results.Failed {
			t.Errorf("updateLoginFlow %d failed: %s", p.Status, p.Reason)
		}
	}
	if !c.Failed() {
		t.Error("a run with set-up failures does not count as failed")
	}
}
