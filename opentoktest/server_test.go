package opentoktest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/internal/auth"
	"github.com/opentok-go/opentok/internal/sessionid"
)

// raw sends hand-made REST requests to the fake, signed like the SDK signs
// them, so rules can be tested independently of the SDK's validation.
type raw struct {
	t   *testing.T
	srv *Server
	// auth overrides the auth header value (X-OPENTOK-AUTH or Authorization).
	auth func() (string, string)
}

func newRaw(t *testing.T, srv *Server) *raw {
	r := &raw{t: t, srv: srv}
	if srv.IsVonage() {
		key := mustKey(t, srv.PrivateKeyPEM)
		app := auth.NewApp(srv.ApplicationID, key)
		r.auth = func() (string, string) {
			tok, err := app.RESTToken(time.Now())
			require.NoError(t, err)
			return "Authorization", "Bearer " + tok
		}
	} else {
		p := auth.NewProject(srv.APIKey, []byte(srv.APISecret))
		r.auth = func() (string, string) {
			tok, err := p.RESTToken(time.Now())
			require.NoError(t, err)
			return "X-OPENTOK-AUTH", tok
		}
	}
	return r
}

// do sends a request and returns the status and decoded JSON body.
func (r *raw) do(method, path string, body any) (int, map[string]any) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(r.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.srv.URL+path, rd)
	require.NoError(r.t, err)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if r.auth != nil {
		name, value := r.auth()
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(bytes.TrimSpace(b)) > 0 && b[0] == '{' {
		require.NoError(r.t, json.Unmarshal(b, &out), "%s", b)
	}
	return resp.StatusCode, out
}

func (r *raw) project() string { return "/v2/project/" + r.srv.OwnerID() }

// routedSession creates a routed session through the SDK.
func routedSession(t *testing.T, ot *opentok.OpenTok) string {
	t.Helper()
	s, err := ot.CreateSession(context.Background(), &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	return s.ID
}

func token(t *testing.T, ot *opentok.OpenTok, sid string, opts *opentok.TokenOptions) string {
	t.Helper()
	tok, err := ot.GenerateToken(sid, opts)
	require.NoError(t, err)
	return tok
}

func TestCreateSessionAndPlatformSessionIDs(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	s, err := ot.CreateSession(context.Background(), &opentok.SessionOptions{MediaMode: opentok.MediaRouted,
		ArchiveMode: opentok.ArchiveAlways, ArchiveName: "auto", Location: "10.0.0.1"})
	require.NoError(t, err)
	d, ok := sessionid.Decode(s.ID)
	require.True(t, ok, "session IDs have the platform's form")
	assert.Equal(t, srv.APIKey, d.APIKey)
	assert.Equal(t, "10.0.0.1", d.Location)
	assert.Equal(t, srv.APIKey, s.ProjectID)
	st, ok := srv.Session(s.ID)
	require.True(t, ok)
	assert.Equal(t, "routed", st.MediaMode)
	assert.Equal(t, "always", st.ArchiveMode)
	assert.Equal(t, "auto", st.ArchiveName)

	rec := srv.RequestsFor("CreateSession")
	require.Len(t, rec, 1)
	assert.Equal(t, "POST", rec[0].Method)
	assert.Equal(t, 200, rec[0].Status)
}

func TestCreateSessionAnswersXMLWithoutAcceptJSON(t *testing.T) {
	srv := NewServer(t)
	p := auth.NewProject(srv.APIKey, []byte(srv.APISecret))
	req, _ := http.NewRequest("POST", srv.URL+"/session/create", strings.NewReader("p2p.preference=disabled"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tok, err := p.RESTToken(time.Now())
	require.NoError(t, err)
	req.Header.Set("X-OPENTOK-AUTH", tok)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Contains(t, string(b), "<session_id>")
}

func TestRESTAuthIsCheckedLikeThePlatform(t *testing.T) {
	srv := NewServer(t)
	r := newRaw(t, srv)
	good := r.auth

	sign := func(claims jwt.MapClaims, secret string) func() (string, string) {
		return func() (string, string) {
			tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
			require.NoError(t, err)
			return "X-OPENTOK-AUTH", tok
		}
	}
	now := time.Now().Unix()
	cases := []struct {
		name string
		auth func() (string, string)
		code float64
	}{
		{"missing", nil, -1},
		{"garbage", func() (string, string) { return "X-OPENTOK-AUTH", "not-a-jwt" }, 403},
		{"wrong secret", sign(jwt.MapClaims{"iss": srv.APIKey, "ist": "project", "iat": now, "exp": now + 300}, "other"), 403},
		{"expired", sign(jwt.MapClaims{"iss": srv.APIKey, "ist": "project", "iat": now - 900, "exp": now - 600}, srv.APISecret), 403},
		{"wrong issuer", sign(jwt.MapClaims{"iss": "999", "ist": "project", "iat": now, "exp": now + 300}, srv.APISecret), 403},
		{"account token", sign(jwt.MapClaims{"iss": srv.APIKey, "ist": "account", "iat": now, "exp": now + 300}, srv.APISecret), 403},
		{"lives too long", sign(jwt.MapClaims{"iss": srv.APIKey, "ist": "project", "iat": now, "exp": now + 3600}, srv.APISecret), 403},
		{"issued in the future", sign(jwt.MapClaims{"iss": srv.APIKey, "ist": "project", "iat": now + 60, "exp": now + 300}, srv.APISecret), 403},
		{"alg none", func() (string, string) {
			tok, _ := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": srv.APIKey, "ist": "project", "iat": now, "exp": now + 300}).
				SignedString(jwt.UnsafeAllowNoneSignatureType)
			return "X-OPENTOK-AUTH", tok
		}, 403},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r.auth = tc.auth
			status, body := r.do("GET", r.project()+"/archive", nil)
			assert.Equal(t, 403, status)
			assert.Equal(t, tc.code, body["code"])
			assert.NotEmpty(t, body["message"])
		})
	}
	r.auth = good
	status, _ := r.do("GET", r.project()+"/archive", nil)
	assert.Equal(t, 200, status)
	status, _ = r.do("GET", "/v2/project/someoneelse/archive", nil)
	assert.Equal(t, 403, status, "the project segment must match the credentials")
}

func TestVonageFakeAnswers401(t *testing.T) {
	srv := NewServer(t, WithVonage())
	assert.True(t, srv.IsVonage())
	assert.Empty(t, srv.APISecret)
	r := newRaw(t, srv)
	status, _ := r.do("GET", r.project()+"/archive", nil)
	assert.Equal(t, 200, status)
	r.auth = func() (string, string) { return "Authorization", "Bearer x.y.z" }
	status, body := r.do("GET", r.project()+"/archive", nil)
	assert.Equal(t, 401, status)
	assert.NotEmpty(t, body["message"])
	r.auth = nil
	status, _ = r.do("GET", r.project()+"/archive", nil)
	assert.Equal(t, 401, status)

	// The SDK works against it end to end.
	ot := srv.Client()
	assert.True(t, ot.IsVonage())
	sid := routedSession(t, ot)
	conn, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	assert.Equal(t, "publisher", conn.Role())
}

func TestSDKSeesAuthFailures(t *testing.T) {
	srv := NewServer(t)
	ot, err := opentok.New(srv.APIKey, "wrong-secret", opentok.WithBaseURL(srv.URL))
	require.NoError(t, err)
	_, err = ot.CreateSession(context.Background(), nil)
	assert.ErrorIs(t, err, opentok.ErrForbidden)
	var ae *opentok.APIError
	require.ErrorAs(t, err, &ae)
	assert.Contains(t, ae.Message, "bad signature")
}

func TestConnectVerifiesTokens(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	sid := routedSession(t, ot)
	other := routedSession(t, ot)

	for _, format := range []opentok.TokenFormat{opentok.TokenJWT, opentok.TokenT1} {
		c, err := srv.Connect(sid, token(t, ot, sid, &opentok.TokenOptions{Format: format, Role: opentok.RoleModerator, Data: "name=Ann"}))
		require.NoError(t, err, format)
		assert.Equal(t, "moderator", c.Role())
		assert.Equal(t, "name=Ann", c.Data())
		assert.True(t, c.Connected())
	}

	jwtTok := token(t, ot, sid, nil)
	t1Tok := token(t, ot, sid, &opentok.TokenOptions{Format: opentok.TokenT1})
	tamper := func(s string) string { return s[:len(s)-6] + "AAAAAA" }
	cases := []struct {
		name    string
		session string
		tok     string
		want    error
	}{
		{"tampered jwt", sid, tamper(jwtTok), ErrInvalidToken},
		{"tampered t1", sid, "T1==" + tamper(strings.TrimPrefix(t1Tok, "T1==")), ErrInvalidToken},
		{"token for another session", other, jwtTok, ErrWrongSession},
		{"garbage", sid, "hello", ErrInvalidToken},
		{"unknown session", "2_nope", jwtTok, ErrSessionNotFound},
	}
	for _, tc := range cases {
		_, err := srv.Connect(tc.session, tc.tok)
		assert.ErrorIs(t, err, tc.want, tc.name)
	}

	other2, err := opentok.New("999999", "other-secret")
	require.NoError(t, err)
	_ = other2
	short := token(t, ot, sid, &opentok.TokenOptions{TTL: time.Minute})
	srv.Advance(2 * time.Minute)
	_, err = srv.Connect(sid, short)
	assert.ErrorIs(t, err, ErrTokenExpired)
}

func TestSubscriberCannotPublish(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	sid := routedSession(t, ot)
	sub, err := srv.Connect(sid, token(t, ot, sid, &opentok.TokenOptions{Role: opentok.RoleSubscriber}))
	require.NoError(t, err)
	_, err = sub.Publish(PublishOptions{})
	assert.ErrorIs(t, err, ErrNotPermitted)
	pub, err := srv.Connect(sid, token(t, ot, sid, &opentok.TokenOptions{InitialLayoutClassList: []string{"focus"}}))
	require.NoError(t, err)
	id, err := pub.Publish(PublishOptions{Name: "cam"})
	require.NoError(t, err)
	st, ok := srv.Stream(id)
	require.True(t, ok)
	assert.Equal(t, "camera", st.VideoType)
	assert.Equal(t, []string{"focus"}, st.LayoutClassList, "layout classes come from the token")
	pub.Disconnect()
	_, ok = srv.Stream(id)
	assert.False(t, ok, "a disconnect removes the client's streams")
	_, err = pub.Publish(PublishOptions{})
	assert.ErrorIs(t, err, ErrNotConnected)
}

func TestArchiveRules(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	relayed, err := ot.CreateSession(context.Background(), nil)
	require.NoError(t, err)
	sid := routedSession(t, ot)

	status, _ := r.do("POST", r.project()+"/archive", map[string]any{"sessionId": relayed.ID})
	assert.Equal(t, 409, status, "relayed sessions cannot be archived")
	status, _ = r.do("POST", r.project()+"/archive", map[string]any{"sessionId": sid})
	assert.Equal(t, 404, status, "nobody connected")
	status, _ = r.do("POST", r.project()+"/archive", map[string]any{"sessionId": "2_unknown"})
	assert.Equal(t, 404, status)

	_, err = srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	status, a := r.do("POST", r.project()+"/archive", map[string]any{"sessionId": sid, "name": "one"})
	require.Equal(t, 200, status)
	assert.Equal(t, "started", a["status"])
	id := a["id"].(string)

	status, _ = r.do("POST", r.project()+"/archive", map[string]any{"sessionId": sid})
	assert.Equal(t, 409, status, "a second archive without a tag")
	status, _ = r.do("DELETE", r.project()+"/archive/"+id, nil)
	assert.Equal(t, 409, status, "cannot delete a recording in progress")

	status, stopped := r.do("POST", r.project()+"/archive/"+id+"/stop", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "stopped", stopped["status"])
	status, _ = r.do("POST", r.project()+"/archive/"+id+"/stop", nil)
	assert.Equal(t, 409, status, "stopping an archive that is not recording")

	got, _ := srv.Archive(id)
	assert.Equal(t, "stopped", got.Status)
	srv.Advance(5 * time.Second)
	got, _ = srv.Archive(id)
	assert.Equal(t, "available", got.Status)
	assert.NotEmpty(t, got.URL)
	resp, err := http.Get(got.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, resp.StatusCode, "the download link works")

	status, _ = r.do("DELETE", r.project()+"/archive/"+id, nil)
	assert.Equal(t, 204, status)
	_, list := r.do("GET", r.project()+"/archive", nil)
	assert.Equal(t, float64(0), list["count"], "deleted archives are not listed")
}

func TestAlwaysArchiveStartsOnFirstConnect(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	s, err := ot.CreateSession(context.Background(), &opentok.SessionOptions{MediaMode: opentok.MediaRouted,
		ArchiveMode: opentok.ArchiveAlways, ArchiveName: "auto", ArchiveResolution: opentok.Resolution1280x720})
	require.NoError(t, err)
	assert.Empty(t, srv.Archives())
	c, err := srv.Connect(s.ID, token(t, ot, s.ID, nil))
	require.NoError(t, err)
	all := srv.Archives()
	require.Len(t, all, 1)
	assert.Equal(t, "started", all[0].Status)
	assert.Equal(t, "auto", all[0].Name)
	assert.Equal(t, "1280x720", all[0].Resolution)
	c.Disconnect()
	a, _ := srv.Archive(all[0].ID)
	assert.Equal(t, "stopped", a.Status, "the automatic archive stops when the session empties")
}

func TestSignalsAndLimits(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	sid := routedSession(t, ot)
	a, _ := srv.Connect(sid, token(t, ot, sid, nil))
	b, _ := srv.Connect(sid, token(t, ot, sid, nil))
	status, _ := r.do("POST", r.project()+"/session/"+sid+"/signal", map[string]any{"type": "chat", "data": "hi all"})
	assert.Equal(t, 204, status)
	status, _ = r.do("POST", r.project()+"/session/"+sid+"/connection/"+b.ID()+"/signal", map[string]any{"type": "dm", "data": "hi b"})
	assert.Equal(t, 204, status)
	assert.Equal(t, []Signal{{Type: "chat", Data: "hi all"}}, a.Signals())
	assert.Equal(t, []Signal{{Type: "chat", Data: "hi all"}, {Type: "dm", Data: "hi b"}}, b.Signals())

	status, _ = r.do("POST", r.project()+"/session/"+sid+"/signal", map[string]any{"type": "x", "data": strings.Repeat("d", 9*1024)})
	assert.Equal(t, 413, status, "a 9 kB signal")
	status, _ = r.do("POST", r.project()+"/session/"+sid+"/signal", map[string]any{"type": strings.Repeat("t", 129), "data": "d"})
	assert.Equal(t, 413, status)
	b.Disconnect()
	status, _ = r.do("POST", r.project()+"/session/"+sid+"/connection/"+b.ID()+"/signal", map[string]any{"type": "dm", "data": "gone"})
	assert.Equal(t, 404, status)
}

func TestFaultInjection(t *testing.T) {
	srv := NewServer(t)
	retry := opentok.DefaultRetryPolicy
	retry.MinBackoff, retry.MaxBackoff = time.Millisecond, 2*time.Millisecond
	ot := srv.Client(opentok.WithRetry(retry))

	srv.InjectFault("CreateSession", Fault{Status: 429, RetryAfter: "0"})
	_, err := ot.CreateSession(context.Background(), nil)
	require.NoError(t, err, "the SDK retried the 429")
	rec := srv.RequestsFor("CreateSession")
	require.Len(t, rec, 2)
	assert.Equal(t, []int{429, 200}, []int{rec[0].Status, rec[1].Status})

	srv.InjectFault("CreateSession", Fault{Status: 503})
	_, err = ot.CreateSession(context.Background(), nil)
	assert.ErrorIs(t, err, opentok.ErrServer, "a POST is not retried after 503")

	srv.InjectFault("CreateSession", Fault{DropConnection: true})
	_, err = ot.CreateSession(context.Background(), nil)
	var te *opentok.TransportError
	assert.True(t, errors.As(err, &te), "got %v", err)

	srv.InjectFault("CreateSession", Fault{Malformed: true})
	_, err = ot.CreateSession(context.Background(), nil)
	assert.ErrorIs(t, err, opentok.ErrBadResponse)

	srv.ClearFaults()
	srv.InjectFault("*", Fault{Delay: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = ot.CreateSession(ctx, nil)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func mustKey(t *testing.T, pemBytes []byte) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	require.NotNil(t, block)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	return k.(*rsa.PrivateKey)
}

func TestT1HeaderMustBeExact(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	sid := routedSession(t, ot)
	tok := token(t, ot, sid, &opentok.TokenOptions{Format: opentok.TokenT1})
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(tok, "T1=="))
	require.NoError(t, err)
	head, data, _ := strings.Cut(string(raw), ":")
	q, err := url.ParseQuery(head)
	require.NoError(t, err)
	sig := q.Get("sig")
	reencode := func(h string) string { return "T1==" + base64.StdEncoding.EncodeToString([]byte(h+":"+data)) }

	_, err = srv.Connect(sid, reencode(head))
	require.NoError(t, err, "the token as made")
	for name, h := range map[string]string{
		"upper-case hex":   "partner_id=" + srv.APIKey + "&sig=" + strings.ToUpper(sig),
		"fields reordered": "sig=" + sig + "&partner_id=" + srv.APIKey,
		"extra field":      head + "&x=1",
		"other partner":    "partner_id=1&sig=" + sig,
	} {
		_, err := srv.Connect(sid, reencode(h))
		assert.ErrorIs(t, err, ErrInvalidToken, name)
	}
}

func TestInjectFaultValidatesAndOperationsAreSDKMethodNames(t *testing.T) {
	srv := NewServer(t)
	assert.Error(t, srv.InjectFault("PatchArchiveStreams", Fault{Status: 500}), "not an SDK method")
	assert.Error(t, srv.InjectFault("GetArchive", Fault{Status: 99}))
	assert.Error(t, srv.InjectFault("GetArchive", Fault{Delay: -time.Second}))
	assert.Error(t, srv.InjectFault("GetArchive", Fault{Times: -2}))
	assert.NoError(t, srv.InjectFault("*", Fault{Status: 503, Times: 0}))
	srv.ClearFaults()

	ot := srv.Client()
	ctx := context.Background()
	sid := routedSession(t, ot)
	c, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	stream, err := c.Publish(PublishOptions{})
	require.NoError(t, err)
	a, err := ot.StartArchive(ctx, sid, &opentok.ArchiveOptions{StreamMode: opentok.StreamModeManual})
	require.NoError(t, err)

	require.NoError(t, srv.InjectFault("RemoveArchiveStream", Fault{Status: 500, Times: 3}))
	require.NoError(t, ot.AddArchiveStream(ctx, a.ID, stream, nil), "the add is not hit by the remove's fault")
	err = ot.RemoveArchiveStream(ctx, a.ID, stream)
	assert.ErrorIs(t, err, opentok.ErrServer)
	require.NoError(t, ot.ForceMuteAll(ctx, sid, nil))
	require.NoError(t, ot.DisableForceMute(ctx, sid))
	var ops []string
	for _, r := range srv.Requests() {
		ops = append(ops, r.Op)
	}
	assert.Equal(t, []string{"CreateSession", "StartArchive", "AddArchiveStream", "RemoveArchiveStream",
		"RemoveArchiveStream", "RemoveArchiveStream", "ForceMuteAll", "DisableForceMute"}, ops, "a PATCH is retried twice")
}

func TestCaptionsNeedAModeratorToken(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	sid := routedSession(t, ot)
	status, body := r.do("POST", r.project()+"/captions", map[string]any{"sessionId": sid, "token": token(t, ot, sid, nil)})
	assert.Equal(t, 403, status, "a publisher token: %v", body)
	status, body = r.do("POST", r.project()+"/captions", map[string]any{"sessionId": sid,
		"token": token(t, ot, sid, &opentok.TokenOptions{Role: opentok.RoleModerator})})
	require.Equal(t, 202, status, "%v", body)
	assert.NotEmpty(t, body["captionsId"])
	status, _ = r.do("POST", r.project()+"/captions", map[string]any{"sessionId": sid,
		"token": token(t, ot, sid, &opentok.TokenOptions{Role: opentok.RoleModerator})})
	assert.Equal(t, 409, status, "one captions process per session")
}
