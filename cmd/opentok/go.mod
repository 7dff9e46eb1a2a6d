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
)
