// Package modtest runs the tests of the command-line tool, which is a
// module of its own (cmd/opentok), from the SDK module's "go test ./...",
// and checks the layout that keeps the CLI's dependencies out of the SDK.
package modtest
