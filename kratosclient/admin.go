package kratosclient

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Admin calls the Kratos admin API: self-hosted Kratos serves it on its own
// port, Ory Network on the project URL under /admin with an API key. Either
// way the paths are /admin/..., which Kratos's admin port also serves.
type Admin struct {
	c *Client
}

// NewAdmin returns an admin client for baseURL. apiKey, when set, is sent as
// a bearer token (Ory Network); self-hosted Kratos usually needs none.
func NewAdmin(baseURL, apiKey string, opts ...Option) (*Admin, error) {
	if apiKey != "" {
		opts = append(opts, WithHeader("Authorization", "Bearer "+apiKey))
	}
	c, err := New(baseURL, Native, opts...)
	if err != nil {
		return nil, err
	}
	return &Admin{c: c}, nil
}

// BaseURL is the admin API's base URL.
func (a *Admin) BaseURL() string { return a.c.BaseURL() }

// StatusError is an unexpected answer from an admin call.
type StatusError struct {
	Op     string
	Status int
	Body   string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("admin %s: unexpected status %d", e.Op, e.Status)
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusForbidden {
		msg += " (the admin API refused the API key: check --api-key / ORY_API_KEY)"
	}
	return msg
}

// Unwrap is ErrRateLimited for a 429, which the client returns only once
// it has given up.
func (e *StatusError) Unwrap() error {
	if e.Status == http.StatusTooManyRequests {
		return ErrRateLimited
	}
	return nil
}

func expect(op string, r *Response, err error, statuses ...int) (*Response, error) {
	if err != nil {
		return nil, err
	}
	for _, s := range statuses {
		if r.Status == s {
			return r, nil
		}
	}
	body := string(r.Body)
	if len(body) > 200 {
		body = body[:200]
	}
	return nil, &StatusError{Op: op, Status: r.Status, Body: body}
}

// Identity is the part of an identity orybench reads.
type Identity struct {
	ID        string         `json:"id"`
	SchemaID  string         `json:"schema_id"`
	Traits    map[string]any `json:"traits"`
	CreatedAt time.Time      `json:"created_at"`
	// MetadataAdmin is the identity's admin metadata (the admin API's
	// answers carry it; null or absent when it has none).
	MetadataAdmin json.RawMessage `json:"metadata_admin,omitempty"`
	// VerifiableAddresses are the addresses the identity can verify, each
	// with whether it has.
	VerifiableAddresses []VerifiableAddress `json:"verifiable_addresses"`
}

// VerifiableAddress is one of an identity's addresses and its
// verification: Status is "pending", "sent" or "completed".
type VerifiableAddress struct {
	Value    string `json:"value"`
	Via      string `json:"via"`
	Verified bool   `json:"verified"`
	Status   string `json:"status"`
}

// ListIdentities pages through every identity, or only the one whose
// credentials identifier equals identifier when it is not empty.
func (a *Admin) ListIdentities(ctx context.Context, identifier string) ([]Identity, error) {
	q := url.Values{"page_size": {"250"}}
	if identifier != "" {
		q.Set("credentials_identifier", identifier)
	}
	return Pages[Identity](ctx, "list identities", q, 10000, func(ctx context.Context, q url.Values) (*Response, error) {
		return a.c.do(ctx, request{method: http.MethodGet, path: "/admin/identities", query: q})
	})
}

// Pages calls list with q, then with the page_token of each answer's
// rel="next" Link header, until a page comes back empty or without a next
// link, and returns every page's items. An answer other than 200 is an
// error naming op, and so is a list longer than maxPages pages.
func Pages[T any](ctx context.Context, op string, q url.Values, maxPages int, list func(context.Context, url.Values) (*Response, error)) ([]T, error) {
	q = maps.Clone(q)
	var all []T
	for range maxPages {
		r, err := list(ctx, q)
		if r, err = expect(op, r, err, http.StatusOK); err != nil {
			return nil, err
		}
		var batch []T
		if err := r.Decode(&batch); err != nil {
			return nil, err
		}
		all = append(all, batch...)
		next := nextPageToken(r.Header)
		if next == "" || len(batch) == 0 {
			return all, nil
		}
		q.Set("page_token", next)
	}
	return all, fmt.Errorf("%s: more than %d pages", op, maxPages)
}

// nextPageToken reads the page_token of the rel="next" Link header.
func nextPageToken(h http.Header) string {
	for _, link := range h.Values("Link") {
		for _, part := range splitLinks(link) {
			if part.rel == "next" {
				if u, err := url.Parse(part.url); err == nil {
					return u.Query().Get("page_token")
				}
			}
		}
	}
	return ""
}

// DeleteIdentity deletes an identity; deleting one that is gone is not an error.
func (a *Admin) DeleteIdentity(ctx context.Context, id string) error {
	r, err := a.c.do(ctx, request{method: http.MethodDelete, path: "/admin/identities/" + url.PathEscape(id)})
	_, err = expect("delete identity", r, err, http.StatusNoContent, http.StatusNotFound)
	return err
}

// CreateIdentity creates an identity with a password credential (none for
// "") and admin metadata (none for nil).
func (a *Admin) CreateIdentity(ctx context.Context, schemaID string, traits map[string]any, password string, metadataAdmin any) (*Identity, error) {
	body := map[string]any{"schema_id": schemaID, "traits": traits}
	if metadataAdmin != nil {
		body["metadata_admin"] = metadataAdmin
	}
	if password != "" {
		body["credentials"] = map[string]any{"password": map[string]any{"config": map[string]any{"password": password}}}
	}
	r, err := a.c.do(ctx, request{method: http.MethodPost, path: "/admin/identities", body: JSONBody(body)})
	if r, err = expect("create identity", r, err, http.StatusCreated); err != nil {
		return nil, err
	}
	var id Identity
	return &id, r.Decode(&id)
}

// CourierMessage is a message Kratos's courier queued or sent.
type CourierMessage struct {
	ID           string    `json:"id"`
	Recipient    string    `json:"recipient"`
	TemplateType string    `json:"template_type"`
	Subject      string    `json:"subject"`
	Body         string    `json:"body"`
	CreatedAt    time.Time `json:"created_at"`
}

// ListCourierMessages lists the messages sent to recipient, newest first.
func (a *Admin) ListCourierMessages(ctx context.Context, recipient string) ([]CourierMessage, error) {
	q := url.Values{"recipient": {recipient}, "page_size": {"100"}}
	r, err := a.c.do(ctx, request{method: http.MethodGet, path: "/admin/courier/messages", query: q})
	if r, err = expect("list courier messages", r, err, http.StatusOK); err != nil {
		return nil, err
	}
	var msgs []CourierMessage
	return msgs, r.Decode(&msgs)
}

// Health is GET /health/ready on the admin API.
func (a *Admin) Health(ctx context.Context) error {
	r, err := a.c.do(ctx, request{method: http.MethodGet, path: "/health/ready"})
	_, err = expect("health", r, err, http.StatusOK)
	return err
}

// Version is GET /version on the admin API ("" when it does not say).
func (a *Admin) Version(ctx context.Context) (string, error) {
	r, err := a.c.do(ctx, request{method: http.MethodGet, path: "/version"})
	if r, err = expect("version", r, err, http.StatusOK); err != nil {
		return "", err
	}
	var v struct {
		Version string `json:"version"`
	}
	return v.Version, r.Decode(&v)
}

type link struct{ url, rel string }

// splitLinks parses an RFC 8288 Link header value well enough for Kratos's
// pagination links: <url>; rel="next",<url>; rel="first".
func splitLinks(h string) []link {
	var out []link
	for _, part := range strings.Split(h, ",") {
		target, params, ok := strings.Cut(part, ";")
		if !ok {
			continue
		}
		l := link{url: strings.Trim(strings.TrimSpace(target), "<>")}
		for _, p := range strings.Split(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && k == "rel" {
				l.rel = strings.Trim(v, `"`)
			}
		}
		out = append(out, l)
	}
	return out
}
