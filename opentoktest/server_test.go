package opentoktest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// fatalRecorder is a testing.TB whose Fatalf records the failure instead of
// ending the test, so a test can check that a helper fails the test it was
// given. Everything else goes to the real test.
type fatalRecorder struct {
	testing.TB
	fatals  []string
	helpers int
}

func (r *fatalRecorder) Helper() { r.helpers++ }

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

// invalidClientOption is an SDK option that NewClient refuses.
var invalidClientOption = opentok.WithTimeout(0)

func TestClientFailsTheTestGivenToNewServer(t *testing.T) {
	rec := &fatalRecorder{TB: t}
	srv := NewServer(rec)
	_, err := srv.NewClient(invalidClientOption)
	require.Error(t, err, "the option must be invalid for this test to mean anything")

	helpers := rec.helpers
	var ot *opentok.OpenTok
	require.NotPanics(t, func() { ot = srv.Client(invalidClientOption) }, "a server from NewServer fails its test, not the program")
	assert.Nil(t, ot)
	require.Len(t, rec.fatals, 1)
	assert.Equal(t, "opentoktest: Client: "+err.Error(), rec.fatals[0])
	assert.Greater(t, rec.helpers, helpers, "Client reports the caller's line")

	assert.NotNil(t, srv.Client(opentok.WithTimeout(time.Second)))
	assert.Len(t, rec.fatals, 1, "valid options do not fail the test")
}

func TestClientPanicsForServersMadeByNewOrStart(t *testing.T) {
	started, err := Start()
	require.NoError(t, err)
	defer started.Close()
	bare, err := New(WithBaseURL("http://127.0.0.1:1"))
	require.NoError(t, err)
	defer bare.Close()

	for name, srv := range map[string]*Server{"Start": started, "New": bare} {
		_, err := srv.NewClient(invalidClientOption)
		require.Error(t, err, name)
		assert.PanicsWithValue(t, "opentoktest: Client: "+err.Error(), func() { srv.Client(invalidClientOption) }, name)
		assert.NotPanics(t, func() { srv.Client() }, name)
	}
}
