package exampleapp

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envMap turns a map into a getenv function.
func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestOpenWithoutCredentialsStartsTheFake(t *testing.T) {
	p, err := Open(ConfigFromEnv(envMap(nil)))
	require.NoError(t, err)
	defer p.Close()

	assert.True(t, p.Offline())
	assert.Equal(t, opentoktest.DefaultAPIKey, p.OwnerID())
	assert.Equal(t, "API key", p.OwnerLabel())
	assert.Equal(t, OpenTokClientLibraryURL, p.ClientLibraryURL())
	assert.Contains(t, p.Describe(), "built-in fake platform at http://127.0.0.1:")

	// The fake really serves: a session can be created and joined.
	s, err := p.Client.CreateSession(context.Background(), &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	_, ok := p.Fake.Session(s.ID)
	assert.True(t, ok, "the session exists on the embedded fake")
	require.NoError(t, p.SimulateParticipant(s.ID, "Sam"))
	streams := p.Fake.Streams(s.ID)
	require.Len(t, streams, 1)
	assert.Equal(t, "Sam", streams[0].Name)

	require.NoError(t, p.Close())
	require.NoError(t, p.Close(), "Close is safe to call twice")
	_, err = p.Client.CreateSession(context.Background(), nil)
	assert.Error(t, err, "the fake stops listening on Close")
}

func TestOpenWithOpenTokCredentials(t *testing.T) {
	fake := opentoktest.NewServer(t, opentoktest.WithCredentials("12345678", "not-a-real-secret-0123456789"))
	p, err := Open(ConfigFromEnv(envMap(map[string]string{
		EnvAPIKey:    "12345678",
		EnvAPISecret: "not-a-real-secret-0123456789",
		EnvAPIURL:    fake.URL,
	})))
	require.NoError(t, err)
	defer p.Close()

	assert.False(t, p.Offline())
	assert.False(t, p.Client.IsVonage())
	assert.Equal(t, "12345678", p.OwnerID())
	assert.Equal(t, OpenTokClientLibraryURL, p.ClientLibraryURL())
	assert.Equal(t, "OpenTok project 12345678 at "+fake.URL, p.Describe())
	assert.NotContains(t, p.Describe(), "secret")

	// OPENTOK_API_URL is honoured: the call reaches the fake, signed with
	// the secret from the environment.
	_, err = p.Client.CreateSession(context.Background(), nil)
	require.NoError(t, err)
	assert.Len(t, fake.RequestsFor("CreateSession"), 1)

	// Without it, the client talks to the real platform (no I/O happens
	// here: the constructors only check the credentials).
	p2, err := Open(Config{APIKey: "12345678", APISecret: "s3cr3t"})
	require.NoError(t, err)
	assert.Equal(t, opentok.DefaultOpenTokURL, p2.Client.BaseURL())
}

func TestOpenWithVonageCredentials(t *testing.T) {
	fake := opentoktest.NewServer(t, opentoktest.WithVonage())
	keyPath := filepath.Join(t.TempDir(), "private.key")
	require.NoError(t, os.WriteFile(keyPath, fake.PrivateKeyPEM, 0o600))

	p, err := Open(ConfigFromEnv(envMap(map[string]string{
		EnvApplicationID:  fake.ApplicationID,
		EnvPrivateKeyPath: keyPath,
		EnvAPIURL:         fake.URL,
	})))
	require.NoError(t, err)
	assert.False(t, p.Offline())
	assert.True(t, p.Client.IsVonage())
	assert.Equal(t, fake.ApplicationID, p.OwnerID())
	assert.Equal(t, "Application ID", p.OwnerLabel())
	assert.Equal(t, VonageClientLibraryURL, p.ClientLibraryURL())
	assert.Equal(t, "Vonage application "+fake.ApplicationID+" at "+fake.URL, p.Describe())
	_, err = p.Client.CreateSession(context.Background(), nil)
	require.NoError(t, err, "the key read from the file signs requests the fake accepts")

	p2, err := Open(Config{ApplicationID: fake.ApplicationID, PrivateKeyPath: keyPath})
	require.NoError(t, err)
	assert.Equal(t, opentok.DefaultVonageURL, p2.Client.BaseURL())
}

func TestOpenTokCredentialsWinOverVonageOnes(t *testing.T) {
	p, err := Open(Config{APIKey: "12345678", APISecret: "s3cr3t", ApplicationID: "x", PrivateKeyPath: "/nonexistent"})
	require.NoError(t, err)
	assert.False(t, p.Client.IsVonage())
}

func TestOpenRefusesIncompleteCredentials(t *testing.T) {
	missingKey := filepath.Join(t.TempDir(), "missing.key")
	for _, tc := range []struct {
		name string
		env  map[string]string
		want []string // in the message
	}{
		{"key without secret", map[string]string{EnvAPIKey: "123"},
			[]string{"OPENTOK_API_KEY is set but OPENTOK_API_SECRET is not"}},
		{"secret without key", map[string]string{EnvAPISecret: "s"},
			[]string{"OPENTOK_API_SECRET is set but OPENTOK_API_KEY is not"}},
		{"application without key", map[string]string{EnvApplicationID: "00000000-0000-4000-8000-00000000f4ce"},
			[]string{"VONAGE_APPLICATION_ID is set but VONAGE_PRIVATE_KEY_PATH is not"}},
		{"key path without application", map[string]string{EnvPrivateKeyPath: "/tmp/k"},
			[]string{"VONAGE_PRIVATE_KEY_PATH is set but VONAGE_APPLICATION_ID is not"}},
		{"URL without credentials", map[string]string{EnvAPIURL: "http://127.0.0.1:4010"},
			[]string{"OPENTOK_API_URL is set but no credentials are"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(ConfigFromEnv(envMap(tc.env)))
			require.ErrorIs(t, err, ErrIncompleteCredentials)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.Contains(t, err.Error(), "offline demo", "the message says how to get back to the offline demo")
		})
	}

	t.Run("unreadable key file", func(t *testing.T) {
		_, err := Open(Config{ApplicationID: "00000000-0000-4000-8000-00000000f4ce", PrivateKeyPath: missingKey})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "cannot read the private key named by VONAGE_PRIVATE_KEY_PATH")
	})
	t.Run("bad key file", func(t *testing.T) {
		require.NoError(t, os.WriteFile(missingKey, []byte("not a key"), 0o600))
		_, err := Open(Config{ApplicationID: "00000000-0000-4000-8000-00000000f4ce", PrivateKeyPath: missingKey})
		require.ErrorIs(t, err, opentok.ErrInvalidArgument)
		assert.NotContains(t, err.Error(), "not a key", "the key is never quoted")
	})
}
