package kratosclient

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
)

// Body is a request body exactly as it will be sent.
type Body struct {
	ContentType string
	Data        []byte
}

// JSONBody encodes v as a JSON body. A value that cannot be encoded (a channel,
// a func) is a programming error: it yields an empty object.
func JSONBody(v any) *Body {
	data, err := json.Marshal(v)
	if err != nil {
		data = []byte("{}")
	}
	return &Body{ContentType: "application/json", Data: data}
}

// FormBody encodes v as an application/x-www-form-urlencoded body.
func FormBody(v url.Values) *Body {
	return &Body{ContentType: "application/x-www-form-urlencoded", Data: []byte(v.Encode())}
}

// RawBody sends data as it is, with the given Content-Type ("" sends none).
func RawBody(contentType string, data []byte) *Body {
	return &Body{ContentType: contentType, Data: data}
}

// Fields are the values a user submits to a flow, e.g.
// {"method": "password", "identifier": ..., "password": ...}. Nested objects
// (traits) are written with dots in forms, as Kratos's own UI does.
type Fields map[string]any

// Submission encodes fields as the client's mode submits a flow: JSON for
// native apps and SPAs, a form for browsers. Browser and SPA clients add the
// CSRF token of the last flow they fetched unless fields already carry a
// "csrf_token" key (set it to "" to send an empty one).
func (c *Client) Submission(fields Fields) *Body {
	f := make(Fields, len(fields)+1)
	for k, v := range fields {
		f[k] = v
	}
	if _, ok := f["csrf_token"]; !ok && c.mode != Native {
		if tok := c.CSRFToken(); tok != "" {
			f["csrf_token"] = tok
		}
	}
	if c.mode == Browser {
		form := url.Values{}
		flatten(form, "", map[string]any(f))
		return FormBody(form)
	}
	return JSONBody(map[string]any(f))
}

// flatten writes v into form with dotted keys ("traits.name.first").
func flatten(form url.Values, prefix string, v any) {
	switch t := v.(type) {
	case Fields:
		flatten(form, prefix, map[string]any(t))
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(form, key, t[k])
		}
	case nil:
	case string:
		form.Add(prefix, t)
	case bool:
		form.Add(prefix, strconv.FormatBool(t))
	case []string:
		for _, s := range t {
			form.Add(prefix, s)
		}
	default:
		data, _ := json.Marshal(t)
		form.Add(prefix, string(data))
	}
}
