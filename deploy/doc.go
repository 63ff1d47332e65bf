// Package deploy holds no code: it is its own module, apart from orybench's
// go.mod, so that its tests can check the Kubernetes manifests in
// kubernetes/ against the Kubernetes API types (k8s.io/api), and run the
// shell of the CI workflows in ci/ (parsed with a YAML library), without
// adding either to orybench's dependencies. Run them with `make
// deploy-check`.
package deploy
