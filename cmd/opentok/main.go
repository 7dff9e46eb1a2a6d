// Command opentok drives the OpenTok / Vonage Video REST API from the shell,
// and serves an emulator of the platform for local development and tests in
// any language.
//
//	opentok emulator [--addr 127.0.0.1:4010] [--api-key K --api-secret S] [--vonage]
//	opentok session create [--routed] [--archive-mode always] ...
//	opentok token <session-id> [--role moderator] [--ttl 1h] [--data D] [--t1]
//	opentok archive start|stop|get|list|delete|layout ...
//	opentok broadcast start|stop|get|list|layout ...
//	opentok stream list|get ...
//	opentok signal|disconnect|mute|dial ...
//
// Credentials come from flags or the environment: OPENTOK_API_KEY and
// OPENTOK_API_SECRET, or VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY_PATH;
// OPENTOK_API_URL sets the base URL (the emulator prints all three). Output is
// human-readable, or JSON with --json. Failures print one line on stderr and
// exit with status 1 (2 for usage errors).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// errUsage marks errors that are the caller's misuse (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// env reads the environment (os.Getenv, or a map in tests).
type env func(string) string

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, a *app, args []string) error
}

// app holds what every command shares.
type app struct {
	stdout, stderr io.Writer
	env            env
}

func commands() []command {
	return []command{
		{"emulator", "serve a fake OpenTok platform on loopback for development and tests", cmdEmulator},
		{"session", "create a session", cmdSession},
		{"token", "generate a client token for a session", cmdToken},
		{"archive", "start, stop, get, list, delete archives and set their layout", cmdArchive},
		{"broadcast", "start, stop, get, list broadcasts and set their layout", cmdBroadcast},
		{"stream", "list the streams of a session or get one", cmdStream},
		{"signal", "send a signal to a session or one connection", cmdSignal},
		{"disconnect", "force a connection to leave a session", cmdDisconnect},
		{"mute", "force-mute a stream, every stream, or end the mute state", cmdMute},
		{"dial", "dial a SIP endpoint into a session", cmdDial},
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	a := &app{stdout: stdout, stderr: stderr, env: getenv}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		a.usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, a, args[1:])
			return a.finish(err)
		}
	}
	fmt.Fprintf(stderr, "opentok: unknown command %q (see opentok --help)\n", args[0])
	return 2
}

func (a *app) usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: opentok <command> [arguments] [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Credentials: --api-key/--api-secret (or OPENTOK_API_KEY, OPENTOK_API_SECRET), or")
	fmt.Fprintln(w, "--application-id/--private-key (or VONAGE_APPLICATION_ID, VONAGE_PRIVATE_KEY_PATH);")
	fmt.Fprintln(w, "--api-url or OPENTOK_API_URL sets the base URL. Run 'opentok <command> --help' for details.")
}

// finish prints an error as one line and returns the exit status.
func (a *app) finish(err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, errHelp) {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(a.stderr, "opentok: %s\n", oneLine(err.Error()))
		return 2
	}
	fmt.Fprintf(a.stderr, "%s\n", oneLine(err.Error()))
	return 1
}

func oneLine(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '\n' || r == '\r' {
			r = ' '
		}
		out = append(out, r)
	}
	return string(out)
}
