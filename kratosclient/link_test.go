package kratosclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAMailedLinkIsSubmittedOrFollowedOnTheBaseURL: UpdateFlowWithToken
// is the documented POST with the flow and token query parameters;
// FollowLink is a GET of the link's path and query on the client's base
// URL (a prefix included), whatever host the link names.
func TestAMailedLinkIsSubmittedOrFollowedOnTheBaseURL(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		w.WriteHeader(http.StatusSeeOther)
	}))
	defer srv.Close()
	c, err := New(srv.URL+"/kratos", Browser)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.UpdateFlowWithToken(ctx, Recovery, "f1", "t1", c.Submission(Fields{"method": "link"})); err != nil {
		t.Fatal(err)
	}
	if _, err := c.FollowLink(ctx, "https://auth.example.com/kratos/self-service/verification?flow=f2&token=t2"); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /kratos/self-service/recovery?flow=f1&token=t1",
		"GET /kratos/self-service/verification?flow=f2&token=t2",
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("requests %q, want %q", got, want)
	}
}
