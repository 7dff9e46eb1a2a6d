package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/opentok-go/opentok"
)

func cmdToken(_ context.Context, a *app, args []string) error {
	f := a.newFlags("token", "opentok token <session-id> [--role R] [--ttl 24h] [--data D] [--layout c1,c2] [--t1]",
		"Prints a client token for the session, signed locally (no request is made).", true)
	role := f.fs.String("role", "publisher", "publisher, subscriber, moderator or publisheronly")
	ttl := f.fs.Duration("ttl", 0, "lifetime of the token (default 24h, at most 720h)")
	data := f.fs.String("data", "", "connection data (at most 1000 characters)")
	layout := f.fs.String("layout", "", "comma-separated initial layout classes")
	t1 := f.fs.Bool("t1", false, "make a legacy T1 token instead of a JWT (OpenTok credentials only)")
	pos, ot, err := f.setup(args, "<session-id>")
	if err != nil {
		return err
	}
	opts := &opentok.TokenOptions{Role: opentok.Role(*role), TTL: *ttl, Data: *data}
	if *layout != "" {
		opts.InitialLayoutClassList = strings.Split(*layout, ",")
	}
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
}
