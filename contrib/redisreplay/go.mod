// The Redis replay store is a module of its own, so that SDK users who do
// not use it never download a Redis client.
//
// It stays out of the root go.work on purpose: go-redis v9.23.0 needs
// Go 1.26, while the workspace (what a clone of the SDK builds and runs)
// stays on the SDK's Go 1.25. Work on it with GOWORK=off, as on
// .ci/conformance. The replace directive below points the SDK at this tree
// during development; Go ignores the replace directives of dependencies,
// so a user of this module resolves the require instead. Release step: tag
// the SDK (vX.Y.Z), bump the require below to that version, then tag this
// module contrib/redisreplay/vX.Y.Z.
module github.com/opentok-go/opentok/contrib/redisreplay

go 1.26.0

require (
	github.com/opentok-go/opentok v0.0.0-00010101000000-000000000000
	github.com/redis/go-redis/v9 v9.23.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sys v0.48.0 // indirect
)

replace github.com/opentok-go/opentok => ../..
