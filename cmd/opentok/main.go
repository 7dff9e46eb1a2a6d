// Command opentok drives the OpenTok / Vonage Video REST API from the shell,
// serves an emulator of the platform for local development and tests in any
// language, and drives the emulator's simulated clients (opentok sim).
//
//	opentok emulator [--addr 127.0.0.1:4010] [--api-key K --api-secret S] [--vonage]
//	opentok session create|migrate ...
//	opentok token <session-id> [--role moderator] [--ttl 1h] [--data D] [--t1]
//	opentok archive|broadcast|render|captions|stream|connection|sip|... <verb> ...
//	opentok project|storage|callback <verb> ...
//	opentok sim connect|publish|signal|archive complete|clock advance|... (emulator only)
//	opentok completion bash|zsh|fish
//
// Credentials come from flags or the environment: OPENTOK_API_KEY and
// OPENTOK_API_SECRET, or VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY_PATH;
// OPENTOK_API_URL sets the base URL (the emulator prints all three).
// Secrets are read from the environment or from --...-file flags; argv is a
// last resort. Output is human-readable, or JSON with --json. Failures print
// one line on stderr and exit with status 1 (2 for usage errors).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{stdout: os.Stdout, stderr: os.Stderr, env: os.Getenv, progress: isTerminal(os.Stderr)}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// usageError marks errors that are the caller's misuse (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

// runError marks an error returned by a command's action (exit status 1
// unless it is a usageError); any other error comes from the command-line
// parsing and is a usage error.
type runError struct{ err error }

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

// env reads the environment (os.Getenv, or a map in tests).
type env func(string) string

// app holds what every command shares.
type app struct {
	stdout, stderr io.Writer
	env            env
	// progress is set when stderr is a terminal: long-running commands
	// then report their progress there.
	progress bool
}

// run runs the command line with the output on stdout and stderr and
// returns the exit status; progress is never shown.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv env) int {
	return (&app{stdout: stdout, stderr: stderr, env: getenv}).run(ctx, args)
}

func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCmd()
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	_, err := root.ExecuteContextC(ctx)
	return a.finish(err)
}

const rootHelp = `Drives the OpenTok / Vonage Video REST API from the shell, and serves an emulator of
the platform for development and tests.

Credentials: --api-key with $OPENTOK_API_SECRET or --api-secret-file (or OPENTOK_API_KEY,
OPENTOK_API_SECRET), or --application-id/--private-key (or VONAGE_APPLICATION_ID,
VONAGE_PRIVATE_KEY_PATH); --api-url or OPENTOK_API_URL sets the base URL. Account
management (opentok project) uses OPENTOK_ACCOUNT_KEY and OPENTOK_ACCOUNT_SECRET.
Failures print one line on stderr and exit with status 1, or 2 for usage errors.`

func (a *app) rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "opentok",
		Short:         "OpenTok / Vonage Video from the shell",
		Long:          rootHelp,
		Example:       "  opentok emulator > emulator.env &\n  sleep 1; set -a; . ./emulator.env; set +a\n  sid=$(opentok session create --routed)\n  opentok token \"$sid\" --role moderator",
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				_ = c.Help()
				return usagef("a command is needed (see opentok --help)")
			}
			return usagef("unknown command %q%s (see opentok --help)", printable(args[0]), didYouMean(c, args[0]))
		},
		SuggestionsMinimumDistance: 2,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usagef("%s (usage: %s)", flagError(c, err), c.UseLine())
	})
	root.AddCommand(
		a.emulatorCmd(),
		a.sessionCmd(),
		a.tokenCmd(),
		a.archiveCmd(),
		a.broadcastCmd(),
		a.streamCmd(),
		a.connectionCmd(),
		a.signalCmd(),
		a.disconnectCmd(),
		a.muteCmd(),
		a.dialCmd(),
		a.sipCmd(),
		a.audioConnectorCmd(),
		a.captionsCmd(),
		a.renderCmd(),
		a.callbackCmd(),
		a.storageCmd(),
		a.projectCmd(),
		a.simCmd(),
	)
	return root
}

// group makes a command that only holds verbs: without one, or with an
// unknown one, it is a usage error.
func group(name, short string, verbs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:   name + " <verb>",
		Short: short,
		Args:  cobra.ArbitraryArgs,
		RunE: func(c *cobra.Command, args []string) error {
			var names []string
			for _, v := range c.Commands() {
				names = append(names, v.Name())
			}
			if len(args) == 0 {
				return usagef("%s needs one of: %s (see %s --help)", c.CommandPath(), strings.Join(names, ", "), c.CommandPath())
			}
			return usagef("unknown %s command %q%s (one of: %s)", name, printable(args[0]), didYouMean(c, args[0]), strings.Join(names, ", "))
		},
		SuggestionsMinimumDistance: 2,
	}
	c.AddCommand(verbs...)
	return c
}

// didYouMean suggests the subcommands of c whose names are close to typed
// (cobra's SuggestionsFor: an edit distance of at most
// SuggestionsMinimumDistance, or a prefix), as ` (did you mean "x"?)`; ""
// when none is close.
func didYouMean(c *cobra.Command, typed string) string {
	s := c.SuggestionsFor(typed)
	if len(s) == 0 {
		return ""
	}
	for i := range s {
		s[i] = strconv.Quote(s[i])
	}
	return " (did you mean " + strings.Join(s, " or ") + "?)"
}

// finish prints an error as one line and returns the exit status.
func (a *app) finish(err error) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(a.stderr, "opentok: %s\n", oneLine(ue.Error()))
		return 2
	}
	var re *runError
	if errors.As(err, &re) {
		fmt.Fprintf(a.stderr, "%s\n", oneLine(re.Error()))
		return 1
	}
	// An error of the command-line parsing (cobra's own).
	fmt.Fprintf(a.stderr, "opentok: %s\n", oneLine(err.Error()))
	return 2
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}
