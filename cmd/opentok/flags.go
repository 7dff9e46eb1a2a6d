package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/opentok-go/opentok"
)

// errHelp ends a command after --help was printed.
var errHelp = errors.New("help shown")

// cmdFlags is a subcommand's flag set with the shared flags.
type cmdFlags struct {
	a     *app
	fs    *flag.FlagSet
	usage string
	help  func()

	apiKey, apiSecret, appID, keyPath, apiURL string
	jsonOut                                   bool
	timeout                                   time.Duration
}

// newFlags makes the flag set of a command; usage is its synopsis line and
// help a paragraph that explains it.
func (a *app) newFlags(name, usage, help string, withCreds bool) *cmdFlags {
	f := &cmdFlags{a: a, usage: usage, fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.fs.SetOutput(io.Discard)
	f.fs.BoolVar(&f.jsonOut, "json", false, "print JSON instead of text")
	if withCreds {
		f.fs.StringVar(&f.apiKey, "api-key", "", "OpenTok API key (default $OPENTOK_API_KEY)")
		f.fs.StringVar(&f.apiSecret, "api-secret", "", "OpenTok API secret (default $OPENTOK_API_SECRET)")
		f.fs.StringVar(&f.appID, "application-id", "", "Vonage application ID (default $VONAGE_APPLICATION_ID)")
		f.fs.StringVar(&f.keyPath, "private-key", "", "path of the Vonage private key (default $VONAGE_PRIVATE_KEY_PATH)")
		f.fs.StringVar(&f.apiURL, "api-url", "", "REST base URL (default $OPENTOK_API_URL, else the platform's)")
		f.fs.DurationVar(&f.timeout, "timeout", 20*time.Second, "per-request timeout")
	}
	f.fs.Usage = func() {} // errors are reported in one line by parse
	f.help = func() {
		w := a.stdout
		fmt.Fprintf(w, "Usage: %s\n\n", usage)
		if help != "" {
			fmt.Fprintf(w, "%s\n\n", help)
		}
		fmt.Fprintln(w, "Flags:")
		f.fs.SetOutput(w)
		f.fs.PrintDefaults()
		f.fs.SetOutput(io.Discard)
	}
	return f
}

// parse parses flags anywhere among the arguments and returns the
// positional ones. --help prints the usage and returns errHelp.
func (f *cmdFlags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				f.help()
				return nil, errHelp
			}
			return nil, usagef("%s (usage: %s)", err.Error(), f.usage)
		}
		rest := f.fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// positional checks the number of positional arguments.
func (f *cmdFlags) positional(pos []string, names ...string) error {
	if len(pos) != len(names) {
		if len(names) == 0 {
			return usagef("unexpected argument %q (usage: %s)", pos[0], f.usage)
		}
		return usagef("expected %s (usage: %s)", strings.Join(names, " "), f.usage)
	}
	for i, p := range pos {
		if p == "" {
			return usagef("%s must not be empty", names[i])
		}
	}
	return nil
}

// setup parses the arguments, checks the positional ones against names and
// builds the client: the start of every command that calls the platform.
func (f *cmdFlags) setup(args []string, names ...string) ([]string, *opentok.OpenTok, error) {
	pos, err := f.parse(args)
	if err != nil {
		return nil, nil, err
	}
	if err := f.positional(pos, names...); err != nil {
		return nil, nil, err
	}
	ot, err := f.client()
	if err != nil {
		return nil, nil, err
	}
	return pos, ot, nil
}

func (f *cmdFlags) pick(flagValue, envName string) string {
	if flagValue != "" {
		return flagValue
	}
	return f.a.env(envName)
}

// client builds the SDK client from the flags and the environment. OpenTok
// credentials win when both kinds are present.
func (f *cmdFlags) client() (*opentok.OpenTok, error) {
	var opts []opentok.Option
	if u := f.pick(f.apiURL, "OPENTOK_API_URL"); u != "" {
		opts = append(opts, opentok.WithBaseURL(u))
	}
	if f.timeout > 0 {
		opts = append(opts, opentok.WithTimeout(f.timeout))
	}
	opts = append(opts, opentok.WithUserAgent("opentok-cli"))
	key, secret := f.pick(f.apiKey, "OPENTOK_API_KEY"), f.pick(f.apiSecret, "OPENTOK_API_SECRET")
	appID, keyPath := f.pick(f.appID, "VONAGE_APPLICATION_ID"), f.pick(f.keyPath, "VONAGE_PRIVATE_KEY_PATH")
	switch {
	case key != "" || secret != "":
		if key == "" || secret == "" {
			return nil, usagef("both an API key and an API secret are needed (--api-key/--api-secret or OPENTOK_API_KEY/OPENTOK_API_SECRET)")
		}
		return opentok.New(key, secret, opts...)
	case appID != "" || keyPath != "":
		if appID == "" || keyPath == "" {
			return nil, usagef("both an application ID and a private key path are needed (--application-id/--private-key or VONAGE_APPLICATION_ID/VONAGE_PRIVATE_KEY_PATH)")
		}
		pemBytes, err := os.ReadFile(keyPath)
		if err != nil {
			return nil, fmt.Errorf("opentok: cannot read the private key: %v", err)
		}
		return opentok.NewVonage(appID, pemBytes, opts...)
	}
	return nil, usagef("no credentials: set OPENTOK_API_KEY and OPENTOK_API_SECRET (or VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY_PATH), or run 'opentok emulator' and export what it prints")
}

// print writes v as JSON with --json, or the human form otherwise.
func (f *cmdFlags) print(v any, human func(w io.Writer)) error {
	if f.jsonOut {
		enc := json.NewEncoder(f.a.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	human(f.a.stdout)
	return nil
}

// kv prints aligned "key: value" lines, skipping empty values.
func kv(w io.Writer, pairs ...string) {
	width := 0
	for i := 0; i+1 < len(pairs); i += 2 {
		width = max(width, len(pairs[i]))
	}
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			continue
		}
		fmt.Fprintf(w, "%-*s  %s\n", width+1, pairs[i]+":", pairs[i+1])
	}
}

// timeString formats a time for humans ("" for the zero time).
func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
