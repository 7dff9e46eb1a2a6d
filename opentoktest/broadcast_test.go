package opentoktest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, u string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header, string(b)
}

func TestHLSPlaylist(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	sid := routedSession(t, ot)
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	status, b := r.do("POST", r.project()+"/broadcast", map[string]any{"sessionId": sid,
		"outputs": map[string]any{"hls": map[string]any{"dvr": true}}})
	require.Equal(t, 200, status)
	id := b["id"].(string)
	hls := b["broadcastUrls"].(map[string]any)["hls"].(string)
	assert.Equal(t, srv.URL+"/_media/hls/"+id+"/index.m3u8?DVR", hls)

	const live = "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"
	code, h, body := get(t, hls)
	assert.Equal(t, 200, code)
	assert.Equal(t, "application/vnd.apple.mpegurl", h.Get("Content-Type"))
	assert.Equal(t, live, body, "a fixed playlist: nothing from the URL in it")

	status, _ = r.do("POST", r.project()+"/broadcast/"+id+"/stop", nil)
	require.Equal(t, 200, status)
	status, stoppedLayout := r.do("PUT", r.project()+"/broadcast/"+id+"/layout", map[string]any{"type": "pip"})
	assert.Equal(t, 404, status, "no layout change once it has stopped")
	assert.Equal(t, "The broadcast was not found or it has already stopped", stoppedLayout["message"])
	_, _, body = get(t, hls)
	assert.Equal(t, live+"#EXT-X-ENDLIST\n", body, "a stopped broadcast's playlist ends")

	for _, bad := range []string{
		id + "%0A%23EXT-X-INJECTED", // a line break would inject a line if the ID were echoed
		url.PathEscape("unknown"),
		"00000000-0000-0000-0000-000000000000",
	} {
		code, _, body := get(t, srv.URL+"/_media/hls/"+bad+"/index.m3u8")
		assert.Equal(t, 404, code, bad)
		assert.NotContains(t, body, "INJECTED")
		assert.False(t, strings.HasPrefix(body, "#EXTM3U"), bad)
	}

	status, rtmpOnly := r.do("POST", r.project()+"/broadcast", map[string]any{"sessionId": sid,
		"outputs": map[string]any{"rtmp": []any{map[string]any{"serverUrl": "rtmp://example.com/app", "streamName": "k"}}}})
	require.Equal(t, 200, status)
	code, _, _ = get(t, srv.URL+"/_media/hls/"+rtmpOnly["id"].(string)+"/index.m3u8")
	assert.Equal(t, 404, code, "a broadcast without an HLS output has no playlist")
}

// A manual-mode broadcast lists its streams while it runs only: the
// document says streams is "only set for status started".
func TestBroadcastStreamsOnlyWhileStarted(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	sid := routedSession(t, ot)
	c, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	stream, err := c.Publish(PublishOptions{Name: "cam"})
	require.NoError(t, err)
	status, b := r.do("POST", r.project()+"/broadcast", map[string]any{"sessionId": sid, "streamMode": "manual",
		"outputs": map[string]any{"hls": map[string]any{}}})
	require.Equal(t, 200, status, "%v", b)
	id := b["id"].(string)
	assert.Equal(t, []any{}, b["streams"])
	status, _ = r.do("PATCH", r.project()+"/broadcast/"+id+"/streams", map[string]any{"addStream": stream})
	require.Equal(t, 204, status)
	_, b = r.do("GET", r.project()+"/broadcast/"+id, nil)
	assert.Len(t, b["streams"], 1)

	status, b = r.do("POST", r.project()+"/broadcast/"+id+"/stop", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "stopped", b["status"])
	assert.NotContains(t, b, "streams")
	_, b = r.do("GET", r.project()+"/broadcast/"+id, nil)
	assert.NotContains(t, b, "streams")
}
