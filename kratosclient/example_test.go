package kratosclient_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/orybench/orybench/kratosclient"
)

// A native app creates a login flow: the client returns Kratos's answer as
// it came (status, headers, body) and its typed view of the flow.
func ExampleClient_CreateNativeLoginFlow() {
	kratos := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"f1","type":"api","ui":{"action":"http://kratos/self-service/login?flow=f1","method":"POST","nodes":[
			{"type":"input","group":"default","attributes":{"name":"identifier"},"messages":[]},
			{"type":"input","group":"password","attributes":{"name":"password"},"messages":[]},
			{"type":"input","group":"oidc","attributes":{"name":"provider","value":"github"},"messages":[]}]}}`)
	}))
	defer kratos.Close()

	c, err := kratosclient.New(kratos.URL, kratosclient.Native)
	if err != nil {
		panic(err)
	}
	r, err := c.CreateNativeLoginFlow(context.Background(), nil)
	if err != nil {
		panic(err) // no answer at all; any status is an answer
	}
	fl, err := r.Flow()
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Method, r.Status, r.ContentType())
	fmt.Println(fl.ID, fl.Type, fl.UI.Groups(), fl.UI.Providers(), fl.UI.CSRFToken() == "")
	// Output:
	// GET 200 application/json
	// f1 api [password oidc] [github] true
}

// An answer that is not the one wanted says what Kratos said, and nothing
// else of the body.
func ExampleResponse_Explain() {
	r := &kratosclient.Response{Status: 400, Header: http.Header{"Content-Type": {"application/json"}},
		Body: []byte(`{"id":"f1","ui":{"messages":[{"id":4000006,"type":"error","text":"The provided credentials are invalid."}],
			"nodes":[{"attributes":{"name":"password","value":"hunter2"},"messages":[]}]}}`)}
	fmt.Println(r.Explain())
	// Output: status 400; 4000006 The provided credentials are invalid.
}
