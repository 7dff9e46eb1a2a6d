package opentoktest

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

func TestArchiveRules(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	relayed, err := ot.CreateSession(context.Background(), nil)
	require.NoError(t, err)
	sid := routedSession(t, ot)

	status, _ := r.do("POST", r.project()+"/archive", map[string]any{"sessionId": relayed.ID})
	assert.Equal(t, 409, status, "relayed sessions cannot be archived")
	status, _ = r.do("POST", r.project()+"/archive", map[string]any{"sessionId": sid})
	assert.Equal(t, 404, status, "nobody connected")
	status, _ = r.do("POST", r.project()+"/archive", map[string]any{"sessionId": "2_unknown"})
	assert.Equal(t, 404, status)

	_, err = srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	status, a := r.do("POST", r.project()+"/archive", map[string]any{"sessionId": sid, "name": "one"})
	require.Equal(t, 200, status)
	assert.Equal(t, "started", a["status"])
	id := a["id"].(string)

	status, _ = r.do("POST", r.project()+"/archive", map[string]any{"sessionId": sid})
	assert.Equal(t, 409, status, "a second archive without a tag")
	status, _ = r.do("DELETE", r.project()+"/archive/"+id, nil)
	assert.Equal(t, 409, status, "cannot delete a recording in progress")

	status, stopped := r.do("POST", r.project()+"/archive/"+id+"/stop", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "stopped", stopped["status"])
	status, _ = r.do("POST", r.project()+"/archive/"+id+"/stop", nil)
	assert.Equal(t, 409, status, "stopping an archive that is not recording")

	got, _ := srv.Archive(id)
	assert.Equal(t, opentok.ArchiveStopped, got.Status)
	srv.Advance(5 * time.Second)
	got, _ = srv.Archive(id)
	assert.Equal(t, opentok.ArchiveAvailable, got.Status)
	assert.NotEmpty(t, got.URL)
	resp, err := http.Get(got.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "the download link works")

	status, _ = r.do("DELETE", r.project()+"/archive/"+id, nil)
	assert.Equal(t, 204, status)
	_, list := r.do("GET", r.project()+"/archive", nil)
	assert.Equal(t, float64(0), list["count"], "deleted archives are not listed")
}

func TestAlwaysArchiveStartsOnFirstConnect(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	s, err := ot.CreateSession(context.Background(), &opentok.SessionOptions{MediaMode: opentok.MediaRouted,
		ArchiveMode: opentok.ArchiveAlways, ArchiveName: "auto", ArchiveResolution: opentok.Resolution1280x720})
	require.NoError(t, err)
	assert.Empty(t, srv.Archives())
	c, err := srv.Connect(s.ID, token(t, ot, s.ID, nil))
	require.NoError(t, err)
	all := srv.Archives()
	require.Len(t, all, 1)
	assert.Equal(t, opentok.ArchiveStarted, all[0].Status)
	assert.Equal(t, "auto", all[0].Name)
	assert.Equal(t, opentok.Resolution1280x720, all[0].Resolution)
	c.Disconnect()
	a, _ := srv.Archive(all[0].ID)
	assert.Equal(t, opentok.ArchiveStopped, a.Status, "the automatic archive stops when the session empties")
}
