package identityschema

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/orybench/orybench/kratosclient"
)

// DefaultSchemaID is the id self-hosted Kratos configurations usually give
// the schema registration uses (identity.default_schema_id).
const DefaultSchemaID = "default"

// Fetch reads the identity schema the deployment behind c registers
// identities with. With id set, that schema (GET /schemas/{id}). Without,
// every schema the deployment lists (GET /schemas) and then: the only one;
// else the one called "default"; else the one whose traits are exactly the
// traits.* inputs of a new registration flow (what Ory Network, whose ids
// are not "default", needs); else an error listing the ids to choose from.
func Fetch(ctx context.Context, c *kratosclient.Client, id string) (*Schema, error) {
	if id != "" {
		r, err := c.GetIdentitySchema(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.Status != http.StatusOK {
			return nil, fmt.Errorf("getIdentitySchema %q: status %d", id, r.Status)
		}
		return Parse(id, r.Body)
	}
	listed, err := list(ctx, c)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, l := range listed {
		ids = append(ids, l.ID)
	}
	switch {
	case len(listed) == 0:
		return nil, fmt.Errorf("listIdentitySchemas: the target lists no identity schema")
	case len(listed) == 1:
		return Parse(listed[0].ID, listed[0].Schema)
	}
	if i := slices.Index(ids, DefaultSchemaID); i >= 0 {
		return Parse(listed[i].ID, listed[i].Schema)
	}
	inputs, err := registrationTraits(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("the target lists %d identity schemas (%s) and none is %q; %w: choose one with --schema-id", len(ids), strings.Join(ids, ", "), DefaultSchemaID, err)
	}
	var match *Schema
	for _, l := range listed {
		s, err := Parse(l.ID, l.Schema)
		if err != nil {
			continue
		}
		if slices.Equal(s.Leaves(), inputs) {
			if match != nil {
				return nil, fmt.Errorf("identity schemas %q and %q both fit the registration form: choose one with --schema-id", match.ID, s.ID)
			}
			match = s
		}
	}
	if match == nil {
		return nil, fmt.Errorf("none of the target's identity schemas (%s) has exactly the registration form's traits (%s): choose one with --schema-id", strings.Join(ids, ", "), strings.Join(inputs, ", "))
	}
	return match, nil
}

type listedSchema struct {
	ID     string          `json:"id"`
	Schema json.RawMessage `json:"schema"`
}

// list pages through GET /schemas.
func list(ctx context.Context, c *kratosclient.Client) ([]listedSchema, error) {
	return kratosclient.Pages[listedSchema](ctx, "listIdentitySchemas", url.Values{"page_size": {"100"}}, 100, c.ListIdentitySchemas)
}

// registrationTraits lists the traits.* inputs of a new registration flow,
// without the prefix, sorted.
func registrationTraits(ctx context.Context, c *kratosclient.Client) ([]string, error) {
	r, err := c.CreateNativeRegistrationFlow(ctx, nil)
	if err != nil {
		return nil, err
	}
	if r.Status != http.StatusOK {
		return nil, fmt.Errorf("a registration flow is not available to tell them apart (status %d)", r.Status)
	}
	fl, err := r.Flow()
	if err != nil {
		return nil, err
	}
	return fl.UI.Inputs("traits."), nil
}
