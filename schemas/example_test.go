package schemas_test

import (
	"errors"
	"fmt"

	"github.com/orybench/orybench/schemas"
)

func ExampleValidate() {
	body := []byte(`{"error":{"code":404,"status":"Not Found"}}`)
	err := schemas.Validate("getLoginFlow", 404, body)
	var ve *schemas.ValidationError
	if errors.As(err, &ve) {
		for _, v := range ve.Violations {
			fmt.Println(v.Pointer, v.Rule)
		}
	}
	// Output: /error/message required
}

func ExampleJudge() {
	// A real 422: the genericError sits directly under "error".
	body := []byte(`{"error":{"id":"browser_location_change_required","code":422,"message":"browser location change required"},"redirect_browser_to":"https://example.org/"}`)
	v, err := schemas.Judge("updateLoginFlow", 422, body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(v.Outcome, v.Deviations[0].ID, v.Deviations[0].Upstream)
	// Output: expected-failure location-change-error-nesting https://github.com/ory/kratos/issues/3832
}
