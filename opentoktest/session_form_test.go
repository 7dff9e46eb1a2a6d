package opentoktest

import (
	"encoding/json"
	"testing"

	"github.com/opentok-go/opentok"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCreateSessionTakesNullAsNotGiven sends the form @vonage/video sends
// (location=null when no location is given) and forms with empty and null
// optional fields: the platform takes them as absent.
func TestCreateSessionTakesNullAsNotGiven(t *testing.T) {
	srv := NewServer(t)
	r := newRaw(t, srv)
	for _, form := range []string{
		"archiveMode=manual&location=null&p2p.preference=disabled",
		"archiveMode=manual&location=&p2p.preference=disabled",
		"archiveMode=null&location=null&p2p.preference=null&e2ee=null&archiveName=null&archiveResolution=null",
		"archiveMode=&p2p.preference=&e2ee=&archiveName=&archiveResolution=",
	} {
		status, _, body := r.send("POST", "/session/create", "application/x-www-form-urlencoded", []byte(form))
		require.Equal(t, 200, status, "%s: %s", form, body)
		var items []map[string]any
		require.NoError(t, json.Unmarshal(body, &items))
		require.Len(t, items, 1)
		ss, ok := srv.Session(items[0]["session_id"].(string))
		require.True(t, ok)
		assert.Equal(t, Session{ID: ss.ID, MediaMode: "routed", ArchiveMode: "manual", CreatedAt: ss.CreatedAt}, ss, form)
	}

	status, _, body := r.send("POST", "/session/create", "application/x-www-form-urlencoded", []byte("location=10.1.2.3&p2p.preference=enabled"))
	require.Equal(t, 200, status, "%s", body)
	var items []map[string]any
	require.NoError(t, json.Unmarshal(body, &items))
	ss, _ := srv.Session(items[0]["session_id"].(string))
	assert.Equal(t, "10.1.2.3", ss.Location, "a real location is still kept")
	assert.Equal(t, opentok.MediaRelayed, ss.MediaMode)

	for form, msg := range map[string]string{
		"location=nil":          "location must be an IPv4 address",
		"location=NULL":         "location must be an IPv4 address",
		"location=::1":          "location must be an IPv4 address",
		"archiveMode=sometimes": "archiveMode must be manual or always",
		"p2p.preference=maybe":  "p2p.preference must be enabled or disabled",
		"e2ee=yes":              "e2ee must be true or false",
		"archiveResolution=1x1": "invalid archiveResolution",
		"location=%zz":          "invalid form body",
		"archiveMode=always&p2p.preference=enabled": "archiveMode=always requires routed media (p2p.preference=disabled)",
	} {
		status, _, body := r.send("POST", "/session/create", "application/x-www-form-urlencoded", []byte(form))
		assert.Equal(t, 400, status, form)
		assert.JSONEq(t, `{"code":400,"message":"`+msg+`"}`, string(body), form)
	}
}
