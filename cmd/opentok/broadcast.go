package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

func (a *app) broadcastCmd() *cobra.Command {
	return group("broadcast", "start, stop, get, list broadcasts; set their layout and streams",
		a.broadcastStartCmd(),
		a.idCommand("stop", "stop a broadcast", "Stops a broadcast.", "opentok broadcast stop \"$bid\"", "<broadcast-id>",
			func(ctx context.Context, f *cmdFlags, ot *opentok.OpenTok, id string) error {
				b, err := ot.StopBroadcast(ctx, id)
				if err != nil {
					return err
				}
				return printBroadcast(f, b)
			}),
		a.idCommand("get", "show a broadcast", "Shows a broadcast with its HLS URL and RTMP states.", "opentok broadcast get \"$bid\" --json", "<broadcast-id>",
			func(ctx context.Context, f *cmdFlags, ot *opentok.OpenTok, id string) error {
				b, err := ot.GetBroadcast(ctx, id)
				if err != nil {
					return err
				}
				return printBroadcast(f, b)
			}),
		a.broadcastListCmd(),
		a.layoutCmd("broadcast", "Changes the layout of a broadcast.",
			func(ctx context.Context, ot *opentok.OpenTok, id string, l opentok.Layout) error {
				return ot.SetBroadcastLayout(ctx, id, l)
			}),
		a.streamChangeCmd("broadcast", "add-stream", func(ctx context.Context, ot *opentok.OpenTok, id, st string, o *opentok.StreamMediaOptions) error {
			return ot.AddBroadcastStream(ctx, id, st, o)
		}),
		a.streamChangeCmd("broadcast", "remove-stream", func(ctx context.Context, ot *opentok.OpenTok, id, st string, _ *opentok.StreamMediaOptions) error {
			return ot.RemoveBroadcastStream(ctx, id, st)
		}),
	)
}

// rtmpList collects repeated --rtmp flags: server-url,stream-key[,id],
// the key given as @file, env:NAME or (last resort) itself.
type rtmpList [][3]string

func (r *rtmpList) String() string { return fmt.Sprint(len(*r), " targets") }
func (r *rtmpList) Type() string   { return "server-url,stream-key[,id]" }

func (r *rtmpList) Set(v string) error {
	parts := strings.Split(v, ",")
	if len(parts) < 2 || len(parts) > 3 {
		return &hintError{"want server-url,stream-key[,id] (the key as @file or env:NAME)"}
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
		out = append(out, opentok.RTMPOutput{ServerURL: t[0], StreamName: key, ID: t[2]})
	}
	return out, nil
}

// broadcastJSON is the --json form of a broadcast: every field of
// opentok.Broadcast but the RTMP stream names, which are stream keys.
func broadcastJSON(b *opentok.Broadcast) map[string]any {
	rtmp := []map[string]any{}
	for _, t := range b.RTMP {
		rtmp = append(rtmp, map[string]any{"id": t.ID, "serverUrl": t.ServerURL, "status": t.Status})
	}
	streams := make([]map[string]any, 0, len(b.Streams))
	for _, st := range b.Streams {
		streams = append(streams, map[string]any{"streamId": st.StreamID, "hasAudio": st.HasAudio, "hasVideo": st.HasVideo})
	}
	m := map[string]any{"id": b.ID, "sessionId": b.SessionID, "projectId": b.ProjectID, "status": b.Status,
		"createdAt": timeString(b.CreatedAt), "hlsUrl": b.HLSURL, "rtmp": rtmp, "resolution": b.Resolution,
		"maxDuration": b.MaxDuration.Seconds(), "multiBroadcastTag": b.MultiBroadcastTag,
		"hasAudio": b.HasAudio, "hasVideo": b.HasVideo, "streamMode": b.StreamMode, "streams": streams,
		"settings": map[string]any{"hls": map[string]any{"dvr": b.HLSSettings.DVR, "lowLatency": b.HLSSettings.LowLatency}}}
	for k, v := range map[string]string{"updatedAt": timeString(b.UpdatedAt), "hlsStatus": b.HLSStatus} {
		if v != "" {
			m[k] = v
		}
	}
	if b.MaxBitrate != 0 {
		m["maxBitrate"] = b.MaxBitrate
	}
	return m
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

func (a *app) broadcastStartCmd() *cobra.Command {
	f := a.leaf("start <session-id> [--hls [--dvr|--low-latency]] [--rtmp server-url,stream-name[,id]]...", "start live-streaming a session",
		"Starts live-streaming a routed session to HLS and/or up to five RTMP targets. With --wait it\n"+
			"waits until the broadcast has started and its HLS playlist is served (progress on stderr\nwhen it is a terminal).", projectCreds,
		"opentok broadcast start \"$sid\" --hls --wait",
		"opentok broadcast start \"$sid\" --rtmp rtmps://live.example.com/app,env:STREAM_KEY,yt")
	hls := f.fs.Bool("hls", false, "make an HLS stream")
	dvr := f.fs.Bool("dvr", false, "HLS with rewind (DVR)")
	low := f.fs.Bool("low-latency", false, "low-latency HLS")
	var rtmp rtmpList
	f.fs.Var(&rtmp, "rtmp", "RTMP target as server-url,stream-key[,id] (repeatable, at most 5); give the key as @file or env:NAME\n(a key typed on the command line is visible to other users in ps)")
	maxDur := f.duration("max-duration", 0, opentok.MinBroadcastDuration, opentok.MaxBroadcastDuration, "stop after this long (60s to 10h; default 4h)")
	res := f.enum("resolution", "", "resolution, e.g. 1280x720", resolutionNames...)
	tag := f.fs.String("tag", "", "multiBroadcastTag, to run several broadcasts of one session")
	mode := f.enum("stream-mode", "", "auto (default) or manual (streams chosen with add-stream)", streamModeNames...)
	layout := layoutFlags(f, "layout")
	wait := waitFlags(f, "wait until the broadcast has started and its HLS URL is live")
	return f.run([]string{"<session-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		targets, err := rtmp.outputs(a)
		if err != nil {
			return err
		}
		opts := &opentok.BroadcastOptions{Outputs: opentok.BroadcastOutputs{RTMP: targets}, MaxDuration: *maxDur,
			Resolution: opentok.Resolution(*res), MultiBroadcastTag: *tag, StreamMode: opentok.StreamMode(*mode), Layout: layout()}
		if *hls || *dvr || *low {
			opts.Outputs.HLS = &opentok.HLSOutput{DVR: *dvr, LowLatency: *low}
		}
		b, err := ot.StartBroadcast(ctx, pos[0], opts)
		if err != nil {
			return err
		}
		if wait.on {
			if b, err = waitBroadcast(ctx, f, wait, ot, b); err != nil {
				return err
			}
		}
		return printBroadcast(f, b)
	})
}

// waitBroadcast polls the broadcast until it has started and, with HLS,
// its playlist is served.
func waitBroadcast(ctx context.Context, f *cmdFlags, w *waitOpts, ot *opentok.OpenTok, b *opentok.Broadcast) (*opentok.Broadcast, error) {
	p := f.a.newProgress("broadcast " + b.ID)
	defer p.end()
	err := w.poll(ctx, func() (bool, error) {
		switch {
		case b.Status == opentok.BroadcastStopped:
			return false, fmt.Errorf("opentok: broadcast %s stopped while waiting for it to start", printable(b.ID))
		case b.Status != opentok.BroadcastStarted:
			p.status("waiting until started: %s", b.Status)
		case b.HLSURL == "" || hlsLive(ctx, b.HLSURL):
			return true, nil
		default:
			p.status("started; waiting until the HLS URL is live")
		}
		var err error
		b, err = ot.GetBroadcast(ctx, b.ID)
		return false, err
	})
	return b, err
}

// hlsLive reports whether the HLS playlist is served.
func hlsLive(ctx context.Context, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func (a *app) broadcastListCmd() *cobra.Command {
	f := a.leaf("list", "list broadcasts", "Lists broadcasts, newest first: one page, or every one with --all.", projectCreds,
		"opentok broadcast list --session \"$sid\"", "opentok broadcast list --all --json")
	session := f.fs.String("session", "", "only this session's broadcasts")
	offset, count, all := listFlags(f, "broadcast")
	return f.run(nil, func(ctx context.Context, _ []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		opts := &opentok.ListBroadcastsOptions{SessionID: *session, Offset: *offset, Count: *count}
		items, total, err := collect(*all, func() (*opentok.Page[opentok.Broadcast], error) {
			return ot.ListBroadcasts(ctx, opts)
		}, ot.AllBroadcasts(ctx, opts))
		if err != nil {
			return err
		}
		out := make([]map[string]any, 0, len(items))
		for _, b := range items {
			out = append(out, broadcastJSON(b))
		}
		return f.print(map[string]any{"total": total, "items": out}, func(w io.Writer) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tCREATED\tSESSION")
			for _, b := range items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(b.ID), printable(string(b.Status)), timeString(b.CreatedAt), printable(b.SessionID))
			}
			_ = tw.Flush()
			fmt.Fprintf(w, "%d of %d broadcasts\n", len(items), total)
		})
	})
}
