package opentoktest

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A page reaching the fake through DNS rebinding sends its own Host: the
// control API (which serves the credentials) and the REST API refuse it.
func TestOnlyItsOwnHostIsAnswered(t *testing.T) {
	srv := NewServer(t, WithControlAPI())
	u, err := url.Parse(srv.URL)
	require.NoError(t, err)
	port := u.Port()
	get := func(path, host string) int {
		req, err := http.NewRequest("GET", srv.URL+path, nil)
		require.NoError(t, err)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, host := range []string{u.Host, "127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port} {
		assert.Equal(t, 200, get("/_emulator/", host), host)
	}
	for _, host := range []string{"evil.example:" + port, "evil.example", "127.0.0.1", "localhost", "127.0.0.1:1",
		"localhost:" + port + "0", "127.0.0.2:" + port, "localhost.evil.example:" + port} {
		assert.Equal(t, 403, get("/_emulator/", host), "control API, Host %q", host)
		assert.Equal(t, 403, get("/v2/project/"+srv.APIKey+"/archive", host), "REST API, Host %q", host)
		assert.Equal(t, 403, get("/_media/hls/x/index.m3u8", host), "media, Host %q", host)
	}
}

func TestHostCheckOnDefaultPortsAndWithoutURL(t *testing.T) {
	for _, c := range []struct {
		url, host string
		ok        bool
	}{
		{"http://fake", "fake", true},
		{"http://fake", "localhost", true},
		{"http://fake", "localhost:80", true},
		{"http://fake", "localhost:443", false},
		{"https://fake", "127.0.0.1:443", true},
		{"https://fake", "[::1]", true},
		{"http://fake:8080", "fake:8080", true},
		{"http://fake:8080", "FAKE:8080", true},
		{"http://fake:8080", "fake", false},
		{"http://fake:8080", "other:8080", false},
		{"", "anything.example", true}, // not yet serving: nothing to compare with
	} {
		s := &Server{URL: c.url}
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = c.host
		assert.Equal(t, c.ok, s.hostAllowed(r), "%s with Host %q", c.url, c.host)
	}
}
