package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

func (a *app) archiveCmd() *cobra.Command {
	return group("archive", "start, stop, get, list, delete and download archives; set their layout and streams",
		a.archiveStartCmd(), a.archiveStopCmd(), a.archiveGetCmd(), a.archiveListCmd(), a.archiveDeleteCmd(),
		a.layoutCmd("archive", "Changes the layout of a recording composed archive.",
			func(ctx context.Context, ot *opentok.OpenTok, id string, l opentok.Layout) error {
				return ot.SetArchiveLayout(ctx, id, l)
			}),
		a.streamChangeCmd("archive", "add-stream", func(ctx context.Context, ot *opentok.OpenTok, id, st string, o *opentok.StreamMediaOptions) error {
			return ot.AddArchiveStream(ctx, id, st, o)
		}),
		a.streamChangeCmd("archive", "remove-stream", func(ctx context.Context, ot *opentok.OpenTok, id, st string, _ *opentok.StreamMediaOptions) error {
			return ot.RemoveArchiveStream(ctx, id, st)
		}),
		a.archiveDownloadCmd(),
	)
}

// layoutFlags adds --layout/--stylesheet/--screenshare-type and returns a
// function that builds the Layout (nil when no type was given).
func layoutFlags(f *cmdFlags, flagName string) func() *opentok.Layout {
	typ := f.enum(flagName, "", "layout type: bestFit, custom, horizontalPresentation, pip, verticalPresentation", layoutNames...)
	css := f.fs.String("stylesheet", "", "CSS of a custom layout")
	share := f.enum("screenshare-type", "", "layout while a screen is shared (with bestFit)", layoutNames...)
	return func() *opentok.Layout {
		if *typ == "" && *css == "" && *share == "" {
			return nil
		}
		return &opentok.Layout{Type: opentok.LayoutType(*typ), Stylesheet: *css, ScreenshareType: opentok.LayoutType(*share)}
	}
}

// archiveJSON is the --json form of an archive: every field of
// opentok.Archive, under the platform's names; the optional ones only when
// set.
func archiveJSON(ar *opentok.Archive) map[string]any {
	m := map[string]any{"id": ar.ID, "sessionId": ar.SessionID, "projectId": ar.ProjectID, "name": ar.Name, "status": ar.Status,
		"createdAt": timeString(ar.CreatedAt), "duration": ar.Duration.Seconds(), "size": ar.Size,
		"outputMode": ar.OutputMode, "streamMode": ar.StreamMode, "resolution": ar.Resolution,
		"hasAudio": ar.HasAudio, "hasVideo": ar.HasVideo, "url": ar.URL, "reason": ar.Reason,
		"hasTranscription": ar.HasTranscription}
	streams := make([]map[string]any, 0, len(ar.Streams))
	for _, st := range ar.Streams {
		streams = append(streams, map[string]any{"streamId": st.StreamID, "hasAudio": st.HasAudio, "hasVideo": st.HasVideo})
	}
	m["streams"] = streams
	for k, v := range map[string]string{"updatedAt": timeString(ar.UpdatedAt), "multiArchiveTag": ar.MultiArchiveTag, "sha256sum": ar.Sha256Sum} {
		if v != "" {
			m[k] = v
		}
	}
	if ar.MaxBitrate != 0 {
		m["maxBitrate"] = ar.MaxBitrate
	}
	if ar.QuantizationParameter != 0 {
		m["quantizationParameter"] = ar.QuantizationParameter
	}
	if t := ar.Transcription; t != nil {
		m["transcription"] = map[string]any{"status": t.Status, "url": t.URL, "reason": t.Reason,
			"primaryLanguageCode": t.PrimaryLanguageCode, "hasSummary": t.HasSummary}
	}
	return m
}

func printArchive(f *cmdFlags, ar *opentok.Archive) error {
	return f.print(archiveJSON(ar), func(w io.Writer) {
		kv(w, "ID", ar.ID, "Status", string(ar.Status), "Session", ar.SessionID, "Name", ar.Name,
			"Created", timeString(ar.CreatedAt), "Duration", ar.Duration.String(), "Size", fmt.Sprint(ar.Size),
			"Output", string(ar.OutputMode), "Resolution", string(ar.Resolution), "Reason", ar.Reason, "URL", ar.URL,
			"SHA-256", ar.Sha256Sum)
	})
}

func (a *app) archiveStartCmd() *cobra.Command {
	f := a.leaf("start <session-id>", "start archiving a session",
		"Starts archiving a routed session (someone must be connected). With --wait it waits until\nthe archive is recording (progress on stderr when it is a terminal).", projectCreds,
		"opentok archive start \"$sid\" --name demo --resolution 1280x720 --layout pip",
		"opentok archive start \"$sid\" --output individual --stream-mode manual --json")
	name := f.fs.String("name", "", "archive name")
	output := f.enum("output", "", "composed (default) or individual", names(opentok.OutputComposed, opentok.OutputIndividual)...)
	res := f.enum("resolution", "", "resolution of a composed archive, e.g. 1280x720", resolutionNames...)
	mode := f.enum("stream-mode", "", "auto (default) or manual", streamModeNames...)
	tag := f.fs.String("tag", "", "multiArchiveTag, to run several archives of one session")
	noAudio := f.fs.Bool("no-audio", false, "record without audio")
	noVideo := f.fs.Bool("no-video", false, "record without video")
	bitrate := f.fs.Int("max-bitrate", 0, "video bitrate cap in bits per second (100000-6000000)")
	layout := layoutFlags(f, "layout")
	wait := waitFlags(f, "wait until the archive is recording")
	return f.run([]string{"<session-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
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
		if wait.on {
			if ar, err = waitArchive(ctx, f, wait, ot, ar, "recording", opentok.ArchiveStarted); err != nil {
				return err
			}
		}
		return printArchive(f, ar)
	})
}

// waitArchive polls the archive until its status is one of want, showing
// the status as progress.
func waitArchive(ctx context.Context, f *cmdFlags, w *waitOpts, ot *opentok.OpenTok, ar *opentok.Archive, what string, want ...opentok.ArchiveStatus) (*opentok.Archive, error) {
	p := f.a.newProgress("archive " + ar.ID)
	defer p.end()
	err := w.poll(ctx, func() (bool, error) {
		for _, s := range want {
			if ar.Status == s {
				return true, nil
			}
		}
		if ar.Status == opentok.ArchiveFailed {
			return false, fmt.Errorf("opentok: archive %s failed: %s", ar.ID, printable(ar.Reason))
		}
		p.status("waiting until %s: %s", what, ar.Status)
		var err error
		ar, err = ot.GetArchive(ctx, ar.ID)
		return false, err
	})
	return ar, err
}

// idCommand makes a command that takes one ID and calls fn with it.
func (a *app) idCommand(use, short, long, example, idName string, fn func(ctx context.Context, f *cmdFlags, ot *opentok.OpenTok, id string) error) *cobra.Command {
	f := a.leaf(use+" "+idName, short, long, projectCreds, example)
	return f.run([]string{idName}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		return fn(ctx, f, ot, pos[0])
	})
}

func (a *app) archiveStopCmd() *cobra.Command {
	f := a.leaf("stop <archive-id>", "stop a recording archive",
		"Stops a recording archive. With --wait it waits until the archive is available or uploaded.", projectCreds,
		"opentok archive stop \"$aid\"", "opentok archive stop \"$aid\" --wait --wait-timeout 5m")
	wait := waitFlags(f, "wait until the archive is available (or uploaded to the project's storage)")
	return f.run([]string{"<archive-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		ar, err := ot.StopArchive(ctx, pos[0])
		if err != nil {
			return err
		}
		if wait.on {
			if ar, err = waitArchive(ctx, f, wait, ot, ar, "available", opentok.ArchiveAvailable, opentok.ArchiveUploaded); err != nil {
				return err
			}
		}
		return printArchive(f, ar)
	})
}

func (a *app) archiveGetCmd() *cobra.Command {
	return a.idCommand("get", "show an archive", "Shows an archive, with its download URL once available.",
		"opentok archive get \"$aid\" --json", "<archive-id>",
		func(ctx context.Context, f *cmdFlags, ot *opentok.OpenTok, id string) error {
			ar, err := ot.GetArchive(ctx, id)
			if err != nil {
				return err
			}
			return printArchive(f, ar)
		})
}

func (a *app) archiveDeleteCmd() *cobra.Command {
	return a.idCommand("delete", "delete an archive", "Deletes an available or uploaded archive.",
		"opentok archive delete \"$aid\"", "<archive-id>",
		func(ctx context.Context, f *cmdFlags, ot *opentok.OpenTok, id string) error {
			if err := ot.DeleteArchive(ctx, id); err != nil {
				return err
			}
			return f.done(map[string]any{"id": id, "deleted": true}, "deleted archive "+id)
		})
}

// layoutCmd is "opentok <kind> layout <id> --type T ...".
func (a *app) layoutCmd(kind, help string, set func(ctx context.Context, ot *opentok.OpenTok, id string, l opentok.Layout) error) *cobra.Command {
	f := a.leaf("layout <"+kind+"-id> --type bestFit [--stylesheet CSS] [--screenshare-type pip]", "change the layout of "+article(kind), help, projectCreds,
		"opentok "+kind+" layout \"$id\" --type bestFit --screenshare-type pip",
		"opentok "+kind+" layout \"$id\" --type custom --stylesheet 'stream.focus { width: 100%; }'")
	layout := layoutFlags(f, "type")
	return f.run([]string{"<" + kind + "-id>"}, func(ctx context.Context, pos []string) error {
		l := layout()
		if l == nil {
			return usagef("--type is required")
		}
		ot, err := f.client()
		if err != nil {
			return err
		}
		if err := set(ctx, ot, pos[0], *l); err != nil {
			return err
		}
		return f.print(map[string]any{"id": pos[0], "layout": l}, func(w io.Writer) {
			fmt.Fprintf(w, "%s %s now uses the %s layout\n", kind, printable(pos[0]), printable(string(l.Type)))
		})
	})
}

// streamChangeCmd is "opentok <kind> add-stream|remove-stream <id> <stream-id>"
// for the archives and broadcasts whose stream mode is manual.
func (a *app) streamChangeCmd(kind, verb string, fn func(ctx context.Context, ot *opentok.OpenTok, id, streamID string, o *opentok.StreamMediaOptions) error) *cobra.Command {
	add := verb == "add-stream"
	short, long := "stop including a stream in "+article(kind), "Removes a stream from "+article(kind)+" whose stream mode is manual."
	if add {
		short, long = "include a stream in "+article(kind), "Adds a stream to "+article(kind)+" whose stream mode is manual (with its audio and\nvideo unless --no-audio or --no-video)."
	}
	f := a.leaf(verb+" <"+kind+"-id> <stream-id>", short, long, projectCreds, "opentok "+kind+" "+verb+" \"$id\" \"$stream\"")
	var noAudio, noVideo *bool
	if add {
		noAudio = f.fs.Bool("no-audio", false, "include the stream without its audio")
		noVideo = f.fs.Bool("no-video", false, "include the stream without its video")
	}
	return f.run([]string{"<" + kind + "-id>", "<stream-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		var o *opentok.StreamMediaOptions
		if add && (*noAudio || *noVideo) {
			o = &opentok.StreamMediaOptions{}
			if *noAudio {
				o.HasAudio = opentok.Ptr(false)
			}
			if *noVideo {
				o.HasVideo = opentok.Ptr(false)
			}
		}
		if err := fn(ctx, ot, pos[0], pos[1], o); err != nil {
			return err
		}
		msg := fmt.Sprintf("%s %s no longer includes stream %s", kind, pos[0], pos[1])
		if add {
			msg = fmt.Sprintf("%s %s now includes stream %s", kind, pos[0], pos[1])
		}
		return f.done(map[string]any{"id": pos[0], "streamId": pos[1], "included": add}, msg)
	})
}

// listFlags adds --offset, --count and --all to a list command.
func listFlags(f *cmdFlags, what string) (offset, count *int, all *bool) {
	offset = f.fs.Int("offset", 0, "index of the first "+what+" (0 is the newest)")
	count = f.fs.Int("count", 0, "page size (default 50, at most 1000)")
	all = f.fs.Bool("all", false, "list every "+what+", page after page (from --offset)")
	return
}

// collect runs either the one-page list call or the All* iterator.
func collect[T any](all bool, page func() (*opentok.Page[T], error), seq func(yield func(*T, error) bool)) ([]*T, int, error) {
	if !all {
		p, err := page()
		if err != nil {
			return nil, 0, err
		}
		return p.Items, p.Total, nil
	}
	var items []*T
	for v, err := range seq {
		if err != nil {
			return nil, 0, err
		}
		items = append(items, v)
	}
	return items, len(items), nil
}

func (a *app) archiveListCmd() *cobra.Command {
	f := a.leaf("list", "list archives", "Lists archives, newest first: one page, or every one with --all.", projectCreds,
		"opentok archive list --session \"$sid\"", "opentok archive list --all --json")
	session := f.fs.String("session", "", "only this session's archives")
	offset, count, all := listFlags(f, "archive")
	return f.run(nil, func(ctx context.Context, _ []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		opts := &opentok.ListArchivesOptions{SessionID: *session, Offset: *offset, Count: *count}
		items, total, err := collect(*all, func() (*opentok.Page[opentok.Archive], error) {
			return ot.ListArchives(ctx, opts)
		}, ot.AllArchives(ctx, opts))
		if err != nil {
			return err
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
	})
}

// article prefixes a noun with "a" or "an".
func article(noun string) string {
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}
