package opentoktest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

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
	assert.Equal(t, opentok.RolePublisher, conn.Role())
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
		assert.Equal(t, opentok.RoleModerator, c.Role())
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

// legacyT1 signs a T1 token over data as the older SDKs build it (the
// community Go SDK's has no scope field).
func legacyT1(srv *Server, data string) string {
	mac := hmac.New(sha1.New, []byte(srv.APISecret))
	mac.Write([]byte(data))
	plain := "partner_id=" + srv.APIKey + "&sig=" + hex.EncodeToString(mac.Sum(nil)) + ":" + data
	return "T1==" + base64.StdEncoding.EncodeToString([]byte(plain))
}

func TestT1WithoutScopeIsAccepted(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	sid := routedSession(t, ot)
	exp := srv.Now().Add(time.Hour).Unix()
	data := func(role, extra string) string {
		return fmt.Sprintf("session_id=%s&create_time=%d&role=%s&nonce=12345&expire_time=%d&connection_data=legacy%s",
			url.QueryEscape(sid), srv.Now().Unix(), role, exp, extra)
	}

	c, err := srv.Connect(sid, legacyT1(srv, data("moderator", "")))
	require.NoError(t, err, "a T1 token without scope")
	assert.Equal(t, opentok.RoleModerator, c.Role())
	assert.Equal(t, "legacy", c.Data())
	_, err = srv.Connect(sid, legacyT1(srv, data("publisher", "&scope=session.connect")))
	assert.NoError(t, err, "with the scope")
	for _, scope := range []string{"session.publish", "", "SESSION.CONNECT"} {
		_, err = srv.Connect(sid, legacyT1(srv, data("publisher", "&scope="+scope)))
		assert.ErrorIs(t, err, ErrInvalidToken, "a present scope must be session.connect: %q", scope)
		assert.ErrorContains(t, err, "scope must be session.connect")
	}

	// Server-side connections carry the token too.
	status, call := r.do("POST", r.project()+"/dial", map[string]any{"sessionId": sid,
		"token": legacyT1(srv, data("publisher", "")), "sip": map[string]any{"uri": "sip:a@example.com"}})
	require.Equal(t, 200, status, "%v", call)
	conn, ok := srv.Connection(call["connectionId"].(string))
	require.True(t, ok)
	assert.Equal(t, KindSIP, conn.Kind)
	assert.Equal(t, "legacy", conn.Data)
	status, ws := r.do("POST", r.project()+"/connect", map[string]any{"sessionId": sid,
		"token": legacyT1(srv, data("publisher", "")), "websocket": map[string]any{"uri": "wss://example.com/ws"}})
	assert.Equal(t, 200, status, "%v", ws)
	status, capt := r.do("POST", r.project()+"/captions", map[string]any{"sessionId": sid,
		"token": legacyT1(srv, data("moderator", ""))})
	assert.Equal(t, 202, status, "%v", capt)
	status, rd := r.do("POST", r.project()+"/render", map[string]any{"sessionId": sid,
		"token": legacyT1(srv, data("publisher", "")), "url": "https://example.com/render"})
	assert.Equal(t, 202, status, "%v", rd)
	status, body := r.do("POST", r.project()+"/dial", map[string]any{"sessionId": sid,
		"token": legacyT1(srv, data("publisher", "&scope=other")), "sip": map[string]any{"uri": "sip:a@example.com"}})
	assert.Equal(t, 403, status)
	assert.Equal(t, "Unauthorized token: opentoktest: invalid token: scope must be session.connect", body["message"])
}

func TestJWTTokensStillNeedTheScope(t *testing.T) {
	for _, vonage := range []bool{false, true} {
		var opts []Option
		if vonage {
			opts = append(opts, WithVonage())
		}
		srv := NewServer(t, opts...)
		sid := routedSession(t, srv.Client())
		now := srv.Now().Unix()
		claims := jwt.MapClaims{"session_id": sid, "role": "publisher", "iat": now, "exp": now + 600, "nonce": 1}
		var tok string
		var err error
		if vonage {
			claims["application_id"] = srv.ApplicationID
			tok, err = jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(mustKey(t, srv.PrivateKeyPEM))
		} else {
			claims["iss"], claims["ist"] = srv.APIKey, "project"
			tok, err = jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(srv.APISecret))
		}
		require.NoError(t, err)
		_, err = srv.Connect(sid, tok)
		assert.ErrorIs(t, err, ErrInvalidToken, "vonage=%v", vonage)
		assert.ErrorContains(t, err, "scope must be session.connect")
	}
}
