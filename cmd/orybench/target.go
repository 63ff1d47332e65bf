package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/reports"
	"github.com/orybench/orybench/suites"
)

// targetFlags are how every command is pointed at a Kratos: self-hosted
// (--target and --admin-url) or Ory Network (ORY_SDK_URL and ORY_API_KEY,
// whose admin API lives on the same host under /admin).
type targetFlags struct {
	target   string
	adminURL string
	apiKey   string
}

func (t *targetFlags) register(f *pflag.FlagSet) {
	f.StringVar(&t.target, "target", os.Getenv("ORY_SDK_URL"), "public URL of the Kratos / Ory Network project ($ORY_SDK_URL); empty starts a local Kratos")
	f.StringVar(&t.adminURL, "admin-url", "", "admin API URL (self-hosted Kratos); with an API key it defaults to --target")
	f.StringVar(&t.apiKey, "api-key", "", "admin API key, sent as a bearer token (default $ORY_API_KEY)")
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
	if t.adminURL == "" && t.apiKey != "" && t.target != "" {
		t.adminURL = t.target // Ory Network: /admin on the project URL
	}
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

func (t *targetFlags) suiteOptions() (suites.Options, error) {
	if err := t.resolve(); err != nil {
		return suites.Options{}, err
	}
	return suites.Options{Target: t.target, AdminURL: t.adminURL, APIKey: t.apiKey}, nil
}

func (t *targetFlags) info(opts suites.Options) reports.TargetInfo {
	info := reports.TargetInfo{URL: t.target, AdminURL: t.adminURL, Local: t.target == ""}
	if info.Local {
		info.URL = "local Kratos v1.3.1"
		info.Profiles = opts.Profiles
		if len(info.Profiles) == 0 {
			info.Profiles = suites.LocalProfileNames()
		}
	}
	for _, c := range opts.Capabilities {
		info.Capabilities = append(info.Capabilities, string(c))
	}
	for _, c := range opts.Without {
		info.Capabilities = append(info.Capabilities, "-"+string(c))
	}
	return info
}
