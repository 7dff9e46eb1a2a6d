package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

func (a *app) streamCmd() *cobra.Command {
	return group("stream", "list the streams of a session, get one, set their layout classes",
		a.idCommand("list", "list the streams of a session", "Lists the streams published in a session.",
			"opentok stream list \"$sid\" --json", "<session-id>", streamList),
		a.streamGetCmd(), a.streamClassListsCmd())
}

func streamJSON(s *opentok.Stream) map[string]any {
	classes := s.LayoutClassList
	if classes == nil {
		classes = []string{}
	}
	return map[string]any{"id": s.ID, "name": s.Name, "videoType": s.VideoType, "layoutClassList": classes}
}

func streamList(ctx context.Context, f *cmdFlags, ot *opentok.OpenTok, sid string) error {
	list, err := ot.ListStreams(ctx, sid)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(list.Items))
	for _, s := range list.Items {
		out = append(out, streamJSON(s))
	}
	return f.print(map[string]any{"total": list.Total, "items": out}, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tVIDEO\tNAME\tCLASSES")
		for _, s := range list.Items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(s.ID), printable(string(s.VideoType)), printable(s.Name), printable(strings.Join(s.LayoutClassList, " ")))
		}
		_ = tw.Flush()
	})
}

func (a *app) streamGetCmd() *cobra.Command {
	f := a.leaf("get <session-id> <stream-id>", "show one stream of a session", "Shows one stream of a session.", projectCreds,
		"opentok stream get \"$sid\" \"$stream\"")
	return f.run([]string{"<session-id>", "<stream-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		s, err := ot.GetStream(ctx, pos[0], pos[1])
		if err != nil {
			return err
		}
		return f.print(streamJSON(s), func(w io.Writer) {
			kv(w, "ID", s.ID, "Name", s.Name, "Video", string(s.VideoType), "Classes", strings.Join(s.LayoutClassList, " "))
		})
	})
}

func (a *app) streamClassListsCmd() *cobra.Command {
	f := a.leaf("class-lists <session-id> <stream-id>=<class,class> ...", "set the layout classes of streams",
		"Sets the layout class lists of one or more streams of a session (SetStreamClassLists);\nan empty list (stream-id=) clears a stream's classes.", projectCreds,
		"opentok stream class-lists \"$sid\" \"$stream\"=focus,full \"$other\"=")
	return f.runAny(func(ctx context.Context, pos []string) error {
		if len(pos) < 2 || pos[0] == "" {
			return usagef("expected <session-id> and at least one <stream-id>=<classes> (usage: %s)", f.usage())
		}
		var lists []opentok.StreamClassList
		for _, p := range pos[1:] {
			id, classes, ok := strings.Cut(p, "=")
			if !ok || id == "" {
				return usagef("want <stream-id>=<class,class>, got %q", printable(p))
			}
			lists = append(lists, opentok.StreamClassList{ID: id, LayoutClassList: append([]string{}, splitList(classes)...)})
		}
		ot, err := f.client()
		if err != nil {
			return err
		}
		if err := ot.SetStreamClassLists(ctx, pos[0], lists); err != nil {
			return err
		}
		out := make([]map[string]any, 0, len(lists))
		for _, l := range lists {
			out = append(out, map[string]any{"id": l.ID, "layoutClassList": l.LayoutClassList})
		}
		return f.done(map[string]any{"sessionId": pos[0], "items": out}, fmt.Sprintf("set the class lists of %d streams", len(lists)))
	})
}

func (a *app) muteCmd() *cobra.Command {
	f := a.leaf("mute <session-id> [<stream-id> | --all [--exclude id,id] | --off]", "force-mute a stream, every stream, or end the mute state",
		"Force-mutes one stream's audio, or every stream (and those published later) with --all;\n--off ends that mute state.", projectCreds,
		"opentok mute \"$sid\" \"$stream\"", "opentok mute \"$sid\" --all --exclude \"$host\"", "opentok mute \"$sid\" --off")
	all := f.fs.Bool("all", false, "mute every stream of the session, and new ones")
	exclude := f.fs.String("exclude", "", "comma-separated stream IDs --all leaves alone")
	off := f.fs.Bool("off", false, "end the mute state set by --all")
	return f.runAny(func(ctx context.Context, pos []string) error {
		modes := 0
		for _, b := range []bool{*all, *off, len(pos) == 2} {
			if b {
				modes++
			}
		}
		if len(pos) < 1 || len(pos) > 2 || modes != 1 {
			return usagef("give a stream ID, --all or --off (usage: %s)", f.usage())
		}
		ot, err := f.client()
		if err != nil {
			return err
		}
		var msg string
		switch {
		case *all:
			ex := splitList(*exclude)
			err = ot.ForceMuteAll(ctx, pos[0], &opentok.ForceMuteAllOptions{ExcludedStreamIDs: ex})
			msg = "muted every stream"
			if len(ex) > 0 {
				msg += " except " + strings.Join(ex, ", ")
			}
		case *off:
			err = ot.DisableForceMute(ctx, pos[0])
			msg = "mute state ended"
		default:
			err = ot.ForceMuteStream(ctx, pos[0], pos[1])
			msg = "muted stream " + pos[1]
		}
		if err != nil {
			return err
		}
		return f.done(map[string]any{"sessionId": pos[0], "result": msg}, msg)
	})
}
