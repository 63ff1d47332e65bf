package schemas

import (
	"errors"
	"reflect"
	"testing"
)

// TestRecordedBodies checks every body recorded from Kratos v1.3.1 either
// validates or is explained by the listed deviations.
func TestRecordedBodies(t *testing.T) {
	tests := []struct {
		file    string
		op      string
		status  int
		want    Outcome
		wantDev []string // ids of the explaining deviations
	}{
		{"createNativeLoginFlow.200.native.json", "createNativeLoginFlow", 200, Passed, nil},
		{"createBrowserLoginFlow.200.spa.json", "createBrowserLoginFlow", 200, Passed, nil},
		{"createBrowserLoginFlow.400.return-to.json", "createBrowserLoginFlow", 400, Passed, nil},
		{"getLoginFlow.200.native.json", "getLoginFlow", 200, Passed, nil},
		{"getLoginFlow.404.unknown-id.json", "getLoginFlow", 404, Passed, nil},
		{"updateLoginFlow.200.spa.json", "updateLoginFlow", 200, Passed, nil},
		{"updateLoginFlow.400.wrong-password.json", "updateLoginFlow", 400, Passed, nil},
		{"createNativeRegistrationFlow.200.native.json", "createNativeRegistrationFlow", 200, Passed, nil},
		{"createBrowserRegistrationFlow.200.spa.json", "createBrowserRegistrationFlow", 200, Passed, nil},
		{"updateRegistrationFlow.200.native.json", "updateRegistrationFlow", 200, Passed, nil},
		{"updateRegistrationFlow.400.invalid-email.json", "updateRegistrationFlow", 400, Passed, nil},
		{"createNativeSettingsFlow.200.native.json", "createNativeSettingsFlow", 200, Passed, nil},
		{"updateSettingsFlow.200.profile.json", "updateSettingsFlow", 200, Passed, nil},
		{"updateSettingsFlow.400.invalid-email.json", "updateSettingsFlow", 400, Passed, nil},
		{"getSettingsFlow.401.no-session.json", "getSettingsFlow", 401, Passed, nil},
		{"createNativeRecoveryFlow.200.native.json", "createNativeRecoveryFlow", 200, Passed, nil},
		{"updateRecoveryFlow.200.sent-email.json", "updateRecoveryFlow", 200, Passed, nil},
		{"createNativeVerificationFlow.200.native.json", "createNativeVerificationFlow", 200, Passed, nil},
		{"updateVerificationFlow.200.sent-email.json", "updateVerificationFlow", 200, Passed, nil},
		{"getVerificationFlow.200.native.json", "getVerificationFlow", 200, Passed, nil},
		{"toSession.200.token.json", "toSession", 200, Passed, nil},
		{"toSession.401.no-session.json", "toSession", 401, Passed, nil},
		{"listMySessions.200.token.json", "listMySessions", 200, Passed, nil},
		{"disableMySession.400.current.json", "disableMySession", 400, Passed, nil},
		{"disableMyOtherSessions.200.token.json", "disableMyOtherSessions", 200, Passed, nil},
		{"createBrowserLogoutFlow.200.cookie.json", "createBrowserLogoutFlow", 200, Passed, nil},
		{"getFlowError.200.stub.json", "getFlowError", 200, Passed, nil},
		// expired submit: errorGeneric plus expired_at, since, use_flow_id
		{"updateLoginFlow.410.expired-api.json", "updateLoginFlow", 410, Passed, nil},

		{"updateLoginFlow.422.oidc.json", "updateLoginFlow", 422, ExpectedFailure, []string{"location-change-error-nesting"}},
		{"updateRegistrationFlow.422.oidc.json", "updateRegistrationFlow", 422, ExpectedFailure, []string{"location-change-error-nesting"}},
		{"updateRecoveryFlow.422.code.json", "updateRecoveryFlow", 422, ExpectedFailure, []string{"location-change-error-nesting"}},
		{"updateSettingsFlow.422.oidc-link.json", "updateSettingsFlow", 422, ExpectedFailure, []string{"location-change-error-nesting"}},
		{"getLoginFlow.403.csrf.json", "getLoginFlow", 403, ExpectedFailure, []string{"generic-error-details-closed"}},
		{"toSession.403.aal2-required.json", "toSession", 403, ExpectedFailure, []string{"generic-error-details-closed"}},
		{"getLoginFlow.410.expired-api.json", "getLoginFlow", 410, ExpectedFailure, []string{"generic-error-details-closed"}},
		{"getSettingsFlow.410.expired-api.json", "getSettingsFlow", 410, ExpectedFailure, []string{"generic-error-details-closed"}},
		{"getRecoveryFlow.410.expired-api.json", "getRecoveryFlow", 410, ExpectedFailure, []string{"generic-error-details-closed"}},
		{"updateLoginFlow.200.native.json", "updateLoginFlow", 200, ExpectedFailure, []string{"native-login-continue-with-null"}},
		{"updateLoginFlow.200.native-aal1.json", "updateLoginFlow", 200, ExpectedFailure, []string{"native-login-continue-with-null", "native-login-aal1-identity-null"}},
		{"updateLoginFlow.400.missing-flow.json", "updateLoginFlow", 400, ExpectedFailure, []string{"submit-error-generic-for-flow"}},
		{"updateRegistrationFlow.400.missing-flow.json", "updateRegistrationFlow", 400, ExpectedFailure, []string{"submit-error-generic-for-flow"}},
		{"getWebAuthnJavaScript.200.body", "getWebAuthnJavaScript", 200, ExpectedFailure, []string{"webauthn-js-not-json"}},
		// undocumented: a CSRF 403 on submit falls to the default response
		{"updateLoginFlow.403.csrf-missing.json", "updateLoginFlow", 403, ExpectedFailure, []string{"generic-error-details-closed"}},
	}
	s := defaultSet(t)
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := recorded(t, tt.file)
			got, err := s.Judge(tt.op, tt.status, body)
			if err != nil {
				t.Fatalf("Judge: %v", err)
			}
			if got.Outcome != tt.want {
				t.Fatalf("outcome = %s, want %s; violations %v", got.Outcome, tt.want, got.Violations)
			}
			var ids []string
			for _, d := range got.Deviations {
				ids = append(ids, d.ID)
			}
			if !reflect.DeepEqual(ids, tt.wantDev) {
				t.Errorf("deviations = %v, want %v", ids, tt.wantDev)
			}
			err = s.Validate(tt.op, tt.status, body)
			switch {
			case tt.want == Passed && err != nil:
				t.Errorf("Validate = %v, want nil", err)
			case tt.want != Passed && err == nil:
				t.Errorf("Validate = nil, want an error")
			}
		})
	}
}

// TestMutatedBodies breaks recorded bodies in one place and checks the
// violation's pointer, rule and found.
func TestMutatedBodies(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		op     string
		status int
		change func(m map[string]any)
		want   Violation // Expected is not compared
	}{
		{
			name: "required field dropped", file: "createNativeLoginFlow.200.native.json", op: "createNativeLoginFlow", status: 200,
			change: func(m map[string]any) { delete(m, "ui") },
			want:   Violation{Pointer: "/ui", Rule: "required", Found: "missing"},
		},
		{
			name: "nested required field dropped", file: "toSession.200.token.json", op: "toSession", status: 200,
			change: func(m map[string]any) { delete(obj(m, "identity"), "schema_id") },
			want:   Violation{Pointer: "/identity/schema_id", Rule: "required", Found: "missing"},
		},
		{
			name: "error message dropped", file: "getLoginFlow.404.unknown-id.json", op: "getLoginFlow", status: 404,
			change: func(m map[string]any) { delete(obj(m, "error"), "message") },
			want:   Violation{Pointer: "/error/message", Rule: "required", Found: "missing"},
		},
		{
			name: "wrong type", file: "createNativeLoginFlow.200.native.json", op: "createNativeLoginFlow", status: 200,
			change: func(m map[string]any) { m["refresh"] = "yes" },
			want:   Violation{Pointer: "/refresh", Rule: "type", Found: "string"},
		},
		{
			name: "wrong type inside a oneOf ui node", file: "createNativeLoginFlow.200.native.json", op: "createNativeLoginFlow", status: 200,
			change: func(m map[string]any) { obj(m, "ui", "nodes", 0, "attributes")["disabled"] = "no" },
			want:   Violation{Pointer: "/ui/nodes/0/attributes/disabled", Rule: "type", Found: "string"},
		},
		{
			name: "enum violated", file: "toSession.200.token.json", op: "toSession", status: 200,
			change: func(m map[string]any) { m["authenticator_assurance_level"] = "aal9" },
			want:   Violation{Pointer: "/authenticator_assurance_level", Rule: "enum", Found: `"aal9"`},
		},
		{
			name: "enum violated in identity", file: "toSession.200.token.json", op: "toSession", status: 200,
			change: func(m map[string]any) { obj(m, "identity")["state"] = "frozen" },
			want:   Violation{Pointer: "/identity/state", Rule: "enum", Found: `"frozen"`},
		},
		{
			name: "bad date-time", file: "createNativeLoginFlow.200.native.json", op: "createNativeLoginFlow", status: 200,
			change: func(m map[string]any) { m["expires_at"] = "tomorrow" },
			want:   Violation{Pointer: "/expires_at", Rule: "format", Found: `"tomorrow"`},
		},
		{
			name: "bad uuid", file: "toSession.200.token.json", op: "toSession", status: 200,
			change: func(m map[string]any) { m["id"] = "not-a-uuid" },
			want:   Violation{Pointer: "/id", Rule: "format", Found: `"not-a-uuid"`},
		},
		{
			name: "null where not nullable", file: "createNativeLoginFlow.200.native.json", op: "createNativeLoginFlow", status: 200,
			change: func(m map[string]any) { m["ui"] = nil },
			want:   Violation{Pointer: "/ui", Rule: "type", Found: "null"},
		},
		{
			name: "nullable still typed", file: "createNativeLoginFlow.200.native.json", op: "createNativeLoginFlow", status: 200,
			change: func(m map[string]any) { m["organization_id"] = 42 },
			want:   Violation{Pointer: "/organization_id", Rule: "type", Found: "integer"},
		},
		{
			name: "member name escaped in pointer", file: "getLoginFlow.404.unknown-id.json", op: "getLoginFlow", status: 404,
			change: func(m map[string]any) { obj(m, "error")["details"] = map[string]any{"a/b~c": 1} },
			want:   Violation{Pointer: "/error/details/a~1b~0c", Rule: "additionalProperties", Found: "present"},
		},
	}
	s := defaultSet(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Validate(tt.op, tt.status, mutated(t, tt.file, tt.change))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			if !hasViolation(ve.Violations, tt.want) {
				t.Errorf("violations = %v, want one with %+v", ve.Violations, tt.want)
			}
			if v, _ := s.Judge(tt.op, tt.status, mutated(t, tt.file, tt.change)); v.Outcome != Failed {
				t.Errorf("Judge outcome = %s, want %s", v.Outcome, Failed)
			}
		})
	}
}

// TestMutatedArray: listMySessions 200 is an array of sessions.
func TestMutatedArray(t *testing.T) {
	s := defaultSet(t)
	body := []byte(`[{"id":"4eea9586-e7c8-4621-b509-c3bfffcde36c","active":"yes"}]`)
	err := s.Validate("listMySessions", 200, body)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v, want a *ValidationError", err)
	}
	want := Violation{Pointer: "/0/active", Rule: "type", Found: "string"}
	if !hasViolation(ve.Violations, want) {
		t.Errorf("violations = %v, want %+v", ve.Violations, want)
	}
}

func hasViolation(vs []Violation, want Violation) bool {
	for _, v := range vs {
		if v.Pointer == want.Pointer && v.Rule == want.Rule && v.Found == want.Found {
			return true
		}
	}
	return false
}

func TestValidateErrors(t *testing.T) {
	s := defaultSet(t)
	csrf := recorded(t, "updateLoginFlow.403.csrf-missing.json")
	notFound := recorded(t, "getLoginFlow.404.unknown-id.json")

	t.Run("unknown operation", func(t *testing.T) {
		err := s.Validate("adminListIdentities", 200, notFound)
		if !errors.Is(err, ErrUnknownOperation) {
			t.Errorf("err = %v, want ErrUnknownOperation", err)
		}
	})
	t.Run("undocumented status fitting default", func(t *testing.T) {
		err := s.Validate("toSession", 404, notFound)
		var ue *UndocumentedStatusError
		if !errors.Is(err, ErrUndocumentedStatus) || !errors.As(err, &ue) {
			t.Fatalf("err = %v, want an *UndocumentedStatusError", err)
		}
		if got := (UndocumentedStatusError{Operation: "toSession", Status: 404, HasDefault: true}); *ue != got {
			t.Errorf("got %+v, want %+v", *ue, got)
		}
	})
	t.Run("undocumented status not fitting default", func(t *testing.T) {
		err := s.Validate("updateLoginFlow", 403, csrf)
		var ue *UndocumentedStatusError
		if !errors.As(err, &ue) {
			t.Fatalf("err = %v, want an *UndocumentedStatusError", err)
		}
		var ve *ValidationError
		if !ue.HasDefault || !errors.As(ue.Default, &ve) || ve.Status != 0 || ve.Schema != "errorGeneric" {
			t.Errorf("Default = %v, want a *ValidationError against the default errorGeneric", ue.Default)
		}
		if errors.As(err, &ve) {
			t.Errorf("the undocumented error itself must not unwrap to the default's *ValidationError")
		}
	})
	t.Run("undocumented status without default", func(t *testing.T) {
		err := s.Validate("getFlowError", 418, notFound)
		var ue *UndocumentedStatusError
		if !errors.As(err, &ue) || ue.HasDefault || ue.Default != nil {
			t.Errorf("err = %#v, want an *UndocumentedStatusError without default", err)
		}
	})
	t.Run("empty-body response ignores the body", func(t *testing.T) {
		if err := s.Validate("createBrowserLoginFlow", 303, []byte(`<a href="/x">See Other</a>.`)); err != nil {
			t.Errorf("err = %v, want nil", err)
		}
	})
	t.Run("empty body where JSON is documented", func(t *testing.T) {
		err := s.Validate("toSession", 401, nil)
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Violations) != 1 || ve.Violations[0].Rule != RuleJSON {
			t.Errorf("err = %v, want one %q violation", err, RuleJSON)
		}
	})
	t.Run("trailing data", func(t *testing.T) {
		for _, body := range []string{`{"count":1} {}`, "{\"count\":1}\f", `{"count":1`} {
			err := s.Validate("disableMyOtherSessions", 200, []byte(body))
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Violations[0].Rule != RuleJSON {
				t.Errorf("%q: err = %v, want a %q violation", body, err, RuleJSON)
			}
		}
		if err := s.Validate("disableMyOtherSessions", 200, []byte(" {\"count\":1}\r\n\t ")); err != nil {
			t.Errorf("JSON whitespace around the document: %v", err)
		}
	})
	t.Run("package-level Validate uses the default set", func(t *testing.T) {
		if err := Validate("getLoginFlow", 404, notFound); err != nil {
			t.Errorf("err = %v, want nil", err)
		}
	})
}
