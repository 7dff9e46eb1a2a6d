package opentok

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWireSeconds(t *testing.T) {
	s, err := wireSeconds("maxDuration", 0, 60, 100)
	require.NoError(t, err)
	assert.Equal(t, 0, s, "zero means platform default")
	s, err = wireSeconds("maxDuration", 90*time.Second, 60, 100)
	require.NoError(t, err)
	assert.Equal(t, 90, s)
	for _, d := range []time.Duration{59 * time.Second, 101 * time.Second, -time.Second, 90*time.Second + time.Millisecond} {
		_, err := wireSeconds("maxDuration", d, 60, 100)
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, "%s", d)
		assert.Equal(t, "maxDuration", ve.Field)
	}
}

func TestCheckHTTPURL(t *testing.T) {
	assert.NoError(t, checkHTTPURL("url", "https://example.com/", 15, 2048))
	assert.NoError(t, checkHTTPURL("url", "http://example.com/", 15, 2048))
	for _, bad := range []string{
		"https://a.io/", // 13 characters
		"ftp://example.com/x",
		"https:///nohost/path",
		"example.com/path/abc",
		"https://example.com/a b",
		"https://example.com/" + strings.Repeat("a", 2048),
	} {
		assert.ErrorIs(t, checkHTTPURL("url", bad, 15, 2048), ErrInvalidArgument, bad)
	}
}
