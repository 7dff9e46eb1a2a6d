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

// TestBooleansMayBeStrings sends partialCaptions as @vonage/video types it
// ("true" or "false"), and string flags elsewhere: taken as booleans.
// Other values are still refused.
func TestBooleansMayBeStrings(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	mod := &opentok.TokenOptions{Role: opentok.RoleModerator}
	for _, v := range []struct {
		sent any
		want bool
	}{{"false", false}, {"true", true}, {false, false}, {nil, true}} {
		sid := routedSession(t, ot)
		body := map[string]any{"sessionId": sid, "token": token(t, ot, sid, mod)}
		if v.sent != nil {
			body["partialCaptions"] = v.sent
		}
		status, got := r.do("POST", r.project()+"/captions", body)
		require.Equal(t, 202, status, "%v: %v", v.sent, got)
		c, ok := srv.Captions(got["captionsId"].(string))
		require.True(t, ok)
		assert.Equal(t, v.want, c.PartialCaptions, "%v", v.sent)
	}
	for _, bad := range []any{"yes", "TRUE", 1, []any{}} {
		sid := routedSession(t, ot)
		status, got := r.do("POST", r.project()+"/captions", map[string]any{"sessionId": sid, "token": token(t, ot, sid, mod), "partialCaptions": bad})
		assert.Equal(t, 400, status, "%v", bad)
		assert.Equal(t, "a boolean field has a non-boolean value", got["message"])
	}

	sid := routedSession(t, ot)
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	status, a := r.do("POST", r.project()+"/archive", map[string]any{"sessionId": sid, "hasAudio": "true", "hasVideo": "false"})
	require.Equal(t, 200, status, "%v", a)
	assert.Equal(t, true, a["hasAudio"])
	assert.Equal(t, false, a["hasVideo"])
}
