package exampleapp

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListenAddr(t *testing.T) {
	for _, tc := range []struct {
		name, flag, port, want string
	}{
		{"default", "", "", "localhost:8080"},
		{"PORT", "", "9000", "localhost:9000"},
		{"-addr wins over PORT", "127.0.0.1:7000", "9000", "127.0.0.1:7000"},
		{"-addr alone", ":7001", "", ":7001"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ListenAddr(tc.flag, envMap(map[string]string{EnvPort: tc.port}))
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}

	_, err := ListenAddr("8080", envMap(nil))
	assert.ErrorContains(t, err, `-addr "8080" is not host:port`)
	_, err = ListenAddr("", envMap(map[string]string{EnvPort: "http"}))
	assert.ErrorContains(t, err, `PORT="http" is not a port number`)
	_, err = ListenAddr("", envMap(map[string]string{EnvPort: "70000"}))
	assert.ErrorContains(t, err, "not a port number")
}

func TestBrowserURL(t *testing.T) {
	bound := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 43210}
	assert.Equal(t, "http://localhost:43210/", browserURL("localhost:0", bound))
	assert.Equal(t, "http://127.0.0.1:43210/", browserURL("127.0.0.1:0", bound))
	assert.Equal(t, "http://localhost:43210/", browserURL(":43210", bound))
	assert.Equal(t, "http://localhost:43210/", browserURL("0.0.0.0:43210", bound))
	assert.Equal(t, "http://[::1]:43210/", browserURL("[::1]:43210", bound))
}
