package main

import "github.com/spf13/cobra"

func (a *app) simCmd() *cobra.Command {
	return group("sim", "drive the emulator's simulated clients (emulator only)")
}
