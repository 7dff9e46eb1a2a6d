package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

func (a *app) callbackCmd() *cobra.Command {
	reg := a.leaf("register --group G --event E --url URL", "register a callback URL for a group of events",
		"Registers the URL that receives a group's events (OpenTok credentials only): groups such as\nsessionMonitoring, archive, broadcast, sip, captions, experienceComposer.", projectCreds,
		"opentok callback register --group archive --event status --url https://example.com/archive-events")
	group_ := reg.fs.String("group", "", "event group (required)")
	event := reg.fs.String("event", "", "event of the group (required)")
	url := reg.fs.String("url", "", "URL that receives the events (required)")
	reg.run(nil, func(ctx context.Context, _ []string) error {
		ot, err := reg.client()
		if err != nil {
			return err
		}
		cb, err := ot.RegisterCallback(ctx, opentok.CallbackRegistration{Group: *group_, Event: *event, URL: *url})
		if err != nil {
			return err
		}
		return reg.print(callbackJSON(cb), func(w io.Writer) { fmt.Fprintln(w, cb.ID) })
	})
	list := a.leaf("list", "list the registered callbacks", "Lists the callbacks registered for the project.", projectCreds,
		"opentok callback list --json")
	list.run(nil, func(ctx context.Context, _ []string) error {
		ot, err := list.client()
		if err != nil {
			return err
		}
		items, err := ot.ListCallbacks(ctx)
		if err != nil {
			return err
		}
		out := make([]map[string]any, 0, len(items.Items))
		for _, cb := range items.Items {
			out = append(out, callbackJSON(cb))
		}
		return list.print(map[string]any{"items": out}, func(w io.Writer) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tGROUP\tEVENT\tURL")
			for _, cb := range items.Items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(cb.ID), printable(cb.Group), printable(cb.Event), printable(cb.URL))
			}
			_ = tw.Flush()
		})
	})
	unreg := a.idCommand("unregister", "unregister a callback", "Unregisters a callback.", "opentok callback unregister \"$callback\"", "<callback-id>",
		func(ctx context.Context, f *cmdFlags, ot *opentok.OpenTok, id string) error {
			if err := ot.UnregisterCallback(ctx, id); err != nil {
				return err
			}
			return f.done(map[string]any{"id": id, "unregistered": true}, "unregistered callback "+id)
		})
	return group("callback", "register, list and unregister callback URLs", reg.cmd, list.cmd, unreg)
}

func callbackJSON(cb *opentok.RegisteredCallback) map[string]any {
	return map[string]any{"id": cb.ID, "group": cb.Group, "event": cb.Event, "url": cb.URL, "createdAt": timeString(cb.CreatedAt)}
}
