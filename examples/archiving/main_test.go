package main

import (
	"html"
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

// startArchive starts an archive through the JSON answer of the start form.
func startArchive(t *testing.T, h http.Handler, form url.Values) archiveView {
	t.Helper()
	var v archiveView
	exampletest.PostOK(t, h, "/start", form, &v)
	return v
}

func TestHostPage(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, sessionID := exampletest.Start(t, newHandler, p)

	s, ok := fake.Session(sessionID)
	require.True(t, ok)
	assert.True(t, s.Routed(), "archiving needs a routed session")
	streams := fake.Streams(sessionID)
	require.Len(t, streams, 1, "offline, a simulated participant publishes")
	assert.Equal(t, "Simulated participant", streams[0].Name)

	body := exampletest.Get(t, h, "/").Body
	assert.Contains(t, body, exampleapp.Banner)
	assert.Contains(t, body, "A simulated participant is connected and publishing")
	assert.Contains(t, body, `<p id="not-recording">Not recording.</p>`)
	assert.Contains(t, body, `<form class="panel" method="post" action="/start">`)
	assert.Contains(t, body, `data-publish="true"`)
	role, _, err := fake.VerifyToken(sessionID, exampletest.Between(t, body, `data-token="`, `"`))
	require.NoError(t, err)
	assert.Equal(t, opentok.RoleModerator, role, "the host's token is a moderator's")

	part := exampletest.Get(t, h, "/participant")
	require.Equal(t, http.StatusOK, part.Code)
	assert.Contains(t, part.Body, `<code id="session-id">`+sessionID+`</code>`)
	assert.Contains(t, part.Body, exampleapp.Banner)
	role, _, err = fake.VerifyToken(sessionID, exampletest.Between(t, part.Body, `data-token="`, `"`))
	require.NoError(t, err)
	assert.Equal(t, opentok.RolePublisher, role)
}

func TestArchiveStartLayoutStopDownloadDelete(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, sessionID := exampletest.Start(t, newHandler, p)

	// Start, from the form.
	resp := exampletest.Post(t, h, "/start", url.Values{"name": {"stand-up"}, "outputMode": {"composed"}, "media": {"both"}})
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	archives := fake.Archives()
	require.Len(t, archives, 1)
	id := archives[0].ID
	assert.Equal(t, opentok.ArchiveStarted, archives[0].Status)
	assert.Equal(t, "stand-up", archives[0].Name)
	assert.Equal(t, sessionID, archives[0].SessionID)
	assert.Contains(t, resp.Body, `<p class="notice" id="notice" role="status">Archive `+id+` started: recording.</p>`)
	row := exampletest.Between(t, resp.Body, `<table id="recording">`, `</table>`)
	assert.Contains(t, row, `<td><code>`+id+`</code></td>`)
	assert.Contains(t, row, `<td class="status">started</td>`)
	assert.Contains(t, row, `action="/stop/`+id+`"`)
	assert.NotContains(t, resp.Body, "Not recording.")

	// Change the layout.
	resp = exampletest.Post(t, h, "/layout/"+id, url.Values{"type": {"pip"}})
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	assert.Contains(t, resp.Body, "The layout of archive "+id+" is now pip.")
	ar, _ := fake.Archive(id)
	assert.Equal(t, opentok.LayoutPIP, ar.Layout.Type)

	row = exampletest.Between(t, exampletest.Get(t, h, "/history").Body, `<tr id="archive-`+id+`">`, `</tr>`)
	assert.Contains(t, row, `<td><span class="muted">recording</span></td>`, "no duration while recording")
	assert.Contains(t, row, "no file yet")

	// Stop after 65 s: offline, the archive is available at once.
	fake.Advance(65 * time.Second)
	resp = exampletest.Post(t, h, "/stop/"+id, nil)
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	assert.Contains(t, resp.Body, "Archive "+id+" stopped after 1m5s.")
	assert.Contains(t, resp.Body, "Offline demo: the fake platform made it available at once")
	assert.Contains(t, resp.Body, "Not recording.")
	ar, _ = fake.Archive(id)
	assert.Equal(t, opentok.ArchiveAvailable, ar.Status)

	// History lists it with its status, duration and download link.
	hist := exampletest.Get(t, h, "/history")
	require.Equal(t, http.StatusOK, hist.Code)
	row = exampletest.Between(t, hist.Body, `<tr id="archive-`+id+`">`, `</tr>`)
	assert.Contains(t, row, "(this session)")
	assert.Contains(t, row, "stand-up")
	assert.Contains(t, row, `<td class="status">available`)
	assert.Contains(t, row, "<td>1m5s</td>", "the duration")
	assert.Contains(t, row, `<a class="download" href="/download/`+id+`">Download</a>`)
	assert.Contains(t, row, `action="/delete/`+id+`"`)
	assert.Contains(t, hist.Body, "(1 in all)")

	// Download redirects to the file, which the fake serves.
	dl := exampletest.Get(t, h, "/download/"+id)
	require.Equal(t, http.StatusFound, dl.Code, dl.Body)
	assert.Equal(t, ar.URL, dl.Header.Get("Location"))
	file, err := http.Get(dl.Header.Get("Location"))
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, file.Body)
	file.Body.Close()
	assert.Equal(t, http.StatusOK, file.StatusCode)

	// Delete.
	resp = exampletest.Post(t, h, "/delete/"+id, nil)
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
	assert.Contains(t, resp.Body, "Archive "+id+" deleted.")
	ar, _ = fake.Archive(id)
	assert.Equal(t, opentok.ArchiveDeleted, ar.Status)
	assert.NotContains(t, resp.Body, `href="/download/`+id+`"`, "a deleted archive has no download link")
}

func TestArchiveActionsAnswerJSON(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, sessionID := exampletest.Start(t, newHandler, p)

	v := startArchive(t, h, url.Values{"name": {"json"}, "outputMode": {"individual"}, "media": {"audio"}})
	assert.Equal(t, opentok.ArchiveStarted, v.Status)
	assert.Equal(t, sessionID, v.SessionID)
	assert.Equal(t, opentok.OutputIndividual, v.OutputMode)
	ar, _ := fake.Archive(v.ID)
	assert.True(t, ar.HasAudio)
	assert.False(t, ar.HasVideo, "audio only")

	var host hostData
	exampletest.GetJSON(t, h, "/", &host)
	require.Len(t, host.Recording, 1)
	assert.Equal(t, v.ID, host.Recording[0].ID)

	var stopped archiveView
	resp := exampletest.PostJSON(t, h, "/stop/"+v.ID, nil, &stopped)
	require.Equal(t, http.StatusOK, resp.Code)
	assert.Equal(t, opentok.ArchiveAvailable, stopped.Status)
	assert.Equal(t, "/download/"+v.ID, stopped.DownloadURL)
	assert.NotContains(t, resp.Body, "/_media/", "the signed file URL is not handed out in lists")
}

func TestOnlineNeedsSomeoneConnected(t *testing.T) {
	fake, p := exampletest.Online(t)
	h, sessionID := exampletest.Start(t, newHandler, p)
	assert.Empty(t, fake.Connections(sessionID), "with real credentials nobody is simulated")
	body := exampletest.Get(t, h, "/").Body
	assert.NotContains(t, body, "Offline demo")

	// The platform answers 404 when nobody is connected; the page says so.
	resp := exampletest.Post(t, h, "/start", url.Values{"name": {"nobody"}})
	assert.Equal(t, http.StatusNotFound, resp.Code)
	msg := exampletest.ErrorMessage(t, resp.Body)
	assert.True(t, strings.HasPrefix(msg, "The platform refused the request (HTTP 404): start an archive (it needs someone connected to the session"), msg)
	assert.Contains(t, resp.Body, `<code id="session-id">`+sessionID+`</code>`, "the page is still there")
	assert.Empty(t, fake.Archives())
}

func TestDownloadOnlyOnceAvailable(t *testing.T) {
	fake, p := exampletest.Online(t)
	h, sessionID := exampletest.Start(t, newHandler, p)
	// A browser joins and publishes.
	tok, err := p.Client.GenerateToken(sessionID, nil)
	require.NoError(t, err)
	conn, err := fake.Connect(sessionID, tok)
	require.NoError(t, err)
	_, err = conn.Publish(opentoktest.PublishOptions{Name: "Ann"})
	require.NoError(t, err)

	v := startArchive(t, h, nil)
	dl := exampletest.Get(t, h, "/download/"+v.ID)
	assert.Equal(t, http.StatusConflict, dl.Code)
	assert.Contains(t, html.UnescapeString(dl.Body), `cannot be downloaded yet: its status is "started"`)

	resp := exampletest.Post(t, h, "/stop/"+v.ID, nil)
	require.Equal(t, http.StatusOK, resp.Code)
	assert.Contains(t, resp.Body, "it is available for download once the platform has stored it")
	assert.NotContains(t, resp.Body, "Offline demo")
	hist := exampletest.Get(t, h, "/history").Body
	row := exampletest.Between(t, hist, `<tr id="archive-`+v.ID+`">`, `</tr>`)
	assert.Contains(t, row, `<td class="status">stopped`)
	assert.Contains(t, row, "no file yet")
	dl = exampletest.Get(t, h, "/download/"+v.ID)
	assert.Equal(t, http.StatusConflict, dl.Code)
	assert.Contains(t, html.UnescapeString(dl.Body), `its status is "stopped"`)

	fake.Advance(10 * time.Second) // the platform finishes the upload
	dl = exampletest.Get(t, h, "/download/"+v.ID)
	require.Equal(t, http.StatusFound, dl.Code)
	ar, _ := fake.Archive(v.ID)
	assert.Equal(t, ar.URL, dl.Header.Get("Location"))
}

func TestErrorsAreShownAsMessages(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, _ := exampletest.Start(t, newHandler, p)
	v := startArchive(t, h, nil)

	for _, tc := range []struct {
		name   string
		do     func() exampletest.Response
		status int
		want   string
	}{
		{"second archive", func() exampletest.Response { return exampletest.Post(t, h, "/start", nil) },
			http.StatusConflict, "The platform refused the request (HTTP 409): start an archive: "},
		{"bad layout", func() exampletest.Response {
			return exampletest.Post(t, h, "/layout/"+v.ID, url.Values{"type": {"diagonal"}})
		}, http.StatusBadRequest, "Nothing was sent, the input is not valid: change the layout of archive " + v.ID},
		{"delete while recording", func() exampletest.Response { return exampletest.Post(t, h, "/delete/"+v.ID, nil) },
			http.StatusConflict, "delete archive " + v.ID},
		{"unknown archive", func() exampletest.Response { return exampletest.Post(t, h, "/stop/nope", nil) },
			http.StatusNotFound, "The platform refused the request (HTTP 404): stop archive nope: "},
		{"download unknown", func() exampletest.Response { return exampletest.Get(t, h, "/download/nope") },
			http.StatusNotFound, "download archive nope"},
		{"platform failure", func() exampletest.Response {
			require.NoError(t, fake.InjectFault("StopArchive", opentoktest.Fault{Status: http.StatusServiceUnavailable}))
			return exampletest.Post(t, h, "/stop/"+v.ID, nil)
		}, http.StatusBadGateway, "The platform refused the request (HTTP 503): stop archive " + v.ID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := tc.do()
			assert.Equal(t, tc.status, resp.Code)
			msg := exampletest.ErrorMessage(t, resp.Body)
			assert.Contains(t, msg, tc.want)
			assert.Contains(t, resp.Body, exampleapp.Banner, "the whole page is rendered around the message")
		})
	}
	ar, _ := fake.Archive(v.ID)
	assert.Equal(t, opentok.ArchiveStarted, ar.Status, "nothing above stopped the archive")

	// JSON clients get the message too.
	var e struct{ Error string }
	resp := exampletest.PostJSON(t, h, "/start", nil, &e)
	assert.Equal(t, http.StatusConflict, resp.Code)
	assert.Contains(t, e.Error, "start an archive")
}

func TestHistoryPages(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, _ := exampletest.Start(t, newHandler, p)
	for range historyPageSize + 3 {
		v := startArchive(t, h, nil)
		require.Equal(t, http.StatusOK, exampletest.Post(t, h, "/stop/"+v.ID, nil).Code)
	}
	first := exampletest.Get(t, h, "/history").Body
	assert.Equal(t, historyPageSize, strings.Count(first, `<tr id="archive-`))
	assert.Contains(t, first, `<a href="/history?page=2">Older →</a>`)
	assert.NotContains(t, first, "Newer")
	second := exampletest.Get(t, h, "/history?page=2").Body
	assert.Equal(t, 3, strings.Count(second, `<tr id="archive-`))
	assert.Contains(t, second, `<a href="/history?page=1">← Newer</a>`)
	oldest := fake.Archives()[historyPageSize+2]
	assert.Contains(t, second, `<tr id="archive-`+oldest.ID+`">`, "the oldest archive is on the last page")
}
