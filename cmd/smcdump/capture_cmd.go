package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// setupCaptureCommand installs the tcpdump-style flags and behaviour on the
// root command: live capture (-i), file reading (-r), writing (-w), filter
// dumps (-d). Placeholder until the capture engine lands.
func setupCaptureCommand(root *cobra.Command) {
	root.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		return errors.New("live capture is not implemented yet")
	}
}
