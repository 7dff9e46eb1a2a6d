package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// TestMain lets the test binary act as the opentok command, so tests can run
// it as a separate process.
func TestMain(m *testing.M) {
	if os.Getenv("OPENTOK_CLI_AS_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// emulatorProcess starts "opentok emulator" in a child process and returns
// the environment lines it printed.
func emulatorProcess(t *testing.T, args ...string) map[string]string {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"emulator", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "OPENTOK_CLI_AS_MAIN=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			assert.NoError(t, err, "the emulator exits cleanly on SIGTERM; stderr: %s", stderr.String())
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("the emulator did not stop on SIGTERM")
		}
	})

	env := map[string]string{}
	sc := bufio.NewScanner(stdout)
	want := 5 // OPENTOK_API_URL, _API_KEY, _API_SECRET, _ACCOUNT_KEY, _ACCOUNT_SECRET
	if slices.Contains(args, "--vonage") {
		want = 3 // OPENTOK_API_URL, VONAGE_APPLICATION_ID, VONAGE_PRIVATE_KEY_PATH
	}
	for len(env) < want && sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		require.True(t, ok, "shell-style line, got %q", sc.Text())
		env[k] = v
	}
	require.Len(t, env, want, "stderr: %s", stderr.String())
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	return env
}

// control calls the emulator's control API.
func control(t *testing.T, base, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, base+path, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json") // the control API takes JSON only
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &m), "%s", b)
	}
	return resp.StatusCode, m
}

func TestEmulatorDrivenOverHTTPFromAnotherProcess(t *testing.T) {
	env := emulatorProcess(t)
	base := env["OPENTOK_API_URL"]
	require.True(t, strings.HasPrefix(base, "http://127.0.0.1:"), base)
	require.NotEmpty(t, env["OPENTOK_API_KEY"])
	require.NotEmpty(t, env["OPENTOK_API_SECRET"])
	require.Equal(t, opentoktest.DefaultAccountKey, env["OPENTOK_ACCOUNT_KEY"])
	require.Equal(t, opentoktest.DefaultAccountSecret, env["OPENTOK_ACCOUNT_SECRET"])

	// Any client that can set the base URL works unchanged: here the SDK.
	ot, err := opentok.New(env["OPENTOK_API_KEY"], env["OPENTOK_API_SECRET"], opentok.WithBaseURL(base))
	require.NoError(t, err)
	ctx := context.Background()
	s, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	tok, err := ot.GenerateToken(s.ID, nil)
	require.NoError(t, err)

	status, info := control(t, base, "GET", "/_emulator/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, env["OPENTOK_API_KEY"], info["apiKey"])

	// A simulated client joins and publishes through the control API.
	status, conn := control(t, base, "POST", "/_emulator/connect", map[string]any{"sessionId": s.ID, "token": tok})
	require.Equal(t, 200, status, "%v", conn)
	cid := conn["connectionId"].(string)
	status, pub := control(t, base, "POST", "/_emulator/connections/"+cid+"/publish", map[string]any{"name": "cam"})
	require.Equal(t, 200, status, "%v", pub)
	streams, err := ot.ListStreams(ctx, s.ID)
	require.NoError(t, err)
	require.Len(t, streams.Items, 1)
	assert.Equal(t, pub["streamId"], streams.Items[0].ID)

	status, bad := control(t, base, "POST", "/_emulator/connect", map[string]any{"sessionId": s.ID, "token": tok + "x"})
	assert.Equal(t, 403, status, "a tampered token is refused: %v", bad)

	// Signals reach the simulated client.
	require.NoError(t, ot.Signal(ctx, s.ID, opentok.SignalPayload{Type: "chat", Data: "hello"}))
	_, sigs := control(t, base, "GET", "/_emulator/connections/"+cid+"/signals", nil)
	assert.Equal(t, []any{map[string]any{"type": "chat", "data": "hello", "from": ""}}, sigs["items"])

	// Archive, stop, advance the clock: available.
	a, err := ot.StartArchive(ctx, s.ID, nil)
	require.NoError(t, err)
	_, err = ot.StopArchive(ctx, a.ID)
	require.NoError(t, err)
	status, _ = control(t, base, "POST", "/_emulator/clock/advance", map[string]any{"seconds": 10})
	require.Equal(t, 200, status)
	got, err := ot.GetArchive(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, opentok.ArchiveAvailable, got.Status)

	// Fault injection through the control API.
	status, _ = control(t, base, "POST", "/_emulator/faults", map[string]any{"op": "GetArchive", "status": 404})
	require.Equal(t, 204, status)
	_, err = ot.GetArchive(ctx, a.ID)
	assert.ErrorIs(t, err, opentok.ErrNotFound)

	status, reqs := control(t, base, "GET", "/_emulator/requests", nil)
	require.Equal(t, 200, status)
	assert.NotEmpty(t, reqs["items"])

	status, _ = control(t, base, "DELETE", "/_emulator/connections/"+cid, nil)
	assert.Equal(t, 204, status)
	_, sess := control(t, base, "GET", "/_emulator/sessions/"+s.ID, nil)
	assert.Empty(t, sess["connections"])
}

func TestEmulatorVonage(t *testing.T) {
	env := emulatorProcess(t, "--vonage")
	keyPath := env["VONAGE_PRIVATE_KEY_PATH"]
	pemBytes, err := os.ReadFile(keyPath)
	require.NoError(t, err)
	ot, err := opentok.NewVonage(env["VONAGE_APPLICATION_ID"], pemBytes, opentok.WithBaseURL(env["OPENTOK_API_URL"]))
	require.NoError(t, err)
	s, err := ot.CreateSession(context.Background(), &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	assert.Equal(t, env["VONAGE_APPLICATION_ID"], s.ProjectID)
}

// The account-level credentials given with flags are printed and accepted;
// a project created with them is usable at once.
func TestEmulatorAccountManagement(t *testing.T) {
	t.Parallel()
	env := emulatorProcess(t, "--account-key", "30000003", "--account-secret", "made-up-emulator-account-secret")
	assert.Equal(t, "30000003", env["OPENTOK_ACCOUNT_KEY"])
	assert.Equal(t, "made-up-emulator-account-secret", env["OPENTOK_ACCOUNT_SECRET"])
	base := env["OPENTOK_API_URL"]
	ctx := context.Background()
	acct, err := opentok.NewAccount(env["OPENTOK_ACCOUNT_KEY"], env["OPENTOK_ACCOUNT_SECRET"], opentok.WithBaseURL(base))
	require.NoError(t, err)
	p, err := acct.CreateProject(ctx, &opentok.ProjectOptions{Name: "tenant"})
	require.NoError(t, err)
	ot, err := p.Client(opentok.WithBaseURL(base))
	require.NoError(t, err)
	s, err := ot.CreateSession(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, p.ID, s.ProjectID)

	status, info := control(t, base, "GET", "/_emulator/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "30000003", info["accountKey"])

	// Through DNS rebinding a web page would send its own host name: the
	// credentials are not served to it.
	req, err := http.NewRequest("GET", base+"/_emulator/", nil)
	require.NoError(t, err)
	req.Host = "rebound.example" + strings.TrimPrefix(base, "http://127.0.0.1")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode)
	assert.NotContains(t, string(body), "made-up-emulator-account-secret")
}

// TestEmulatorCutsOffAStalledRequestBody sends a request that promises 100
// bytes of body and sends 11: the emulator's ReadTimeout (10 s) ends it with
// a 400 and closes the connection, where it used to wait forever.
func TestEmulatorCutsOffAStalledRequestBody(t *testing.T) {
	t.Parallel()
	env := emulatorProcess(t)
	conn, err := net.Dial("tcp", strings.TrimPrefix(env["OPENTOK_API_URL"], "http://"))
	require.NoError(t, err)
	defer conn.Close()
	start := time.Now()
	_, err = io.WriteString(conn, "POST /session/create HTTP/1.1\r\nHost: "+strings.TrimPrefix(env["OPENTOK_API_URL"], "http://")+"\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\narchiveMode")
	require.NoError(t, err)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(40*time.Second)))
	answer, err := io.ReadAll(conn) // until the emulator closes the connection
	require.NoError(t, err, "the emulator closed the connection (no client-side timeout)")
	elapsed := time.Since(start)
	assert.GreaterOrEqual(t, elapsed, 9*time.Second, "not before the ReadTimeout")
	assert.Less(t, elapsed, 30*time.Second)
	assert.True(t, strings.HasPrefix(string(answer), "HTTP/1.1 400 "), "%q", answer)
	assert.Contains(t, string(answer), `{"code":400,"message":"the request body could not be read"}`)
}

// TestEmulatorMemoryFlags checks that the request log and state limits
// reach the fake: a log of three requests with bodies cut at four bytes,
// and two sessions kept.
func TestEmulatorMemoryFlags(t *testing.T) {
	env := emulatorProcess(t, "--request-log-size", "3", "--request-log-body-limit", "4", "--state-limit", "2")
	base := env["OPENTOK_API_URL"]
	ot, err := opentok.New(env["OPENTOK_API_KEY"], env["OPENTOK_API_SECRET"], opentok.WithBaseURL(base))
	require.NoError(t, err)
	var ids []string
	for range 3 {
		s, err := ot.CreateSession(context.Background(), nil)
		require.NoError(t, err)
		ids = append(ids, s.ID)
	}
	status, _ := control(t, base, "GET", "/_emulator/sessions/"+ids[0], nil)
	assert.Equal(t, 404, status, "the oldest session was evicted")
	status, _ = control(t, base, "GET", "/_emulator/sessions/"+ids[2], nil)
	assert.Equal(t, 200, status)

	_, err = ot.StartArchive(context.Background(), ids[2], nil) // 404: no clients; a JSON body
	require.Error(t, err)
	status, log := control(t, base, "GET", "/_emulator/requests", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, 3.0, log["total"])
	assert.Equal(t, 1.0, log["dropped"])
	items := log["items"].([]any)
	require.Len(t, items, 3)
	last := items[2].(map[string]any)
	assert.Equal(t, "StartArchive", last["op"])
	assert.Len(t, last["body"], 4)
	assert.Equal(t, true, last["bodyTruncated"])
	assert.Greater(t, last["bodySize"], 4.0)
}

func TestEmulatorRefusesBadMemoryFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--request-log-size", "0"},
		{"--request-log-body-limit", "-1"},
		{"--request-log-body-limit", "1048577"},
		{"--request-log-bytes", "-1"},
		{"--state-limit", "0"},
	} {
		var out, errb bytes.Buffer
		code := run(context.Background(), append([]string{"emulator", "--addr", "127.0.0.1:0"}, args...), &out, &errb,
			func(string) string { return "" })
		assert.Equal(t, 2, code, "%v", args)
		assert.Contains(t, errb.String(), args[0], "the message names the flag")
		assert.Empty(t, out.String(), "%v: nothing served", args)
	}
}

func TestEmulatorRefusesPublicAddress(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"emulator", "--addr", "0.0.0.0:4010"}, &out, &errb, func(string) string { return "" })
	assert.Equal(t, 2, code)
	assert.Contains(t, errb.String(), "loopback")
}

// syncBuffer is a bytes.Buffer safe to read while a child process writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
