package exampleapp

import (
	"context"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"
	"time"

	"github.com/opentok-go/opentok/opentoktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testPages = fstest.MapFS{
	"templates/room.html": {Data: []byte(`{{define "content"}}{{template "ids" .}}<p id="data">{{.Data}}</p>` +
		`{{template "shared" .}}{{template "layout-form" "/layout/A1"}}{{template "video" .}}{{end}}`)},
	"templates/_parts.html": {Data: []byte(`{{define "shared"}}<p id="shared">shared by the pages</p>{{end}}`)},
}

func newTestSite(t *testing.T, p *Platform) *Site {
	t.Helper()
	s, err := NewSite(p, "demo", testPages, NavLink{"/", "Home"}, NavLink{"/history", "History"})
	require.NoError(t, err)
	s.OfflineNote = "A simulated participant is publishing."
	return s
}

func render(s *Site, accept string, f func(w http.ResponseWriter, r *http.Request)) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	w := httptest.NewRecorder()
	f(w, r)
	return w
}

func TestRenderOfflinePage(t *testing.T) {
	p, err := FakePlatform(opentoktest.NewServer(t))
	require.NoError(t, err)
	s := newTestSite(t, p)
	w := render(s, "", func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, http.StatusOK, "room", &Page{Title: "Room", SessionID: "2_sess", Token: "T0K", Publish: true,
			Notice: "It worked.", Data: "page data"})
	})

	assert.Equal(t, http.StatusOK, w.Code)
	assert.Equal(t, "text/html; charset=utf-8", w.Header().Get("Content-Type"))
	body := w.Body.String()
	for _, want := range []string{
		"<title>Room · demo</title>",
		`<a href="/history">History</a>`,
		`<aside class="banner" id="offline-banner">`,
		Banner,
		"A simulated participant is publishing.",
		`<p class="notice" id="notice" role="status">It worked.</p>`,
		`<dt>API key</dt><dd><code id="owner-id">47000000</code></dd>`,
		`<code id="session-id">2_sess</code>`,
		`<code id="token" class="long">T0K</code>`,
		`<p id="data">page data</p>`,
		`<p id="shared">shared by the pages</p>`,
		`<form class="inline" method="post" action="/layout/A1">`,
		`<option>bestFit</option><option>pip</option><option>verticalPresentation</option><option>horizontalPresentation</option>`,
		`data-session-id="2_sess"`, `data-token="T0K"`, `data-publish="true"`, `data-offline="true"`,
		`<script src="` + OpenTokClientLibraryURL + `"></script>`,
		`<script src="/static/video.js"></script>`,
		"using the built-in fake platform at",
	} {
		assert.Contains(t, body, want)
	}
}

func TestRenderOnlinePageHasNoBanner(t *testing.T) {
	fake := opentoktest.NewServer(t, opentoktest.WithVonage())
	ot, err := fake.NewClient()
	require.NoError(t, err)
	s := newTestSite(t, &Platform{Client: ot}) // real credentials, as far as the site knows
	w := render(s, "", func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, http.StatusOK, "room", &Page{Title: "Room", SessionID: "2_sess"})
	})
	body := w.Body.String()
	assert.NotContains(t, body, "offline-banner")
	assert.NotContains(t, body, "Offline demo")
	assert.Contains(t, body, `<dt>Application ID</dt><dd><code id="owner-id">`+fake.ApplicationID+`</code>`)
	assert.Contains(t, body, `<script src="`+VonageClientLibraryURL+`"></script>`)
	assert.Contains(t, body, `data-offline="false"`)
	assert.NotContains(t, body, `id="token"`, "no token row without a token")
}

func TestRenderJSON(t *testing.T) {
	p, err := FakePlatform(opentoktest.NewServer(t))
	require.NoError(t, err)
	s := newTestSite(t, p)
	type result struct {
		Status string `json:"status"`
	}
	w := render(s, "application/json", func(w http.ResponseWriter, r *http.Request) {
		s.Render(w, r, http.StatusOK, "room", &Page{Data: "ignored", Result: result{"started"}})
	})
	assert.Equal(t, "application/json; charset=utf-8", w.Header().Get("Content-Type"))
	assert.JSONEq(t, `{"status":"started"}`, w.Body.String())

	w = render(s, "application/json", func(w http.ResponseWriter, r *http.Request) {
		s.Fail(w, r, "room", &Page{}, Errorf(http.StatusConflict, "not yet"))
	})
	assert.Equal(t, http.StatusConflict, w.Code)
	assert.JSONEq(t, `{"error":"not yet"}`, w.Body.String())
}

func TestFailShowsTheSDKErrorAsAMessage(t *testing.T) {
	fake := opentoktest.NewServer(t)
	p, err := FakePlatform(fake)
	require.NoError(t, err)
	s := newTestSite(t, p)
	ctx := context.Background()

	// Real SDK errors, made against the fake.
	_, validation := p.Client.StartArchive(ctx, "", nil)
	_, notFound := p.Client.GetArchive(ctx, "no-such-archive")
	require.NoError(t, fake.InjectFault("CreateSession", opentoktest.Fault{Status: http.StatusForbidden}))
	_, forbidden := p.Client.CreateSession(ctx, nil)
	require.NoError(t, fake.InjectFault("GetArchive", opentoktest.Fault{Status: http.StatusInternalServerError, Times: -1}))
	_, server := p.Client.GetArchive(ctx, "x")
	fake.ClearFaults()
	require.NoError(t, fake.InjectFault("CreateSession", opentoktest.Fault{DropConnection: true}))
	_, transport := p.Client.CreateSession(ctx, nil)
	short, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	require.NoError(t, fake.InjectFault("GetArchive", opentoktest.Fault{Delay: time.Second}))
	_, timeout := p.Client.GetArchive(short, "x")

	for _, tc := range []struct {
		name   string
		err    error
		status int
		prefix string
	}{
		{"validation", validation, http.StatusBadRequest, "Nothing was sent, the input is not valid: opentok: invalid sessionId"},
		{"not found", notFound, http.StatusNotFound, "The platform refused the request (HTTP 404): "},
		{"rejected credentials", forbidden, http.StatusBadGateway, "The platform refused the request (HTTP 403): "},
		{"server error", server, http.StatusBadGateway, "The platform refused the request (HTTP 500): "},
		{"no answer", transport, http.StatusBadGateway, "The platform could not be reached: "},
		{"timeout", timeout, http.StatusGatewayTimeout, "The platform could not be reached: "},
		{"wrapped", fmt.Errorf("stop the archive: %w", notFound), http.StatusNotFound, "The platform refused the request (HTTP 404): stop the archive: "},
		{"example's own", Errorf(http.StatusConflict, "archive A is not available yet"), http.StatusConflict, "archive A is not available yet"},
		{"anything else", errors.New("boom"), http.StatusInternalServerError, "boom"},
		{"start with nobody connected", StartError("an archive", notFound), http.StatusNotFound,
			"The platform refused the request (HTTP 404): start an archive (it needs someone connected to the session: "},
		{"start failing otherwise", StartError("a broadcast", server), http.StatusBadGateway,
			"The platform refused the request (HTTP 500): start a broadcast: opentok: "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Error(t, tc.err)
			w := render(s, "", func(w http.ResponseWriter, r *http.Request) {
				s.Fail(w, r, "room", &Page{Title: "Room", SessionID: "2_sess"}, tc.err)
			})
			assert.Equal(t, tc.status, w.Code)
			body := w.Body.String()
			assert.Contains(t, body, `<p class="error" id="error" role="alert">`)
			assert.Contains(t, body, html.EscapeString(tc.prefix))
			assert.Contains(t, body, `<code id="session-id">2_sess</code>`, "the rest of the page is still there")
			assert.NotContains(t, body, "goroutine", "no stack trace")
			assert.NotContains(t, body, fake.APISecret)
		})
	}
}

func TestStaticAssets(t *testing.T) {
	p, err := FakePlatform(opentoktest.NewServer(t))
	require.NoError(t, err)
	mux := newTestSite(t, p).NewMux()
	for path, want := range map[string]string{
		"/static/video.js":  "typeof OT === 'undefined'",
		"/static/style.css": ".banner",
	} {
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		assert.Equal(t, http.StatusOK, w.Code, path)
		assert.Contains(t, w.Body.String(), want, path)
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/static/layout.tmpl", nil))
	assert.Equal(t, http.StatusNotFound, w.Code, "templates are not served")
}

func TestVideoScriptGuardsAgainstAMissingLibrary(t *testing.T) {
	js, err := assets.ReadFile("assets/static/video.js")
	require.NoError(t, err)
	assert.Contains(t, string(js), "if (typeof OT === 'undefined') {\n    say('video client library not loaded (offline)', true);\n    return;")
}

func TestNewSiteNeedsPages(t *testing.T) {
	_, err := NewSite(&Platform{}, "demo", fstest.MapFS{})
	assert.ErrorContains(t, err, "no templates/*.html pages")
	_, err = NewSite(&Platform{}, "demo", fstest.MapFS{"templates/_only.html": {Data: []byte(`{{define "x"}}{{end}}`)}})
	assert.ErrorContains(t, err, "no templates/*.html pages", "partials alone are no pages")
}
