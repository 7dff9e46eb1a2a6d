package main

import (
	"net/http"
	"net/http/httptest"
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

// A long flag typed with one dash (-api-secret=X) made pflag answer
// "unknown shorthand flag: 'a' in -api-secret=X", quoting the value; so did
// its other errors. No flag error quotes what was typed after a flag name:
// a long flag typed so is named with the fix, anything else is described.
func TestFlagErrorsNeverEchoAValue(t *testing.T) {
	c := newCLI(t)
	const v = "Sup3r-S3cret-Value"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"session", "create", "-api-secret=" + v}, "unknown flag -api-secret: long flags take two dashes (--api-secret)"},
		{[]string{"dial", "S", "T", "sip:a@b", "-password=" + v}, "unknown flag -password: long flags take two dashes (--password)"},
		{[]string{"broadcast", "start", "S", "-rtmp=rtmp://x/app," + v}, "unknown flag -rtmp: long flags take two dashes (--rtmp)"},
		{[]string{"storage", "set", "s3", "-secret-key=" + v}, "unknown flag: with one dash, only -h exists"},
		{[]string{"archive", "list", "-x" + v}, "unknown flag: with one dash"},
		{[]string{"archive", "list", "-h" + v}, "unknown flag: with one dash"},
		{[]string{"-api-secret=" + v, "session", "create"}, "unknown flag"},
		{[]string{"session", "create", "--api-secrte=" + v}, "unknown flag --api-secrte (see --help)"},
		{[]string{"session", "create", "--" + v + "=" + v}, "unknown flag (see --help)"},
		{[]string{"session", "create", "---api-secret=" + v}, "bad flag syntax"},
		{[]string{"session", "create", "--=" + v}, "bad flag syntax"},
		{[]string{"archive", "download", "A", "-o"}, "flag --output needs a value"},
		{[]string{"archive", "list", "--count=" + v}, "invalid value for flag --count"},
		{[]string{"help", "-password=" + v}, "unknown flag"},
	} {
		code, out, errs := c.run(tc.args...)
		assert.Equal(t, 2, code, "%v: %s", tc.args, errs)
		assert.Empty(t, out)
		assert.Contains(t, errs, tc.want, "%v", tc.args)
		assert.NotContains(t, errs, v, "%v", tc.args)
		assert.NotContains(t, errs, "Sup3r", "%v", tc.args)
		assert.Equal(t, 1, strings.Count(errs, "\n"), "one line: %q", errs)
	}
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

// The S3 endpoint the platform echoes may hold user info (set by another
// tool): storage set prints it without.
func TestStorageOutputNeverShowsEndpointUserInfo(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"type":"s3","config":{"accessKey":"AK","secretKey":"made-up-key","bucket":"b",` +
			`"endpoint":"https://minio:Hunter2pw@s3.example.com:9000"},"fallback":"none"}`))
	}))
	defer api.Close()
	c := &cli{t: t, env: map[string]string{"OPENTOK_API_URL": api.URL, "OPENTOK_API_KEY": "123456", "OPENTOK_API_SECRET": "made-up-secret",
		"AWS_SECRET_ACCESS_KEY": "made-up-key"}}
	for _, args := range [][]string{{"storage", "set", "s3", "--bucket", "b", "--access-key", "AK"}, {"storage", "set", "s3", "--bucket", "b", "--access-key", "AK", "--json"}} {
		out := c.ok(args...)
		assert.Contains(t, out, "REDACTED@s3.example.com:9000")
		assert.NotContains(t, out, "Hunter2pw")
		assert.NotContains(t, out, "minio")
		assert.NotContains(t, out, "made-up-key")
	}
	assert.Equal(t, "https://REDACTED@h/p", withoutUserInfo("https://u:p@h/p"))
	assert.Equal(t, "https://h/p@x", withoutUserInfo("https://h/p@x"))
	assert.Equal(t, "(not shown: not a valid URL)", withoutUserInfo("https://u:p w@h%zz"))
	assert.Equal(t, "", withoutUserInfo(""))
}
