package opentok

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Made-up signature secrets for the signed-callback tests.
const (
	testCallbackSecret  = "made-up-callback-signature-secret-1"
	otherCallbackSecret = "made-up-callback-signature-secret-2"
)

var cbT0 = time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)

func cbAt(t time.Time) *VerifyCallbackOptions {
	return &VerifyCallbackOptions{now: func() time.Time { return t }}
}

// signClaims signs arbitrary claims with the given method and key, for
// tokens SignCallback would never make.
func signClaims(t testing.TB, method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(t, err)
	return s
}

func hashHex(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

func goodClaims(body []byte) jwt.MapClaims {
	return jwt.MapClaims{
		"iss": "Vonage", "iat": cbT0.Unix(), "jti": "c5ba8f24-1a14-4c10-bfdf-3fbe8ce511b5",
		"payload_hash": hashHex(body), "api_key": "a1b2c3d", "application_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
	}
}

func TestSignCallbackClaims(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	tok, err := SignCallback(body, testCallbackSecret, &SignCallbackOptions{
		IssuedAt: cbT0.Add(700 * time.Millisecond), ID: "jti-1", APIKey: "a1b2c3d", ApplicationID: "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
	})
	require.NoError(t, err)

	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte(testCallbackSecret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return cbT0 }))
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"alg": "HS256", "typ": "JWT"}, parsed.Header)
	assert.Equal(t, jwt.MapClaims{
		"iss": "Vonage", "iat": float64(cbT0.Unix()), "jti": "jti-1", "payload_hash": hashHex(body),
		"api_key": "a1b2c3d", "application_id": "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
	}, claims)

	// Defaults: now, a random UUID, no api_key or application_id.
	tok, err = SignCallback(body, testCallbackSecret, nil)
	require.NoError(t, err)
	claims = jwt.MapClaims{}
	_, err = jwt.ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return []byte(testCallbackSecret), nil })
	require.NoError(t, err)
	assert.InDelta(t, float64(time.Now().Unix()), claims["iat"], 5)
	_, err = uuid.Parse(claims["jti"].(string))
	assert.NoError(t, err, "jti is a UUID")
	assert.NotContains(t, claims, "api_key")
	assert.NotContains(t, claims, "application_id")

	_, err = SignCallback(body, "", nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestVerifyCallbackSignatureValid(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	tok, err := SignCallback(body, testCallbackSecret, &SignCallbackOptions{
		IssuedAt: cbT0, ID: "jti-1", APIKey: "a1b2c3d", ApplicationID: "app-1",
	})
	require.NoError(t, err)
	for _, header := range []string{"Bearer " + tok, "bearer " + tok, "  Bearer   " + tok + " "} {
		claims, err := VerifyCallbackSignature(header, body, testCallbackSecret, cbAt(cbT0.Add(10*time.Second)))
		require.NoError(t, err, header)
		assert.Equal(t, &CallbackClaims{
			IssuedAt: time.Unix(cbT0.Unix(), 0), ID: "jti-1", PayloadHash: hashHex(body), APIKey: "a1b2c3d", ApplicationID: "app-1",
		}, claims)
	}
}

// TestVerifyCallbackSignatureDocumentedClaims signs the claims of the
// documented example (with the payload hash of a known body) independently
// of SignCallback, and checks that they verify and decode.
func TestVerifyCallbackSignatureDocumentedClaims(t *testing.T) {
	var doc struct {
		Header  map[string]any `json:"header"`
		Payload jwt.MapClaims  `json:"payload"`
	}
	require.NoError(t, json.Unmarshal(callbackFixture(t, "secure-callback.jwt-claims.json"), &doc))
	assert.Equal(t, "HS256", doc.Header["alg"])
	iat := time.Unix(1587494962, 0)
	at := cbAt(iat.Add(3 * time.Second))

	// The documented payload_hash belongs to a body we do not have.
	tok := signClaims(t, jwt.SigningMethodHS256, []byte(testCallbackSecret), doc.Payload)
	_, err := VerifyCallbackSignature("Bearer "+tok, []byte(`{}`), testCallbackSecret, at)
	assert.ErrorIs(t, err, ErrCallbackSignature)
	assert.Contains(t, err.Error(), "payload_hash does not match the body")

	body := callbackFixture(t, "session-monitoring.streamCreated.json")
	doc.Payload["payload_hash"] = hashHex(body)
	tok = signClaims(t, jwt.SigningMethodHS256, []byte(testCallbackSecret), doc.Payload)
	claims, err := VerifyCallbackSignature("Bearer "+tok, body, testCallbackSecret, at)
	require.NoError(t, err)
	assert.Equal(t, &CallbackClaims{
		IssuedAt: iat, ID: "c5ba8f24-1a14-4c10-bfdf-3fbe8ce511b5", PayloadHash: hashHex(body),
		APIKey: "a1b2c3d", ApplicationID: "aaaaaaaa-bbbb-cccc-dddd-0123456789ab",
	}, claims)
}

func TestVerifyCallbackSignatureRejects(t *testing.T) {
	body := callbackFixture(t, "archive.status.json")
	_, rsaPEM := testRSAKey(t)
	rsaPriv, err := jwt.ParseRSAPrivateKeyFromPEM(rsaPEM)
	require.NoError(t, err)
	with := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := goodClaims(body)
		change(c)
		return c
	}
	hs := func(c jwt.MapClaims) string {
		return signClaims(t, jwt.SigningMethodHS256, []byte(testCallbackSecret), c)
	}
	sign := func(iat time.Time) string {
		tok, err := SignCallback(body, testCallbackSecret, &SignCallbackOptions{IssuedAt: iat})
		require.NoError(t, err)
		return tok
	}
	noneTok := signClaims(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, goodClaims(body))
	// An unsigned token whose header claims HS256.
	parts := strings.Split(hs(goodClaims(body)), ".")
	strippedTok := parts[0] + "." + parts[1] + "."
	// alg:none with the header written by hand, as an attacker would.
	handNone := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."

	tests := []struct {
		name   string
		header string
		body   []byte
		secret string
		opts   *VerifyCallbackOptions
		reason string
		jwtErr error
	}{
		{name: "missing header", header: "", reason: "no Authorization header"},
		{name: "not bearer", header: "Basic " + hs(goodClaims(body)), reason: "not a Bearer token"},
		{name: "bare JWT", header: hs(goodClaims(body)), reason: "not a Bearer token"},
		{name: "bearer without token", header: "Bearer ", reason: "not a Bearer token"},
		{name: "garbage", header: "Bearer not.a.jwt", reason: "malformed", jwtErr: jwt.ErrTokenMalformed},
		{name: "too long", header: "Bearer " + strings.Repeat("a", 9000), reason: "too long"},
		{name: "wrong secret", header: "Bearer " + hs(goodClaims(body)), secret: otherCallbackSecret,
			reason: "signature does not verify", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "signature stripped", header: "Bearer " + strippedTok, reason: "signature does not verify", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "body changed after signing", header: "Bearer " + hs(goodClaims(body)),
			body: bytes.Replace(body, []byte(`"available"`), []byte(`"expired"`), 1), reason: "payload_hash does not match"},
		{name: "empty body", header: "Bearer " + hs(goodClaims(body)), body: []byte{}, reason: "payload_hash does not match"},
		{name: "alg none", header: "Bearer " + noneTok, reason: "not signed with HS256", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "alg none by hand", header: "Bearer " + handNone, reason: "not signed with HS256", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "alg HS384", header: "Bearer " + signClaims(t, jwt.SigningMethodHS384, []byte(testCallbackSecret), goodClaims(body)),
			reason: "not signed with HS256", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "alg HS512", header: "Bearer " + signClaims(t, jwt.SigningMethodHS512, []byte(testCallbackSecret), goodClaims(body)),
			reason: "not signed with HS256", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "alg RS256", header: "Bearer " + signClaims(t, jwt.SigningMethodRS256, rsaPriv, goodClaims(body)),
			reason: "not signed with HS256", jwtErr: jwt.ErrTokenSignatureInvalid},
		{name: "expired iat", header: "Bearer " + sign(cbT0.Add(-6*time.Minute)), reason: "older than the maximum age"},
		{name: "iat older than a custom max age", header: "Bearer " + sign(cbT0.Add(-2*time.Minute)),
			opts: &VerifyCallbackOptions{MaxAge: time.Minute}, reason: "older than the maximum age"},
		{name: "iat in the future", header: "Bearer " + sign(cbT0.Add(2*time.Minute)), reason: "in the future", jwtErr: jwt.ErrTokenUsedBeforeIssued},
		{name: "no iat", header: "Bearer " + hs(with(func(c jwt.MapClaims) { delete(c, "iat") })), reason: "no iat"},
		{name: "exp passed", header: "Bearer " + hs(with(func(c jwt.MapClaims) { c["exp"] = cbT0.Add(-time.Hour).Unix() })),
			reason: "expired", jwtErr: jwt.ErrTokenExpired},
		{name: "issuer not Vonage", header: "Bearer " + hs(with(func(c jwt.MapClaims) { c["iss"] = "OpenTok" })),
			reason: "issuer is not Vonage", jwtErr: jwt.ErrTokenInvalidIssuer},
		{name: "no issuer", header: "Bearer " + hs(with(func(c jwt.MapClaims) { delete(c, "iss") })), reason: "issuer is not Vonage"},
		{name: "no payload_hash", header: "Bearer " + hs(with(func(c jwt.MapClaims) { delete(c, "payload_hash") })), reason: "no payload_hash"},
		{name: "payload_hash not hex", header: "Bearer " + hs(with(func(c jwt.MapClaims) { c["payload_hash"] = "zz" + hashHex(body)[2:] })),
			reason: "payload_hash does not match"},
		{name: "payload_hash truncated", header: "Bearer " + hs(with(func(c jwt.MapClaims) { c["payload_hash"] = hashHex(body)[:32] })),
			reason: "payload_hash does not match"},
		{name: "payload_hash of another body", header: "Bearer " + hs(with(func(c jwt.MapClaims) { c["payload_hash"] = hashHex([]byte("{}")) })),
			reason: "payload_hash does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := body
			if tt.body != nil {
				b = tt.body
			}
			secret := testCallbackSecret
			if tt.secret != "" {
				secret = tt.secret
			}
			opts := tt.opts
			if opts == nil {
				opts = &VerifyCallbackOptions{}
			}
			opts.now = func() time.Time { return cbT0 }
			claims, err := VerifyCallbackSignature(tt.header, b, secret, opts)
			require.Error(t, err)
			assert.Nil(t, claims)
			assert.ErrorIs(t, err, ErrCallbackSignature)
			assert.NotErrorIs(t, err, ErrMalformedCallback)
			var ce *CallbackError
			require.ErrorAs(t, err, &ce)
			assert.Contains(t, ce.Reason, tt.reason)
			if tt.jwtErr != nil {
				assert.ErrorIs(t, err, tt.jwtErr)
			}
			msg := err.Error()
			assert.NotContains(t, msg, testCallbackSecret)
			assert.NotContains(t, msg, otherCallbackSecret)
			if tok := strings.TrimSpace(strings.TrimPrefix(tt.header, "Bearer ")); len(tok) > 8 {
				assert.NotContains(t, msg, tok)
				if head := strings.Split(tok, ".")[0]; len(head) > 8 {
					assert.NotContains(t, msg, head, "not even the JWT header")
				}
			}
		})
	}
}

func TestVerifyCallbackSignatureAge(t *testing.T) {
	body := []byte(`{"event":"archive"}`)
	sign := func(iat time.Time) string {
		tok, err := SignCallback(body, testCallbackSecret, &SignCallbackOptions{IssuedAt: iat})
		require.NoError(t, err)
		return "Bearer " + tok
	}
	ok := func(header string, opts *VerifyCallbackOptions) {
		t.Helper()
		opts.now = func() time.Time { return cbT0 }
		_, err := VerifyCallbackSignature(header, body, testCallbackSecret, opts)
		assert.NoError(t, err)
	}
	fail := func(header string, opts *VerifyCallbackOptions) {
		t.Helper()
		opts.now = func() time.Time { return cbT0 }
		_, err := VerifyCallbackSignature(header, body, testCallbackSecret, opts)
		assert.ErrorIs(t, err, ErrCallbackSignature)
	}
	ok(sign(cbT0.Add(-5*time.Minute)), &VerifyCallbackOptions{})                  // at the default max age
	ok(sign(cbT0.Add(-5*time.Minute-29*time.Second)), &VerifyCallbackOptions{})   // within the leeway
	fail(sign(cbT0.Add(-5*time.Minute-31*time.Second)), &VerifyCallbackOptions{}) // beyond it
	ok(sign(cbT0.Add(25*time.Second)), &VerifyCallbackOptions{})                  // clock skew ahead
	fail(sign(cbT0.Add(35*time.Second)), &VerifyCallbackOptions{})
	ok(sign(cbT0.Add(-50*time.Minute)), &VerifyCallbackOptions{MaxAge: time.Hour})
	fail(sign(cbT0.Add(-50*time.Second)), &VerifyCallbackOptions{MaxAge: 10 * time.Second, Leeway: 5 * time.Second})
	ok(sign(cbT0.Add(-14*time.Second)), &VerifyCallbackOptions{MaxAge: 10 * time.Second, Leeway: 5 * time.Second})
	ok(sign(cbT0.Add(-365*24*time.Hour)), &VerifyCallbackOptions{MaxAge: -1}) // age check off
	ok(sign(cbT0), &VerifyCallbackOptions{})

	_, err := VerifyCallbackSignature(sign(cbT0), body, "", nil)
	assert.ErrorIs(t, err, ErrInvalidArgument)
	_, err = VerifyCallbackSignature(sign(cbT0), body, testCallbackSecret, &VerifyCallbackOptions{Leeway: -time.Second})
	assert.ErrorIs(t, err, ErrInvalidArgument)
}

func TestVerifyCallbackSignatureNilOptionsUsesTheClock(t *testing.T) {
	body := []byte(`{}`)
	tok, err := SignCallback(body, testCallbackSecret, nil)
	require.NoError(t, err)
	_, err = VerifyCallbackSignature("Bearer "+tok, body, testCallbackSecret, nil)
	assert.NoError(t, err)
	old, err := SignCallback(body, testCallbackSecret, &SignCallbackOptions{IssuedAt: time.Now().Add(-time.Hour)})
	require.NoError(t, err)
	_, err = VerifyCallbackSignature("Bearer "+old, body, testCallbackSecret, nil)
	assert.ErrorIs(t, err, ErrCallbackSignature)
}
