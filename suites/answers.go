package suites

import (
	. "github.com/onsi/gomega"

	"github.com/orybench/orybench/kratosclient"
)

// errorID is the error.id of a Kratos error body ("" if none).
func errorID(r *kratosclient.Response) string {
	var e struct {
		Error struct {
			ID string `json:"id"`
		} `json:"error"`
	}
	_ = r.Decode(&e)
	return e.Error.ID
}

// errorCode is the error.code of a Kratos error body (0 if none).
func errorCode(r *kratosclient.Response) int {
	var e struct {
		Error struct {
			Code int `json:"code"`
		} `json:"error"`
	}
	_ = r.Decode(&e)
	return e.Error.Code
}

// session is the part of a session body the specs look at.
type session struct {
	ID                          string `json:"id"`
	Active                      bool   `json:"active"`
	AuthenticatorAssuranceLevel string `json:"authenticator_assurance_level"`
	Identity                    struct {
		ID     string         `json:"id"`
		Traits map[string]any `json:"traits"`
	} `json:"identity"`
}

func decodeSession(r *kratosclient.Response) session {
	var s session
	ExpectWithOffset(1, r.Decode(&s)).To(Succeed())
	return s
}
