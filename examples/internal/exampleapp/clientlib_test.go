package exampleapp

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok/opentoktest"
)

func TestOpenTokJSFromAURL(t *testing.T) {
	p, err := Open(ConfigFromEnv(envMap(map[string]string{EnvClientLibrary: "http://127.0.0.1:9/opentok.js"})))
	require.NoError(t, err)
	defer p.Close()
	assert.True(t, p.Offline(), "OPENTOK_JS alone keeps the offline demo")
	assert.Equal(t, "http://127.0.0.1:9/opentok.js", p.ClientLibraryURL())
	assert.Empty(t, p.ClientLibraryFile())
}

func TestOpenTokJSFromALocalFileIsServed(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "opentok.js")
	require.NoError(t, os.WriteFile(file, []byte("window.OT = {};"), 0o600))
	t.Chdir(dir)
	p, err := Open(ConfigFromEnv(envMap(map[string]string{EnvClientLibrary: "opentok.js"})))
	require.NoError(t, err)
	defer p.Close()
	assert.Equal(t, ClientLibraryPath, p.ClientLibraryURL())
	assert.Equal(t, file, p.ClientLibraryFile(), "made absolute")

	mux := newTestSite(t, p).NewMux()
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, ClientLibraryPath, nil))
	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "window.OT = {};", w.Body.String())
	assert.Contains(t, w.Header().Get("Content-Type"), "javascript")

	page := render(newTestSite(t, p), "", func(w http.ResponseWriter, r *http.Request) {
		newTestSite(t, p).Render(w, r, http.StatusOK, "room", &Page{Title: "Room", SessionID: "2_sess", Publish: true})
	}).Body.String()
	assert.Contains(t, page, `<script src="/opentok.js"></script>`)
}

func TestOpenTokJSNamingNoFileIsAnError(t *testing.T) {
	_, err := Open(ConfigFromEnv(envMap(map[string]string{EnvClientLibrary: filepath.Join(t.TempDir(), "missing.js")})))
	require.Error(t, err)
	assert.Contains(t, err.Error(), EnvClientLibrary)
}

func TestWithoutOpenTokJSNothingIsServedAtItsPath(t *testing.T) {
	p, err := FakePlatform(opentoktest.NewServer(t))
	require.NoError(t, err)
	w := httptest.NewRecorder()
	newTestSite(t, p).NewMux().ServeHTTP(w, httptest.NewRequest(http.MethodGet, ClientLibraryPath, nil))
	assert.Equal(t, http.StatusNotFound, w.Code)
}

func TestOfflinePagesPointOpenTokJSAtTheFake(t *testing.T) {
	fake := opentoktest.NewServer(t)
	p, err := FakePlatform(fake)
	require.NoError(t, err)
	assert.Equal(t, fake.URL, p.ProxyURL())
	s := newTestSite(t, p)
	body := render(s, "", func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, http.StatusOK, "room", &Page{Title: "Room", SessionID: "2_sess", Publish: true})
	}).Body.String()
	assert.Contains(t, body, `data-proxy-url="`+fake.URL+`"`)
	assert.Contains(t, body, `<div id="publisher" class="tile">`)

	// With real credentials the pages talk to the platform.
	online := &Platform{Client: p.Client}
	assert.Empty(t, online.ProxyURL())
	s = newTestSite(t, online)
	body = render(s, "", func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, http.StatusOK, "room", &Page{Title: "Room", SessionID: "2_sess"})
	}).Body.String()
	assert.Contains(t, body, `data-proxy-url=""`)
	assert.NotContains(t, body, `id="publisher"`, "a page that does not publish has no tile for it")
}

func TestSimulatedParticipantsAreMarked(t *testing.T) {
	fake := opentoktest.NewServer(t)
	p, err := FakePlatform(fake)
	require.NoError(t, err)
	s, err := p.Client.CreateSession(t.Context(), nil)
	require.NoError(t, err)
	require.NoError(t, p.SimulateParticipant(s.ID, "Sam"))
	conns := fake.Connections(s.ID)
	require.Len(t, conns, 1)
	assert.Equal(t, "name=Sam"+SimulatedMarker, conns[0].Data)
}

func TestVideoScriptSetsTheProxyAndSkipsSimulatedParticipants(t *testing.T) {
	js, err := assets.ReadFile("assets/static/video.js")
	require.NoError(t, err)
	assert.Contains(t, string(js), "if (d.proxyUrl) {\n    OT.setProxyUrl(d.proxyUrl);\n  }")
	assert.Contains(t, string(js), "field(data, 'simulated') === 'true'")
	assert.Equal(t, "&simulated=true", SimulatedMarker, "the script looks for simulated=true")
}
