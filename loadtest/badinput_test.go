package loadtest

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orybench/orybench/kratosclient"
)

// TestRunTLS: a certificate that does not verify fails every request as a
// tls error, unless WithInsecureSkipVerify accepts it.
func TestRunTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	defer srv.Close()
	for _, insecure := range []bool{false, true} {
		sum, err := Run(context.Background(), RawScenario("GET", srv.URL+"/", 20, time.Second), WithInsecureSkipVerify(insecure))
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]uint64{"tls": 20}
		if insecure {
			want = map[string]uint64{}
		}
		if sum.Requests != 20 || len(sum.Errors.ByKind) != len(want) || sum.Errors.ByKind["tls"] != want["tls"] {
			t.Errorf("insecure %v: %d requests, errors %v; want 20 requests, errors %v", insecure, sum.Requests, sum.Errors.ByKind, want)
		}
	}
}

// TestRunTimeoutOption: WithTimeout replaces the scenario's timeout of one
// request, so a target that never answers is given up on that soon.
func TestRunTimeoutOption(t *testing.T) {
	// Each request times out and closes its connection, ending the handler.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	sc := RawScenario("GET", srv.URL+"/", 10, time.Second)
	sc.Timeout = time.Hour
	start := time.Now()
	sum, err := Run(context.Background(), sc, WithTimeout(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Errors.ByKind["timeout"] != 10 {
		t.Errorf("errors %v, want 10 timeouts", sum.Errors.ByKind)
	}
	// A generous bound: without the option the run would wait an hour.
	if took := time.Since(start); took > time.Minute {
		t.Errorf("took %s", took)
	}
}

// TestRunRemoteRateCap: hosts that are not loopback get RemoteRateCap hits
// per second unless WithMaxRemoteRate allows more or WithAllowRemote any;
// Check refuses such a run without sending anything.
func TestRunRemoteRateCap(t *testing.T) {
	sc := RawScenario("GET", "http://kratos.orybench.invalid/", 500, time.Second)
	err := Check(sc)
	var remote *RemoteRateError
	if !errors.As(err, &remote) || !errors.Is(err, ErrUsage) || remote.Peak != 500 || remote.Cap != RemoteRateCap {
		t.Fatalf("Check = %v, want a RemoteRateError of 500 over %d", err, RemoteRateCap)
	}
	if err := Check(sc, WithMaxRemoteRate(400)); !errors.As(err, &remote) || remote.Cap != 400 {
		t.Errorf("WithMaxRemoteRate(400): %v", err)
	}
	for _, opt := range []Option{WithMaxRemoteRate(500), WithAllowRemote(true)} {
		if err := Check(sc, opt); err != nil {
			t.Errorf("allowed: %v", err)
		}
	}
	if err := Check(RawScenario("GET", "http://127.0.0.1:1/", 5000, time.Second)); err != nil {
		t.Errorf("loopback: %v", err)
	}
}

// TestRunReadsBodiesBounded: answers far larger than any Kratos answer are
// read and dropped, never kept: the run allocates a small part of what the
// target sent.
func TestRunReadsBodiesBounded(t *testing.T) {
	const perAnswer = 16 << 20
	chunk := strings.Repeat("x", 1<<16)
	var sent atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for range perAnswer / len(chunk) {
			n, err := io.WriteString(w, chunk)
			sent.Add(int64(n))
			if err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sum, err := Run(context.Background(), RawScenario("GET", srv.URL+"/", 10, time.Second))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Requests != 10 || sum.Errors.Total != 0 {
		t.Fatalf("%d requests, errors %v; want 10 answered", sum.Requests, sum.Errors.ByKind)
	}
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("the target sent %d MiB; the run allocated %d MiB", sent.Load()>>20, allocated>>20)
	if sent.Load() < 10*perAnswer || allocated > uint64(sent.Load())/4 {
		t.Errorf("the target sent %d bytes and the run allocated %d: bodies are kept", sent.Load(), allocated)
	}
}

// TestRunBasicAuth: a URL naming a user is refused without its password
// in the error (it would be written into results.bin with every request);
// WithBasicAuth's credentials go on every request of the run to their host.
func TestRunBasicAuth(t *testing.T) {
	var withAuth, without atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); ok && u == "bob" && p == "s3cret" {
			withAuth.Add(1)
		} else {
			without.Add(1)
		}
	}))
	defer srv.Close()
	named := strings.Replace(srv.URL, "://", "://bob:s3cret@", 1)
	err := Check(RawScenario("GET", "/x", 10, time.Second), WithTarget(named))
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "names a user") || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %v, want a usage error refusing the user, without the password", err)
	}
	host := strings.TrimPrefix(srv.URL, "http://")
	sum, err := Run(context.Background(), RawScenario("GET", srv.URL+"/x", 20, time.Second),
		WithBasicAuth(kratosclient.BasicAuth{Host: host, Username: "bob", Password: "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Requests == 0 || withAuth.Load() != int64(sum.Requests) || without.Load() != 0 {
		t.Errorf("%d requests: %d with the credentials, %d without; want all with", sum.Requests, withAuth.Load(), without.Load())
	}
}
