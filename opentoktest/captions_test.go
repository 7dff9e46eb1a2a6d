package opentoktest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

func TestCaptionsNeedAModeratorToken(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	sid := routedSession(t, ot)
	status, body := r.do("POST", r.project()+"/captions", map[string]any{"sessionId": sid, "token": token(t, ot, sid, nil)})
	assert.Equal(t, 403, status, "a publisher token: %v", body)
	status, body = r.do("POST", r.project()+"/captions", map[string]any{"sessionId": sid,
		"token": token(t, ot, sid, &opentok.TokenOptions{Role: opentok.RoleModerator})})
	require.Equal(t, 202, status, "%v", body)
	assert.NotEmpty(t, body["captionsId"])
	status, _ = r.do("POST", r.project()+"/captions", map[string]any{"sessionId": sid,
		"token": token(t, ot, sid, &opentok.TokenOptions{Role: opentok.RoleModerator})})
	assert.Equal(t, 409, status, "one captions process per session")
}
