package target

import (
	"context"

	"github.com/orybench/orybench/kratosclient"
)

// APIError says which API of a target is not a usable Kratos API, and why.
type APIError struct {
	// API is "public" or "admin".
	API string
	Err error
}

func (e *APIError) Error() string { return e.API + " API: " + e.Err.Error() }
func (e *APIError) Unwrap() error { return e.Err }

// Check asks a remote target's public API, and its admin API when there is
// one, one read-only question each (kratosclient's Check), before anything
// is made on it, and says in one line why either is not a usable Kratos
// API: an *APIError.
func Check(ctx context.Context, o Options) error {
	return check(ctx, o, o.clientOptions())
}

// clientOptions are what every client of a remote target is given: the
// HTTP client's transport and timeout, and the Basic credentials of its
// hosts.
func (o Options) clientOptions() []kratosclient.Option {
	opts := []kratosclient.Option{kratosclient.WithBasicAuth(o.BasicAuth...)}
	if o.HTTPClient != nil {
		opts = append(opts, kratosclient.WithHTTPClient(o.HTTPClient))
	}
	return opts
}

// check is Check with the clients' options (a set's pace).
func check(ctx context.Context, o Options, opts []kratosclient.Option) error {
	pub, err := kratosclient.New(o.URL, kratosclient.Native, opts...)
	if err == nil {
		err = pub.Check(ctx)
	}
	if err != nil {
		return &APIError{API: "public", Err: err}
	}
	if adminURL := o.AdminAPI(); adminURL != "" {
		admin, err := kratosclient.NewAdmin(adminURL, o.APIKey, opts...)
		if err == nil {
			err = admin.Check(ctx)
		}
		if err != nil {
			return &APIError{API: "admin", Err: err}
		}
	}
	return nil
}

// AdminAPI is the admin API o points at: AdminURL, or on Ory Network,
// where an API key is given without one, the public URL (whose /admin
// paths are the admin API).
func (o Options) AdminAPI() string {
	if o.AdminURL == "" && o.APIKey != "" {
		return o.URL
	}
	return o.AdminURL
}
