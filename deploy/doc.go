// Package deploy holds no code: it is its own module, apart from orybench's
// go.mod, so that its test can check the Kubernetes manifests in
// kubernetes/ against the Kubernetes API types (k8s.io/api) without adding
// them to orybench's dependencies. Run it with `make deploy-check`.
package deploy
