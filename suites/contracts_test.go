package suites

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/results"
	"github.com/orybench/orybench/schemas"
	"github.com/orybench/orybench/target"
)

// captchaNode is a node of the group Ory Network shows a CAPTCHA in, which
// Kratos v1.3.1's contract does not know (its ui node groups are an enum).
var captchaNode = map[string]any{
	"type": "input", "group": "captcha", "messages": []any{}, "meta": map[string]any{},
	"attributes": map[string]any{"name": "transient_payload.captcha_turnstile_response", "type": "hidden", "node_type": "input", "disabled": false},
}

// TestCaptchaNodeThroughASpec runs the createNativeLoginFlow 200 cases
// against a real Kratos v1.3.1 behind a proxy that adds a captcha node to
// every new login flow, as an Ory Network project with CAPTCHA on sends
// it: the cases pass under the Network contract and fail under Kratos
// v1.3.1's, on the node's group.
func TestCaptchaNodeThroughASpec(t *testing.T) {
	kratos, err := localkratos.Start(context.Background(), localkratos.Options{Bin: kratosBin()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kratos.Stop() })
	upstream, err := url.Parse(kratos.PublicURL)
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server // the proxy: the target the run checks
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	proxy.ModifyResponse = func(r *http.Response) error {
		if r.Request.URL.Path != "/self-service/login/api" || r.StatusCode != http.StatusOK {
			return nil
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		var flow map[string]any
		if err := json.Unmarshal(body, &flow); err != nil {
			return err
		}
		ui := flow["ui"].(map[string]any)
		ui["nodes"] = append(ui["nodes"].([]any), captchaNode)
		if body, err = json.Marshal(flow); err != nil {
			return err
		}
		// The flow's URLs are the proxy's, as a project's are its own.
		body = bytes.ReplaceAll(body, []byte(kratos.PublicURL), []byte(srv.URL))
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		r.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv = httptest.NewServer(proxy)
	t.Cleanup(srv.Close)

	for _, tt := range []struct {
		contract string
		want     string // the pair's outcome
	}{
		{schemas.Network, results.Passed},
		{schemas.Kratos, results.Failed},
	} {
		set, err := schemas.Open(tt.contract)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: the createNativeLoginFlow 200 cases should %s (Ginkgo prints a failed case's report)", tt.contract, tt.want)
		c, err := Run(context.Background(), Options{
			Target:      target.Options{URL: srv.URL, AdminURL: kratos.AdminURL},
			Contract:    set,
			LabelFilter: "op:createNativeLoginFlow && status:200",
			NoColor:     true,
		})
		if err != nil {
			t.Fatalf("%s: %v", tt.contract, err)
		}
		for _, p := range c.Pairs {
			if p.Operation != "createNativeLoginFlow" || p.Status != 200 {
				continue
			}
			if p.Outcome != tt.want {
				t.Errorf("%s: createNativeLoginFlow 200 %s (%s), want %s", tt.contract, p.Outcome, p.Reason, tt.want)
			}
		}
		for _, k := range c.Cases {
			if k.Outcome != results.Failed {
				continue
			}
			if len(k.Violations) != 1 || !strings.HasSuffix(k.Violations[0].Pointer, "/group") || k.Violations[0].Rule != "enum" || k.Violations[0].Found != `"captcha"` {
				t.Errorf("%s: %s failed by %+v, want by the captcha node's group alone", tt.contract, k.Name, k.Violations)
			}
		}
		if c.Contract == nil || c.Contract.Name != tt.contract {
			t.Errorf("conformance.json's contract %v, want %s", c.Contract, tt.contract)
		}
	}
}

// TestNetworkContractOnLocalKratos runs every case under the Ory Network
// contract against the standard local profiles (Kratos v1.3.1): each of
// its 132 pairs gets an outcome, none fails, and each pair of an operation
// Kratos v1.3.1 does not serve is skipped as not served by the target.
func TestNetworkContractOnLocalKratos(t *testing.T) {
	set, err := schemas.Open(schemas.Network)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Run(context.Background(), Options{Target: target.Options{KratosBin: kratosBin()}, Contract: set, NoColor: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Pairs); got != 132 || c.Coverage.DocumentedPairs != 132 {
		t.Fatalf("%d pairs (%d documented), want 132", got, c.Coverage.DocumentedPairs)
	}
	kratos, err := schemas.Open(schemas.Kratos)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.Pairs {
		_, old := kratos.Operation(p.Operation)
		switch {
		case p.Outcome == results.Failed || p.Outcome == "":
			t.Errorf("%s %d: %s %s", p.Operation, p.Status, p.Outcome, p.Reason)
		case !old && (p.Outcome != results.Skipped || !strings.Contains(p.Reason, "not served by this target (GET ")):
			t.Errorf("%s %d, an operation v1.3.1 does not serve: %s %q, want skipped as not served", p.Operation, p.Status, p.Outcome, p.Reason)
		}
	}
	t.Logf("%+v", c.Coverage)
}
