// The command-line tool is its own module so that the SDK's go.mod never
// gains the CLI library (cobra): SDK users never download it.
//
// There is no replace directive on purpose: it would break
// `go install github.com/opentok-go/opentok/cmd/opentok@latest`. During
// development the go.work at the repository root points this module at the
// SDK in the same tree. Release step: tag the SDK (vX.Y.Z), bump the require
// below to that version (go get github.com/opentok-go/opentok@vX.Y.Z with
// GOWORK=off), then tag this module cmd/opentok/vX.Y.Z.
module github.com/opentok-go/opentok/cmd/opentok

go 1.25

require (
	github.com/opentok-go/opentok v0.0.0-00010101000000-000000000000
	github.com/spf13/cobra v1.10.2
	github.com/spf13/pflag v1.0.9
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/coder/websocket v1.8.15 // indirect
	github.com/golang-jwt/jwt/v5 v5.3.1 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)
