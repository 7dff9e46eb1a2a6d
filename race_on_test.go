//go:build race

package opentok_test

func init() { raceEnabled = true }
