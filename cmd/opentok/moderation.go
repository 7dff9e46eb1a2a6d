package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/opentok-go/opentok"
)

func cmdStream(ctx context.Context, a *app, args []string) error {
	return sub(ctx, a, "stream", args, map[string]func(context.Context, *app, []string) error{
		"list": streamList, "get": streamGet,
	}, []string{"list", "get"})
}

func streamJSON(s *opentok.Stream) map[string]any {
	classes := s.LayoutClassList
	if classes == nil {
		classes = []string{}
	}
	return map[string]any{"id": s.ID, "name": s.Name, "videoType": s.VideoType, "layoutClassList": classes}
}

func streamList(ctx context.Context, a *app, args []string) error {
	f, sid, ot, err := idCommand(a, args, "stream list", "opentok stream list <session-id>", "Lists the streams published in a session.", "<session-id>")
	if err != nil {
		return err
	}
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

func streamGet(ctx context.Context, a *app, args []string) error {
	f := a.newFlags("stream get", "opentok stream get <session-id> <stream-id>", "Shows one stream of a session.", true)
	pos, ot, err := f.setup(args, "<session-id>", "<stream-id>")
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
}

func cmdSignal(ctx context.Context, a *app, args []string) error {
	f := a.newFlags("signal", "opentok signal <session-id> [--to connection-id] --type T --data D",
		"Sends a signal to every client of the session, or to one connection.", true)
	to := f.fs.String("to", "", "connection ID of the one recipient (default: everyone)")
	typ := f.fs.String("type", "", "signal type (at most 128 bytes)")
	data := f.fs.String("data", "", "signal data (at most 8 kB)")
	pos, ot, err := f.setup(args, "<session-id>")
	if err != nil {
		return err
	}
	payload := opentok.SignalPayload{Type: *typ, Data: *data}
	if *to != "" {
		err = ot.SignalConnection(ctx, pos[0], *to, payload)
	} else {
		err = ot.Signal(ctx, pos[0], payload)
	}
	if err != nil {
		return err
	}
	target := "every connection"
	if *to != "" {
		target = "connection " + *to
	}
	return f.print(map[string]any{"sessionId": pos[0], "to": *to, "sent": true}, func(w io.Writer) {
		fmt.Fprintf(w, "signal sent to %s\n", target)
	})
}

func cmdDisconnect(ctx context.Context, a *app, args []string) error {
	f := a.newFlags("disconnect", "opentok disconnect <session-id> <connection-id>",
		"Forces a connection to leave the session (this also hangs up a SIP call or closes an Audio Connector).", true)
	pos, ot, err := f.setup(args, "<session-id>", "<connection-id>")
	if err != nil {
		return err
	}
	if err := ot.ForceDisconnect(ctx, pos[0], pos[1]); err != nil {
		return err
	}
	return f.print(map[string]any{"sessionId": pos[0], "connectionId": pos[1], "disconnected": true}, func(w io.Writer) {
		fmt.Fprintf(w, "disconnected %s\n", pos[1])
	})
}

func cmdMute(ctx context.Context, a *app, args []string) error {
	f := a.newFlags("mute", "opentok mute <session-id> [<stream-id> | --all [--exclude id,id] | --off]",
		"Force-mutes one stream's audio, or every stream (and those published later) with --all;\n--off ends that mute state.", true)
	all := f.fs.Bool("all", false, "mute every stream of the session, and new ones")
	exclude := f.fs.String("exclude", "", "comma-separated stream IDs --all leaves alone")
	off := f.fs.Bool("off", false, "end the mute state set by --all")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	modes := 0
	for _, b := range []bool{*all, *off, len(pos) == 2} {
		if b {
			modes++
		}
	}
	if len(pos) < 1 || len(pos) > 2 || modes != 1 {
		return usagef("give a stream ID, --all or --off (usage: %s)", f.usage)
	}
	ot, err := f.client()
	if err != nil {
		return err
	}
	var msg string
	switch {
	case *all:
		var ex []string
		if *exclude != "" {
			ex = strings.Split(*exclude, ",")
		}
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
	return f.print(map[string]any{"sessionId": pos[0], "result": msg}, func(w io.Writer) { fmt.Fprintln(w, msg) })
}

// headerList collects repeated --header Name=Value flags.
type headerList map[string]string

func (h headerList) String() string { return fmt.Sprint(len(h), " headers") }

func (h headerList) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want Name=Value")
	}
	h[k] = val
	return nil
}

func cmdDial(ctx context.Context, a *app, args []string) error {
	f := a.newFlags("dial", "opentok dial <session-id> <sip-uri> [--from F] [--header X-Name=V]... [--username U --password P] [--secure] [--video]",
		"Dials a SIP endpoint into a routed session. A publisher token is generated for the call.\nHang up with: opentok disconnect <session-id> <connection-id>.", true)
	from := f.fs.String("from", "", "caller, as user@domain")
	headers := headerList{}
	f.fs.Var(headers, "header", "custom SIP header Name=Value, the name starting with X- (repeatable)")
	user := f.fs.String("username", "", "SIP digest user name")
	passFile := f.fs.String("password-file", "", "file holding the SIP digest password (default $OPENTOK_SIP_PASSWORD)")
	pass := f.fs.String("password", "", "SIP digest password; visible to other users in ps, so prefer $OPENTOK_SIP_PASSWORD or --password-file")
	secure := f.fs.Bool("secure", false, "encrypt the media (SRTP)")
	video := f.fs.Bool("video", false, "send and receive video")
	observe := f.fs.Bool("observe-force-mute", false, "let force-mute reach the SIP side")
	data := f.fs.String("data", "", "connection data of the SIP participant's token")
	pos, ot, err := f.setup(args, "<session-id>", "<sip-uri>")
	if err != nil {
		return err
	}
	tok, err := ot.GenerateToken(pos[0], &opentok.TokenOptions{Data: *data})
	if err != nil {
		return err
	}
	opts := &opentok.DialOptions{From: *from, Secure: *secure, Video: *video, ObserveForceMute: *observe}
	if len(headers) > 0 {
		opts.Headers = headers
	}
	password := f.pick(*pass, "OPENTOK_SIP_PASSWORD")
	if *passFile != "" {
		if password, err = a.secretArg("SIP password", "@"+*passFile); err != nil {
			return err
		}
	}
	if *user != "" || password != "" {
		opts.Auth = &opentok.SIPAuth{Username: *user, Password: opentok.NewSecret(password)}
	}
	call, err := ot.Dial(ctx, pos[0], tok, pos[1], opts)
	if err != nil {
		return err
	}
	return f.print(map[string]any{"id": call.ID, "connectionId": call.ConnectionID, "streamId": call.StreamID}, func(w io.Writer) {
		kv(w, "Call", call.ID, "Connection", call.ConnectionID, "Stream", call.StreamID)
	})
}
