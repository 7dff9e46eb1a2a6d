package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/opentok-go/opentok"
)

// sub dispatches "<group> <verb> ...".
func sub(ctx context.Context, a *app, group string, args []string, verbs map[string]func(context.Context, *app, []string) error, order []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(a.stdout, "Usage: opentok %s <%s> [arguments] [flags]\nRun 'opentok %s <verb> --help' for details.\n", group, strings.Join(order, "|"), group)
		if len(args) == 0 {
			return usagef("%s needs one of: %s", group, strings.Join(order, ", "))
		}
		return errHelp
	}
	fn, ok := verbs[args[0]]
	if !ok {
		return usagef("unknown %s command %q (one of: %s)", group, args[0], strings.Join(order, ", "))
	}
	return fn(ctx, a, args[1:])
}

func cmdArchive(ctx context.Context, a *app, args []string) error {
	return sub(ctx, a, "archive", args, map[string]func(context.Context, *app, []string) error{
		"start": archiveStart, "stop": archiveStop, "get": archiveGet, "list": archiveList,
		"delete": archiveDelete, "layout": archiveLayout,
	}, []string{"start", "stop", "get", "list", "delete", "layout"})
}

// layoutFlags adds --layout/--stylesheet/--screenshare-type and returns a
// function that builds the Layout (nil when no type was given).
func layoutFlags(f *cmdFlags, flagName string) func() *opentok.Layout {
	typ := f.fs.String(flagName, "", "layout type: bestFit, custom, horizontalPresentation, pip, verticalPresentation")
	css := f.fs.String("stylesheet", "", "CSS of a custom layout")
	share := f.fs.String("screenshare-type", "", "layout while a screen is shared (with bestFit)")
	return func() *opentok.Layout {
		if *typ == "" && *css == "" && *share == "" {
			return nil
		}
		return &opentok.Layout{Type: opentok.LayoutType(*typ), Stylesheet: *css, ScreenshareType: opentok.LayoutType(*share)}
	}
}

func archiveJSON(ar *opentok.Archive) map[string]any {
	return map[string]any{"id": ar.ID, "sessionId": ar.SessionID, "name": ar.Name, "status": ar.Status,
		"createdAt": timeString(ar.CreatedAt), "duration": ar.Duration.Seconds(), "size": ar.Size,
		"outputMode": ar.OutputMode, "streamMode": ar.StreamMode, "resolution": ar.Resolution,
		"hasAudio": ar.HasAudio, "hasVideo": ar.HasVideo, "url": ar.URL, "reason": ar.Reason}
}

func printArchive(f *cmdFlags, ar *opentok.Archive) error {
	return f.print(archiveJSON(ar), func(w io.Writer) {
		kv(w, "ID", ar.ID, "Status", string(ar.Status), "Session", ar.SessionID, "Name", ar.Name,
			"Created", timeString(ar.CreatedAt), "Duration", ar.Duration.String(), "Size", fmt.Sprint(ar.Size),
			"Output", string(ar.OutputMode), "Resolution", string(ar.Resolution), "Reason", ar.Reason, "URL", ar.URL)
	})
}

func archiveStart(ctx context.Context, a *app, args []string) error {
	f := a.newFlags("archive start", "opentok archive start <session-id> [--name N] [--output individual] [--resolution 1280x720] ...",
		"Starts archiving a routed session (someone must be connected).", true)
	name := f.fs.String("name", "", "archive name")
	output := f.fs.String("output", "", "composed (default) or individual")
	res := f.fs.String("resolution", "", "resolution of a composed archive, e.g. 1280x720")
	mode := f.fs.String("stream-mode", "", "auto (default) or manual")
	tag := f.fs.String("tag", "", "multiArchiveTag, to run several archives of one session")
	noAudio := f.fs.Bool("no-audio", false, "record without audio")
	noVideo := f.fs.Bool("no-video", false, "record without video")
	bitrate := f.fs.Int("max-bitrate", 0, "video bitrate cap in bits per second (100000-6000000)")
	layout := layoutFlags(f, "layout")
	pos, ot, err := f.setup(args, "<session-id>")
	if err != nil {
		return err
	}
	opts := &opentok.ArchiveOptions{Name: *name, OutputMode: opentok.OutputMode(*output), Resolution: opentok.Resolution(*res),
		StreamMode: opentok.StreamMode(*mode), MultiArchiveTag: *tag, MaxBitrate: *bitrate, Layout: layout()}
	if *noAudio {
		opts.HasAudio = opentok.Ptr(false)
	}
	if *noVideo {
		opts.HasVideo = opentok.Ptr(false)
	}
	ar, err := ot.StartArchive(ctx, pos[0], opts)
	if err != nil {
		return err
	}
	return printArchive(f, ar)
}

// idCommand runs a command that takes one ID.
func idCommand(a *app, args []string, name, usage, help, idName string) (*cmdFlags, string, *opentok.OpenTok, error) {
	f := a.newFlags(name, usage, help, true)
	pos, ot, err := f.setup(args, idName)
	if err != nil {
		return nil, "", nil, err
	}
	return f, pos[0], ot, nil
}

func archiveStop(ctx context.Context, a *app, args []string) error {
	f, id, ot, err := idCommand(a, args, "archive stop", "opentok archive stop <archive-id>", "Stops a recording archive.", "<archive-id>")
	if err != nil {
		return err
	}
	ar, err := ot.StopArchive(ctx, id)
	if err != nil {
		return err
	}
	return printArchive(f, ar)
}

func archiveGet(ctx context.Context, a *app, args []string) error {
	f, id, ot, err := idCommand(a, args, "archive get", "opentok archive get <archive-id>", "Shows an archive, with its download URL once available.", "<archive-id>")
	if err != nil {
		return err
	}
	ar, err := ot.GetArchive(ctx, id)
	if err != nil {
		return err
	}
	return printArchive(f, ar)
}

func archiveDelete(ctx context.Context, a *app, args []string) error {
	f, id, ot, err := idCommand(a, args, "archive delete", "opentok archive delete <archive-id>", "Deletes an available or uploaded archive.", "<archive-id>")
	if err != nil {
		return err
	}
	if err := ot.DeleteArchive(ctx, id); err != nil {
		return err
	}
	return f.print(map[string]any{"id": id, "deleted": true}, func(w io.Writer) { fmt.Fprintf(w, "deleted archive %s\n", id) })
}

func archiveLayout(ctx context.Context, a *app, args []string) error {
	return layoutCommand(ctx, a, args, "archive", "Changes the layout of a recording composed archive.",
		func(ot *opentok.OpenTok, id string, l opentok.Layout) error { return ot.SetArchiveLayout(ctx, id, l) })
}

// layoutCommand is "opentok <kind> layout <id> --type T ...".
func layoutCommand(ctx context.Context, a *app, args []string, kind, help string,
	set func(ot *opentok.OpenTok, id string, l opentok.Layout) error) error {
	f := a.newFlags(kind+" layout", "opentok "+kind+" layout <"+kind+"-id> --type bestFit [--stylesheet CSS] [--screenshare-type pip]", help, true)
	layout := layoutFlags(f, "type")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if err := f.positional(pos, "<"+kind+"-id>"); err != nil {
		return err
	}
	l := layout()
	if l == nil {
		return usagef("--type is required")
	}
	ot, err := f.client()
	if err != nil {
		return err
	}
	if err := set(ot, pos[0], *l); err != nil {
		return err
	}
	return f.print(map[string]any{"id": pos[0], "layout": l}, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s now uses the %s layout\n", kind, pos[0], l.Type)
	})
}

func archiveList(ctx context.Context, a *app, args []string) error {
	f := a.newFlags("archive list", "opentok archive list [--session S] [--offset N] [--count N] [--all]",
		"Lists archives, newest first.", true)
	session := f.fs.String("session", "", "only this session's archives")
	offset := f.fs.Int("offset", 0, "index of the first archive (0 is the newest)")
	count := f.fs.Int("count", 0, "page size (default 50, at most 1000)")
	all := f.fs.Bool("all", false, "list every archive, page after page")
	_, ot, err := f.setup(args)
	if err != nil {
		return err
	}
	opts := &opentok.ListArchivesOptions{SessionID: *session, Offset: *offset, Count: *count}
	var items []*opentok.Archive
	total := 0
	if *all {
		for ar, err := range ot.AllArchives(ctx, opts) {
			if err != nil {
				return err
			}
			items = append(items, ar)
		}
		total = len(items)
	} else {
		list, err := ot.ListArchives(ctx, opts)
		if err != nil {
			return err
		}
		items, total = list.Items, list.Total
	}
	out := make([]map[string]any, 0, len(items))
	for _, ar := range items {
		out = append(out, archiveJSON(ar))
	}
	return f.print(map[string]any{"total": total, "items": out}, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tCREATED\tDURATION\tNAME")
		for _, ar := range items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", printable(ar.ID), printable(string(ar.Status)), timeString(ar.CreatedAt), ar.Duration.Round(time.Second), printable(ar.Name))
		}
		_ = tw.Flush()
		fmt.Fprintf(w, "%d of %d archives\n", len(items), total)
	})
}
