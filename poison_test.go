package opentok

import "github.com/opentok-go/opentok/internal/transport"

// Every test of the package runs with released answer bodies overwritten,
// so a decoder that kept a reference into the pooled body (instead of
// copying what it keeps) shows up as wrong values.
func init() { transport.PoisonReleasedBodies = true }
