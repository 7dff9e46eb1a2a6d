package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

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

	apiKey, apiSecret, apiSecretFile, appID, keyPath, apiURL string
	jsonOut                                                  bool
	timeout                                                  time.Duration
}

// newFlags makes the flag set of a command; usage is its synopsis line and
// help a paragraph that explains it.
func (a *app) newFlags(name, usage, help string, withCreds bool) *cmdFlags {
	f := &cmdFlags{a: a, usage: usage, fs: flag.NewFlagSet(name, flag.ContinueOnError)}
	f.fs.SetOutput(io.Discard)
	f.fs.BoolVar(&f.jsonOut, "json", false, "print JSON instead of text")
	if withCreds {
		f.fs.StringVar(&f.apiKey, "api-key", "", "OpenTok API key (default $OPENTOK_API_KEY)")
		f.fs.StringVar(&f.apiSecretFile, "api-secret-file", "", "file holding the OpenTok API secret (default $OPENTOK_API_SECRET)")
		f.fs.StringVar(&f.apiSecret, "api-secret", "", "OpenTok API secret; visible to other users in ps, so prefer $OPENTOK_API_SECRET or --api-secret-file")
		f.fs.StringVar(&f.appID, "application-id", "", "Vonage application ID (default $VONAGE_APPLICATION_ID)")
		f.fs.StringVar(&f.keyPath, "private-key", "", "path of the Vonage private key, or its PEM text (default $VONAGE_PRIVATE_KEY_PATH)")
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
			return nil, usagef("%s (usage: %s)", unquoteFlagValue(err.Error()), f.usage)
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

// flagValueError matches the flag package's `invalid value "V" for flag -N:
// reason`, whose value may be a secret (an RTMP stream key, a password).
var flagValueError = regexp.MustCompile(`^invalid value ".*" for flag (-\S+): `)

// unquoteFlagValue drops the value from a flag error: no CLI error quotes a
// value that can hold a secret.
func unquoteFlagValue(msg string) string {
	return flagValueError.ReplaceAllString(msg, "invalid value for flag $1: ")
}

// secretArg reads a secret given as "@file" (the file's content, trimmed
// of a final newline), "env:NAME" (an environment variable), or else as
// itself (argv is the last resort: other users see it in ps). what names it
// in errors, which never quote the value or the file's content.
func (a *app) secretArg(what, v string) (string, error) {
	switch {
	case strings.HasPrefix(v, "@"):
		b, err := os.ReadFile(v[1:])
		if err != nil {
			return "", fmt.Errorf("opentok: cannot read the %s file: %v", what, pathlessError(err))
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	case strings.HasPrefix(v, "env:"):
		s := a.env(v[len("env:"):])
		if s == "" {
			return "", usagef("the environment variable %s that should hold the %s is empty", v[len("env:"):], what)
		}
		return s, nil
	}
	return v, nil
}

// pathlessError returns the cause of a file error without its path, which
// may be a value given by mistake (a PEM text instead of a path).
func pathlessError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
	if f.apiSecretFile != "" {
		s, err := f.a.secretArg("API secret", "@"+f.apiSecretFile)
		if err != nil {
			return nil, err
		}
		secret = s
	}
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
		pemBytes, err := privateKey(keyPath)
		if err != nil {
			return nil, err
		}
		return opentok.NewVonage(appID, pemBytes, opts...)
	}
	return nil, usagef("no credentials: set OPENTOK_API_KEY and OPENTOK_API_SECRET (or VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY_PATH), or run 'opentok emulator' and export what it prints")
}

// privateKey reads the private key from its path, or takes the value as
// the key itself when it holds a PEM block (VONAGE_PRIVATE_KEY_PATH set to
// the key's text). Errors never quote the value.
func privateKey(pathOrPEM string) ([]byte, error) {
	if strings.Contains(pathOrPEM, "-----BEGIN") {
		return []byte(pathOrPEM), nil
	}
	b, err := os.ReadFile(pathOrPEM)
	if err != nil {
		return nil, fmt.Errorf("opentok: cannot read the private key file named by --private-key or VONAGE_PRIVATE_KEY_PATH: %v", pathlessError(err))
	}
	return b, nil
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
		fmt.Fprintf(w, "%-*s  %s\n", width+1, pairs[i]+":", printable(pairs[i+1]))
	}
}

// printable escapes what a terminal would act on in text from the platform
// or its users (stream names, archive names, reasons): control characters,
// escape sequences, bidirectional overrides and invalid UTF-8 are shown as
// Go escapes, so that a stream name cannot rewrite the operator's screen.
func printable(s string) string {
	if utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) }) {
		return s
	}
	q := strconv.QuoteToGraphic(s)
	return q[1 : len(q)-1]
}

// timeString formats a time for humans ("" for the zero time).
func timeString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
