package main

import (
	"context"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

// headerList collects repeated --header Name=Value flags.
type headerList map[string]string

func (h headerList) String() string { return "" }
func (h headerList) Type() string   { return "Name=Value" }

func (h headerList) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return &hintError{"want Name=Value"}
	}
	h[k] = val
	return nil
}

func (a *app) dialCmd() *cobra.Command { return a.dialLeaf("dial") }

func (a *app) sipCmd() *cobra.Command {
	return group("sip", "dial SIP endpoints into a session and play DTMF", a.dialLeaf("sip dial"), a.dtmfCmd())
}

// dialLeaf is "opentok dial" and "opentok sip dial".
func (a *app) dialLeaf(path string) *cobra.Command {
	name := path[strings.LastIndex(path, " ")+1:]
	f := a.leaf(name+" <session-id> <sip-uri> [--from F] [--header X-Name=V]... [--username U] [--secure] [--video]", "dial a SIP endpoint into a session",
		"Dials a SIP endpoint into a routed session. A publisher token is generated for the call.\n"+
			"The digest password comes from $OPENTOK_SIP_PASSWORD or --password-file (--password is a last resort).\n"+
			"Hang up with: opentok disconnect <session-id> <connection-id>.", projectCreds,
		"opentok "+path+" \"$sid\" sip:alice@example.com --from bob@example.com --header X-Room=42",
		"OPENTOK_SIP_PASSWORD=... opentok "+path+" \"$sid\" sip:pbx@example.com --username u --secure")
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
	return f.run([]string{"<session-id>", "<sip-uri>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		tok, err := clientToken(ot, pos[0], "", opentok.RolePublisher, *data)
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
			opts.Auth = &opentok.SIPAuth{Username: *user, Password: password}
		}
		call, err := ot.Dial(ctx, pos[0], tok, pos[1], opts)
		if err != nil {
			return err
		}
		return f.print(map[string]any{"id": call.ID, "connectionId": call.ConnectionID, "streamId": call.StreamID}, func(w io.Writer) {
			kv(w, "Call", call.ID, "Connection", call.ConnectionID, "Stream", call.StreamID)
		})
	})
}

func (a *app) dtmfCmd() *cobra.Command {
	f := a.leaf("dtmf <session-id> <digits> [--connection C]", "play DTMF digits to a session's SIP calls",
		"Plays DTMF digits (0-9, *, #, p for a 500 ms pause) to every SIP participant of the session,\nor to one connection with --connection.", projectCreds,
		"opentok sip dtmf \"$sid\" '1234#'", "opentok sip dtmf \"$sid\" 9p9 --connection \"$cid\"")
	conn := f.fs.String("connection", "", "the one SIP connection to play to (default: every one)")
	return f.run([]string{"<session-id>", "<digits>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		target := "every SIP participant"
		if *conn != "" {
			err = ot.PlayDTMFToConnection(ctx, pos[0], *conn, pos[1])
			target = "connection " + *conn
		} else {
			err = ot.PlayDTMF(ctx, pos[0], pos[1])
		}
		if err != nil {
			return err
		}
		return f.done(map[string]any{"sessionId": pos[0], "connectionId": *conn, "played": true}, "DTMF played to "+target)
	})
}
