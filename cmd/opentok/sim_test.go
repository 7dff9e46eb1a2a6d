package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

func TestSimCommandsDriveTheEmulator(t *testing.T) {
	c := newCLI(t, opentoktest.WithControlAPI(), opentoktest.WithWebhooks(opentoktest.Webhooks{ArchiveURL: "http://127.0.0.1:1/hook"}))
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))

	cid := strings.TrimSpace(c.ok("sim", "connect", sid, "--role", "moderator", "--data", "name=Ann"))
	conns := c.srv.Connections(sid)
	require.Len(t, conns, 1)
	assert.Equal(t, cid, conns[0].ID)
	assert.Equal(t, opentok.RoleModerator, conns[0].Role)
	assert.Equal(t, "name=Ann", conns[0].Data)

	stream := strings.TrimSpace(c.ok("sim", "publish", cid, "--name", "cam"))
	screen := c.json("sim", "publish", cid, "--screen")["streamId"].(string)
	st, ok := c.srv.Stream(screen)
	require.True(t, ok)
	assert.Equal(t, opentok.VideoScreen, st.VideoType)
	assert.Len(t, c.srv.Streams(sid), 2)
	assert.Contains(t, c.ok("sim", "unpublish", cid, screen), "unpublished stream "+screen)
	require.Len(t, c.srv.Streams(sid), 1)
	assert.Equal(t, stream, c.srv.Streams(sid)[0].ID)

	other := strings.TrimSpace(c.ok("sim", "connect", sid))
	c.ok("sim", "signal", cid, "--to", other, "--type", "chat", "--data", "hi")
	c.ok("signal", sid, "--type", "all", "--data", "x\x1b[2J")
	sigs := c.json("sim", "signals", other)["items"].([]any)
	require.Len(t, sigs, 2)
	assert.Equal(t, map[string]any{"type": "chat", "data": "hi", "from": cid}, sigs[0])
	human := c.ok("sim", "signals", other)
	assert.Contains(t, human, "chat")
	assert.NotContains(t, human, "\x1b", "signal data is escaped")

	aid := c.json("archive", "start", sid)["id"].(string)
	c.ok("archive", "stop", aid)
	assert.Contains(t, c.ok("sim", "archive", "complete", aid), "available")
	ar := c.json("archive", "get", aid)
	assert.Equal(t, "available", ar["status"])
	assert.NotEmpty(t, ar["url"])
	code, _, errs := c.run("sim", "archive", "complete", aid)
	assert.Equal(t, 1, code, "an available archive cannot complete again")
	assert.Contains(t, errs, "409")
	failed := c.json("archive", "start", sid)["id"].(string)
	c.ok("sim", "archive", "fail", failed)
	assert.Equal(t, "failed", c.json("archive", "get", failed)["status"])

	before := c.srv.Now()
	c.ok("sim", "clock", "advance", "90s")
	assert.WithinDuration(t, before.Add(90*time.Second), c.srv.Now(), 5*time.Second)
	code, _, errs = c.run("sim", "clock", "advance", "soon")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "duration")

	c.ok("sim", "faults", "add", "GetArchive", "--status", "404", "--times", "1")
	code, _, errs = c.run("archive", "get", aid)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "404")
	c.ok("sim", "faults", "add", "GetArchive", "--status", "500")
	c.ok("sim", "faults", "clear")
	c.ok("archive", "get", aid)
	code, _, errs = c.run("sim", "faults", "add", "", "--status", "500")
	assert.Equal(t, 2, code, "%s", errs)

	hookPage := c.json("sim", "webhooks")
	hooks := hookPage["items"].([]any)
	assert.NotEmpty(t, hooks, "the archive events were delivered (or attempted)")
	assert.Equal(t, 0.0, hookPage["waiting"], "nothing left waiting")
	assert.Contains(t, c.ok("sim", "webhooks"), "deliveries")

	assert.Contains(t, c.ok("sim", "leave", other), "left")
	assert.Len(t, c.srv.Connections(sid), 1)
	code, _, errs = c.run("sim", "leave", other)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "404")
	assert.NotContains(t, errs, c.srv.APISecret)
}

// sim refuses a server that is not the emulator: a plain server, and the
// fake without its control API.
func TestSimRefusesWhatIsNotTheEmulator(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"hello":"world"}`))
	}))
	defer plain.Close()
	noControl := newCLI(t)
	for _, base := range []string{plain.URL, noControl.srv.URL, "http://127.0.0.1:1"} {
		c := &cli{t: t, env: map[string]string{"OPENTOK_API_URL": base, "OPENTOK_API_KEY": "1", "OPENTOK_API_SECRET": "s"}}
		for _, args := range [][]string{{"sim", "connect", "S"}, {"sim", "faults", "clear"}, {"sim", "archive", "complete", "A"}} {
			code, out, errs := c.run(args...)
			assert.Equal(t, 1, code, "%s %v", base, args)
			assert.Empty(t, out)
			assert.Contains(t, errs, "is not the opentok emulator", base)
			assert.Equal(t, 1, strings.Count(errs, "\n"))
		}
	}
	c := &cli{t: t, env: map[string]string{}}
	code, _, errs := c.run("sim", "webhooks")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "OPENTOK_API_URL")
}

// The control API needs no credentials: sim commands talked to any URL
// they were given, followed redirects to other origins and waited forever
// with --timeout 0. They now refuse a URL off this machine or with user
// info (before any request), a redirect to another origin, and a timeout
// that is not positive.
func TestSimTalksOnlyToALoopbackEmulator(t *testing.T) {
	emu := newCLI(t, opentoktest.WithControlAPI())
	var other atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		other.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"url":"x","vonage":false}`))
	}))
	defer elsewhere.Close()
	redirecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirecting.Close()
	_, port, err := net.SplitHostPort(strings.TrimPrefix(emu.srv.URL, "http://"))
	require.NoError(t, err)

	for _, tc := range []struct {
		url, want string
		code      int
	}{
		{"http://192.0.2.10:" + port, "must be a loopback address (127.0.0.1, [::1] or localhost), not 192.0.2.10", 2},
		{"https://emulator.example.com", "must be a loopback address", 2},
		{"http://127.0.0.1.nip.io:" + port, "must be a loopback address", 2},
		{"http://user:Pa55w0rd@127.0.0.1:" + port, "must not hold user info", 2},
		{"ftp://127.0.0.1:" + port, "must be its http URL", 2},
		{redirecting.URL, "is not the opentok emulator", 1},
	} {
		c := &cli{t: t, env: map[string]string{"OPENTOK_API_URL": tc.url, "OPENTOK_API_KEY": "1", "OPENTOK_API_SECRET": "s"}}
		code, out, errs := c.run("sim", "faults", "clear")
		assert.Equal(t, tc.code, code, "%s: %s", tc.url, errs)
		assert.Empty(t, out)
		assert.Contains(t, errs, tc.want, tc.url)
		assert.NotContains(t, errs, "Pa55w0rd")
	}
	assert.Zero(t, other.Load(), "the other origin was never contacted")

	for _, base := range []string{emu.srv.URL, strings.Replace(emu.srv.URL, "127.0.0.1", "localhost", 1)} {
		c := &cli{t: t, env: map[string]string{"OPENTOK_API_URL": base, "OPENTOK_API_KEY": emu.srv.APIKey, "OPENTOK_API_SECRET": emu.srv.APISecret}}
		c.ok("sim", "faults", "clear")
		code, _, errs := c.run("sim", "faults", "clear", "--timeout", "0")
		assert.Equal(t, 2, code)
		assert.Contains(t, errs, "--timeout must be positive for sim commands")
	}
	assert.True(t, isLoopbackHost("::1"))
	assert.True(t, isLoopbackHost("127.8.9.10"))
	assert.True(t, isLoopbackHost("::ffff:127.0.0.1"))
	assert.False(t, isLoopbackHost("0.0.0.0"))
	assert.False(t, isLoopbackHost("localhost.example.com"))
}

func TestCompletionScripts(t *testing.T) {
	c := newCLI(t)
	for _, shell := range []string{"bash", "zsh", "fish"} {
		out := c.ok("completion", shell)
		assert.Contains(t, out, "opentok", shell)
		assert.Greater(t, len(out), 500, shell)
		if shell == "bash" {
			if _, err := exec.LookPath("bash"); err == nil {
				path := filepath.Join(t.TempDir(), "opentok.bash")
				require.NoError(t, os.WriteFile(path, []byte(out), 0o600))
				cmd := exec.Command("bash", "-n", path)
				b, err := cmd.CombinedOutput()
				assert.NoError(t, err, "bash -n: %s", b)
			}
		}
	}
	// Completion of commands and flags.
	code, out, _ := c.run("__complete", "arch")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "archive")
	code, out, _ = c.run("__complete", "archive", "start", "S", "--stream-")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "--stream-mode")
}

// runWith runs the command line with progress on or off.
func (c *cli) runWith(progress bool, args ...string) (int, string, string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, env: func(k string) string { return c.env[k] }, progress: progress}
	code := a.run(context.Background(), args)
	return code, out.String(), errb.String()
}

func TestProgressOnATerminalOnly(t *testing.T) {
	c := newCLI(t, opentoktest.WithArchiveDelay(0))
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	c.joinClient(sid)
	aid := c.json("archive", "start", sid, "--wait")["id"].(string)
	c.ok("archive", "stop", aid, "--wait", "--wait-interval", "10ms")
	dir := t.TempDir()

	for _, tty := range []bool{false, true} {
		file := filepath.Join(dir, "a.mp4")
		code, out, errs := c.runWith(tty, "archive", "download", aid, "--output", file)
		require.Equal(t, 0, code, errs)
		assert.Contains(t, out, "a.mp4")
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		assert.NotEmpty(t, b)
		if tty {
			assert.Contains(t, errs, "archive "+aid+": ")
			assert.Contains(t, errs, "bytes")
		} else {
			assert.Empty(t, errs, "quiet when stderr is not a terminal")
		}
	}
	code, out, errs := c.runWith(false, "archive", "download", aid, "--output", "-")
	require.Equal(t, 0, code, errs)
	assert.NotEmpty(t, out, "the file on stdout")

	// broadcast start --wait: until the HLS playlist is served.
	for _, tty := range []bool{false, true} {
		code, out, errs := c.runWith(tty, "broadcast", "start", sid, "--hls", "--wait", "--wait-interval", "10ms", "--tag", "t"+map[bool]string{true: "1"}[tty], "--json")
		require.Equal(t, 0, code, errs)
		assert.Contains(t, out, `"status": "started"`)
		if !tty {
			assert.Empty(t, errs)
		}
	}

	// Waiting for an archive that fails, and running out of time.
	aid2 := c.json("archive", "start", sid, "--tag", "x")["id"].(string)
	c.ok("archive", "stop", aid2)
	require.True(t, c.srv.FailArchive(aid2))
	code, _, errs = c.run("archive", "download", aid2, "--wait", "--wait-interval", "10ms")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "failed")
	code, _, errs = c.run("archive", "download", aid2)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "not available")
	aid3 := c.json("archive", "start", sid, "--tag", "y")["id"].(string)
	code, _, errs = c.run("archive", "download", aid3, "--wait", "--wait-interval", "10ms", "--wait-timeout", "50ms")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "gave up waiting")
	code, _, errs = c.run("archive", "download", aid3, "--wait", "--wait-interval", "0s")
	assert.Equal(t, 2, code, errs)
}

func TestNewCommandsErrorsAndSecrets(t *testing.T) {
	c := newCLI(t)
	c.env["OPENTOK_ACCOUNT_KEY"], c.env["OPENTOK_ACCOUNT_SECRET"] = c.srv.AccountKey, c.srv.AccountSecret
	// A project's secret is printed by create and refresh-secret only.
	p := c.json("project", "create", "--name", "t")
	pid := p["id"].(string)
	require.NotEmpty(t, p["secret"])
	for _, args := range [][]string{{"project", "get", pid}, {"project", "list"}, {"project", "activate", pid}} {
		assert.NotContains(t, c.ok(args...), p["secret"].(string), args)
	}
	fresh := c.json("project", "refresh-secret", pid)["secret"].(string)
	assert.NotEqual(t, p["secret"], fresh)
	ot, err := opentok.New(pid, fresh, opentok.WithBaseURL(c.srv.URL))
	require.NoError(t, err)
	_, err = ot.CreateSession(context.Background(), nil)
	assert.NoError(t, err, "the printed secret works")

	delete(c.env, "OPENTOK_ACCOUNT_SECRET")
	code, _, errs := c.run("project", "list")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "OPENTOK_ACCOUNT_SECRET")
	path := filepath.Join(t.TempDir(), "acct")
	require.NoError(t, os.WriteFile(path, []byte(c.srv.AccountSecret+"\n"), 0o600))
	c.ok("project", "list", "--account-secret-file", path)

	// Cloud credentials: from the environment or a file, never printed.
	const s3Key = "made-up-s3-secret-Zq9"
	keyFile := filepath.Join(t.TempDir(), "s3")
	require.NoError(t, os.WriteFile(keyFile, []byte(s3Key+"\n"), 0o600))
	out := c.ok("storage", "set", "s3", "--bucket", "b", "--access-key", "AK", "--secret-key-file", keyFile)
	assert.NotContains(t, out, s3Key)
	assert.Contains(t, string(c.srv.RequestsFor("SetArchiveStorage")[0].Body), s3Key)
	c.env["AZURE_STORAGE_KEY"] = "made-up-azure-key"
	az := c.json("storage", "set", "azure", "--account-name", "acct", "--container", "c")
	assert.Equal(t, "azure", az["type"])
	assert.NotContains(t, c.ok("storage", "set", "azure", "--account-name", "acct", "--container", "c"), "made-up-azure-key")
	code, _, errs = c.run("storage", "set", "gcs")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "s3 or azure")
	code, _, errs = c.run("storage", "set", "s3", "--bucket", "b")
	assert.Equal(t, 1, code, "no access key: refused by the SDK")
	assert.Contains(t, errs, "is required")

	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"stream", "class-lists", sid}, 2, "at least one"},
		{[]string{"stream", "class-lists", sid, "nostream"}, 2, "<stream-id>=<class,class>"},
		{[]string{"sip", "dtmf", sid, "12a"}, 1, "digits"},
		{[]string{"sip", "frob"}, 2, "unknown sip command"},
		{[]string{"captions", "stop", "no-such"}, 1, "404"},
		{[]string{"render", "start", sid, "ftp://x"}, 1, "url"},
		{[]string{"audio-connector", "connect", sid, "https://x"}, 1, "websocket.uri"},
		{[]string{"archive", "add-stream", "a"}, 2, "expected <archive-id> <stream-id>"},
		{[]string{"connection", "list", sid, "--count", "secret-ish-9"}, 2, "invalid value for flag --count"},
		{[]string{"callback", "register", "--event", "status", "--url", "https://x"}, 1, "group"},
		{[]string{"dial", sid, "sip:a@example.com", "--header", "bad"}, 2, "want Name=Value"},
	} {
		code, out, errs := c.run(tc.args...)
		assert.Equal(t, tc.code, code, "%v: %s", tc.args, errs)
		assert.Empty(t, out, tc.args)
		assert.Contains(t, errs, tc.want, tc.args)
		assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
		assert.NotContains(t, errs, "secret-ish-9")
	}
}

// Every command has --help with an example.
func TestEveryCommandHasHelpWithAnExample(t *testing.T) {
	root := (&app{env: func(string) string { return "" }}).rootCmd()
	leaves := 0
	var visit func(path []string)
	visit = func(path []string) {
		c, _, err := root.Find(path)
		require.NoError(t, err)
		if !c.HasSubCommands() {
			leaves++
			assert.NotEmpty(t, c.Example, "opentok %s has no example", strings.Join(path, " "))
			assert.NotEmpty(t, c.Short, path)
			cl := newCLI(t)
			code, out, _ := cl.run(append(path, "--help")...)
			assert.Equal(t, 0, code, path)
			assert.Contains(t, out, "Examples:", path)
			return
		}
		for _, sub := range c.Commands() {
			if sub.Hidden || sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			visit(append(append([]string{}, path...), sub.Name()))
		}
	}
	visit(nil)
	assert.Greater(t, leaves, 50)
}

// audio-connector connect sends every audio-transport flag in the
// request's audioTransport object; JSON framing without an encoding is
// refused by the SDK before anything is sent.
func TestAudioConnectorTransportFlags(t *testing.T) {
	c := newCLI(t)
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	out := c.json("audio-connector", "connect", sid, "wss://audio.example.com/ws", "--bidirectional",
		"--audio-transport", "json", "--encoding", "base64", "--audio-field", "pcm",
		"--receive-audio-field", "reply", "--static-field", "call=42", "--static-field", "lang=en")
	assert.NotEmpty(t, out["id"])
	reqs := c.srv.RequestsFor("ConnectWebSocket")
	require.Len(t, reqs, 1)
	var body struct {
		Websocket struct {
			Bidirectional  bool           `json:"bidirectional"`
			AudioTransport map[string]any `json:"audioTransport"`
		} `json:"websocket"`
	}
	require.NoError(t, json.Unmarshal(reqs[0].Body, &body), "%s", reqs[0].Body)
	assert.True(t, body.Websocket.Bidirectional)
	assert.Equal(t, map[string]any{
		"transport": "json", "encoding": "base64", "audio_field": "pcm", "receive_audio_field": "reply",
		"static_fields": map[string]any{"call": "42", "lang": "en"},
	}, body.Websocket.AudioTransport)

	c.srv.ClearRequests()
	code, _, errs := c.run("audio-connector", "connect", sid, "wss://audio.example.com/ws", "--audio-transport", "json")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "encoding")
	assert.Empty(t, c.srv.RequestsFor("ConnectWebSocket"), "refused before any I/O")
	code, _, errs = c.run("audio-connector", "connect", sid, "wss://audio.example.com/ws", "--static-field", "novalue")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "want Name=Value")
}

// sim clock skew makes the emulator check auth JWTs as a clock that far
// off; sim requests pages through its request log.
func TestSimClockSkewAndRequests(t *testing.T) {
	c := newCLI(t, opentoktest.WithControlAPI())
	c.ok("sim", "clock", "skew", "2h")
	code, _, errs := c.run("session", "create")
	assert.Equal(t, 1, code, "a platform two hours ahead takes the JWT for expired")
	assert.Contains(t, errs, "40")
	assert.Contains(t, c.ok("sim", "clock", "skew", "--", "-1s"), "auth clock skew -1s")
	c.ok("sim", "clock", "skew", "0s")
	sid := strings.TrimSpace(c.ok("session", "create"))
	code, _, errs = c.run("sim", "clock", "skew", "later")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "duration")

	c.srv.ClearRequests()
	c.ok("stream", "list", sid)
	c.ok("session", "create")
	c.ok("session", "create")
	out := c.json("sim", "requests", "--op", "CreateSession", "--limit", "1")
	assert.EqualValues(t, 2, out["total"])
	items := out["items"].([]any)
	require.Len(t, items, 1)
	assert.Equal(t, "CreateSession", items[0].(map[string]any)["op"])
	assert.Equal(t, "POST", items[0].(map[string]any)["method"])
	human := c.ok("sim", "requests")
	assert.Contains(t, human, "ListStreams")
	assert.Contains(t, human, "3 of 3 requests (0 dropped from the log)")
	code, _, errs = c.run("sim", "requests", "--op", "NoSuchOp")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "unknown operation")
}
