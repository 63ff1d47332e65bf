package servermetrics_test

import (
	"context"
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/orybench/orybench/internal/ci"
	"github.com/orybench/orybench/internal/localkratos"
	"github.com/orybench/orybench/servermetrics"
)

// TestWatchALocalPostgresKratos watches a real Kratos v1.3.1 on the local
// postgres profile while it answers known requests, and checks that the
// server counted exactly those and that its database was read.
func TestWatchALocalPostgresKratos(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Kratos and PostgreSQL")
	}
	bin := os.Getenv("ORYBENCH_KRATOS_BIN")
	if bin == "" {
		bin = "../bin/kratos"
	}
	if _, err := os.Stat(bin); err != nil {
		ci.SkipLocally(t, "no Kratos binary (%v): run make kratos or set ORYBENCH_KRATOS_BIN", err)
	}
	if _, err := localkratos.PostgresBinDir(); err != nil {
		ci.SkipLocally(t, "%v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	inst, err := localkratos.Start(ctx, localkratos.Options{Bin: bin, Profile: "postgres"})
	if err != nil {
		t.Fatal(err)
	}
	defer inst.Stop()

	src := &servermetrics.Source{
		URL:      inst.AdminURL + "/admin/metrics/prometheus",
		Cores:    runtime.NumCPU(),
		Database: inst.DatabaseSample,
		PoolSize: localkratos.PostgresMaxConns,
	}
	if err := src.Probe(ctx); err != nil {
		t.Fatal(err)
	}
	w := src.Watch(ctx, time.Minute)
	// About 3 s of requests: whoami without a session (401, no database
	// work) and new login flows (200, written to the database).
	var answered uint64
	for i := range 60 {
		path := "/sessions/whoami"
		if i%3 == 2 {
			path = "/self-service/login/api"
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, inst.PublicURL+path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		answered++
		time.Sleep(50 * time.Millisecond)
	}
	v := w.End(ctx, servermetrics.ClientCounts{Requests: answered, Paths: []string{"/sessions/whoami", "/self-service/login/api"}})
	t.Logf("window %.1fs, %d scrapes; server %d requests, client %d; p50 %.2f ms, p99 %.2f ms, mean %.2f ms; cpu %.3fs (%.2f ms a request, peak %.2f cores); rss %d MB; warnings %q",
		v.WindowS, v.Scrapes, v.Requests, v.ClientRequests, v.Latency.P50, v.Latency.P99, v.Latency.Mean,
		v.CPUSeconds, v.CPUPerRequestMs, v.CPUCoresPeak, v.RSSBytesMax>>20, v.Warnings)
	if v.Missing != "" {
		t.Fatalf("missing: %s", v.Missing)
	}
	if v.Requests != answered || v.CountDiff != 0 {
		t.Errorf("the server counted %d requests, orybench %d", v.Requests, answered)
	}
	if len(v.Endpoints) != 2 || v.Endpoints[0].Statuses["200"] != 20 || v.Endpoints[1].Statuses["401"] != 40 {
		t.Errorf("endpoints %+v", v.Endpoints)
	}
	if v.Scrapes < 3 || v.WindowS < 2.5 || v.CPUSeconds <= 0 || v.RSSBytesMax == 0 || v.Latency.P99 <= 0 {
		t.Errorf("scrapes %d, window %.1fs, cpu %v, rss %d, p99 %v", v.Scrapes, v.WindowS, v.CPUSeconds, v.RSSBytesMax, v.Latency.P99)
	}
	d := v.Database
	if d == nil {
		t.Fatalf("no database view (warnings %q)", v.Warnings)
	}
	t.Logf("database %+v", *d)
	if d.ConnectionsMax < 1 || d.PoolSize != 16 || d.Commits == 0 {
		t.Errorf("database %+v: want a connection, pool 16, and the login flows' commits", *d)
	}
	if _, err := (&localkratos.Instance{}).DatabaseSample(ctx); err != localkratos.ErrNotPostgres {
		t.Errorf("an instance without PostgreSQL: %v", err)
	}
}
