package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/examples/internal/exampleapp"
	"github.com/opentok-go/opentok/examples/internal/exampletest"
	"github.com/opentok-go/opentok/opentoktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHostAndViewerPages(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, sessionID := exampletest.Start(t, newHandler, p)

	s, _ := fake.Session(sessionID)
	assert.True(t, s.Routed(), "broadcasting needs a routed session")
	require.Len(t, fake.Streams(sessionID), 1, "offline, a simulated participant publishes")

	body := exampletest.Get(t, h, "/").Body
	assert.Contains(t, body, exampleapp.Banner)
	assert.Contains(t, body, "A simulated participant is connected and publishing")
	assert.Contains(t, body, `<p id="not-live">Not broadcasting.</p>`)
	assert.Contains(t, body, `<form class="panel" method="post" action="/start">`)
	role, _, err := fake.VerifyToken(sessionID, exampletest.Between(t, body, `data-token="`, `"`))
	require.NoError(t, err)
	assert.Equal(t, opentok.RoleModerator, role)

	viewer := exampletest.Get(t, h, "/viewer")
	require.Equal(t, http.StatusOK, viewer.Code)
	assert.Contains(t, viewer.Body, "Nothing is being broadcast right now.")
	assert.Contains(t, viewer.Body, `<meta http-equiv="refresh" content="10">`, "it waits for the broadcast")
	assert.Contains(t, viewer.Body, exampleapp.Banner)
	assert.NotContains(t, viewer.Body, `id="video"`, "viewers need no OpenTok client")
}

func TestStartHLSShowsTheURL(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, sessionID := exampletest.Start(t, newHandler, p)

	resp := exampletest.Post(t, h, "/start", url.Values{"hls": {"standard"}})
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	id := exampletest.Between(t, resp.Body, `<div class="broadcast" id="broadcast-`, `"`)
	b, ok := fake.Broadcast(id)
	require.True(t, ok)
	assert.Equal(t, sessionID, b.SessionID)
	assert.Equal(t, opentok.BroadcastStarted, b.Status)
	require.NotEmpty(t, b.HLSURL)
	assert.Contains(t, resp.Body, "Broadcast "+id+" started. Give the HLS stream 15–20 seconds before playing it.")
	assert.Contains(t, resp.Body, `<a class="hls" href="`+b.HLSURL+`"><code>`+b.HLSURL+`</code></a>`)
	assert.Contains(t, resp.Body, `action="/stop/`+id+`"`)
	assert.Contains(t, resp.Body, `action="/layout/`+id+`"`)
	assert.NotContains(t, resp.Body, "Not broadcasting.")

	viewer := exampletest.Get(t, h, "/viewer").Body
	assert.Contains(t, viewer, `<a class="hls" href="`+b.HLSURL+`">`)
	assert.Contains(t, viewer, `<video id="player" controls playsinline width="640" src="`+b.HLSURL+`"></video>`)
	assert.NotContains(t, viewer, "http-equiv", "no reloading while live")

	// The URL is served (by the fake, offline).
	playlist, err := http.Get(b.HLSURL)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, playlist.Body)
	playlist.Body.Close()
	assert.Equal(t, http.StatusOK, playlist.StatusCode)

	// Layout, then stop.
	resp = exampletest.Post(t, h, "/layout/"+id, url.Values{"type": {"verticalPresentation"}})
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	assert.Contains(t, resp.Body, "The layout of broadcast "+id+" is now verticalPresentation.")
	b, _ = fake.Broadcast(id)
	assert.Equal(t, opentok.LayoutVerticalPresentation, b.Layout.Type)

	resp = exampletest.Post(t, h, "/stop/"+id, nil)
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	assert.Contains(t, resp.Body, "Broadcast "+id+" stopped.")
	assert.Contains(t, resp.Body, "Not broadcasting.")
	b, _ = fake.Broadcast(id)
	assert.Equal(t, opentok.BroadcastStopped, b.Status)
	assert.Contains(t, exampletest.Get(t, h, "/viewer").Body, "Nothing is being broadcast right now.")
}

func TestStartWithRTMPShowsItsStatus(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, _ := exampletest.Start(t, newHandler, p)

	var v broadcastView
	resp := exampletest.PostJSON(t, h, "/start", url.Values{
		"hls": {"dvr"}, "rtmpId": {"youtube"},
		"rtmpServerUrl": {"rtmps://a.rtmps.youtube.com/live2"}, "rtmpStreamName": {"key-1234-secret"},
	}, &v)
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	assert.Equal(t, opentok.BroadcastStarted, v.Status)
	assert.True(t, strings.HasSuffix(v.HLSURL, "?DVR"), v.HLSURL)
	require.Len(t, v.RTMP, 1)
	assert.Equal(t, rtmpView{ID: "youtube", ServerURL: "rtmps://a.rtmps.youtube.com/live2", Status: opentok.RTMPConnecting}, v.RTMP[0])
	assert.NotContains(t, resp.Body, "key-1234-secret", "the stream key is not echoed")

	b, _ := fake.Broadcast(v.ID)
	require.Len(t, b.RTMP, 1)
	assert.Equal(t, "key-1234-secret", b.RTMP[0].StreamName, "the platform got it")
	assert.True(t, b.DVR)

	page := exampletest.Get(t, h, "/").Body
	row := exampletest.Between(t, page, `<table class="rtmp">`, `</table>`)
	assert.Contains(t, row, `<tr><td>youtube</td><td><code>rtmps://a.rtmps.youtube.com/live2</code></td><td class="status">connecting</td></tr>`)
	assert.NotContains(t, page, "key-1234-secret")

	fake.Advance(3 * time.Second)
	row = exampletest.Between(t, exampletest.Get(t, h, "/").Body, `<table class="rtmp">`, `</table>`)
	assert.Contains(t, row, `<td class="status">live</td>`, "the status follows the platform")
}

func TestErrorsAreShownAsMessages(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, _ := exampletest.Start(t, newHandler, p)

	resp := exampletest.Post(t, h, "/start", url.Values{"hls": {"off"}})
	assert.Equal(t, http.StatusBadRequest, resp.Code)
	assert.Contains(t, exampletest.ErrorMessage(t, resp.Body), "Nothing was sent, the input is not valid: start a broadcast: ")

	resp = exampletest.Post(t, h, "/start", url.Values{"rtmpServerUrl": {"http://example.com/live"}, "rtmpStreamName": {"k"}})
	assert.Equal(t, http.StatusBadRequest, resp.Code)
	assert.Contains(t, exampletest.ErrorMessage(t, resp.Body), "outputs.rtmp[0].serverUrl")
	assert.Empty(t, fake.RequestsFor("StartBroadcast"), "invalid input never reaches the platform")

	var v broadcastView
	exampletest.PostJSON(t, h, "/start", nil, &v)
	resp = exampletest.Post(t, h, "/start", nil)
	assert.Equal(t, http.StatusConflict, resp.Code)
	assert.Contains(t, exampletest.ErrorMessage(t, resp.Body), "The platform refused the request (HTTP 409): start a broadcast: ")
	assert.Contains(t, resp.Body, `id="broadcast-`+v.ID+`"`, "the running broadcast is still shown")

	resp = exampletest.Post(t, h, "/layout/"+v.ID, url.Values{"type": {"custom"}})
	assert.Equal(t, http.StatusBadRequest, resp.Code)
	assert.Contains(t, exampletest.ErrorMessage(t, resp.Body), "change the layout of broadcast "+v.ID)

	resp = exampletest.Post(t, h, "/stop/nope", nil)
	assert.Equal(t, http.StatusNotFound, resp.Code)
	assert.Contains(t, exampletest.ErrorMessage(t, resp.Body), "stop broadcast nope")

	require.NoError(t, fake.InjectFault("ListBroadcasts", opentoktest.Fault{Status: http.StatusInternalServerError, Times: 3}))
	resp = exampletest.Get(t, h, "/viewer")
	assert.Equal(t, http.StatusBadGateway, resp.Code)
	assert.Contains(t, exampletest.ErrorMessage(t, resp.Body), "list this session's broadcasts")
	assert.Contains(t, resp.Body, exampleapp.Banner)
}

func TestOnlineNeedsSomeonePublishing(t *testing.T) {
	fake, p := exampletest.Online(t)
	h, sessionID := exampletest.Start(t, newHandler, p)
	assert.Empty(t, fake.Connections(sessionID))
	resp := exampletest.Post(t, h, "/start", nil)
	assert.Equal(t, http.StatusNotFound, resp.Code)
	assert.Contains(t, exampletest.ErrorMessage(t, resp.Body),
		"The platform refused the request (HTTP 404): start a broadcast (it needs someone connected to the session")
	assert.NotContains(t, resp.Body, "Offline demo")
}
