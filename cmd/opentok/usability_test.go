package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok/opentoktest"
)

// A mistyped command gets the close ones suggested, at the root and in a
// group; a command nothing is close to gets none.
func TestDidYouMean(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"archve"}, `unknown command "archve" (did you mean "archive"?)`},
		{[]string{"sesion", "create"}, `(did you mean "session"?)`},
		{[]string{"archive", "strat"}, `unknown archive command "strat" (did you mean "start"?)`},
		{[]string{"sim", "faults", "ad"}, `(did you mean "add"?)`},
	} {
		code, _, errs := c.run(tc.args...)
		assert.Equal(t, 2, code, tc.args)
		assert.Contains(t, errs, tc.want, tc.args)
	}
	code, _, errs := c.run("qqqqq")
	assert.Equal(t, 2, code)
	assert.NotContains(t, errs, "did you mean")
}

// A --ttl that does not parse or is out of range says the format and the
// limit (before, only "invalid value for flag --ttl"); so do the other
// duration flags, each with its range.
func TestDurationFlagErrorsGiveTheFormatAndTheLimit(t *testing.T) {
	c := newCLI(t)
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	for _, ttl := range []string{"5", "1000h", "-1h", "soon", "500ms"} {
		code, _, errs := c.run("token", sid, "--ttl", ttl)
		assert.Equal(t, 2, code, ttl)
		assert.Contains(t, errs, "invalid value for flag --ttl: want a duration such as 90s, 45m or 2h, from 1s to 720h (30 days)", ttl)
	}
	c.ok("token", sid, "--ttl", "720h")
	c.ok("token", sid, "--ttl", "90m")
	for _, tc := range []struct{ args, want string }{
		{"broadcast start " + sid + " --hls --max-duration 30s", "from 1m to 10h"},
		{"captions start " + sid + " --max-duration 5h", "from 5m to 4h"},
		{"render start " + sid + " https://example.com --max-duration 11h", "from 1m to 10h"},
		{"archive get A --timeout -1s", "not negative"},
	} {
		code, _, errs := c.run(strings.Fields(tc.args)...)
		assert.Equal(t, 2, code, tc.args)
		assert.Contains(t, errs, tc.want, tc.args)
	}
}

// Shell completion offers the values of the flags that take one of a
// fixed set.
func TestEnumFlagsComplete(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"token", "S", "--role", ""}, []string{"publisher", "subscriber", "moderator", "publisheronly"}},
		{[]string{"sim", "connect", "S", "--role", "mod"}, []string{"publisher", "subscriber", "moderator", "publisheronly"}},
		{[]string{"archive", "start", "S", "--layout", ""}, []string{"bestFit", "custom", "horizontalPresentation", "pip", "verticalPresentation"}},
		{[]string{"archive", "layout", "A", "--type", ""}, []string{"bestFit", "pip"}},
		{[]string{"broadcast", "start", "S", "--screenshare-type", ""}, []string{"bestFit", "pip"}},
		{[]string{"session", "create", "--archive-mode", ""}, []string{"manual", "always"}},
		{[]string{"session", "create", "--archive-resolution", ""}, []string{"640x480", "1920x1080", "1080x1920"}},
		{[]string{"archive", "start", "S", "--output", ""}, []string{"composed", "individual"}},
		{[]string{"broadcast", "start", "S", "--stream-mode", ""}, []string{"auto", "manual"}},
		{[]string{"render", "start", "S", "U", "--resolution", ""}, []string{"1280x720"}},
		{[]string{"audio-connector", "connect", "S", "U", "--audio-transport", ""}, []string{"binary", "json"}},
		{[]string{"storage", "set", "s3", "--sse", ""}, []string{"none", "s3"}},
		{[]string{"storage", "set", "s3", "--fallback", ""}, []string{"none", "opentok"}},
	} {
		code, out, errs := c.run(append([]string{cobra.ShellCompRequestCmd}, tc.args...)...)
		require.Equal(t, 0, code, errs)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		require.NotEmpty(t, lines)
		assert.Equal(t, ":4", lines[len(lines)-1], "no file completion: %v", tc.args)
		for _, w := range tc.want {
			assert.Contains(t, lines, w, tc.args)
		}
	}
}

// In every command's help its own flags come first, then --json and the
// connection and credential flags every command shares.
func TestOwnFlagsAreListedBeforeTheSharedOnes(t *testing.T) {
	var walk func(cmd *cobra.Command)
	checked := 0
	walk = func(cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
		if !cmd.Runnable() || cmd.HasSubCommands() || cmd.Name() == "completion" {
			return
		}
		cmd.InitDefaultHelpFlag()
		var order []string
		sawShared := false
		cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
			order = append(order, f.Name)
			if f.Annotations[sharedAnnotation] != nil || f.Name == "help" {
				sawShared = true
			} else {
				assert.False(t, sawShared, "%s: --%s comes after the shared flags: %v", cmd.CommandPath(), f.Name, order)
			}
		})
		assert.True(t, sawShared, "%s has the shared flags", cmd.CommandPath())
		checked++
	}
	walk((&app{env: func(string) string { return "" }}).rootCmd())
	assert.Greater(t, checked, 40, "commands checked")

	c := newCLI(t)
	help := c.ok("archive", "start", "--help")
	flags := help[strings.Index(help, "Flags:"):]
	assert.Less(t, strings.Index(flags, "--name string"), strings.Index(flags, "--api-key string"), help)
	assert.Less(t, strings.Index(flags, "--screenshare-type string"), strings.Index(flags, "--json "), help)
}

// sim faults add makes one request fail unless --times says otherwise, as
// opentoktest.Fault.Times does (its help used to say "default: every one"
// while one request failed).
func TestSimFaultsAddTimesDefaultsToFaultTimes(t *testing.T) {
	c := newCLI(t, opentoktest.WithControlAPI())
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	help := c.ok("sim", "faults", "add", "--help")
	assert.Contains(t, help, "as opentoktest.Fault.Times")
	assert.Contains(t, help, "(default 1)")

	// A POST, which 5xx answers do not make the CLI send again.
	c.ok("sim", "faults", "add", "Signal", "--status", "503")
	code, _, errs := c.run("signal", sid, "--type", "t", "--data", "d")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "503")
	c.ok("signal", sid, "--type", "t", "--data", "d") // the fault was used up

	c.ok("sim", "faults", "add", "Signal", "--status", "503", "--times", "-1")
	for range 3 {
		_, _, errs = c.run("signal", sid, "--type", "t", "--data", "d")
		assert.Contains(t, errs, "503", "every request until cleared")
	}
	c.ok("sim", "faults", "clear")
}

// project create's help showed "... --json | jq -r .secret > customer-1.secret":
// a secret written to a file every user of the machine could read (umask
// 022). An example that writes the output of a command printing a secret
// to a file does it under umask 077.
func TestExamplesNeverWriteASecretToAReadableFile(t *testing.T) {
	printsSecret := map[string]bool{"opentok project create": true, "opentok project refresh-secret": true}
	var walk func(cmd *cobra.Command)
	toFile := 0
	walk = func(cmd *cobra.Command) {
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
		if !printsSecret[cmd.CommandPath()] {
			return
		}
		for _, line := range strings.Split(cmd.Example, "\n") {
			if strings.Contains(line, ">") {
				toFile++
				assert.Contains(t, line, "umask 077", "%s: %s", cmd.CommandPath(), line)
			}
		}
	}
	walk((&app{env: func(string) string { return "" }}).rootCmd())
	assert.Positive(t, toFile, "project create shows how to keep its output")
}

// sim faults add --times says its default, the one it sends: one request
// (issue 21 made the flag's default 1, as opentoktest.Fault.Times).
func TestSimFaultsAddTimesHelpSaysItsDefault(t *testing.T) {
	cmd, _, err := (&app{env: func(string) string { return "" }}).rootCmd().Find([]string{"sim", "faults", "add"})
	require.NoError(t, err)
	times := cmd.Flags().Lookup("times")
	require.NotNil(t, times)
	assert.Equal(t, "1", times.DefValue)
	assert.Contains(t, times.Usage, "0 is 1 too; -1: every one")
}
