package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

func (a *app) signalCmd() *cobra.Command {
	f := a.leaf("signal <session-id> [--to connection-id] --type T --data D", "send a signal to a session or one connection",
		"Sends a signal to every client of the session, or to one connection.", projectCreds,
		"opentok signal \"$sid\" --type chat --data 'hello all'", "opentok signal \"$sid\" --to \"$cid\" --type dm --data hi")
	to := f.fs.String("to", "", "connection ID of the one recipient (default: everyone)")
	typ := f.fs.String("type", "", "signal type (at most 128 bytes)")
	data := f.fs.String("data", "", "signal data (at most 8 kB)")
	return f.run([]string{"<session-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		payload := opentok.SignalPayload{Type: *typ, Data: *data}
		target := "every connection"
		if *to != "" {
			err = ot.SignalConnection(ctx, pos[0], *to, payload)
			target = "connection " + *to
		} else {
			err = ot.Signal(ctx, pos[0], payload)
		}
		if err != nil {
			return err
		}
		return f.done(map[string]any{"sessionId": pos[0], "to": *to, "sent": true}, "signal sent to "+target)
	})
}

func (a *app) disconnectCmd() *cobra.Command {
	f := a.leaf("disconnect <session-id> <connection-id>", "force a connection to leave a session",
		"Forces a connection to leave the session (this also hangs up a SIP call or closes an Audio Connector).", projectCreds,
		"opentok disconnect \"$sid\" \"$cid\"")
	return f.run([]string{"<session-id>", "<connection-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		if err := ot.ForceDisconnect(ctx, pos[0], pos[1]); err != nil {
			return err
		}
		return f.done(map[string]any{"sessionId": pos[0], "connectionId": pos[1], "disconnected": true}, "disconnected "+pos[1])
	})
}

func (a *app) connectionCmd() *cobra.Command {
	f := a.leaf("list <session-id>", "list the connections of a session",
		"Lists the connections of a session: one page, or every one with --all.", projectCreds,
		"opentok connection list \"$sid\"", "opentok connection list \"$sid\" --all --json")
	offset := f.fs.Int("offset", 0, "index of the first connection")
	count := f.fs.Int("count", 0, "page size (default 50, at most 1000)")
	all := f.fs.Bool("all", false, "list every connection, page after page (from --offset)")
	list := f.run([]string{"<session-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		opts := &opentok.ListConnectionsOptions{Offset: *offset, Count: *count}
		items, total, err := collect(*all, func() (*opentok.Page[opentok.Connection], error) {
			return ot.ListConnections(ctx, pos[0], opts)
		}, ot.AllConnections(ctx, pos[0], opts))
		if err != nil {
			return err
		}
		out := make([]map[string]any, 0, len(items))
		for _, c := range items {
			out = append(out, map[string]any{"id": c.ID, "state": c.State, "createdAt": timeString(c.CreatedAt)})
		}
		return f.print(map[string]any{"total": total, "items": out}, func(w io.Writer) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATE\tCREATED")
			for _, c := range items {
				fmt.Fprintf(tw, "%s\t%s\t%s\n", printable(c.ID), printable(string(c.State)), timeString(c.CreatedAt))
			}
			_ = tw.Flush()
			fmt.Fprintf(w, "%d of %d connections\n", len(items), total)
		})
	})
	return group("connection", "list the connections of a session", list)
}
