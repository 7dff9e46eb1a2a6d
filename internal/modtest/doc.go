// Package modtest runs the tests of the command-line tool (cmd/opentok) and
// of the Redis replay store (contrib/redisreplay), which are modules of
// their own, from the SDK module's "go test ./...", and checks the layout
// that keeps their dependencies out of the SDK.
package modtest
