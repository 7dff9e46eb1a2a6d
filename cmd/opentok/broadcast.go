package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/opentok-go/opentok"
)

func cmdBroadcast(ctx context.Context, a *app, args []string) error {
	return sub(ctx, a, "broadcast", args, map[string]func(context.Context, *app, []string) error{
		"start": broadcastStart, "stop": broadcastStop, "get": broadcastGet, "list": broadcastList, "layout": broadcastLayout,
	}, []string{"start", "stop", "get", "list", "layout"})
}

// rtmpList collects repeated --rtmp flags: server-url,stream-key[,id],
// the key given as @file, env:NAME or (last resort) itself.
type rtmpList [][3]string

func (r *rtmpList) String() string { return fmt.Sprint(len(*r), " targets") }

func (r *rtmpList) Set(v string) error {
	parts := strings.Split(v, ",")
	if len(parts) < 2 || len(parts) > 3 {
		return fmt.Errorf("want server-url,stream-key[,id] (the key as @file or env:NAME)")
	}
	*r = append(*r, [3]string{parts[0], parts[1], strings.Join(parts[2:], "")})
	return nil
}

// outputs reads each target's stream key and returns the targets.
func (r rtmpList) outputs(a *app) ([]opentok.RTMPOutput, error) {
	var out []opentok.RTMPOutput
	for _, t := range r {
		key, err := a.secretArg("RTMP stream key", t[1])
		if err != nil {
			return nil, err
		}
		out = append(out, opentok.RTMPOutput{ServerURL: t[0], StreamName: opentok.NewSecret(key), ID: t[2]})
	}
	return out, nil
}

func broadcastJSON(b *opentok.Broadcast) map[string]any {
	rtmp := []map[string]any{}
	for _, t := range b.RTMP {
		rtmp = append(rtmp, map[string]any{"id": t.ID, "serverUrl": t.ServerURL, "status": t.Status})
	}
	return map[string]any{"id": b.ID, "sessionId": b.SessionID, "status": b.Status, "createdAt": timeString(b.CreatedAt),
		"hlsUrl": b.HLSURL, "rtmp": rtmp, "resolution": b.Resolution, "maxDuration": b.MaxDuration.Seconds(),
		"multiBroadcastTag": b.MultiBroadcastTag}
}

func printBroadcast(f *cmdFlags, b *opentok.Broadcast) error {
	return f.print(broadcastJSON(b), func(w io.Writer) {
		kv(w, "ID", b.ID, "Status", string(b.Status), "Session", b.SessionID, "Created", timeString(b.CreatedAt),
			"Resolution", string(b.Resolution), "Max duration", b.MaxDuration.String(), "HLS", b.HLSURL)
		for _, t := range b.RTMP {
			// The stream name is the target's key: not printed.
			fmt.Fprintf(w, "RTMP:        %s %s (%s)\n", printable(t.ID), printable(t.ServerURL), printable(string(t.Status)))
		}
	})
}

func broadcastStart(ctx context.Context, a *app, args []string) error {
	f := a.newFlags("broadcast start", "opentok broadcast start <session-id> [--hls [--dvr|--low-latency]] [--rtmp server-url,stream-name[,id]]...",
		"Starts live-streaming a routed session to HLS and/or up to five RTMP targets.", true)
	hls := f.fs.Bool("hls", false, "make an HLS stream")
	dvr := f.fs.Bool("dvr", false, "HLS with rewind (DVR)")
	low := f.fs.Bool("low-latency", false, "low-latency HLS")
	var rtmp rtmpList
	f.fs.Var(&rtmp, "rtmp", "RTMP target as server-url,stream-key[,id] (repeatable, at most 5); give the key as @file or env:NAME\n(a key typed on the command line is visible to other users in ps)")
	maxDur := f.fs.Duration("max-duration", 0, "stop after this long (60s to 10h; default 4h)")
	res := f.fs.String("resolution", "", "resolution, e.g. 1280x720")
	tag := f.fs.String("tag", "", "multiBroadcastTag, to run several broadcasts of one session")
	layout := layoutFlags(f, "layout")
	pos, ot, err := f.setup(args, "<session-id>")
	if err != nil {
		return err
	}
	targets, err := rtmp.outputs(a)
	if err != nil {
		return err
	}
	opts := &opentok.BroadcastOptions{Outputs: opentok.BroadcastOutputs{RTMP: targets}, MaxDuration: *maxDur,
		Resolution: opentok.Resolution(*res), MultiBroadcastTag: *tag, Layout: layout()}
	if *hls || *dvr || *low {
		opts.Outputs.HLS = &opentok.HLSOutput{DVR: *dvr, LowLatency: *low}
	}
	b, err := ot.StartBroadcast(ctx, pos[0], opts)
	if err != nil {
		return err
	}
	return printBroadcast(f, b)
}

func broadcastStop(ctx context.Context, a *app, args []string) error {
	f, id, ot, err := idCommand(a, args, "broadcast stop", "opentok broadcast stop <broadcast-id>", "Stops a broadcast.", "<broadcast-id>")
	if err != nil {
		return err
	}
	b, err := ot.StopBroadcast(ctx, id)
	if err != nil {
		return err
	}
	return printBroadcast(f, b)
}

func broadcastGet(ctx context.Context, a *app, args []string) error {
	f, id, ot, err := idCommand(a, args, "broadcast get", "opentok broadcast get <broadcast-id>", "Shows a broadcast with its HLS URL and RTMP states.", "<broadcast-id>")
	if err != nil {
		return err
	}
	b, err := ot.GetBroadcast(ctx, id)
	if err != nil {
		return err
	}
	return printBroadcast(f, b)
}

func broadcastLayout(ctx context.Context, a *app, args []string) error {
	return layoutCommand(ctx, a, args, "broadcast", "Changes the layout of a broadcast.",
		func(ot *opentok.OpenTok, id string, l opentok.Layout) error { return ot.SetBroadcastLayout(ctx, id, l) })
}

func broadcastList(ctx context.Context, a *app, args []string) error {
	f := a.newFlags("broadcast list", "opentok broadcast list [--session S] [--offset N] [--count N]", "Lists broadcasts, newest first.", true)
	session := f.fs.String("session", "", "only this session's broadcasts")
	offset := f.fs.Int("offset", 0, "index of the first broadcast")
	count := f.fs.Int("count", 0, "page size (default 50, at most 1000)")
	_, ot, err := f.setup(args)
	if err != nil {
		return err
	}
	list, err := ot.ListBroadcasts(ctx, &opentok.ListBroadcastsOptions{SessionID: *session, Offset: *offset, Count: *count})
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(list.Items))
	for _, b := range list.Items {
		out = append(out, broadcastJSON(b))
	}
	return f.print(map[string]any{"total": list.Total, "items": out}, func(w io.Writer) {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSTATUS\tCREATED\tSESSION")
		for _, b := range list.Items {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(b.ID), printable(string(b.Status)), timeString(b.CreatedAt), printable(b.SessionID))
		}
		_ = tw.Flush()
		fmt.Fprintf(w, "%d of %d broadcasts\n", len(list.Items), list.Total)
	})
}
