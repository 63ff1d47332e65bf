package schemas

import (
	"errors"
	"testing"
)

func BenchmarkValidateLoginFlow(b *testing.B) {
	s, body := benchSetup(b, "createNativeLoginFlow.200.native.json")
	for b.Loop() {
		if err := s.Validate("createNativeLoginFlow", 200, body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateSession(b *testing.B) {
	s, body := benchSetup(b, "toSession.200.token.json")
	for b.Loop() {
		if err := s.Validate("toSession", 200, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateFailing measures a body with violations (error paths
// format messages).
func BenchmarkValidateFailing(b *testing.B) {
	s, body := benchSetup(b, "getLoginFlow.403.csrf.json")
	var ve *ValidationError
	for b.Loop() {
		if err := s.Validate("getLoginFlow", 403, body); !errors.As(err, &ve) {
			b.Fatal(err)
		}
	}
}

func BenchmarkJudgeCSRF403(b *testing.B) {
	s, body := benchSetup(b, "getLoginFlow.403.csrf.json")
	for b.Loop() {
		if v, err := s.Judge("getLoginFlow", 403, body); err != nil || v.Outcome != ExpectedFailure {
			b.Fatal(v.Outcome, err)
		}
	}
}

// benchSetup compiles the set outside the timed loop.
func benchSetup(b *testing.B, file string) (*Set, []byte) {
	b.Helper()
	s, err := Open(DefaultContract)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.compile(); err != nil {
		b.Fatal(err)
	}
	body := recorded(b, file)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	return s, body
}
