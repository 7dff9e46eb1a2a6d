package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

func (a *app) sessionCmd() *cobra.Command {
	return group("session", "create a session, or migrate one to another media server",
		a.sessionCreateCmd(), a.sessionMigrateCmd())
}

func (a *app) sessionCreateCmd() *cobra.Command {
	f := a.leaf("create", "create a session and print its ID",
		"Creates a session and prints its ID. Sessions are relayed by default; archiving, broadcasting,\nSIP and the other server features need --routed.", projectCreds,
		"opentok session create --routed", "opentok session create --routed --archive-mode always --json")
	routed := f.fs.Bool("routed", false, "route media through the Media Router (needed for archives, broadcasts, SIP)")
	archiveMode := f.enum("archive-mode", "manual", "manual or always (always needs --routed)", names(opentok.ArchiveManual, opentok.ArchiveAlways)...)
	location := f.fs.String("location", "", "IPv4 address used as a location hint")
	e2ee := f.fs.Bool("e2ee", false, "end-to-end encryption (needs --routed)")
	archiveName := f.fs.String("archive-name", "", "name of automatic archives")
	archiveRes := f.enum("archive-resolution", "", "resolution of automatic archives, e.g. 1280x720", resolutionNames...)
	return f.run(nil, func(ctx context.Context, _ []string) error {
		ot, err := f.client()
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
	})
}

func (a *app) sessionMigrateCmd() *cobra.Command {
	f := a.leaf("migrate <session-id>", "move a session's clients to another media server",
		"Asks the platform to move a routed session to another media server (before a server's\nplanned rotation); the clients reconnect on their own.", projectCreds,
		"opentok session migrate \"$sid\"")
	return f.run([]string{"<session-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		if err := ot.MigrateSession(ctx, pos[0]); err != nil {
			return err
		}
		return f.done(map[string]any{"sessionId": pos[0], "migrating": true}, "migrating session "+pos[0])
	})
}
