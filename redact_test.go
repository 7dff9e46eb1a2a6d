package opentok

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every way of printing or logging a value that holds a secret shows
// REDACTED: fmt with every verb (also for values nested in others, and
// through fmt's fallback for a verb a type does not support), and slog's
// JSON and text handlers. The secrets themselves are plain strings.
func TestSecretsNeverPrint(t *testing.T) {
	const key, password, s3key, azkey, projectSecret = "live-stream-key-123", "sip-pa55word-9", "s3-secret-key-77",
		"azure-account-key-88", "project-secret-99"
	out := RTMPOutput{ID: "yt", ServerURL: "rtmps://live.example.com/app", StreamName: key}
	opts := &BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{out}}, MultiBroadcastTag: "tag"}
	b := &Broadcast{ID: "B1", RTMP: []RTMPTargetStatus{{ID: "yt", ServerURL: out.ServerURL, StreamName: key, Status: RTMPLive}}}
	ev := &BroadcastEvent{EventHeader: EventHeader{Type: "broadcast", SessionID: "s"}, ID: "B1", RTMP: b.RTMP}
	auth := SIPAuth{Username: "sip-user", Password: password}
	dial := &DialOptions{From: "1@example.com", Auth: &auth}
	s3 := S3Storage{AccessKey: "AK", SecretKey: s3key, Bucket: "b"}
	az := AzureStorage{AccountName: "acct", AccountKey: azkey, Container: "c"}
	st := &ArchiveStorage{Target: s3, Fallback: FallbackOpenTok}
	p := &Project{ID: "12345", Secret: projectSecret, Status: ProjectActive}
	page := &Page[Broadcast]{Items: []*Broadcast{b}, Total: 1}
	// The SDK's types, which fmt and slog print redacted.
	values := []any{out, &out, opts, *opts, opts.Outputs, &opts.Outputs, b, *b, b.RTMP[0], page, *page, ev, *ev, Event(ev),
		auth, &auth, dial, *dial, s3, &s3, az, &az, st, *st, ArchiveStorage{Target: az}, p, *p, Page[Project]{Items: []*Project{p}}}
	// Values of your own that hold them: fmt prints them redacted too, but
	// slog's JSON handler encodes them with encoding/json, which carries
	// the real values (as the JSON of a result must).
	containers := []any{struct{ O *BroadcastOptions }{opts}, struct{ B *Broadcast }{b}, []*Broadcast{b},
		map[string]*Broadcast{"b": b}, struct{ D *DialOptions }{dial}, []*Project{p}}
	secrets := []string{key, password, s3key, azkey, projectSecret}

	var logs bytes.Buffer
	jsonLog := slog.New(slog.NewJSONHandler(&logs, nil))
	textLog := slog.New(slog.NewTextHandler(&logs, nil))
	for _, v := range append(values, containers...) {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %p", "%8.3v"} {
			s := fmt.Sprintf(verb, v)
			for _, secret := range secrets {
				assert.NotContains(t, s, secret, "%s of %T", verb, v)
			}
		}
		textLog.Info("v", "v", v)
	}
	for _, v := range values {
		jsonLog.Info("v", "v", v)
		jsonLog.Info("group", slog.Group("g", slog.Any("v", v)))
	}
	for _, secret := range secrets {
		assert.NotContains(t, logs.String(), secret)
	}
	assert.Contains(t, logs.String(), "REDACTED")

	// The rest still prints, and the fields keep the real values.
	assert.Contains(t, fmt.Sprintf("%v", b), "rtmps://live.example.com/app")
	assert.Contains(t, fmt.Sprintf("%+v", opts), "MultiBroadcastTag:tag")
	assert.Contains(t, fmt.Sprintf("%+v", auth), "Username:sip-user Password:REDACTED")
	assert.Equal(t, "{yt rtmps://live.example.com/app REDACTED}", fmt.Sprint(out))
	assert.Equal(t, "{  }", fmt.Sprint(RTMPOutput{}), "an unset secret prints as unset")
	assert.Equal(t, `opentok.SIPAuth{Username:"sip-user", Password:"REDACTED"}`, fmt.Sprintf("%#v", auth))
	assert.Equal(t, `opentok.Project{ID:"12345", Secret:"REDACTED", Status:"ACTIVE", Name:"", Environment:"", EnvironmentName:"", EnvironmentDescription:"", CreatedAt:time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC)}`,
		fmt.Sprintf("%#v", *p))
	assert.Equal(t, `{"yt" "rtmps://live.example.com/app" "REDACTED"}`, fmt.Sprintf("%q", out), "the verb is kept")
	assert.Equal(t, "{   AK REDACTED     b            }", fmt.Sprintf("%5v", s3), "and the width")
	assert.Equal(t, key, opts.Outputs.RTMP[0].StreamName)
	assert.Equal(t, password, dial.Auth.Password)
	assert.Contains(t, fmt.Sprint(ev), "REDACTED")
}

// The JSON of a result carries the real values, so that a value read back
// from it works: a Project's client, a Broadcast's stream names.
func TestResultsRoundTripThroughJSON(t *testing.T) {
	p := &Project{ID: "12345", Secret: "project-secret-99", Status: ProjectActive, Name: "n",
		CreatedAt: time.UnixMilli(1700000000000).UTC()}
	js, err := json.Marshal(p)
	require.NoError(t, err)
	var back Project
	require.NoError(t, json.Unmarshal(js, &back))
	assert.Equal(t, *p, back)
	ot, err := back.Client()
	require.NoError(t, err)
	assert.Equal(t, "12345", ot.OwnerID())

	b := &Broadcast{ID: "B1", RTMP: []RTMPTargetStatus{{ID: "yt", ServerURL: "rtmp://x/app", StreamName: "live-key", Status: RTMPLive}}}
	js, err = json.Marshal(b)
	require.NoError(t, err)
	var bb Broadcast
	require.NoError(t, json.Unmarshal(js, &bb))
	assert.Equal(t, *b, bb)
	assert.Equal(t, "live-key", bb.RTMP[0].StreamName)

	in := DialOptions{From: "1@example.com", Headers: map[string]string{"X-A": "b"}, Secure: true,
		Auth: &SIPAuth{Username: "u", Password: "pw"}, Streams: []string{"s"}}
	js, err = json.Marshal(in)
	require.NoError(t, err)
	var out DialOptions
	require.NoError(t, json.Unmarshal(js, &out))
	assert.Equal(t, in, out)

	js, err = json.Marshal(ArchiveStorage{Target: S3Storage{AccessKey: "AK", SecretKey: "sk", Bucket: "b"}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"type":"s3","config":{"AccessKey":"AK","SecretKey":"sk","Bucket":"b","Endpoint":"","SSE":""}}`, string(js))
}

// The secrets users pass in and read back are plain strings (go doc shows
// them as such): there is no wrapper type to make or unwrap.
func TestSecretFieldsArePlainStrings(t *testing.T) {
	for _, f := range []struct {
		v     any
		field string
	}{
		{RTMPOutput{}, "StreamName"}, {RTMPTargetStatus{}, "StreamName"}, {SIPAuth{}, "Password"},
		{S3Storage{}, "SecretKey"}, {AzureStorage{}, "AccountKey"}, {Project{}, "Secret"},
	} {
		sf, ok := reflect.TypeOf(f.v).FieldByName(f.field)
		require.True(t, ok, "%T.%s", f.v, f.field)
		assert.Equal(t, reflect.TypeOf(""), sf.Type, "%T.%s", f.v, f.field)
	}
}
