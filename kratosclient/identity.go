package kratosclient

import (
	"context"
	"net/url"
)

// The two public IdentityApi operations: the identity schemas a deployment
// serves, which tell orybench what traits its test identities need.

// ListIdentitySchemas is GET /schemas (listIdentitySchemas): every schema,
// each as {"id": ..., "schema": {...}}, paged with page_size/page_token.
func (c *Client) ListIdentitySchemas(ctx context.Context, q url.Values) (*Response, error) {
	return c.get(ctx, "/schemas", q)
}

// GetIdentitySchema is GET /schemas/{id} (getIdentitySchema): the schema
// document itself.
func (c *Client) GetIdentitySchema(ctx context.Context, id string) (*Response, error) {
	return c.get(ctx, "/schemas/"+url.PathEscape(id), nil)
}
