package main

import (
	"context"
	"fmt"
	"io"

	"github.com/opentok-go/opentok"
)

func cmdSession(ctx context.Context, a *app, args []string) error {
	if len(args) == 0 || (args[0] != "create" && args[0] != "-h" && args[0] != "--help") {
		return usagef("usage: opentok session create [flags] (see opentok session create --help)")
	}
	if args[0] != "create" {
		args = append([]string{"create"}, args...)
	}
	f := a.newFlags("session create", "opentok session create [--routed] [--archive-mode always] [--location IP] [--e2ee]",
		"Creates a session and prints its ID. Sessions are relayed by default; archiving, broadcasting,\nSIP and the other server features need --routed.", true)
	routed := f.fs.Bool("routed", false, "route media through the Media Router (needed for archives, broadcasts, SIP)")
	archiveMode := f.fs.String("archive-mode", "manual", "manual or always (always needs --routed)")
	location := f.fs.String("location", "", "IPv4 address used as a location hint")
	e2ee := f.fs.Bool("e2ee", false, "end-to-end encryption (needs --routed)")
	archiveName := f.fs.String("archive-name", "", "name of automatic archives")
	archiveRes := f.fs.String("archive-resolution", "", "resolution of automatic archives, e.g. 1280x720")
	_, ot, err := f.setup(args[1:])
	if err != nil {
		return err
	}
	opts := &opentok.SessionOptions{MediaMode: opentok.MediaRelayed, ArchiveMode: opentok.ArchiveMode(*archiveMode),
		Location: *location, E2EE: *e2ee, ArchiveName: *archiveName, ArchiveResolution: opentok.Resolution(*archiveRes)}
	if *routed {
		opts.MediaMode = opentok.MediaRouted
	}
	s, err := ot.CreateSession(ctx, opts)
	if err != nil {
		return err
	}
	return f.print(map[string]any{"sessionId": s.ID, "mediaMode": s.MediaMode, "archiveMode": s.ArchiveMode,
		"location": s.Location, "e2ee": s.E2EE}, func(w io.Writer) {
		fmt.Fprintln(w, s.ID)
	})
}
