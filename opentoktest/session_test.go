package opentoktest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/internal/auth"
	"github.com/opentok-go/opentok/internal/sessionid"
)

func TestCreateSessionAndPlatformSessionIDs(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	s, err := ot.CreateSession(context.Background(), &opentok.SessionOptions{MediaMode: opentok.MediaRouted,
		ArchiveMode: opentok.ArchiveAlways, ArchiveName: "auto", Location: "10.0.0.1"})
	require.NoError(t, err)
	d, ok := sessionid.Decode(s.ID)
	require.True(t, ok, "session IDs have the platform's form")
	assert.Equal(t, srv.APIKey, d.APIKey)
	assert.Equal(t, "10.0.0.1", d.Location)
	assert.Equal(t, srv.APIKey, s.ProjectID)
	st, ok := srv.Session(s.ID)
	require.True(t, ok)
	assert.Equal(t, opentok.MediaRouted, st.MediaMode)
	assert.Equal(t, opentok.ArchiveAlways, st.ArchiveMode)
	assert.Equal(t, "auto", st.ArchiveName)

	rec := srv.RequestsFor("CreateSession")
	require.Len(t, rec, 1)
	assert.Equal(t, "POST", rec[0].Method)
	assert.Equal(t, 200, rec[0].Status)
}

func TestCreateSessionAnswersXMLWithoutAcceptJSON(t *testing.T) {
	srv := NewServer(t)
	p := auth.NewProject(srv.APIKey, []byte(srv.APISecret))
	req, _ := http.NewRequest("POST", srv.URL+"/session/create", strings.NewReader("p2p.preference=disabled"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tok, err := p.RESTToken(time.Now())
	require.NoError(t, err)
	req.Header.Set("X-OPENTOK-AUTH", tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(b), "<session_id>")
}
