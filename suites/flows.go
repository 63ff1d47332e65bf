package suites

import "net/url"

// flowIDFromLocation reads the ?flow= (or ?id=) of a redirect target.
func flowIDFromLocation(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	if id := u.Query().Get("flow"); id != "" {
		return id
	}
	return u.Query().Get("id")
}
