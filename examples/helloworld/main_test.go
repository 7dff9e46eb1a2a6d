package main

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/examples/internal/exampleapp"
	"github.com/opentok-go/opentok/examples/internal/exampletest"
	"github.com/opentok-go/opentok/opentoktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHomeJoinsTheSession(t *testing.T) {
	fake, p := exampletest.Offline(t)
	h, err := newHandler(context.Background(), p)
	require.NoError(t, err)
	require.Len(t, fake.RequestsFor("CreateSession"), 1, "one session, created at start")

	page := exampletest.Get(t, h, "/")
	require.Equal(t, http.StatusOK, page.Code)
	api := exampletest.Get(t, h, "/session")
	require.Equal(t, http.StatusOK, api.Code)
	var info sessionInfo
	require.NoError(t, json.Unmarshal([]byte(api.Body), &info))

	_, ok := fake.Session(info.SessionID)
	require.True(t, ok, "/session names the session the fake created")
	assert.Equal(t, opentoktest.DefaultAPIKey, info.APIKey)
	role, _, err := fake.VerifyToken(info.SessionID, info.Token)
	require.NoError(t, err, "the token joins the session")
	assert.Equal(t, opentok.RolePublisher, role)

	body := page.Body
	assert.Contains(t, body, `<code id="session-id">`+info.SessionID+`</code>`)
	assert.Contains(t, body, `<code id="owner-id">47000000</code>`)
	assert.Contains(t, body, exampleapp.Banner)
	assert.Contains(t, body, `data-session-id="`+info.SessionID+`"`)
	assert.Contains(t, body, `data-publish="true"`)
	assert.Contains(t, body, `<script src="`+exampleapp.OpenTokClientLibraryURL+`"></script>`)
	assert.Contains(t, body, "Video: waiting for the video client library")

	assert.Contains(t, body, `data-proxy-url="`+fake.URL+`"`, "OpenTok.js talks to the built-in fake")

	tok := exampletest.Between(t, body, `<code id="token" class="long">`, `</code>`)
	_, data, err := fake.VerifyToken(info.SessionID, tok)
	assert.NoError(t, err, "the page's own token joins the session too")
	// Each visitor is named, so that the other pages can show who is who.
	assert.Equal(t, "name=Visitor 1", data)
	_, data, err = fake.VerifyToken(info.SessionID, info.Token)
	require.NoError(t, err)
	assert.Equal(t, "name=Visitor 2", data)
}

func TestHomeWithVonageCredentials(t *testing.T) {
	fake, p := exampletest.Online(t, opentoktest.WithVonage())
	h, err := newHandler(context.Background(), p)
	require.NoError(t, err)

	body := exampletest.Get(t, h, "/").Body
	assert.Contains(t, body, `<dt>Application ID</dt><dd><code id="owner-id">`+fake.ApplicationID+`</code>`)
	assert.Contains(t, body, `<script src="`+exampleapp.VonageClientLibraryURL+`"></script>`)
	assert.NotContains(t, body, "Offline demo")
	assert.Contains(t, body, `data-offline="false"`)

	var info sessionInfo
	require.NoError(t, json.Unmarshal([]byte(exampletest.Get(t, h, "/session").Body), &info))
	assert.Equal(t, fake.ApplicationID, info.APIKey, "OT.initSession takes the application ID")
	_, _, err = fake.VerifyToken(info.SessionID, info.Token)
	assert.NoError(t, err)
}

func TestStartFailsWithThePlatformsReason(t *testing.T) {
	fake, p := exampletest.Offline(t)
	require.NoError(t, fake.InjectFault("CreateSession", opentoktest.Fault{Status: http.StatusForbidden}))
	_, err := newHandler(context.Background(), p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "403 Forbidden")
}

func TestUnknownPath(t *testing.T) {
	_, p := exampletest.Offline(t)
	h, err := newHandler(context.Background(), p)
	require.NoError(t, err)
	assert.Equal(t, http.StatusNotFound, exampletest.Get(t, h, "/nope").Code)
	assert.Equal(t, http.StatusMethodNotAllowed, exampletest.Post(t, h, "/", nil).Code)
}
