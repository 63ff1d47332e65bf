package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/orybench/orybench/internal/redact"
	"github.com/orybench/orybench/loadtest"
	"github.com/orybench/orybench/servermetrics"
	"github.com/orybench/orybench/target"
)

// metricsPath is where Kratos's admin API serves its Prometheus metrics.
const metricsPath = "/admin/metrics/prometheus"

// serverMetrics is the loadtest option that reads the target's own metrics
// over each measured run: from --metrics-url, else the admin API's
// metricsPath (tgt: the target opened, nil for --url's raw requests). The
// metrics are read once first: when they cannot be (no admin API known, a
// target such as Ory Network that serves none, a page that is not
// Prometheus's text format, a 401, a timeout), one line on w says so and
// the runs record why their server view is missing. --metrics-url= turns
// the server view off: no option.
func (l *loadTarget) serverMetrics(ctx context.Context, w io.Writer, tgt *target.Target) loadtest.Option {
	src := &servermetrics.Source{URL: l.metricsURL, APIKey: l.t.apiKey, Client: l.t.httpClient(servermetrics.DefaultTimeout)}
	switch {
	case l.flags.Changed("metrics-url") && l.metricsURL == "":
		return nil
	case l.flags.Changed("metrics-url"):
		src.APIKey = "" // a URL of the user's own: no key goes to it unasked
	case tgt != nil && tgt.AdminURL() != "":
		src.URL = strings.TrimSuffix(tgt.AdminURL(), "/") + metricsPath
	case l.t.adminURL != "": // --url's raw requests, beside a Kratos's admin API
		src.URL = strings.TrimSuffix(l.t.adminURL, "/") + metricsPath
	default:
		why := "no admin API is known to read /admin/metrics/prometheus from"
		fmt.Fprintf(w, "server view: none: %s (--admin-url or --metrics-url gives one)\n", why)
		return loadtest.WithoutServerMetrics("", why)
	}
	if tgt != nil && tgt.Local() {
		src.Cores = runtime.NumCPU() // a local Kratos shares this machine
		if n := tgt.DatabasePoolSize(); n > 0 {
			src.Database, src.PoolSize = tgt.DatabaseSample, n
		}
	}
	if err := src.Probe(ctx); err != nil {
		fmt.Fprintf(w, "server view: none: %v (--metrics-url points elsewhere; --metrics-url= turns this off)\n", err)
		return loadtest.WithoutServerMetrics(redact.URL(src.URL), err.Error())
	}
	fmt.Fprintf(w, "server view: %s, read once a second\n", redact.URL(src.URL))
	return loadtest.WithServerMetrics(src)
}
