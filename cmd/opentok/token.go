package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

func (a *app) tokenCmd() *cobra.Command {
	f := a.leaf("token <session-id>", "generate a client token for a session",
		"Prints a client token for the session, signed locally (no request is made).", projectCreds,
		"opentok token \"$sid\" --role moderator --ttl 1h --data name=Ann", "opentok token \"$sid\" --t1")
	role := f.enum("role", "publisher", "publisher, subscriber, moderator or publisheronly", roleNames...)
	ttl := f.duration("ttl", 0, time.Second, opentok.MaxTokenTTL, "lifetime of the token, such as 90m or 2h (default 24h, at most 720h: 30 days)")
	data := f.fs.String("data", "", "connection data (at most 1000 characters)")
	layout := f.fs.String("layout", "", "comma-separated initial layout classes")
	t1 := f.fs.Bool("t1", false, "make a legacy T1 token instead of a JWT (OpenTok credentials only)")
	return f.run([]string{"<session-id>"}, func(_ context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		opts := &opentok.TokenOptions{Role: opentok.Role(*role), TTL: *ttl, Data: *data, InitialLayoutClassList: splitList(*layout)}
		if *t1 {
			opts.Format = opentok.TokenT1
		}
		tok, err := ot.GenerateToken(pos[0], opts)
		if err != nil {
			return err
		}
		exp := *ttl
		if exp == 0 {
			exp = opentok.DefaultTokenTTL
		}
		return f.print(map[string]any{"token": tok, "sessionId": pos[0], "role": *role,
			"expiresAt": time.Now().Add(exp).UTC().Format(time.RFC3339)}, func(w io.Writer) {
			fmt.Fprintln(w, tok)
		})
	})
}

// clientToken generates the token a server-side participant (SIP call,
// Audio Connector, captions, Experience Composer) joins with: the --token
// given, else one signed with the configured credentials.
func clientToken(ot *opentok.OpenTok, sessionID, given string, role opentok.Role, data string) (string, error) {
	if given != "" {
		return strings.TrimSpace(given), nil
	}
	return ot.GenerateToken(sessionID, &opentok.TokenOptions{Role: role, Data: data})
}
