package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok/opentoktest"
)

// VONAGE_PRIVATE_KEY_PATH (or --private-key) holding the PEM text instead
// of a path was quoted in "cannot open" errors; it is now taken as the key,
// and a file error never quotes the value.
func TestPrivateKeyTextIsAcceptedAndNeverQuoted(t *testing.T) {
	c := newCLI(t, opentoktest.WithVonage())
	c.env["VONAGE_PRIVATE_KEY_PATH"] = string(c.srv.PrivateKeyPEM)
	out := c.json("session", "create")
	assert.NotEmpty(t, out["sessionId"], "the PEM text works as the key")

	for _, v := range []string{"MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-not-a-file", "/no/such/dir/key.pem"} {
		c.env["VONAGE_PRIVATE_KEY_PATH"] = v
		code, _, errs := c.run("session", "create")
		assert.Equal(t, 1, code)
		assert.Contains(t, errs, "cannot read the private key file")
		assert.NotContains(t, errs, v, "the value is not quoted")
	}
}

// A malformed --rtmp was quoted with its stream key by the flag package's
// error; no CLI error quotes a flag's value.
func TestMalformedFlagValuesAreNotQuoted(t *testing.T) {
	c := newCLI(t)
	const key = "live-key-Qx7-secret"
	code, _, errs := c.run("broadcast", "start", "S", "--rtmp", "rtmp://x/app,"+key+",id,extra")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "invalid value for flag --rtmp: want server-url,stream-key[,id]")
	assert.NotContains(t, errs, key)
	code, _, errs = c.run("archive", "list", "--count", "secret-looking-42")
	assert.Equal(t, 2, code)
	assert.NotContains(t, errs, "secret-looking-42")
}

// Secrets need not be on the command line (visible to every user in ps):
// the API secret, the SIP password and RTMP stream keys each have an
// environment variable and a file.
func TestSecretsFromEnvironmentAndFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content+"\n"), 0o600))
		return p
	}

	c := newCLI(t)
	secretFile := write("secret", c.srv.APISecret)
	delete(c.env, "OPENTOK_API_SECRET")
	out := c.json("session", "create", "--routed", "--api-secret-file", secretFile)
	sid := out["sessionId"].(string)
	code, _, errs := c.run("session", "create", "--api-secret-file", filepath.Join(dir, "missing"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "cannot read the API secret file")
	c.env["OPENTOK_API_SECRET"] = c.srv.APISecret
	c.joinClient(sid)

	// RTMP stream keys from a file and from the environment.
	c.env["YT_KEY"] = "key-from-env"
	keyFile := write("fb.key", "key-from-file")
	b := c.json("broadcast", "start", sid, "--rtmp", "rtmp://a.example.com/app,env:YT_KEY,yt", "--rtmp", "rtmps://b.example.com/app,@"+keyFile+",fb")
	got, ok := c.srv.Broadcast(b["id"].(string))
	require.True(t, ok)
	require.Len(t, got.RTMP, 2)
	assert.Equal(t, "key-from-env", got.RTMP[0].StreamName)
	assert.Equal(t, "key-from-file", got.RTMP[1].StreamName)
	code, _, errs = c.run("broadcast", "start", sid, "--rtmp", "rtmp://a.example.com/app,env:NO_SUCH_VAR")
	assert.Equal(t, 2, code)
	assert.Contains(t, errs, "NO_SUCH_VAR")

	// The SIP password from the environment, then from a file.
	for i, setup := range []func() []string{
		func() []string { c.env["OPENTOK_SIP_PASSWORD"] = "pw-from-env"; return nil },
		func() []string {
			delete(c.env, "OPENTOK_SIP_PASSWORD")
			return []string{"--password-file", write("pw", "pw-from-file")}
		},
	} {
		extra := setup()
		c.srv.ClearRequests()
		c.ok(append([]string{"dial", sid, "sip:a@example.com", "--username", "u"}, extra...)...)
		body := string(c.srv.RequestsFor("Dial")[0].Body)
		want := []string{"pw-from-env", "pw-from-file"}[i]
		assert.Contains(t, body, `"password":"`+want+`"`)
	}
}

// Names chosen by users (stream names, archive names) are printed with
// their control characters, escape sequences and bidi overrides escaped.
func TestHumanOutputEscapesNonPrintables(t *testing.T) {
	c := newCLI(t)
	sid := c.json("session", "create", "--routed")["sessionId"].(string)
	tok := strings.TrimSpace(c.ok("token", sid))
	conn, err := c.srv.Connect(sid, tok)
	require.NoError(t, err)
	_, err = conn.Publish(opentoktest.PublishOptions{Name: "cam\x1b[2J\x1b[31mowned\u202e\r"})
	require.NoError(t, err)
	out := c.ok("stream", "list", sid)
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\u202e")
	assert.NotContains(t, out, "\r")
	assert.Contains(t, out, `cam\x1b[2J\x1b[31mowned\u202e\r`)
	js := c.json("stream", "list", sid)
	assert.Equal(t, "cam\x1b[2J\x1b[31mowned\u202e\r", js["items"].([]any)[0].(map[string]any)["name"], "JSON keeps the value")
}
