package opentok

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSecretHoldsItsValue(t *testing.T) {
	s := NewSecret("k3y")
	assert.Equal(t, "k3y", s.Reveal())
	assert.False(t, s.IsZero())
	assert.True(t, s.Equal(NewSecret("k3y")))
	assert.False(t, s.Equal(NewSecret("other")))
	assert.True(t, NewSecret("").IsZero())
	assert.True(t, Secret{}.IsZero())
	assert.Equal(t, "", Secret{}.Reveal())
	assert.True(t, NewSecret("REDACTED").IsRedacted())
	assert.False(t, s.IsRedacted())
}

// Every way of printing or encoding a value that holds a secret shows
// REDACTED: fmt with every verb (also through fmt's fallback for a verb a
// pointer does not support, which prints fields raw and skips their
// methods), slog's JSON and text handlers, and encoding/json.
func TestSecretsNeverPrint(t *testing.T) {
	const key, password = "live-stream-key-123", "sip-pa55word-9"
	out := RTMPOutput{ID: "yt", ServerURL: "rtmps://live.example.com/app", StreamName: NewSecret(key)}
	opts := &BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{out}}, MultiBroadcastTag: "tag"}
	b := &Broadcast{ID: "B1", RTMP: []RTMPTargetStatus{{ID: "yt", ServerURL: out.ServerURL, StreamName: NewSecret(key), Status: RTMPLive}}}
	auth := SIPAuth{Username: "sip-user", Password: NewSecret(password)}
	dial := &DialOptions{From: "1@example.com", Auth: &auth}
	values := []any{out, &out, opts, *opts, opts.Outputs, &opts.Outputs, b, *b, b.RTMP[0], &BroadcastList{Items: []*Broadcast{b}},
		struct{ O *BroadcastOptions }{opts}, struct{ B *Broadcast }{b}, []*Broadcast{b}, map[string]*Broadcast{"b": b},
		auth, &auth, dial, *dial, struct{ D *DialOptions }{dial}, NewSecret(key), []Secret{NewSecret(key)}}

	var logs bytes.Buffer
	jsonLog := slog.New(slog.NewJSONHandler(&logs, nil))
	textLog := slog.New(slog.NewTextHandler(&logs, nil))
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %p"} {
			s := fmt.Sprintf(verb, v)
			assert.NotContains(t, s, key, "%s of %T", verb, v)
			assert.NotContains(t, s, password, "%s of %T", verb, v)
		}
		js, err := json.Marshal(v)
		require.NoError(t, err)
		assert.NotContains(t, string(js), key, "JSON of %T", v)
		assert.NotContains(t, string(js), password, "JSON of %T", v)
		jsonLog.Info("v", "v", v)
		textLog.Info("v", "v", v)
	}
	assert.NotContains(t, logs.String(), key)
	assert.NotContains(t, logs.String(), password)
	assert.Contains(t, logs.String(), "REDACTED")

	// The rest still prints, and the fields keep the real values.
	assert.Contains(t, fmt.Sprintf("%v", b), "rtmps://live.example.com/app")
	assert.Contains(t, fmt.Sprintf("%+v", opts), "MultiBroadcastTag:tag")
	assert.Contains(t, fmt.Sprintf("%+v", auth), "Username:sip-user Password:REDACTED")
	assert.Equal(t, "{yt rtmps://live.example.com/app REDACTED}", fmt.Sprint(out))
	assert.Equal(t, "{  }", fmt.Sprint(RTMPOutput{}), "an unset secret prints as unset")
	assert.Equal(t, `opentok.SIPAuth{Username:"sip-user", Password:REDACTED}`, fmt.Sprintf("%#v", auth))
	assert.Equal(t, key, opts.Outputs.RTMP[0].StreamName.Reveal())
	assert.Equal(t, password, dial.Auth.Password.Reveal())
	js, _ := json.Marshal(b.RTMP[0])
	assert.JSONEq(t, `{"ID":"yt","ServerURL":"rtmps://live.example.com/app","StreamName":"REDACTED","Status":"live"}`, string(js))
}

// The JSON of options round-trips but for the secrets, which come back as
// the REDACTED placeholder; the calls that send a secret refuse it (see the
// "redaction placeholder" rows of the operation table) rather than send it.
func TestSecretJSONRoundTrip(t *testing.T) {
	in := DialOptions{From: "1@example.com", Headers: map[string]string{"X-A": "b"}, Secure: true,
		Auth: &SIPAuth{Username: "u", Password: NewSecret("pw")}, Streams: []string{"s"}}
	js, err := json.Marshal(in)
	require.NoError(t, err)
	var out DialOptions
	require.NoError(t, json.Unmarshal(js, &out))
	assert.True(t, out.Auth.Password.IsRedacted())
	out.Auth.Password = in.Auth.Password
	assert.Equal(t, in, out, "everything but the secret survives")

	var s Secret
	require.NoError(t, json.Unmarshal([]byte(`"from-config"`), &s))
	assert.Equal(t, "from-config", s.Reveal(), "a secret written by hand into JSON is read")
	require.NoError(t, json.Unmarshal([]byte(`null`), &s))
	assert.True(t, s.IsZero())
	assert.Error(t, json.Unmarshal([]byte(`42`), &s))
	assert.True(t, strings.Contains(checkSecret("f", NewSecret("REDACTED")).Error(), "placeholder"))
	assert.NoError(t, checkSecret("f", NewSecret("real")))
}
