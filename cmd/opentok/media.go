package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

// Server-side participants that join a session with a client token: the
// Audio Connector, live captions and the Experience Composer. Each command
// signs the token itself unless --token is given.

func (a *app) audioConnectorCmd() *cobra.Command {
	f := a.leaf("connect <session-id> <wss-uri> [--stream ID]... [--audio-rate 16000] [--bidirectional]", "stream a session's audio to a WebSocket",
		"Connects the Audio Connector: the platform opens a WebSocket to the URI and sends the audio of\n"+
			"the session's streams (or of --stream ones) to it. Ends with: opentok disconnect <session-id>\n<connection-id>.", projectCreds,
		"opentok audio-connector connect \"$sid\" wss://audio.example.com/ws --audio-rate 16000",
		"opentok audio-connector connect \"$sid\" wss://audio.example.com/ws --stream \"$stream\" --header X-Call=42 --bidirectional",
		"opentok audio-connector connect \"$sid\" wss://audio.example.com/ws --audio-transport json --encoding base64 --static-field call=42")
	streams := f.fs.StringArray("stream", nil, "a stream whose audio is sent (repeatable; default every stream)")
	headers := headerList{}
	f.fs.Var(headers, "header", "header Name=Value sent with the WebSocket handshake (repeatable)")
	rate := f.fs.Int("audio-rate", 0, "8000, 16000 or 24000 samples per second (default: the platform's, 16000)")
	bidi := f.fs.Bool("bidirectional", false, "play the audio the WebSocket sends back into the session")
	transport := f.enum("audio-transport", "", "how audio is framed: binary (raw PCM, the platform's default) or json",
		names(opentok.AudioTransportBinary, opentok.AudioTransportJSON)...)
	encoding := f.enum("encoding", "", "encoding of audio in JSON messages: base64 (needed with --audio-transport json)", "base64")
	audioField := f.fs.String("audio-field", "", "JSON key of the audio sent to the socket (platform default \"audio\")")
	receiveField := f.fs.String("receive-audio-field", "", "JSON key of the audio the socket sends back, with --bidirectional")
	static := headerList{}
	f.fs.Var(static, "static-field", "key=value added to every JSON audio message (repeatable)")
	token := f.fs.String("token", "", "client token of the connection (default: a publisher token signed here)")
	f.run([]string{"<session-id>", "<wss-uri>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		tok, err := clientToken(ot, pos[0], *token, opentok.RolePublisher, "")
		if err != nil {
			return err
		}
		opts := &opentok.WebSocketOptions{Streams: *streams, AudioRate: *rate, Bidirectional: *bidi}
		if len(headers) > 0 {
			opts.Headers = headers
		}
		if *transport != "" || *encoding != "" || *audioField != "" || *receiveField != "" || len(static) > 0 {
			opts.AudioTransport = &opentok.AudioTransport{Transport: *transport, Encoding: *encoding,
				AudioField: *audioField, ReceiveAudioField: *receiveField}
			if len(static) > 0 {
				opts.AudioTransport.StaticFields = static
			}
		}
		c, err := ot.ConnectWebSocket(ctx, pos[0], tok, pos[1], opts)
		if err != nil {
			return err
		}
		return f.print(map[string]any{"id": c.ID, "connectionId": c.ConnectionID}, func(w io.Writer) {
			kv(w, "ID", c.ID, "Connection", c.ConnectionID)
		})
	})
	return group("audio-connector", "stream a session's audio to a WebSocket server", f.cmd)
}

func (a *app) captionsCmd() *cobra.Command {
	start := a.leaf("start <session-id> [--language-code en-US] [--max-duration 4h]", "start live captions",
		"Starts live captions of a routed session's audio. The captioner joins with a moderator token\nsigned here unless --token is given.", projectCreds,
		"opentok captions start \"$sid\" --language-code en-US", "opentok captions start \"$sid\" --no-partial --status-callback-url https://example.com/captions")
	lang := start.fs.String("language-code", "", "language of the speech (default en-US)")
	maxDur := start.duration("max-duration", 0, opentok.MinCaptionsDuration, opentok.MaxCaptionsDuration, "stop after this long (5m to 4h, the default)")
	noPartial := start.fs.Bool("no-partial", false, "send only final captions, no partial ones")
	cb := start.fs.String("status-callback-url", "", "URL that receives the captions' status events")
	token := start.fs.String("token", "", "moderator token of the captioner (default: one signed here)")
	start.run([]string{"<session-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := start.client()
		if err != nil {
			return err
		}
		tok, err := clientToken(ot, pos[0], *token, opentok.RoleModerator, "")
		if err != nil {
			return err
		}
		opts := &opentok.CaptionsOptions{LanguageCode: *lang, MaxDuration: *maxDur, StatusCallbackURL: *cb}
		if *noPartial {
			opts.PartialCaptions = opentok.Ptr(false)
		}
		c, err := ot.StartCaptions(ctx, pos[0], tok, opts)
		if err != nil {
			return err
		}
		return start.print(map[string]any{"id": c.ID, "sessionId": pos[0]}, func(w io.Writer) { fmt.Fprintln(w, c.ID) })
	})
	stop := a.idCommand("stop", "stop live captions", "Stops live captions.", "opentok captions stop \"$captions\"", "<captions-id>",
		func(ctx context.Context, f *cmdFlags, ot *opentok.OpenTok, id string) error {
			if err := ot.StopCaptions(ctx, id); err != nil {
				return err
			}
			return f.done(map[string]any{"id": id, "stopped": true}, "stopped captions "+id)
		})
	return group("captions", "start and stop live captions", start.cmd, stop)
}

func renderJSON(r *opentok.Render) map[string]any {
	return map[string]any{"id": r.ID, "sessionId": r.SessionID, "status": r.Status, "url": r.URL, "streamId": r.StreamID,
		"resolution": r.Resolution, "name": r.Name, "reason": r.Reason, "createdAt": timeString(r.CreatedAt), "updatedAt": timeString(r.UpdatedAt)}
}

func printRender(f *cmdFlags, r *opentok.Render) error {
	return f.print(renderJSON(r), func(w io.Writer) {
		kv(w, "ID", r.ID, "Status", string(r.Status), "Session", r.SessionID, "URL", r.URL, "Stream", r.StreamID,
			"Name", r.Name, "Resolution", string(r.Resolution), "Created", timeString(r.CreatedAt), "Reason", r.Reason)
	})
}

func (a *app) renderCmd() *cobra.Command {
	start := a.leaf("start <session-id> <page-url> [--name N] [--max-duration 2h] [--resolution 1280x720]", "start an Experience Composer render",
		"Starts an Experience Composer: a browser on the platform loads the page and publishes it into\nthe session as a stream. It joins with a publisher token signed here unless --token is given.", projectCreds,
		"opentok render start \"$sid\" https://example.com/composer --name composer --max-duration 1h")
	name := start.fs.String("name", "", "name of the stream the render publishes")
	maxDur := start.duration("max-duration", 0, opentok.MinRenderDuration, opentok.MaxRenderDuration, "stop after this long (60s to 10h; default 2h)")
	res := start.enum("resolution", "", "resolution, e.g. 1280x720", resolutionNames...)
	cb := start.fs.String("status-callback-url", "", "URL that receives the render's status events")
	token := start.fs.String("token", "", "client token of the render (default: a publisher token signed here)")
	start.run([]string{"<session-id>", "<page-url>"}, func(ctx context.Context, pos []string) error {
		ot, err := start.client()
		if err != nil {
			return err
		}
		tok, err := clientToken(ot, pos[0], *token, opentok.RolePublisher, "")
		if err != nil {
			return err
		}
		opts := &opentok.RenderOptions{MaxDuration: *maxDur, Resolution: opentok.Resolution(*res), StatusCallbackURL: *cb}
		if *name != "" {
			opts.Properties = &opentok.RenderProperties{Name: *name}
		}
		r, err := ot.StartRender(ctx, pos[0], tok, pos[1], opts)
		if err != nil {
			return err
		}
		return printRender(start, r)
	})
	get := a.idCommand("get", "show a render", "Shows an Experience Composer render.", "opentok render get \"$render\" --json", "<render-id>",
		func(ctx context.Context, f *cmdFlags, ot *opentok.OpenTok, id string) error {
			r, err := ot.GetRender(ctx, id)
			if err != nil {
				return err
			}
			return printRender(f, r)
		})
	stop := a.idCommand("stop", "stop a render", "Stops an Experience Composer render.", "opentok render stop \"$render\"", "<render-id>",
		func(ctx context.Context, f *cmdFlags, ot *opentok.OpenTok, id string) error {
			if err := ot.StopRender(ctx, id); err != nil {
				return err
			}
			return f.done(map[string]any{"id": id, "stopped": true}, "stopped render "+id)
		})
	return group("render", "start, stop, get and list Experience Composer renders", start.cmd, stop, get, a.renderListCmd())
}

func (a *app) renderListCmd() *cobra.Command {
	f := a.leaf("list", "list renders", "Lists Experience Composer renders: one page, or every one with --all.", projectCreds,
		"opentok render list", "opentok render list --all --json")
	offset, count, all := listFlags(f, "render")
	return f.run(nil, func(ctx context.Context, _ []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		opts := &opentok.ListRendersOptions{Offset: *offset, Count: *count}
		items, total, err := collect(*all, func() (*opentok.Page[opentok.Render], error) {
			return ot.ListRenders(ctx, opts)
		}, ot.AllRenders(ctx, opts))
		if err != nil {
			return err
		}
		out := make([]map[string]any, 0, len(items))
		for _, r := range items {
			out = append(out, renderJSON(r))
		}
		return f.print(map[string]any{"total": total, "items": out}, func(w io.Writer) {
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tSESSION\tURL")
			for _, r := range items {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(r.ID), printable(string(r.Status)), printable(r.SessionID), printable(r.URL))
			}
			_ = tw.Flush()
			fmt.Fprintf(w, "%d of %d renders\n", len(items), total)
		})
	})
}
