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

// flowUI is the ui of a self-service flow: its form's action, the flow's
// messages and its nodes with their own messages.
type flowUI struct {
	Action   string        `json:"action"`
	Messages []flowMessage `json:"messages"`
	Nodes    []struct {
		Group      string `json:"group"`
		Attributes struct {
			Name  string `json:"name"`
			Value any    `json:"value"`
		} `json:"attributes"`
		Messages []flowMessage `json:"messages"`
	} `json:"nodes"`
}

// flowMessage is one ui message (4000006: wrong credentials, ...).
type flowMessage struct {
	ID   int    `json:"id"`
	Type string `json:"type"`
}

// messageIDs lists the ids of the flow's own messages.
func (ui flowUI) messageIDs() []int {
	var ids []int
	for _, m := range ui.Messages {
		ids = append(ids, m.ID)
	}
	return ids
}

// nodeMessageIDs lists the ids of the messages on the input named name.
func (ui flowUI) nodeMessageIDs(name string) []int {
	var ids []int
	for _, n := range ui.Nodes {
		if n.Attributes.Name == name {
			for _, m := range n.Messages {
				ids = append(ids, m.ID)
			}
		}
	}
	return ids
}
