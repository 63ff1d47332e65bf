// This module pins the Ory Network SDK whose OpenAPI document
// (api/openapi.yaml) is the network contract of orybench's schemas (see
// schemas/schemagen.Sources). It holds no code: it only makes go.mod and
// go.sum the pin, and keeps client-go out of orybench's own go.mod.
module github.com/orybench/orybench/schemas/sources/network

go 1.26.0

require github.com/ory/client-go v1.22.92
