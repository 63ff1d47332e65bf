// Package target opens the Ory Kratos deployments orybench checks and
// loads, and knows them: what each is configured for, how to make test
// identities on it, how each kind of caller signs in, where its mail goes,
// and how to leave it as it was found.
//
// A Set is what Open returns: one remote deployment (a public URL, with an
// admin URL or an Ory Network API key when there is one), or local Kratos
// instances that orybench starts from its own profiles. Every Target of a
// Set shares one request pace, one run id for the addresses of its test
// identities, and one clean-up.
//
// The conformance suites, the load runner and the CLI all go through this
// package; its functions return errors and never fail a test, log or exit.
// Errors never carry a token, a cookie value, a password or an API key.
package target
