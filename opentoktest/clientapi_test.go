package opentoktest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/internal/auth"
)

// sessionInfo asks for a session's info as OpenTok.js does behind
// setProxyUrl, and returns the HTTP status, headers and decoded body.
func sessionInfo(t *testing.T, srv *Server, sid, token, origin string) (int, http.Header, []map[string]any) {
	t.Helper()
	req, err := http.NewRequest("GET", srv.URL+"/anvil.opentok.com/session/"+sid+"?extended=true", nil)
	require.NoError(t, err)
	req.Header.Set("X-OPENTOK-AUTH", token)
	req.Header.Set("X-TB-VERSION", "1")
	req.Header.Set("X-TB-CLIENT-VERSION", "js-2.35.2")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out []map[string]any
	if resp.StatusCode == 200 {
		require.NoError(t, json.Unmarshal(b, &out), "%s", b)
	}
	return resp.StatusCode, resp.Header, out
}

// refusal returns the error node of a refused session-info answer.
func refusal(t *testing.T, info []map[string]any) (code float64, message string) {
	t.Helper()
	require.Len(t, info, 1)
	e, ok := info[0]["error"].(map[string]any)
	require.True(t, ok, "an error node: %v", info)
	return e["code"].(float64), e["errorMessage"].(map[string]any)["message"].(string)
}

func TestSessionInfoPointsTheClientAtTheFake(t *testing.T) {
	for _, vonage := range []bool{false, true} {
		var opts []Option
		if vonage {
			opts = append(opts, WithVonage())
		}
		srv := NewServer(t, opts...)
		ot := srv.Client()
		sid := routedSession(t, ot)
		status, h, info := sessionInfo(t, srv, sid, token(t, ot, sid, nil), "http://localhost:8080")
		require.Equal(t, 200, status)
		assert.Equal(t, "http://localhost:8080", h.Get("Access-Control-Allow-Origin"))
		require.Len(t, info, 1)
		i := info[0]
		assert.Equal(t, sid, i["session_id"])
		// A string: OpenTok.js compares it with !== to its initSession key.
		assert.Equal(t, srv.OwnerID(), i["partner_id"])
		assert.Equal(t, "wss://rumor.opentoktest/rumorsvc", i["messaging_url"])
		assert.Equal(t, symphonyAddress, i["symphony_address"])
		assert.Equal(t, []any{}, i["ice_servers"])
		// Relayed media, even for a routed session: the fake has no media router.
		assert.Equal(t, map[string]any{"p2p": map[string]any{"preference": map[string]any{"value": "enabled"}},
			"simulcast": false, "reconnection": false, "renegotiation": false}, i["properties"])
	}
}

func TestSessionInfoAcceptsEveryTokenKindForItsSession(t *testing.T) {
	srv, ot, sid := newRoom(t)
	for _, f := range []opentok.TokenFormat{opentok.TokenJWT, opentok.TokenT1} {
		status, _, info := sessionInfo(t, srv, sid, token(t, ot, sid, &opentok.TokenOptions{Format: f}), "")
		require.Equal(t, 200, status)
		assert.Nil(t, info[0]["error"], "format %s", f)
	}
	v := NewServer(t, WithVonage())
	vot := v.Client()
	vsid := routedSession(t, vot)
	_, _, info := sessionInfo(t, v, vsid, token(t, vot, vsid, nil), "")
	assert.Nil(t, info[0]["error"], "an RS256 token of a Vonage application")
}

func TestSessionInfoRefusesTokensAsThePlatformDoes(t *testing.T) {
	srv, ot, sid := newRoom(t)
	other := routedSession(t, ot)
	good := token(t, ot, sid, nil)

	// Another project's token for its own session, used on ours.
	// (The SDK refuses to make it: the session ID names our project.)
	p, _ := srv.Project(newProject(t, srv, "other").ID)
	now := time.Now().Unix()
	otherProject, err := auth.NewProject(p.APIKey, []byte(p.APISecret)).ClientJWT(&auth.ClientClaims{
		SessionID: sid, Role: "publisher", IssuedAt: now, CreateTime: now, ExpireTime: now + 3600, Nonce: 0.5})
	require.NoError(t, err)

	expiring := token(t, ot, sid, &opentok.TokenOptions{TTL: time.Minute})
	srv.Advance(2 * time.Minute)

	// Change the signature's first character: it carries six whole bits
	// (the last one may carry padding bits, and changing those makes the
	// base64 non-canonical, a malformed token rather than a bad signature).
	sig := strings.LastIndexByte(good, '.') + 1
	first := "A"
	if good[sig] == 'A' {
		first = "B"
	}
	flipped := good[:sig] + first + good[sig+1:]
	cases := []struct {
		name, token string
		code        float64
		message     string
	}{
		{"bad signature", flipped, 403, "Invalid token: bad signature"},
		{"expired", expiring, 403, "Invalid token: the token has expired"},
		{"another session", token(t, ot, other, nil), 403, "Invalid token: the token is for another session"},
		{"another project", otherProject, 403, "Invalid token: bad signature"},
		{"no token", "", 403, "Invalid token: "},
		{"garbage", "not-a-token", 403, "Invalid token: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _, info := sessionInfo(t, srv, sid, c.token, "")
			require.Equal(t, 200, status, "OpenTok.js reads the error node of a 200 answer (1004); another status is a network error to it")
			code, message := refusal(t, info)
			assert.Equal(t, c.code, code)
			assert.True(t, strings.HasPrefix(message, c.message), "message %q", message)
			if c.token != "" {
				assert.NotContains(t, message, c.token, "the refusal never quotes the token")
			}
		})
	}

	// An unknown session is 404, which OpenTok.js shows as 1005.
	status, _, info := sessionInfo(t, srv, "2_MX40NzAwMDAwMH5-MTcwMDAwMDAwMDAwMH5ub25lfn4", good, "")
	require.Equal(t, 200, status)
	code, _ := refusal(t, info)
	assert.Equal(t, float64(404), code)
}

func TestClientRoutesAnswerLoopbackPagesOnly(t *testing.T) {
	var logs logBuffer
	srv := NewServer(t, logs.logger())
	ot := srv.Client()
	sid := routedSession(t, ot)

	for _, origin := range []string{"http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:9000", "https://localhost"} {
		status, h, _ := sessionInfo(t, srv, sid, token(t, ot, sid, nil), origin)
		assert.Equal(t, 200, status, origin)
		assert.Equal(t, origin, h.Get("Access-Control-Allow-Origin"), origin)
	}
	for _, origin := range []string{"http://evil.example", "null", "http://localhost.evil.example:80", "file://", "ftp://localhost"} {
		status, h, _ := sessionInfo(t, srv, sid, token(t, ot, sid, nil), origin)
		assert.Equal(t, 403, status, origin)
		assert.Empty(t, h.Get("Access-Control-Allow-Origin"), origin)
	}
	assert.Contains(t, logs.String(), "refusing a client request from a page that is not on this machine")

	// The preflight of the session-info call (it carries custom headers).
	req, err := http.NewRequest("OPTIONS", srv.URL+"/anvil.opentok.com/session/"+sid, nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "http://localhost:3000")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "x-opentok-auth,x-tb-version")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 204, resp.StatusCode)
	assert.Equal(t, "http://localhost:3000", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "x-opentok-auth,x-tb-version", resp.Header.Get("Access-Control-Allow-Headers"))
	assert.Contains(t, resp.Header.Get("Access-Control-Allow-Methods"), "GET")
}

func TestClientConfigAndLoggingSink(t *testing.T) {
	srv := NewServer(t)
	resp, err := http.Get(srv.URL + "/config.opentok.com/project/" + srv.APIKey + "/config.json")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode)
	assert.JSONEq(t, `{}`, string(b))

	for _, kind := range []string{"ClientEvent", "ClientQos"} {
		resp, err := http.Post(srv.URL+"/hlg.tokbox.com/prod/logging/"+kind, "application/json", strings.NewReader(`{"action":"Connect","variation":"Attempt"}`))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 200, resp.StatusCode, kind)
	}
	// Not REST operations: the request log stays for those.
	assert.Empty(t, srv.Requests())
}

func TestClientSocketRefusesForeignOrigins(t *testing.T) {
	var logs logBuffer
	srv := NewServer(t, logs.logger())
	_, resp, err := tryDialBrowser(t, srv, "http://evil.example")
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, 403, resp.StatusCode)
	assert.Contains(t, logs.String(), "origin=http://evil.example")

	// A loopback page on another port, and a client without Origin, connect.
	dialBrowser(t, srv, "http://localhost:5173")
	dialBrowser(t, srv, "")
}

func TestClientRoutesKeepTheHostCheck(t *testing.T) {
	// A page reaching the fake through DNS rebinding sends its own name.
	srv := NewServer(t)
	req, err := http.NewRequestWithContext(context.Background(), "GET", srv.URL+"/config.opentok.com/project/1/config.json", nil)
	require.NoError(t, err)
	req.Host = "rebound.example:80"
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode)
}

// logBuffer collects the fake's log lines, safely for its goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// logger returns a fake's logger that writes to l.
func (l *logBuffer) logger() Option { return WithLogger(slog.New(slog.NewTextHandler(l, nil))) }
