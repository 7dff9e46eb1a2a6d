package opentoktest

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// controlRequest sends a control API request with the headers given and
// returns the status and the answer's body.
func controlRequest(t *testing.T, srv *Server, method, path, body string, header map[string]string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

// A page on another site could drive an emulator on the user's machine
// with "simple" requests, which a browser sends without a CORS preflight:
// a text/plain POST injected faults or moved the clock. The control API
// now refuses foreign origins and bodies that are not JSON.
func TestControlAPIRefusesCrossSiteRequests(t *testing.T) {
	srv := NewServer(t, WithControlAPI())
	json := map[string]string{"Content-Type": "application/json"}
	with := func(kv ...string) map[string]string {
		h := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	advance := `{"seconds":3600}`
	before := srv.Now()

	for name, h := range map[string]map[string]string{
		"foreign origin, JSON":       with("Origin", "https://evil.example", "Content-Type", "application/json"),
		"foreign origin, text/plain": with("Origin", "https://evil.example", "Content-Type", "text/plain"),
		"null origin":                with("Origin", "null", "Content-Type", "application/json"),
		"loopback lookalike":         with("Origin", "http://localhost.evil.example:4010", "Content-Type", "application/json"),
		"cross-site, no origin":      with("Sec-Fetch-Site", "cross-site", "Content-Type", "application/json"),
	} {
		status, body := controlRequest(t, srv, "POST", "/_emulator/clock/advance", advance, h)
		assert.Equal(t, http.StatusForbidden, status, name)
		assert.Contains(t, body, "Origin not allowed", name)
	}
	for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""} {
		status, body := controlRequest(t, srv, "POST", "/_emulator/clock/advance", advance, with("Content-Type", ct))
		assert.Equal(t, http.StatusUnsupportedMediaType, status, "Content-Type %q", ct)
		assert.Contains(t, body, "application/json")
	}
	status, _ := controlRequest(t, srv, "POST", "/_emulator/faults", `{"op":"*","status":500}`, with("Content-Type", "text/plain"))
	assert.Equal(t, http.StatusUnsupportedMediaType, status)
	status, _ = controlRequest(t, srv, "GET", "/_emulator/", "", with("Origin", "https://evil.example"))
	assert.Equal(t, http.StatusForbidden, status, "nor does it read the credentials to a foreign page")
	assert.WithinDuration(t, before, srv.Now(), time.Minute, "the clock did not move")
	srv.mu.Lock()
	assert.Empty(t, srv.faults["*"], "no fault was injected")
	srv.mu.Unlock()

	// Programs (no Origin) and pages on a loopback origin, any port, pass.
	for _, origin := range []string{"", "http://localhost:5173", "http://127.0.0.1:8080", "https://[::1]:3000", "http://localhost", srv.URL} {
		h := with("Content-Type", "application/json")
		if origin != "" {
			h["Origin"] = origin
		}
		status, body := controlRequest(t, srv, "POST", "/_emulator/clock/advance", `{"seconds":1}`, h)
		assert.Equal(t, http.StatusOK, status, "origin %q: %s", origin, body)
	}
	status, _ = controlRequest(t, srv, "POST", "/_emulator/clock/advance", `{"seconds":1}`, with("Content-Type", "application/merge-patch+json"))
	assert.Equal(t, http.StatusOK, status, "a +json type is JSON")
	status, _ = controlRequest(t, srv, "DELETE", "/_emulator/faults", "", with("Sec-Fetch-Site", "same-origin"))
	assert.Equal(t, http.StatusNoContent, status, "no body, no Content-Type needed")
	status, _ = controlRequest(t, srv, "GET", "/_emulator/clock", "", json)
	assert.Equal(t, http.StatusOK, status)
}
