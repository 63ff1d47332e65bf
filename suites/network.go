package suites

import (
	"context"
	"encoding/base64"
	"net/url"

	. "github.com/onsi/ginkgo/v2"

	"github.com/orybench/orybench/kratosclient"
	"github.com/orybench/orybench/target"
)

// networkOperation is one FrontendApi operation the Ory Network contract
// documents and Kratos v1.3.1 does not: the route family a target must
// serve for any of its cases (target's routeProbes find it), and one case
// per documented status.
type networkOperation struct {
	id     string
	family target.Capability
	cases  []networkCase
}

// networkCase is one documented status of a networkOperation: the call
// that reaches it on any target serving the family, or why orybench cannot
// reach it.
type networkCase struct {
	status int
	mode   kratosclient.Mode
	text   string
	// requires are what the status needs besides the family.
	requires []target.Capability
	// negative: the call sends what no caller should (an unknown id).
	negative bool
	// drive makes the call whose answer is judged; nil when skip says why
	// no call orybench can make reaches the status.
	drive func(ctx context.Context, f *fixture, c *kratosclient.Client) (*kratosclient.Response, error)
	skip  string
}

// networkSpecs registers the operations of networkOperations that the
// run's contract documents (s.operation), and none of the others: under
// Kratos v1.3.1's contract, none at all.
func (s *suite) networkSpecs() {
	for _, op := range networkOperations() {
		s.operation(op.id, Requires(op.family), func() {
			for _, c := range op.cases {
				args := []any{Status(c.status), Client(c.mode), Requires(c.requires...)}
				if c.negative {
					args = append(args, Negative())
				}
				s.it(c.text, append(args, func(ctx SpecContext, f *fixture) {
					if c.drive == nil {
						Skip(c.skip)
					}
					f.judge(must(c.drive(ctx, f, f.client(c.mode))))
				})...)
			}
		})
	}
}

// unknownConnection is a SAML connection id no target has configured.
const unknownConnection = "orybench-no-such-connection"

// notFoundFlow is the text of both SAML init operations' 404 case.
const notFoundFlow = "answers 404 to a flow that does not exist, for an unknown connection"

// Why orybench cannot reach the statuses that need what only a browser and
// a real identity provider have.
const (
	needsFedCMToken = "orybench cannot obtain a FedCM ID token: an identity provider issues it to navigator.credentials.get in a browser"
	needsSAMLID     = "the id of a native SAML connection, which no operation lists and orybench takes no option for"
)

// networkOperations are the eleven operations, each status driven where the
// contract's own text says how any target serving the route reaches it
// without configuring anything for orybench, and skipped with the reason
// elsewhere.
func networkOperations() []networkOperation {
	return []networkOperation{
		{id: "createFedcmFlow", family: target.FedCM, cases: []networkCase{
			{status: 200, mode: spa, text: "answers 200 with the FedCM providers", requires: []target.Capability{target.FedCMProvider},
				drive: func(ctx context.Context, _ *fixture, c *kratosclient.Client) (*kratosclient.Response, error) {
					return c.CreateFedcmFlow(ctx)
				}},
			{status: 400, mode: spa, text: "answers 400",
				skip: "the contract does not say what createFedcmFlow, which takes no input, answers 400 to"},
		}},
		{id: "updateFedcmFlow", family: target.FedCM, cases: []networkCase{
			{status: 200, mode: spa, text: "answers 200 with a session to a FedCM ID token", requires: []target.Capability{target.FedCMProvider},
				skip: needsFedCMToken},
			{status: 303, mode: browser, text: "answers 303 to a browser submitting a FedCM ID token", requires: []target.Capability{target.FedCMProvider},
				skip: needsFedCMToken},
			{status: 400, mode: spa, text: "answers 400 with the login flow",
				skip: "the contract does not say which submission updateFedcmFlow answers 400 with the login flow, and " + needsFedCMToken},
			{status: 410, mode: spa, text: "answers 410 to a FedCM ID token submitted to an expired flow", requires: []target.Capability{target.FedCMProvider},
				skip: needsFedCMToken},
			{status: 422, mode: spa, text: "answers 422 when the sign-in sends the browser elsewhere", requires: []target.Capability{target.FedCMProvider},
				skip: needsFedCMToken},
		}},
		// "The flow must exist in the named kind, or the request is not
		// found."
		{id: "initSamlLogin", family: target.SAML, cases: samlInitCases(networkCase{status: 404, mode: spa, text: notFoundFlow, negative: true,
			drive: func(ctx context.Context, _ *fixture, c *kratosclient.Client) (*kratosclient.Response, error) {
				return c.InitSamlLogin(ctx, unknownConnection, url.Values{"flow": {randomFlowID()}, "purpose": {"login"}})
			}})},
		{id: "initSamlLoginRequest", family: target.SAML, cases: samlInitCases(networkCase{status: 404, mode: spa, text: notFoundFlow, negative: true,
			skip: "the POST is checked by the anti-CSRF middleware first, and the contract documents no parameter or body that carries the anti-CSRF token: without it the answer is the middleware's, not the 404 of a flow that does not exist"})},
		{id: "submitSamlAssertion", family: target.SAML, cases: []networkCase{
			{status: 303, mode: browser, text: "answers 303 to a browser posting its identity provider's SAML response", requires: []target.Capability{target.SAMLConnection},
				skip: "needs a SAML response signed by the connection's identity provider for an AuthnRequest initSamlLogin issued, which orybench cannot make"},
			// "Every failure -- a replayed or unknown token, a malformed
			// request, a provider mismatch ... -- is reported with the
			// identical generic error": 400, its one error status.
			{status: 400, mode: spa, text: "answers 400 to an unknown RelayState", negative: true,
				drive: func(ctx context.Context, _ *fixture, c *kratosclient.Client) (*kratosclient.Response, error) {
					return c.SubmitSamlAssertion(ctx, unknownConnection, kratosclient.FormBody(url.Values{
						"RelayState": {randomFlowID()}, "SAMLResponse": {base64.StdEncoding.EncodeToString([]byte("not a SAML response"))},
					}))
				}},
		}},
		{id: "createIdPInitiatedSamlBrowserLoginFlow", family: target.SAML, cases: []networkCase{
			{status: 303, mode: browser, text: "answers 303 to a browser Ory Polis sends with its code",
				skip: "needs a jackson SAML provider with idp_initiated_login_enabled and the single-use code Ory Polis issues for an identity provider's unsolicited SAML response, which orybench cannot obtain"},
		}},
		{id: "getSamlMetadata", family: target.SAML, cases: []networkCase{
			{status: 200, mode: native, text: "answers 200 with the project's SP metadata", requires: []target.Capability{target.SAMLConnection},
				drive: func(ctx context.Context, _ *fixture, c *kratosclient.Client) (*kratosclient.Response, error) {
					return c.GetSamlMetadata(ctx)
				}},
			// "This endpoint 404s if no native SAML connection has been
			// configured for this project yet."
			{status: 404, mode: native, text: "answers 404 on a project without a native SAML connection",
				drive: func(ctx context.Context, f *fixture, c *kratosclient.Client) (*kratosclient.Response, error) {
					if f.t.Has(target.SAMLConnection) {
						Skip(f.t.Name() + " has a native SAML connection (getSamlMetadata answered 200 when discovered): the 404 is for a project with none")
					}
					return c.GetSamlMetadata(ctx)
				}},
		}},
		{id: "getSamlProviderMetadata", family: target.SAML, cases: []networkCase{
			{status: 200, mode: native, text: "answers 200 with a connection's SP metadata", requires: []target.Capability{target.SAMLConnection},
				skip: "needs " + needsSAMLID},
			// "It 404s ... for an unknown connection ID."
			{status: 404, mode: native, text: "answers 404 to an unknown connection id", negative: true,
				drive: func(ctx context.Context, _ *fixture, c *kratosclient.Client) (*kratosclient.Response, error) {
					return c.GetSamlProviderMetadata(ctx, unknownConnection)
				}},
		}},
		{id: "getWebAuthnRelatedOrigins", family: target.WebAuthnRelatedOrigins, cases: []networkCase{
			{status: 200, mode: spa, text: "answers 200 with the related origins a browser fetches",
				drive: func(ctx context.Context, _ *fixture, c *kratosclient.Client) (*kratosclient.Response, error) {
					return c.GetWebAuthnRelatedOrigins(ctx)
				}},
		}},
		{id: "getWellKnownChangePassword", family: target.ChangePasswordURL, cases: []networkCase{
			{status: 303, mode: browser, text: "answers 303 to the settings UI",
				drive: func(ctx context.Context, _ *fixture, c *kratosclient.Client) (*kratosclient.Response, error) {
					return c.GetWellKnownChangePassword(ctx)
				}},
		}},
		// Kratos's own handler (ory/kratos after v1.3.1,
		// selfservice/flow/login/test_handler.go), exempt from the
		// anti-CSRF middleware, answers 400 to an id that is no UUID and
		// 404 to one no test login flow has.
		{id: "deleteTestLoginFlow", family: target.TestLoginFlow, cases: []networkCase{
			{status: 204, mode: spa, text: "answers 204 to a test login flow's id", requires: []target.Capability{target.SocialSignIn},
				skip: "needs a test login flow, which only the admin API's createTestLoginFlow makes, and orybench does not call it"},
			{status: 400, mode: spa, text: "answers 400 to an id that is no UUID", negative: true,
				drive: func(ctx context.Context, _ *fixture, c *kratosclient.Client) (*kratosclient.Response, error) {
					return c.DeleteTestLoginFlow(ctx, "not-a-uuid")
				}},
			{status: 403, mode: browser, text: "answers 403 to a captured test login flow without its cookie", requires: []target.Capability{target.SocialSignIn},
				skip: "needs a test login flow whose OIDC sign-in completed (its debug payload captured), which takes a real provider's sign-in in a browser"},
			{status: 404, mode: spa, text: "answers 404 to an id no test login flow has", negative: true,
				drive: func(ctx context.Context, _ *fixture, c *kratosclient.Client) (*kratosclient.Response, error) {
					return c.DeleteTestLoginFlow(ctx, randomFlowID())
				}},
		}},
	}
}

// samlInitCases are the cases of initSamlLogin (GET) and
// initSamlLoginRequest (POST), which the contract documents alike, with
// notFound, the 404 case, which they do not share.
func samlInitCases(notFound networkCase) []networkCase {
	return []networkCase{
		{status: 200, mode: browser, text: "answers 200 with the form that posts the AuthnRequest", requires: []target.Capability{target.SAMLConnection},
			skip: "needs " + needsSAMLID + ", and one that uses the HTTP-POST binding"},
		{status: 302, mode: browser, text: "answers 302 to the identity provider", requires: []target.Capability{target.SAMLConnection},
			skip: "needs " + needsSAMLID + ", and one that uses the HTTP-Redirect binding"},
		{status: 400, mode: spa, text: "answers 400",
			skip: "the contract does not say which request is answered 400 (only that a flow not found in the kind purpose names is not found)"},
		notFound,
	}
}
