package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/orybench/orybench/internal/redact"
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

	flags *pflag.FlagSet // where the flags were registered
	// source says where target came from once resolved: "--target",
	// "$ORY_SDK_URL", or with none the local Kratos of "--profile" or of
	// the "default" profiles; envIgnored that $ORY_SDK_URL was set and left
	// for the local profiles asked for.
	source     string
	envIgnored bool
	// basicAuth is the user information resolve split off --target and
	// --admin-url: target and adminURL name no user.
	basicAuth []kratosclient.BasicAuth
	// adminOnly: the command calls the admin API alone (cleanup), so an
	// --admin-url needs no --target beside it.
	adminOnly bool
}

func (t *targetFlags) register(f *pflag.FlagSet) {
	t.flags = f
	f.StringVar(&t.target, "target", "", "public URL of the Kratos / Ory Network project (default $ORY_SDK_URL, unless --profile is given; none starts a local Kratos); a user:password@ in it goes as HTTP Basic auth to its host only, written nowhere")
	f.StringVar(&t.adminURL, "admin-url", "", "admin API URL (self-hosted Kratos), with a user and password as --target; with an API key it defaults to --target")
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
	return t.checkFrom(ctx, url, t.source, timeout)
}

// checkFrom is check for a public URL that came from elsewhere than the
// target flags: from, e.g. a scenario file's target, is what a failure
// blames.
func (t *targetFlags) checkFrom(ctx context.Context, url, from string, timeout time.Duration) error {
	err := target.Check(ctx, target.Options{URL: url, AdminURL: t.adminURL, APIKey: t.apiKey, BasicAuth: t.basicAuth, HTTPClient: t.httpClient(timeout)})
	var api *target.APIError
	if errors.As(err, &api) {
		flag := map[string]string{"public": from, "admin": "--admin-url"}[api.API]
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

// resolve reads the environment where the flags leave it to
// ($ORY_SDK_URL, $ORY_API_KEY; $ORY_SDK_URL not when profiles, local
// profiles, are asked for) and checks the URLs, splitting off the user
// information of each into basicAuth. Call it once, before anything else.
func (t *targetFlags) resolve(profiles bool) error {
	if t.apiKey == "" {
		t.apiKey = os.Getenv("ORY_API_KEY")
	}
	switch env := os.Getenv("ORY_SDK_URL"); {
	case t.flags.Changed("target"):
		t.source = "--target"
	case profiles:
		t.envIgnored = env != ""
	default:
		t.target, t.source = env, "$ORY_SDK_URL"
	}
	switch {
	case t.target != "":
	case profiles:
		t.source = "--profile"
	default:
		t.source = "default"
	}
	var err error
	if t.target, err = t.splitUserinfo(t.target); err != nil {
		return fmt.Errorf("%s: %w", t.source, err)
	}
	t.adminURL = target.Options{URL: t.target, AdminURL: t.adminURL, APIKey: t.apiKey}.AdminAPI()
	if t.adminURL != "" {
		if t.adminURL, err = t.splitUserinfo(t.adminURL); err != nil {
			return fmt.Errorf("--admin-url: %w", err)
		}
		if t.target == "" && !t.adminOnly {
			return fmt.Errorf("--admin-url needs --target (or $ORY_SDK_URL)")
		}
	}
	return nil
}

// splitUserinfo returns raw ("" stays "") without its user information,
// which it adds to basicAuth.
func (t *targetFlags) splitUserinfo(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	clean, auth, err := kratosclient.SplitUserinfo(raw)
	if auth != nil && !slices.Contains(t.basicAuth, *auth) {
		t.basicAuth = append(t.basicAuth, *auth)
	}
	return clean, err
}

// origin says where a run's target comes from: "http://host (from
// --target)", "https://project.oryapis.com (from $ORY_SDK_URL)", or the
// local profiles it starts (none given: defaults) and why.
func (t *targetFlags) origin(profiles, defaults []string) string {
	if t.target != "" {
		return fmt.Sprintf("%s (from %s%s)", t.target, t.source, t.credentials())
	}
	if len(profiles) == 0 {
		profiles = defaults
	}
	s := "local Kratos, profile"
	if len(profiles) > 1 {
		s += "s"
	}
	s += " " + strings.Join(profiles, ", ")
	if t.envIgnored {
		return s + " (--profile; $ORY_SDK_URL ignored)"
	}
	return s + " (no --target or $ORY_SDK_URL)"
}

// credentials names the users whose Basic credentials a run sends, if any.
func (t *targetFlags) credentials() string {
	var s []string
	for _, a := range t.basicAuth {
		s = append(s, a.String())
	}
	if len(s) == 0 {
		return ""
	}
	return "; HTTP Basic authentication as " + strings.Join(s, ", ")
}

// pacing says how a conformance run paces its requests: at most rps a
// second (0: unpaced), which set says --max-rps gave, else the default for
// a run against url (target.DefaultMaxRPS; "" is local Kratos).
func pacing(rps float64, url string, set bool) string {
	switch {
	case set && rps > 0:
		return fmt.Sprintf("paced at %g requests/s (--max-rps)", rps)
	case set:
		return "unpaced (--max-rps 0)"
	case rps > 0:
		return fmt.Sprintf("paced at %g requests/s (the default for a remote target; --max-rps changes it)", rps)
	case url == "":
		return "unpaced (the default for local Kratos; --max-rps paces it)"
	case target.IsLoopback(url):
		return "unpaced (the default for a target on loopback; --max-rps paces it)"
	}
	return "unpaced"
}

// setupTimeout bounds one call of a conformance run or of a load run's
// set-up, as kratosclient does by default.
const setupTimeout = 30 * time.Second

// options are the target.Options of the flags: the target, its admin API
// and API key, and the client of every call to them, each call bounded by
// timeout. With no --target, URL is "" and target.Open starts the local
// Kratos of Profiles, which the caller sets. resolve comes first.
func (t *targetFlags) options(timeout time.Duration) target.Options {
	return target.Options{URL: t.target, AdminURL: t.adminURL, APIKey: t.apiKey, BasicAuth: t.basicAuth, HTTPClient: t.httpClient(timeout)}
}

// noteLeftovers says, after a run against a target without an admin API,
// that the test identities it made stay there, and how to remove them.
func (t *targetFlags) noteLeftovers(w io.Writer) {
	if t.target == "" || t.adminURL != "" {
		return
	}
	fmt.Fprintf(w, "note: without an admin API, the test identities this run made stay on %s; "+
		"`orybench cleanup --admin-url ADMIN_URL --older-than 0s` (or $ORY_SDK_URL with $ORY_API_KEY) removes them, and only them\n", redact.URL(t.target))
}
