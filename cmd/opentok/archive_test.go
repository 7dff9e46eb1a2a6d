package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
