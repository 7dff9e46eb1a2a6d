package main

import (
	"context"
	"encoding/json"
	"errors"
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

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/opentok-go/opentok"
)

// Credential kinds of a command.
const (
	noCreds      = iota // the command calls nothing
	projectCreds        // OpenTok project or Vonage application credentials
	accountCreds        // account-level key and secret (project management)
)

// cmdFlags is a command with its flag set and the shared flags.
type cmdFlags struct {
	a   *app
	cmd *cobra.Command
	fs  *pflag.FlagSet

	apiKey, apiSecret, apiSecretFile, appID, keyPath, apiURL string
	accountKey, accountSecretFile                            string
	jsonOut                                                  bool
	timeout                                                  time.Duration
	// creds is the kind of credentials the command needs; its flags are
	// added after the command's own (see runAny), so that help lists
	// those first.
	creds int
	// own are the command's own flags, seen when the shared ones are added.
	own map[string]bool
}

// leaf makes a command: use is its synopsis (the name, then the
// arguments), long the paragraph that explains it, example its example
// lines (without the leading "opentok "), creds which credentials it needs.
func (a *app) leaf(use, short, long string, creds int, example ...string) *cmdFlags {
	f := &cmdFlags{a: a, creds: creds}
	var ex strings.Builder
	for _, e := range example {
		fmt.Fprintf(&ex, "  %s\n", e)
	}
	f.cmd = &cobra.Command{Use: use, Short: short, Long: long, Example: strings.TrimRight(ex.String(), "\n")}
	f.fs = f.cmd.Flags()
	f.fs.SortFlags = false
	return f
}

// sharedAnnotation marks the flags sharedFlags adds.
const sharedAnnotation = "opentok-shared"

// sharedFlags adds --json and the flags of the credentials the command
// needs, after the command's own flags.
func (f *cmdFlags) sharedFlags() {
	defer f.fs.VisitAll(func(fl *pflag.Flag) {
		if f.fs.Lookup(fl.Name) == fl && fl.Annotations == nil && !f.own[fl.Name] {
			_ = f.fs.SetAnnotation(fl.Name, sharedAnnotation, []string{"true"})
		}
	})
	f.own = map[string]bool{}
	f.fs.VisitAll(func(fl *pflag.Flag) { f.own[fl.Name] = true })
	creds := f.creds
	f.fs.BoolVar(&f.jsonOut, "json", false, "print JSON instead of text")
	if creds != noCreds {
		f.fs.StringVar(&f.apiURL, "api-url", "", "REST base URL (default $OPENTOK_API_URL, else the platform's)")
		f.timeout = 20 * time.Second
		f.fs.Var(&durationFlag{d: &f.timeout}, "timeout", "per-request timeout")
	}
	switch creds {
	case projectCreds:
		f.fs.StringVar(&f.apiKey, "api-key", "", "OpenTok API key (default $OPENTOK_API_KEY)")
		f.fs.StringVar(&f.apiSecretFile, "api-secret-file", "", "file holding the OpenTok API secret (default $OPENTOK_API_SECRET)")
		f.fs.StringVar(&f.apiSecret, "api-secret", "", "OpenTok API secret; visible to other users in ps, so prefer $OPENTOK_API_SECRET or --api-secret-file")
		f.fs.StringVar(&f.appID, "application-id", "", "Vonage application ID (default $VONAGE_APPLICATION_ID)")
		f.fs.StringVar(&f.keyPath, "private-key", "", "path of the Vonage private key, or its PEM text (default $VONAGE_PRIVATE_KEY_PATH)")
	case accountCreds:
		f.fs.StringVar(&f.accountKey, "account-key", "", "account-level key (default $OPENTOK_ACCOUNT_KEY)")
		f.fs.StringVar(&f.accountSecretFile, "account-secret-file", "", "file holding the account-level secret (default $OPENTOK_ACCOUNT_SECRET)")
	}
}

// run sets the command's action: pos are the positional arguments, checked
// against names (exactly that many, none empty).
func (f *cmdFlags) run(names []string, fn func(ctx context.Context, pos []string) error) *cobra.Command {
	f.cmd.Args = func(_ *cobra.Command, pos []string) error { return f.positional(pos, names...) }
	return f.runAny(fn)
}

// runAny sets the command's action; the command checks its arguments. It
// adds the shared flags, after those the command defined.
func (f *cmdFlags) runAny(fn func(ctx context.Context, pos []string) error) *cobra.Command {
	f.sharedFlags()
	if f.cmd.Args == nil {
		f.cmd.Args = cobra.ArbitraryArgs
	}
	f.cmd.RunE = func(c *cobra.Command, pos []string) error {
		if err := fn(c.Context(), pos); err != nil {
			return &runError{err}
		}
		return nil
	}
	return f.cmd
}

// usage is the command's synopsis line.
func (f *cmdFlags) usage() string { return f.cmd.UseLine() }

// flagError describes an error of the flag parsing of c without any value
// typed on the command line, which may be a secret (an RTMP stream key, a
// password): no CLI error quotes one. pflag's own messages quote what was
// typed ("unknown shorthand flag: 'a' in -api-secret=X" for a long flag
// typed with one dash), so each kind of error is described afresh, naming
// only flags the command has, or a long flag name as typed when it looks
// like one (up to its "=").
func flagError(c *cobra.Command, err error) string {
	var ive *pflag.InvalidValueError
	if errors.As(err, &ive) {
		msg := "invalid value for flag --" + ive.GetFlag().Name
		var hint *hintError
		if errors.As(err, &hint) {
			msg += ": " + hint.msg
		}
		return msg
	}
	var vre *pflag.ValueRequiredError
	if errors.As(err, &vre) && vre.GetFlag() != nil {
		return "flag --" + vre.GetFlag().Name + " needs a value"
	}
	var ne *pflag.NotExistError
	if errors.As(err, &ne) {
		if group := ne.GetSpecifiedShortnames(); group != "" {
			// One dash: pflag read a group of one-letter flags. A long
			// flag typed so is named, nothing else of the group is.
			name, _, _ := strings.Cut(group, "=")
			if c.Flags().Lookup(name) != nil {
				return "unknown flag -" + name + ": long flags take two dashes (--" + name + ")"
			}
			return "unknown flag: with one dash, only -h exists; long flags take two dashes (see --help)"
		}
		if name := ne.GetSpecifiedName(); flagName.MatchString(name) {
			return "unknown flag --" + name + " (see --help)"
		}
		return "unknown flag (see --help)"
	}
	var se *pflag.InvalidSyntaxError
	if errors.As(err, &se) {
		return "bad flag syntax: a flag is --name or --name=value (see --help)"
	}
	return "the flags cannot be parsed (see --help)"
}

// flagName is what a long flag name typed on the command line must look
// like to be quoted in an error.
var flagName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// hintError is the error of a flag type of this command: it never holds
// the value, so flagError may show it.
type hintError struct{ msg string }

func (e *hintError) Error() string { return e.msg }

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

// secret reads a secret from its file flag, else from its environment
// variable, else from its command-line flag (the last resort).
func (f *cmdFlags) secret(what, file, envName, argv string) (string, error) {
	if file != "" {
		return f.a.secretArg(what, "@"+file)
	}
	if v := f.a.env(envName); v != "" {
		return v, nil
	}
	return argv, nil
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
			return usagef("unexpected argument %q (usage: %s)", printable(pos[0]), f.usage())
		}
		return usagef("expected %s (usage: %s)", strings.Join(names, " "), f.usage())
	}
	for i, p := range pos {
		if p == "" {
			return usagef("%s must not be empty", names[i])
		}
	}
	return nil
}

func (f *cmdFlags) pick(flagValue, envName string) string {
	if flagValue != "" {
		return flagValue
	}
	return f.a.env(envName)
}

// options are the client options from the flags and the environment.
func (f *cmdFlags) options() []opentok.Option {
	var opts []opentok.Option
	if u := f.baseURL(); u != "" {
		opts = append(opts, opentok.WithBaseURL(u))
	}
	if f.timeout > 0 {
		opts = append(opts, opentok.WithTimeout(f.timeout))
	}
	return append(opts, opentok.WithUserAgent("opentok-cli"))
}

// baseURL is --api-url, else $OPENTOK_API_URL.
func (f *cmdFlags) baseURL() string { return f.pick(f.apiURL, "OPENTOK_API_URL") }

// client builds the SDK client from the flags and the environment. OpenTok
// credentials win when both kinds are present.
func (f *cmdFlags) client() (*opentok.OpenTok, error) {
	opts := f.options()
	key := f.pick(f.apiKey, "OPENTOK_API_KEY")
	secret, err := f.secret("API secret", f.apiSecretFile, "OPENTOK_API_SECRET", f.apiSecret)
	if err != nil {
		return nil, err
	}
	if f.apiSecret != "" && f.apiSecretFile == "" {
		secret = f.apiSecret
	}
	appID, keyPath := f.pick(f.appID, "VONAGE_APPLICATION_ID"), f.pick(f.keyPath, "VONAGE_PRIVATE_KEY_PATH")
	switch {
	case key != "" || secret != "":
		if key == "" || secret == "" {
			return nil, usagef("both an API key and an API secret are needed (--api-key/--api-secret-file or OPENTOK_API_KEY/OPENTOK_API_SECRET)")
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

// account builds the account client (project management) from
// --account-key or $OPENTOK_ACCOUNT_KEY and --account-secret-file or
// $OPENTOK_ACCOUNT_SECRET.
func (f *cmdFlags) account() (*opentok.Account, error) {
	key := f.pick(f.accountKey, "OPENTOK_ACCOUNT_KEY")
	secret, err := f.secret("account secret", f.accountSecretFile, "OPENTOK_ACCOUNT_SECRET", "")
	if err != nil {
		return nil, err
	}
	if key == "" || secret == "" {
		return nil, usagef("account management needs the account-level key and secret: OPENTOK_ACCOUNT_KEY (or --account-key) and OPENTOK_ACCOUNT_SECRET (or --account-secret-file)")
	}
	return opentok.NewAccount(key, secret, f.options()...)
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

// done prints the outcome of a command without a result: JSON fields with
// --json, else the line.
func (f *cmdFlags) done(fields map[string]any, line string) error {
	return f.print(fields, func(w io.Writer) { fmt.Fprintln(w, printable(line)) })
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

// enum adds a string flag that takes one of values, which shell
// completion offers.
func (f *cmdFlags) enum(name, def, usage string, values ...string) *string {
	p := f.fs.String(name, def, usage)
	_ = f.cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	return p
}

// names returns the values of an SDK enum as strings.
func names[T ~string](values ...T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// The values of the enum flags.
var (
	roleNames       = names(opentok.RolePublisher, opentok.RoleSubscriber, opentok.RoleModerator, opentok.RolePublisherOnly)
	resolutionNames = names(opentok.Resolution640x480, opentok.Resolution480x640, opentok.Resolution1280x720,
		opentok.Resolution720x1280, opentok.Resolution1920x1080, opentok.Resolution1080x1920)
	layoutNames = names(opentok.LayoutBestFit, opentok.LayoutCustom, opentok.LayoutHorizontalPresentation,
		opentok.LayoutPIP, opentok.LayoutVerticalPresentation)
	streamModeNames = names(opentok.StreamModeAuto, opentok.StreamModeManual)
)

// durationFlag is a duration flag whose error says the format and the
// range: a value that does not parse, is negative, or is outside min–max
// (each checked when not zero) is refused. 0, the default of most, always
// passes: it means "the platform's default".
type durationFlag struct {
	d        *time.Duration
	min, max time.Duration
}

// duration adds a duration flag: def is its default, min and max its range
// (0 for none).
func (f *cmdFlags) duration(name string, def, min, max time.Duration, usage string) *time.Duration {
	d := def
	f.fs.Var(&durationFlag{d: &d, min: min, max: max}, name, usage)
	return &d
}

func (v *durationFlag) String() string {
	if v.d == nil || *v.d == 0 {
		return ""
	}
	return shortDuration(*v.d)
}

func (v *durationFlag) Type() string { return "duration" }

func (v *durationFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 || (d != 0 && (v.min > 0 && d < v.min || v.max > 0 && d > v.max)) {
		return &hintError{"want a duration such as 90s, 45m or 2h" + v.rangeText()}
	}
	*v.d = d
	return nil
}

// rangeText says the flag's range, for its error.
func (v *durationFlag) rangeText() string {
	switch {
	case v.min > 0 && v.max > 0:
		return ", from " + shortDuration(v.min) + " to " + shortDuration(v.max)
	case v.max > 0:
		return ", at most " + shortDuration(v.max)
	case v.min > 0:
		return ", at least " + shortDuration(v.min)
	}
	return ", not negative"
}

// shortDuration writes d without its zero units ("720h", not "720h0m0s"),
// with the days of a whole number of them ("720h (30 days)").
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	if d >= 48*time.Hour && d%(24*time.Hour) == 0 {
		s += " (" + strconv.Itoa(int(d/(24*time.Hour))) + " days)"
	}
	return s
}

// splitList splits a comma-separated flag value (nil for "").
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
