package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	key    = "123456"
	secret = "made-up-secret-made-up-secret-made-up-00"
	appID  = "0b4b0c3e-5bd4-4a55-9a7b-2f2b6b1c9d10"
)

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testKey(t *testing.T) *rsa.PrivateKey {
	rsaOnce.Do(func() {
		var err error
		rsaKey, err = rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
	})
	return rsaKey
}

func parseHS256(t *testing.T, tok string, now time.Time) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
	require.NoError(t, err)
	return claims
}

func TestProjectRESTToken(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	p := NewProject(key, []byte(secret))
	tok, err := p.RESTToken(now)
	require.NoError(t, err)
	c := parseHS256(t, tok, now)
	assert.Equal(t, key, c["iss"])
	assert.Equal(t, "project", c["ist"])
	assert.Equal(t, float64(now.Add(-ClockSkew).Unix()), c["iat"], "back-dated by the skew")
	assert.Equal(t, float64(now.Add(-ClockSkew).Add(RESTTokenTTL).Unix()), c["exp"])
	assert.Len(t, c["jti"], 36, "a UUID")
	assert.Len(t, c, 5)
	other, err := p.RESTToken(now)
	require.NoError(t, err)
	assert.NotEqual(t, tok, other, "a fresh jti per token")
	assert.Equal(t, key, p.APIKey())
}

func TestProjectClientJWT(t *testing.T) {
	p := NewProject(key, []byte(secret))
	c := &ClientClaims{SessionID: "1_s", Role: "moderator", Data: `{"n":"é"}`, LayoutClassList: "a b",
		IssuedAt: 1_800_000_000, CreateTime: 1_800_000_001, ExpireTime: 1_800_003_600, Nonce: 0.25}
	tok, err := p.ClientJWT(c)
	require.NoError(t, err)
	claims := parseHS256(t, tok, time.Unix(1_800_000_000, 0))
	assert.Equal(t, jwt.MapClaims{"iss": key, "ist": "project", "iat": float64(1_800_000_000), "exp": float64(1_800_003_600),
		"session_id": "1_s", "create_time": float64(1_800_000_001), "nonce": 0.25, "role": "moderator",
		"expire_time": float64(1_800_003_600), "connection_data": `{"n":"é"}`, "initial_layout_class_list": "a b",
		"scope": "session.connect"}, claims)

	c.Data = ""
	tok, err = p.ClientJWT(c)
	require.NoError(t, err)
	assert.NotContains(t, parseHS256(t, tok, time.Unix(1_800_000_000, 0)), "connection_data", "left out when empty")
}

func TestT1(t *testing.T) {
	p := NewProject(key, []byte(secret))
	c := &ClientClaims{SessionID: "1_s~x", Role: "publisher", Data: "a b+c&d=é", LayoutClassList: "x y",
		CreateTime: 1_800_000_001, ExpireTime: 1_800_003_600, Nonce: 0.5}
	tok := p.T1(c)
	require.True(t, strings.HasPrefix(tok, "T1=="))
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(tok, "T1=="))
	require.NoError(t, err)
	head, data, ok := strings.Cut(string(raw), ":")
	require.True(t, ok)
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(data))
	assert.Equal(t, "partner_id="+key+"&sig="+hex.EncodeToString(mac.Sum(nil)), head)
	assert.Equal(t, "session_id=1_s~x&create_time=1800000001&nonce=0.5&role=publisher&expire_time=1800003600"+
		"&connection_data=a%20b%2Bc%26d%3D%C3%A9&initial_layout_class_list=x%20y&scope=session.connect", data,
		"the Node SDK's field order; a space is %20")
	q, err := url.ParseQuery(data)
	require.NoError(t, err)
	assert.Equal(t, "a b+c&d=é", q.Get("connection_data"))

	c.Data = ""
	assert.NotContains(t, T1Data(c), "connection_data", "left out when empty")
}

func TestAppRESTTokenIsReusedBriefly(t *testing.T) {
	k := testKey(t)
	a := NewApp(appID, k)
	assert.Equal(t, appID, a.AppID())
	assert.Equal(t, &k.PublicKey, a.PublicKey())
	now := time.Unix(1_800_000_000, 0)
	tok, err := a.RESTToken(now)
	require.NoError(t, err)
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return &k.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now }))
	require.NoError(t, err)
	assert.Equal(t, appID, claims["application_id"])
	iat := now.Add(-ClockSkew)
	assert.Equal(t, float64(iat.Unix()), claims["iat"])
	assert.Equal(t, float64(iat.Add(AppRESTTokenTTL).Unix()), claims["exp"])
	assert.NotEmpty(t, claims["jti"])

	again, err := a.RESTToken(now.Add(AppRESTTokenReuse - time.Second))
	require.NoError(t, err)
	assert.Equal(t, tok, again, "reused within AppRESTTokenReuse")
	fresh, err := a.RESTToken(now.Add(AppRESTTokenReuse))
	require.NoError(t, err)
	assert.NotEqual(t, tok, fresh, "replaced after it")
	back, err := a.RESTToken(now.Add(AppRESTTokenReuse - time.Minute))
	require.NoError(t, err)
	assert.NotEqual(t, fresh, back, "a clock set back does not reuse a token signed in its future")
}

func TestAppRESTTokenInvalidate(t *testing.T) {
	a := NewApp(appID, testKey(t))
	now := time.Unix(1_800_000_000, 0)
	tok, err := a.RESTToken(now)
	require.NoError(t, err)
	assert.False(t, a.Invalidate("another token"), "only the cached token is dropped")
	again, _ := a.RESTToken(now)
	assert.Equal(t, tok, again)
	assert.True(t, a.Invalidate(tok))
	assert.False(t, a.Invalidate(tok), "already dropped")
	fresh, err := a.RESTToken(now)
	require.NoError(t, err)
	assert.NotEqual(t, tok, fresh, "a fresh token after Invalidate")
}

func TestAppClientJWTAndSigningFailure(t *testing.T) {
	k := testKey(t)
	a := NewApp(appID, k)
	tok, err := a.ClientJWT(&ClientClaims{SessionID: "2_s", Role: "publisher", IssuedAt: 1_800_000_000, ExpireTime: 1_800_003_600})
	require.NoError(t, err)
	claims := jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return &k.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return time.Unix(1_800_000_000, 0) }))
	require.NoError(t, err)
	assert.Equal(t, "video", claims["sub"])
	assert.Equal(t, "session.connect", claims["scope"])
	assert.Equal(t, map[string]any{"paths": map[string]any{"/session/**": map[string]any{}}}, claims["acl"])

	broken := NewApp(appID, &rsa.PrivateKey{})
	_, err = broken.ClientJWT(&ClientClaims{SessionID: "2_s"})
	assert.Error(t, err)
	_, err = broken.RESTToken(time.Now())
	assert.Error(t, err)
}

func TestAccountRESTToken(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	tok, err := NewAccount("987654", []byte(secret)).RESTToken(now)
	require.NoError(t, err)
	c := parseHS256(t, tok, now)
	assert.Equal(t, "987654", c["iss"])
	assert.Equal(t, "account", c["ist"])
}
