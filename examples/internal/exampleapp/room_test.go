package exampleapp

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func roomOptions() RoomOptions {
	return RoomOptions{Name: "demo", Pages: testPages, Nav: []NavLink{{"/", "Home"}}, OfflineNote: "simulated",
		Session: &opentok.SessionOptions{MediaMode: opentok.MediaRouted}, Participant: "Sim"}
}

func TestOpenRoom(t *testing.T) {
	fake := opentoktest.NewServer(t)
	p, err := FakePlatform(fake)
	require.NoError(t, err)
	rm, err := OpenRoom(context.Background(), p, roomOptions())
	require.NoError(t, err)

	s, ok := fake.Session(rm.SessionID)
	require.True(t, ok)
	assert.True(t, s.Routed())
	streams := fake.Streams(rm.SessionID)
	require.Len(t, streams, 1, "offline, the simulated participant publishes")
	assert.Equal(t, "Sim", streams[0].Name)
	assert.Equal(t, "simulated", rm.OfflineNote)

	page := &Page{}
	require.NoError(t, rm.Join(page, opentok.RoleModerator, "Host"))
	assert.Equal(t, rm.SessionID, page.SessionID)
	assert.True(t, page.Publish)
	role, data, err := fake.VerifyToken(rm.SessionID, page.Token)
	require.NoError(t, err)
	assert.Equal(t, opentok.RoleModerator, role)
	assert.Equal(t, "name=Host", data)

	// With real credentials nobody is simulated.
	online := &Platform{Client: p.Client}
	rm, err = OpenRoom(context.Background(), online, roomOptions())
	require.NoError(t, err)
	assert.Empty(t, fake.Connections(rm.SessionID))

	require.NoError(t, fake.InjectFault("CreateSession", opentoktest.Fault{Status: http.StatusForbidden}))
	_, err = OpenRoom(context.Background(), p, roomOptions())
	assert.ErrorIs(t, err, opentok.ErrForbidden)
}

func TestLayoutHandlerAndShowFunc(t *testing.T) {
	var shown struct {
		page *Page
		err  error
	}
	show := ShowFunc(func(w http.ResponseWriter, r *http.Request, page *Page, err error) {
		shown.page, shown.err = page, err
	})
	var got opentok.Layout
	set := func(ctx context.Context, id string, l opentok.Layout) error {
		if id == "gone" {
			return errors.New("no such thing")
		}
		got = l
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("GET /{$}", show)
	mux.HandleFunc("POST /layout/{id}", LayoutHandler("archive", set, show))
	post := func(path string) {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(url.Values{"type": {"pip"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		mux.ServeHTTP(httptest.NewRecorder(), r)
	}

	post("/layout/A1")
	require.NoError(t, shown.err)
	assert.Equal(t, opentok.Layout{Type: opentok.LayoutPIP}, got)
	assert.Equal(t, "The layout of archive A1 is now pip.", shown.page.Notice)
	assert.Equal(t, map[string]string{"id": "A1", "layout": "pip"}, shown.page.Result)

	post("/layout/gone")
	assert.EqualError(t, shown.err, "change the layout of archive gone: no such thing")
	assert.Empty(t, shown.page.Notice)

	mux.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	assert.NoError(t, shown.err)
	assert.Equal(t, &Page{}, shown.page, "a GET shows the page with no action behind it")
}
