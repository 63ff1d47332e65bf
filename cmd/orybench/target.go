package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/spf13/pflag"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/schemas"
	"github.com/orybench/orybench/target"
)

// targetFlags are how every command is pointed at a Kratos: self-hosted
// (--target and --admin-url) or Ory Network (ORY_SDK_URL and ORY_API_KEY,
// whose admin API lives on the same host under /admin).
type targetFlags struct {
	target   string
	adminURL string
	apiKey   string
	insecure bool
	contract string
}

func (t *targetFlags) register(f *pflag.FlagSet) {
	f.StringVar(&t.target, "target", os.Getenv("ORY_SDK_URL"), "public URL of the Kratos / Ory Network project ($ORY_SDK_URL); empty starts a local Kratos")
	f.StringVar(&t.adminURL, "admin-url", "", "admin API URL (self-hosted Kratos); with an API key it defaults to --target")
	f.StringVar(&t.apiKey, "api-key", "", "admin API key, sent as a bearer token (default $ORY_API_KEY)")
	f.BoolVar(&t.insecure, "insecure-skip-verify", false, "accept a TLS certificate that does not verify (a test target's self-signed one; never for production)")
	f.StringVar(&t.contract, "contract", "", "contract to judge answers by: a name from 'orybench contract list', or an OpenAPI 3.0 document (default: "+schemas.Network+" for a target on *.oryapis.com, else "+schemas.Kratos+")")
}

// openContract opens the contract a run against url is judged by
// (schemas.Choose).
func (t *targetFlags) openContract(url string) (*schemas.Set, error) {
	return openNamed("--contract", schemas.Choose(t.contract, url))
}

// httpClient carries every set-up and conformance call to the target: TLS
// as --insecure-skip-verify says, each call bounded by timeout.
func (t *targetFlags) httpClient(timeout time.Duration) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = t.tlsConfig()
	return &http.Client{Transport: tr, Timeout: timeout}
}

func (t *targetFlags) tlsConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: t.insecure}
}

// check makes sure, before a run starts anything, that the target (and its
// admin API, when there is one) is a Kratos that answers: one read-only
// call to each, bounded by timeout and ctx. Its error is one line saying
// what is wrong, with the flag that fixes it where there is one.
func (t *targetFlags) check(ctx context.Context, url string, timeout time.Duration) error {
	err := target.Check(ctx, target.Options{URL: url, AdminURL: t.adminURL, APIKey: t.apiKey, HTTPClient: t.httpClient(timeout)})
	var api *target.APIError
	if errors.As(err, &api) {
		flag := map[string]string{"public": "--target", "admin": "--admin-url"}[api.API]
		return fmt.Errorf("%s: %w%s", flag, api.Err, hint(err))
	}
	return err
}

// hint names the flag that accepts what made a call fail, if one does.
func hint(err error) string {
	var verify *tls.CertificateVerificationError
	if errors.As(err, &verify) {
		return " (--insecure-skip-verify accepts it, for a test target)"
	}
	return ""
}

func (t *targetFlags) resolve() error {
	if t.apiKey == "" {
		t.apiKey = os.Getenv("ORY_API_KEY")
	}
	if t.target != "" {
		if _, err := kratosclient.ParseBaseURL(t.target); err != nil {
			return fmt.Errorf("--target: %w", err)
		}
	}
	t.adminURL = target.Options{URL: t.target, AdminURL: t.adminURL, APIKey: t.apiKey}.AdminAPI()
	if t.adminURL != "" {
		if _, err := kratosclient.ParseBaseURL(t.adminURL); err != nil {
			return fmt.Errorf("--admin-url: %w", err)
		}
		if t.target == "" {
			return fmt.Errorf("--admin-url needs --target (or $ORY_SDK_URL)")
		}
	}
	return nil
}

// setupTimeout bounds one call of a conformance run or of a load run's
// set-up, as kratosclient does by default.
const setupTimeout = 30 * time.Second

// options are the target.Options of the flags: the target, its admin API
// and API key, and the client of every call to them, each call bounded by
// timeout. With no --target, URL is "" and target.Open starts the local
// Kratos of Profiles, which the caller sets.
func (t *targetFlags) options(timeout time.Duration) (target.Options, error) {
	if err := t.resolve(); err != nil {
		return target.Options{}, err
	}
	return target.Options{URL: t.target, AdminURL: t.adminURL, APIKey: t.apiKey, HTTPClient: t.httpClient(timeout)}, nil
}
