package exampleapp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var openLine = regexp.MustCompile(`open (http://\S+) in a browser`)

// startRun runs Run in the background and waits for it to print its URL.
func startRun(t *testing.T, args []string, env map[string]string, build BuildFunc) (url string, out *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, "demo", build, args, envMap(env), out) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := openLine.FindStringSubmatch(out.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("Run ended before serving: %v; output:\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("Run printed no URL; output:\n%s", out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("Run did not return after its context ended")
		}
	}
	t.Cleanup(func() { _ = stop() })
	return url, out, stop
}

func hello(got **Platform) BuildFunc {
	return func(ctx context.Context, p *Platform) (http.Handler, error) {
		if got != nil {
			*got = p
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "hello from %s", p.OwnerID())
		}), nil
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(body)
}

func TestRunOfflineServesUntilCancelled(t *testing.T) {
	var p *Platform
	url, out, stop := startRun(t, []string{"-addr", "127.0.0.1:0"}, nil, hello(&p))

	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/$`, url)
	assert.Contains(t, out.String(), "demo: "+Banner+"\n", "the console shows the offline banner")
	assert.Contains(t, out.String(), "demo: using the built-in fake platform at http://127.0.0.1:")
	assert.Equal(t, "hello from 47000000", get(t, url))
	require.True(t, p.Offline())

	require.NoError(t, stop(), "a cancelled context (Ctrl-C, SIGTERM) is a clean stop")
	assert.Contains(t, out.String(), "demo: stopped")
	_, err := http.Get(url)
	assert.Error(t, err, "the example no longer listens")
	_, err = p.Client.CreateSession(context.Background(), nil)
	assert.Error(t, err, "the built-in fake is stopped too")
}

func TestRunListensOnPORT(t *testing.T) {
	ln, err := net.Listen("tcp", "localhost:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	url, _, _ := startRun(t, nil, map[string]string{EnvPort: strconv.Itoa(port)}, hello(nil))
	assert.Equal(t, fmt.Sprintf("http://localhost:%d/", port), url)
	assert.Contains(t, get(t, url), "hello")
}

func TestRunWithCredentialsPrintsNoBanner(t *testing.T) {
	env := map[string]string{EnvAPIKey: "12345678", EnvAPISecret: "not-printed-0123456789"}
	var p *Platform
	_, out, _ := startRun(t, []string{"-addr", "127.0.0.1:0"}, env, hello(&p))
	assert.NotContains(t, out.String(), "Offline demo")
	assert.Contains(t, out.String(), "demo: using OpenTok project 12345678 at https://api.opentok.com")
	assert.NotContains(t, out.String(), "not-printed", "the secret is never printed")
	assert.False(t, p.Offline())
}

func TestRunFailures(t *testing.T) {
	build := hello(nil)
	run := func(args []string, env map[string]string, build BuildFunc) (string, error) {
		var out bytes.Buffer
		err := Run(context.Background(), "demo", build, args, envMap(env), &out)
		return out.String(), err
	}

	_, err := run([]string{"-addr", "127.0.0.1:0"}, map[string]string{EnvAPIKey: "123"}, build)
	assert.ErrorIs(t, err, ErrIncompleteCredentials)

	_, err = run([]string{"-nope"}, nil, build)
	assert.ErrorIs(t, err, errUsage)
	_, err = run([]string{"extra"}, nil, build)
	assert.ErrorIs(t, err, errUsage)
	_, err = run([]string{"-addr", "8080"}, nil, build)
	assert.ErrorIs(t, err, errUsage)

	out, err := run([]string{"-help"}, nil, build)
	assert.NoError(t, err)
	assert.Contains(t, out, "Usage: go run ./examples/demo [-addr host:port]")
	assert.Contains(t, out, "OPENTOK_API_KEY")

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	_, err = run([]string{"-addr", busy.Addr().String()}, nil, build)
	assert.ErrorContains(t, err, "cannot listen on "+busy.Addr().String())

	var p *Platform
	_, err = run([]string{"-addr", "127.0.0.1:0"}, nil, func(ctx context.Context, got *Platform) (http.Handler, error) {
		p = got
		return nil, errors.New("no session today")
	})
	assert.EqualError(t, err, "no session today")
	_, err = p.Client.CreateSession(context.Background(), nil)
	assert.Error(t, err, "the fake is stopped when the build fails")
}
