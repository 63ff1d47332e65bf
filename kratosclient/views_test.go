package kratosclient

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// recorded is a body a real Kratos v1.3.1 answered, recorded in
// schemas/testdata (schemas/testdata/record.sh), as a JSON answer.
func recorded(t *testing.T, name string, status int) *Response {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "schemas", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Method: "GET", URL: "http://kratos/", Status: status, Header: http.Header{"Content-Type": {"application/json"}}, Body: body}
}

func TestFlowView(t *testing.T) {
	for _, tc := range []struct {
		file              string
		status            int
		typ, state        string
		groups, providers []string
		csrf, totp        bool
		messages          []int
		nodeMessages      map[string][]int
		inputs            []string
	}{
		{file: "createNativeLoginFlow.200.native.json", status: 200, typ: "api", state: "choose_method",
			groups: []string{"oidc", "password"}, providers: []string{"github"}, inputs: []string{"csrf_token", "identifier", "method", "password", "provider"}},
		{file: "createBrowserLoginFlow.200.spa.json", status: 200, typ: "browser", csrf: true},
		{file: "createNativeSettingsFlow.200.native.json", status: 200, typ: "api", state: "show_form",
			groups: []string{"profile", "password", "lookup_secret", "totp"}, totp: true},
		{file: "updateLoginFlow.400.wrong-password.json", status: 400, typ: "api", messages: []int{4000006}},
		{file: "updateRegistrationFlow.400.invalid-email.json", status: 400, typ: "api", nodeMessages: map[string][]int{"traits.email": {4000001}, "password": nil}},
	} {
		r := recorded(t, tc.file, tc.status)
		fl, err := r.Flow()
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if fl.ID == "" || fl.Type != tc.typ || (tc.state != "" && fl.State != tc.state) {
			t.Errorf("%s: id %q type %q state %q", tc.file, fl.ID, fl.Type, fl.State)
		}
		if tc.groups != nil && !slices.Equal(fl.UI.Groups(), tc.groups) {
			t.Errorf("%s: groups %v, want %v", tc.file, fl.UI.Groups(), tc.groups)
		}
		if tc.providers != nil && !slices.Equal(fl.UI.Providers(), tc.providers) {
			t.Errorf("%s: providers %v, want %v", tc.file, fl.UI.Providers(), tc.providers)
		}
		if got := fl.UI.CSRFToken() != ""; got != tc.csrf || CSRFTokenOf(r.Body) != fl.UI.CSRFToken() {
			t.Errorf("%s: CSRF token present %t, want %t", tc.file, got, tc.csrf)
		}
		if got := fl.UI.TOTPSecret(); (got != "") != tc.totp {
			t.Errorf("%s: TOTP secret %q", tc.file, got)
		}
		if !slices.Equal(fl.UI.MessageIDs(), tc.messages) {
			t.Errorf("%s: messages %v, want %v", tc.file, fl.UI.MessageIDs(), tc.messages)
		}
		for name, want := range tc.nodeMessages {
			if got := fl.UI.NodeMessageIDs(name); !slices.Equal(got, want) {
				t.Errorf("%s: messages on %s %v, want %v", tc.file, name, got, want)
			}
		}
		if tc.inputs != nil && !slices.Equal(fl.UI.Inputs(""), tc.inputs) {
			t.Errorf("%s: inputs %v, want %v", tc.file, fl.UI.Inputs(""), tc.inputs)
		}
	}
	if got := recorded(t, "createNativeRegistrationFlow.200.native.json", 200); !slices.Contains(mustFlow(t, got).UI.Inputs("traits."), "email") {
		t.Errorf("registration traits %v", mustFlow(t, got).UI.Inputs("traits."))
	}
}

func mustFlow(t *testing.T, r *Response) Flow {
	t.Helper()
	fl, err := r.Flow()
	if err != nil {
		t.Fatal(err)
	}
	return fl
}

func TestSessionAndSuccessViews(t *testing.T) {
	s, err := recorded(t, "toSession.200.token.json", 200).Session()
	if err != nil || !s.Active || s.ID == "" || s.IdentityID() == "" || s.AuthenticatorAssuranceLevel != "aal1" || s.AuthenticatedAt.IsZero() {
		t.Errorf("session %+v, %v", s, err)
	}
	if len(s.Identity.VerifiableAddresses) != 1 || s.Identity.VerifiableAddresses[0].Via != "email" {
		t.Errorf("verifiable addresses %+v", s.Identity.VerifiableAddresses)
	}
	ok, err := recorded(t, "updateLoginFlow.200.native.json", 200).Success()
	if err != nil || ok.SessionToken == "" || ok.IdentityID() == "" || ok.IdentityID() != ok.Session.IdentityID() {
		t.Errorf("login success %+v, %v", ok, err)
	}
	reg, err := recorded(t, "updateRegistrationFlow.200.native.json", 200).Success()
	if err != nil || reg.Identity == nil || reg.IdentityID() != reg.Identity.ID || len(reg.ContinueWith) == 0 {
		t.Errorf("registration success %+v, %v", reg, err)
	}
}

func TestErrorBodyAndExplain(t *testing.T) {
	gone := recorded(t, "getLoginFlow.410.expired-api.json", 410)
	if e := gone.ErrorBody(); e.Error.ID != "self_service_flow_expired" || e.Error.Code != 410 || e.Error.Details["api"] == nil {
		t.Errorf("410 error body %+v", e)
	}
	oidc := recorded(t, "updateLoginFlow.422.oidc.json", 422)
	if e := oidc.ErrorBody(); e.Error.ID != "browser_location_change_required" || e.RedirectBrowserTo == "" {
		t.Errorf("422 error body %+v", e)
	}
	if e := recorded(t, "toSession.200.token.json", 200).ErrorBody(); e.Error.ID != "" || e.Error.Code != 0 {
		t.Errorf("a session read as an error: %+v", e)
	}
	for _, tc := range []struct {
		r    *Response
		want []string
	}{
		{gone, []string{"status 410", "error self_service_flow_expired: The login flow has expired."}},
		{recorded(t, "updateRegistrationFlow.400.invalid-email.json", 400), []string{"status 400", "traits.email: 4000001"}},
		{&Response{Status: 502, Body: []byte("<html>bad gateway</html>")}, []string{"status 502"}},
	} {
		got := tc.r.Explain()
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("Explain() = %q, want it to hold %q", got, w)
			}
		}
		if strings.Contains(got, "ory_st_") || strings.Contains(got, "<html>") {
			t.Errorf("Explain() quotes the body: %q", got)
		}
	}
}
