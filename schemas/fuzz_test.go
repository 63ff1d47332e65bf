package schemas

import (
	"testing"
)

// FuzzValidate: arbitrary bytes, operations and statuses never panic, and a
// body failing validation always yields violations.
func FuzzValidate(f *testing.F) {
	for _, seed := range []struct {
		op     string
		status int
		file   string
	}{
		// Small recorded bodies only: the fuzzer minimises every new
		// interesting input, and big flows make that take the whole run.
		{"toSession", 200, "toSession.200.token.json"},
		{"updateLoginFlow", 422, "updateLoginFlow.422.oidc.json"},
		{"getLoginFlow", 403, "getLoginFlow.403.csrf.json"},
	} {
		f.Add(seed.op, seed.status, recorded(f, seed.file))
	}
	f.Add("getLoginFlow", 200, []byte(`{"id":"4eea9586-e7c8-4621-b509-c3bfffcde36c","type":"api",`+
		`"expires_at":"2026-11-26T18:59:20Z","issued_at":"2026-11-25T18:59:20Z","request_url":"http://x/","state":"choose_method",`+
		`"organization_id":null,"ui":{"action":"http://x/","method":"POST","nodes":[`+
		`{"type":"input","group":"default","attributes":{"name":"csrf_token","type":"hidden","value":"","required":true,"disabled":false,"node_type":"input"},"messages":[],"meta":{}},`+
		`{"type":"text","group":"totp","attributes":{"id":"t","text":{"id":1,"text":"t","type":"info"},"node_type":"text"},"messages":[],"meta":{}}]}}`))
	f.Add("updateLoginFlow", 200, []byte(`{"session":{"id":"4eea9586-e7c8-4621-b509-c3bfffcde36c","identity":null},"continue_with":null}`))
	f.Add("toSession", 401, []byte(`{"error":{"message":"x","details":{"a/b":null}}}`))
	f.Add("getWebAuthnJavaScript", 200, []byte(`"js"`))
	f.Add("updateLoginFlow", 999, []byte(`[`))
	s, err := Open(DefaultContract)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op string, status int, body []byte) {
		err := s.Validate(op, status, body)
		if ve, ok := err.(*ValidationError); ok && len(ve.Violations) == 0 {
			t.Errorf("ValidationError without violations")
		}
		v, err := s.Judge(op, status, body)
		if err == nil && (v.Outcome == Failed) != (len(v.Unexplained) > 0) {
			t.Errorf("outcome %s with %d unexplained violations", v.Outcome, len(v.Unexplained))
		}
	})
}
