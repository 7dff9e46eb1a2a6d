package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// cli runs the command line against a fake with its credentials in the
// environment.
type cli struct {
	t   *testing.T
	srv *opentoktest.Server
	env map[string]string
}

func newCLI(t *testing.T, opts ...opentoktest.Option) *cli {
	srv := opentoktest.NewServer(t, opts...)
	env := map[string]string{"OPENTOK_API_URL": srv.URL}
	if srv.IsVonage() {
		path := filepath.Join(t.TempDir(), "key.pem")
		require.NoError(t, os.WriteFile(path, srv.PrivateKeyPEM, 0o600))
		env["VONAGE_APPLICATION_ID"], env["VONAGE_PRIVATE_KEY_PATH"] = srv.ApplicationID, path
	} else {
		env["OPENTOK_API_KEY"], env["OPENTOK_API_SECRET"] = srv.APIKey, srv.APISecret
	}
	return &cli{t: t, srv: srv, env: env}
}

// run returns the exit status, stdout and stderr.
func (c *cli) run(args ...string) (int, string, string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, func(k string) string { return c.env[k] })
	return code, out.String(), errb.String()
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	require.Equal(c.t, 0, code, "opentok %s: %s", strings.Join(args, " "), errs)
	assert.Empty(c.t, errs)
	return out
}

// json runs a command with --json and decodes its output.
func (c *cli) json(args ...string) map[string]any {
	c.t.Helper()
	out := c.ok(append(args, "--json")...)
	var m map[string]any
	require.NoError(c.t, json.Unmarshal([]byte(out), &m), out)
	return m
}

// joinClient connects a simulated publisher to a session.
func (c *cli) joinClient(sessionID string) *opentoktest.Conn {
	c.t.Helper()
	tok := strings.TrimSpace(c.ok("token", sessionID))
	conn, err := c.srv.Connect(sessionID, tok)
	require.NoError(c.t, err)
	_, err = conn.Publish(opentoktest.PublishOptions{Name: "cam"})
	require.NoError(c.t, err)
	return conn
}

func TestHelpAndUsage(t *testing.T) {
	c := newCLI(t)
	code, out, _ := c.run("--help")
	assert.Equal(t, 0, code)
	for _, cmd := range []string{"emulator", "session", "token", "archive", "broadcast"} {
		assert.Contains(t, out, cmd)
	}
	code, _, _ = c.run()
	assert.Equal(t, 2, code)
	code, _, errs := c.run("frobnicate")
	assert.Equal(t, 2, code)
	assert.Equal(t, "opentok: unknown command \"frobnicate\" (see opentok --help)\n", errs)

	for _, args := range [][]string{
		{"emulator", "--help"}, {"session", "create", "--help"}, {"token", "--help"}, {"archive", "start", "--help"},
		{"archive", "list", "--help"}, {"broadcast", "start", "--help"}, {"archive", "--help"},
	} {
		code, out, errs := c.run(args...)
		assert.Equal(t, 0, code, "%v: %s", args, errs)
		assert.Contains(t, out, "Usage:\n  opentok "+args[0], args)
	}
}

func TestSessionAndToken(t *testing.T) {
	c := newCLI(t)
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	ss, ok := c.srv.Session(sid)
	require.True(t, ok, "the session exists on the platform")
	assert.Equal(t, opentok.MediaRouted, ss.MediaMode)

	m := c.json("session", "create", "--routed", "--archive-mode", "always", "--location", "10.1.1.1")
	assert.Equal(t, "always", m["archiveMode"])

	tok := strings.TrimSpace(c.ok("token", sid, "--role", "moderator", "--data", "name=Ann", "--ttl", "1h"))
	conn, err := c.srv.Connect(sid, tok)
	require.NoError(t, err, "the token is accepted by the platform")
	assert.Equal(t, opentok.RoleModerator, conn.Role())
	assert.Equal(t, "name=Ann", conn.Data())

	t1 := strings.TrimSpace(c.ok("token", "--t1", sid))
	assert.True(t, strings.HasPrefix(t1, "T1=="))
	_, err = c.srv.Connect(sid, t1)
	require.NoError(t, err)

	tm := c.json("token", sid, "--role", "subscriber")
	assert.Equal(t, "subscriber", tm["role"])
	assert.NotEmpty(t, tm["token"])
}

func TestVonageCredentialsFromEnvironment(t *testing.T) {
	c := newCLI(t, opentoktest.WithVonage())
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	tok := strings.TrimSpace(c.ok("token", sid))
	_, err := c.srv.Connect(sid, tok)
	require.NoError(t, err)
	code, _, errs := c.run("token", sid, "--t1")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "format")
}

func TestErrorsAreOneLineWithExitStatus(t *testing.T) {
	c := newCLI(t)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"token"}, 2, "expected <session-id>"},
		{[]string{"token", "a", "b"}, 2, "expected <session-id>"},
		{[]string{"token", "x", "--role"}, 2, "flag --role needs a value"},
		{[]string{"token", "x", "--bogus"}, 2, "unknown flag --bogus"},
		{[]string{"token", "not-a-session"}, 1, "invalid sessionId"},
		{[]string{"session", "create", "--archive-mode", "always"}, 1, "archiveMode"},
		{[]string{"session"}, 2, "opentok session needs one of: create, migrate"},
		{[]string{"archive", "get", "no-such-archive"}, 1, "404"},
		{[]string{"archive", "frob"}, 2, "unknown archive command"},
		{[]string{"archive", "layout", "abc"}, 2, "--type is required"},
		{[]string{"broadcast", "start", "sid", "--rtmp", "nocomma"}, 2, "server-url,stream-name"},
	}
	for _, tc := range cases {
		code, out, errs := c.run(tc.args...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, errs)
		assert.Empty(t, out, tc.args)
		assert.Contains(t, errs, tc.want, tc.args)
		assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
		assert.NotContains(t, errs, c.srv.APISecret)
	}

	// Missing credentials.
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"session", "create"}, &out, &errb, func(string) string { return "" })
	assert.Equal(t, 2, code)
	assert.Contains(t, errb.String(), "no credentials")
	assert.Contains(t, errb.String(), "opentok emulator")
	errb.Reset()
	code = run(context.Background(), []string{"session", "create"}, &out, &errb, func(k string) string {
		return map[string]string{"OPENTOK_API_KEY": "123"}[k]
	})
	assert.Equal(t, 2, code)
	assert.Contains(t, errb.String(), "API secret")
	errb.Reset()
	code = run(context.Background(), []string{"session", "create"}, &out, &errb, func(k string) string {
		return map[string]string{"VONAGE_APPLICATION_ID": opentoktest.DefaultApplicationID, "VONAGE_PRIVATE_KEY_PATH": "/nonexistent/key"}[k]
	})
	assert.Equal(t, 1, code)
	assert.Contains(t, errb.String(), "cannot read the private key")
}

func TestArchiveCommands(t *testing.T) {
	c := newCLI(t)
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	c.joinClient(sid)

	started := c.json("archive", "start", sid, "--name", "demo", "--resolution", "1280x720", "--layout", "pip")
	id := started["id"].(string)
	assert.Equal(t, "started", started["status"])
	assert.Equal(t, "demo", started["name"])

	out := c.ok("archive", "layout", id, "--type", "bestFit", "--screenshare-type", "pip")
	assert.Contains(t, out, "bestFit")
	a, _ := c.srv.Archive(id)
	assert.Equal(t, &opentok.Layout{Type: opentok.LayoutBestFit, ScreenshareType: opentok.LayoutPIP}, a.Layout)

	code, _, errs := c.run("archive", "start", sid)
	assert.Equal(t, 1, code, "a second archive conflicts")
	assert.Contains(t, errs, "409")

	stopped := c.json("archive", "stop", id)
	assert.Equal(t, "stopped", stopped["status"])
	c.srv.CompleteArchive(id)
	got := c.ok("archive", "get", id)
	assert.Contains(t, got, "available")
	assert.Contains(t, got, "URL:")

	list := c.ok("archive", "list")
	assert.Contains(t, list, id)
	assert.Contains(t, list, "1 of 1 archives")
	lj := c.json("archive", "list", "--all", "--session", sid)
	assert.Equal(t, float64(1), lj["total"])

	assert.Contains(t, c.ok("archive", "delete", id), "deleted archive "+id)
	a, _ = c.srv.Archive(id)
	assert.Equal(t, opentok.ArchiveDeleted, a.Status)
}

func TestBroadcastCommands(t *testing.T) {
	c := newCLI(t)
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	c.joinClient(sid)
	b := c.json("broadcast", "start", sid, "--hls", "--rtmp", "rtmps://live.example.com/app,secret-key,yt", "--max-duration", "1h")
	id := b["id"].(string)
	assert.Contains(t, b["hlsUrl"], "/_media/hls/"+id)
	human := c.ok("broadcast", "get", id)
	assert.Contains(t, human, "rtmps://live.example.com/app")
	assert.NotContains(t, human, "secret-key", "the RTMP stream key is not printed")
	js := c.ok("broadcast", "get", id, "--json")
	assert.NotContains(t, js, "secret-key", "nor in JSON")
	got := c.json("broadcast", "get", id)
	assert.NotEmpty(t, got["projectId"])
	assert.Equal(t, "auto", got["streamMode"])
	assert.Equal(t, true, got["hasAudio"])
	assert.Equal(t, map[string]any{"hls": map[string]any{"dvr": false, "lowLatency": false}}, got["settings"])
	dvr := c.json("broadcast", "start", sid, "--hls", "--dvr", "--tag", "second")
	assert.Equal(t, map[string]any{"hls": map[string]any{"dvr": true, "lowLatency": false}}, dvr["settings"])
	assert.Contains(t, c.ok("broadcast", "layout", id, "--type", "verticalPresentation"), "verticalPresentation")
	assert.Contains(t, c.ok("broadcast", "list"), id)
	stopped := c.json("broadcast", "stop", id)
	assert.Equal(t, string(opentok.BroadcastStopped), stopped["status"])
}

func TestStreamSignalMuteDisconnectDial(t *testing.T) {
	c := newCLI(t)
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	conn := c.joinClient(sid)
	streams := c.srv.Streams(sid)
	require.Len(t, streams, 1)
	stID := streams[0].ID

	list := c.ok("stream", "list", sid)
	assert.Contains(t, list, stID)
	assert.Contains(t, list, "camera")
	got := c.json("stream", "get", sid, stID)
	assert.Equal(t, "cam", got["name"])

	assert.Contains(t, c.ok("signal", sid, "--type", "chat", "--data", "hello all"), "every connection")
	assert.Contains(t, c.ok("signal", sid, "--to", conn.ID(), "--type", "dm", "--data", "hi"), "connection "+conn.ID())
	assert.Equal(t, []opentoktest.Signal{{Type: "chat", Data: "hello all"}, {Type: "dm", Data: "hi"}}, conn.Signals())

	assert.Contains(t, c.ok("mute", sid, stID), "muted stream")
	st, _ := c.srv.Stream(stID)
	assert.True(t, st.AudioMuted)
	assert.Contains(t, c.ok("mute", sid, "--all", "--exclude", "a,b"), "muted every stream except a, b")
	ss, _ := c.srv.Session(sid)
	assert.True(t, ss.MuteActive)
	assert.Equal(t, []string{"a", "b"}, ss.ExcludedStreamIDs)
	c.ok("mute", sid, "--off")
	ss, _ = c.srv.Session(sid)
	assert.False(t, ss.MuteActive)
	code, _, errs := c.run("mute", sid, "--all", "--off")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "give a stream ID, --all or --off")

	call := c.json("dial", sid, "sip:alice@example.com", "--from", "bob@example.com", "--header", "X-Room=42",
		"--username", "u", "--password", "s3cret-pass", "--video")
	callID := call["id"].(string)
	sc, ok := c.srv.SIPCall(callID)
	require.True(t, ok)
	assert.Equal(t, "sip:alice@example.com", sc.URI)
	assert.Equal(t, map[string]string{"X-Room": "42"}, sc.Headers)
	assert.True(t, sc.Video)
	code, _, errs = c.run("dial", sid, "sip:x@example.com", "--header", "Room=1")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "X-")
	assert.NotContains(t, errs, "s3cret-pass")

	assert.Contains(t, c.ok("disconnect", sid, call["connectionId"].(string)), "disconnected")
	sc, _ = c.srv.SIPCall(callID)
	assert.True(t, sc.Ended, "disconnecting the SIP connection hangs up")
	c.ok("disconnect", sid, conn.ID())
	assert.False(t, conn.Connected())
	code, _, errs = c.run("disconnect", sid, conn.ID())
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "404")
}
