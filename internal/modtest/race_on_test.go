//go:build race

package modtest

func init() { raceEnabled = true }
