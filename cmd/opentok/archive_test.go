package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok/opentoktest"
)

// archive get --json carries every field of the archive, among them the
// sha256sum that a downloaded file can be checked against, and the
// streams of a manual-mode archive.
func TestArchiveJSONHasEveryField(t *testing.T) {
	c := newCLI(t, opentoktest.WithArchiveDelay(0))
	sid := strings.TrimSpace(c.ok("session", "create", "--routed"))
	c.joinClient(sid)
	stream := c.srv.Streams(sid)[0].ID
	aid := c.json("archive", "start", sid, "--output", "individual", "--stream-mode", "manual")["id"].(string)
	c.ok("archive", "add-stream", aid, stream)
	c.ok("archive", "stop", aid, "--wait", "--wait-interval", "10ms")

	got := c.json("archive", "get", aid)
	want, ok := c.srv.Archive(aid)
	require.True(t, ok)
	assert.Equal(t, "available", got["status"])
	assert.Equal(t, want.SHA256, got["sha256sum"])
	assert.NotEmpty(t, got["projectId"])
	assert.NotEmpty(t, got["updatedAt"])
	streams, _ := got["streams"].([]any)
	require.NotEmpty(t, streams, "an individual archive lists its streams")
	assert.Equal(t, stream, streams[0].(map[string]any)["streamId"])

	file := filepath.Join(t.TempDir(), "a.zip")
	c.ok("archive", "download", aid, "--output", file)
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	sum := sha256.Sum256(b)
	assert.Equal(t, hex.EncodeToString(sum[:]), got["sha256sum"], "the download matches the reported checksum")
	assert.Contains(t, c.ok("archive", "get", aid), "SHA-256:")
}

// platformServing answers GetArchive for archive "A" with an available
// archive whose download URL is fileURL, as the platform would; the CLI
// is pointed at it.
func platformServing(t *testing.T, fileURL string) *cli {
	t.Helper()
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "A", "sessionId": "S", "status": "available",
			"outputMode": "composed", "createdAt": 1, "url": fileURL})
	}))
	t.Cleanup(api.Close)
	return &cli{t: t, env: map[string]string{"OPENTOK_API_URL": api.URL, "OPENTOK_API_KEY": "123456", "OPENTOK_API_SECRET": "made-up-secret"}}
}

// archive download used os.Create, truncating an existing file before the
// first byte arrived and leaving it cut short when the download failed, and
// ignored --timeout (a stalled download waited forever). It now writes a
// temporary file renamed on success, and --timeout is an idle timeout.
func TestArchiveDownloadIsAtomicAndHasAnIdleTimeout(t *testing.T) {
	const content = "the archive's bytes"
	var stall atomic.Bool
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/fails":
			w.WriteHeader(http.StatusForbidden)
		case r.URL.Path == "/cut":
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte("partial"))
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				_ = conn.Close()
			}
		case r.URL.Path == "/stalls":
			stall.Store(true)
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case r.URL.Path == "/slow": // a byte every 100 ms: slow but never idle for 300 ms
			for i := range len(content) {
				_, _ = w.Write([]byte{content[i]})
				w.(http.Flusher).Flush()
				if i < 6 {
					time.Sleep(100 * time.Millisecond)
				}
			}
		default:
			_, _ = w.Write([]byte(content))
		}
	}))
	t.Cleanup(files.Close)
	dir := t.TempDir()
	out := filepath.Join(dir, "A.mp4")
	noLeftovers := func() {
		t.Helper()
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			assert.False(t, strings.HasSuffix(e.Name(), ".part"), "temporary file left: %s", e.Name())
		}
	}

	c := platformServing(t, files.URL+"/ok")
	c.ok("archive", "download", "A", "--output", out)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, content, string(b))
	st, err := os.Stat(out)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "readable by its owner only")
	noLeftovers()

	for _, path := range []string{"/fails", "/cut", "/stalls"} {
		require.NoError(t, os.WriteFile(out, []byte("an earlier download"), 0o644))
		c := platformServing(t, files.URL+path)
		start := time.Now()
		code, _, errs := c.run("archive", "download", "A", "--output", out, "--timeout", "300ms")
		assert.Equal(t, 1, code, "%s: %s", path, errs)
		assert.Contains(t, errs, "downloading the archive failed", path)
		if path == "/stalls" {
			assert.True(t, stall.Load())
			assert.Contains(t, errs, "no data for 300ms (--timeout)")
			assert.Less(t, time.Since(start), 5*time.Second)
		}
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Equal(t, "an earlier download", string(b), "%s: the existing file is untouched", path)
		noLeftovers()
	}

	c = platformServing(t, files.URL+"/slow")
	c.ok("archive", "download", "A", "--output", out, "--timeout", "300ms")
	b, err = os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, content, string(b), "the timeout is an idle timeout, not a bound on the whole download")

	code, _, errs := platformServing(t, files.URL+"/stalls").run("archive", "download", "A", "--output", "-", "--timeout", "300ms")
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "no data for 300ms")
}
