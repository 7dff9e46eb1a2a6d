package auth

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Header segments (base64url of the JSON header) of the two JWT kinds.
const (
	// HS256Header is base64url(`{"alg":"HS256","typ":"JWT"}`), the header
	// jsonwebtoken (Node) writes.
	HS256Header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
	// RS256Header is base64url(`{"alg":"RS256","typ":"JWT"}`).
	RS256Header = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9"
)

// RESTTokenTTL is the lifetime of the OpenTok project REST JWT (the Node SDK
// and the platform docs use five minutes).
const RESTTokenTTL = 300 * time.Second

// AppRESTTokenTTL is the lifetime of the Vonage application REST JWT (the
// Vonage default; the platform accepts 30 s to 24 h).
const AppRESTTokenTTL = 15 * time.Minute

// AppRESTTokenRefresh is how long before its expiry a cached application JWT
// is replaced.
const AppRESTTokenRefresh = 2 * time.Minute

// ClockSkew is how far the issued-at time of REST JWTs is back-dated, so that
// a local clock running a few seconds fast is not taken for a token from the
// future.
const ClockSkew = 5 * time.Second

var b64url = base64.RawURLEncoding

// bufPool holds scratch buffers for token assembly.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > 64<<10 {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// RandomNonceDigits returns 15 random decimal digits (a number in
// [1e14, 1e15) from crypto/rand) for ClientClaims.NonceDigits.
func RandomNonceDigits() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return 1e14 + binary.BigEndian.Uint64(b[:])%9e14
}

// appendNonce appends the nonce claim's number: from NonceDigits when set
// (0.ddd…, trailing zeros dropped, as JavaScript prints it), else Nonce.
func appendNonce(dst []byte, c *ClientClaims) []byte {
	if c.NonceDigits == 0 {
		return AppendJSNumber(dst, c.Nonce)
	}
	var d [15]byte
	n := c.NonceDigits
	for i := len(d) - 1; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	end := len(d)
	for end > 1 && d[end-1] == '0' {
		end--
	}
	dst = append(dst, '0', '.')
	return append(dst, d[:end]...)
}

// AppendUUID appends a random (version 4) UUID from crypto/rand.
func AppendUUID(dst []byte) []byte {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	for i, c := range u {
		switch i {
		case 4, 6, 8, 10:
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return dst
}

// ClientClaims are the variable parts of a client (connection) token.
type ClientClaims struct {
	SessionID string
	Role      string
	// Data is the connection data; empty means the claim is left out.
	Data string
	// LayoutClassList is the space-separated initial layout class list
	// (always present, possibly empty).
	LayoutClassList string
	// IssuedAt is iat: the floor of the creation time in seconds.
	IssuedAt int64
	// CreateTime is create_time: the creation time rounded to seconds.
	CreateTime int64
	// ExpireTime is expire_time/exp in seconds.
	ExpireTime int64
	// Nonce is the random nonce (a float in [0,1), as the Node SDK makes).
	Nonce float64
	// NonceDigits, when non-zero, replaces Nonce with the number
	// 0.<NonceDigits> (15 digits, from RandomNonceDigits): the same kind of
	// value, written without float formatting.
	NonceDigits uint64
}

// Project signs with OpenTok project credentials (API key and secret).
// It is safe for concurrent use.
type Project struct {
	apiKey  string
	secret  []byte
	sha256  sync.Pool // *macState: HMAC-SHA256 keyed with the secret
	sha1    sync.Pool // *macState: HMAC-SHA1 keyed with the secret
	jsonIss []byte    // `{"iss":"<key>","ist":"project","iat":`
}

// macState is a keyed HMAC with room for its sum, pooled so that signing
// allocates nothing but the token.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
}

// mac returns the HMAC of msg; the sum is valid until the state is put
// back in its pool.
func (m *macState) mac(msg []byte) []byte {
	m.h.Reset()
	m.h.Write(msg)
	return m.h.Sum(m.sum[:0])
}

// NewProject returns a signer for the API key and secret. The secret is
// copied.
func NewProject(apiKey string, secret []byte) *Project {
	p := &Project{apiKey: apiKey, secret: append([]byte(nil), secret...)}
	p.sha256.New = func() any { return &macState{h: hmac.New(sha256.New, p.secret)} }
	p.sha1.New = func() any { return &macState{h: hmac.New(sha1.New, p.secret)} }
	iss := append([]byte(`{"iss":`), AppendJSONString(nil, apiKey)...)
	p.jsonIss = append(iss, `,"ist":"project","iat":`...)
	return p
}

// APIKey returns the project's API key.
func (p *Project) APIKey() string { return p.apiKey }

// RESTToken returns the X-OPENTOK-AUTH JWT for a request made at now:
// {"iss":key,"ist":"project","iat":now-skew,"exp":iat+300,"jti":uuid}.
func (p *Project) RESTToken(now time.Time) string {
	bp := getBuf()
	defer putBuf(bp)
	iat := now.Add(-ClockSkew).Unix()
	payload := append((*bp)[:0], p.jsonIss...)
	payload = strconv.AppendInt(payload, iat, 10)
	payload = append(payload, `,"exp":`...)
	payload = strconv.AppendInt(payload, iat+int64(RESTTokenTTL/time.Second), 10)
	payload = append(payload, `,"jti":"`...)
	payload = AppendUUID(payload)
	payload = append(payload, `"}`...)
	*bp = payload
	return p.signHS256(payload)
}

// AppendClientPayload appends the JSON payload of an OpenTok client JWT, with
// the claims in the Node SDK's order.
func (p *Project) AppendClientPayload(dst []byte, c *ClientClaims) []byte {
	dst = append(dst, p.jsonIss...)
	dst = strconv.AppendInt(dst, c.IssuedAt, 10)
	dst = append(dst, `,"exp":`...)
	dst = strconv.AppendInt(dst, c.ExpireTime, 10)
	dst = append(dst, `,"session_id":`...)
	dst = AppendJSONString(dst, c.SessionID)
	dst = append(dst, `,"create_time":`...)
	dst = strconv.AppendInt(dst, c.CreateTime, 10)
	dst = append(dst, `,"nonce":`...)
	dst = appendNonce(dst, c)
	dst = append(dst, `,"role":`...)
	dst = AppendJSONString(dst, c.Role)
	dst = append(dst, `,"expire_time":`...)
	dst = strconv.AppendInt(dst, c.ExpireTime, 10)
	if c.Data != "" {
		dst = append(dst, `,"connection_data":`...)
		dst = AppendJSONString(dst, c.Data)
	}
	dst = append(dst, `,"initial_layout_class_list":`...)
	dst = AppendJSONString(dst, c.LayoutClassList)
	return append(dst, `,"scope":"session.connect"}`...)
}

// ClientJWT returns an HS256 client token with the Node SDK's claims.
func (p *Project) ClientJWT(c *ClientClaims) string {
	bp := getBuf()
	defer putBuf(bp)
	*bp = p.AppendClientPayload((*bp)[:0], c)
	return p.signHS256(*bp)
}

// signHS256 returns header.payload.signature for the JSON payload. The
// token is encoded straight into its final memory, which becomes the
// string without a copy.
func (p *Project) signHS256(payload []byte) string {
	signedLen := len(HS256Header) + 1 + b64url.EncodedLen(len(payload))
	out := make([]byte, signedLen+1+b64url.EncodedLen(sha256.Size))
	copy(out, HS256Header)
	out[len(HS256Header)] = '.'
	b64url.Encode(out[len(HS256Header)+1:signedLen], payload)
	m := p.sha256.Get().(*macState)
	sig := m.mac(out[:signedLen])
	out[signedLen] = '.'
	b64url.Encode(out[signedLen+1:], sig)
	p.sha256.Put(m)
	return unsafe.String(&out[0], len(out)) // out is never written again
}

// AppendT1Data appends the T1 data string (Node querystring form) of the
// claims: session_id, create_time, nonce, role, expire_time,
// [connection_data], initial_layout_class_list, scope.
func AppendT1Data(dst []byte, c *ClientClaims) []byte {
	dst = append(dst, "session_id="...)
	dst = AppendQueryEscape(dst, c.SessionID)
	dst = append(dst, "&create_time="...)
	dst = strconv.AppendInt(dst, c.CreateTime, 10)
	dst = append(dst, "&nonce="...)
	dst = appendNonce(dst, c)
	dst = append(dst, "&role="...)
	dst = AppendQueryEscape(dst, c.Role)
	dst = append(dst, "&expire_time="...)
	dst = strconv.AppendInt(dst, c.ExpireTime, 10)
	if c.Data != "" {
		dst = append(dst, "&connection_data="...)
		dst = AppendQueryEscape(dst, c.Data)
	}
	dst = append(dst, "&initial_layout_class_list="...)
	dst = AppendQueryEscape(dst, c.LayoutClassList)
	return append(dst, "&scope=session.connect"...)
}

// T1 returns a legacy "T1==" token: base64("partner_id=<key>&sig=<hex
// HMAC-SHA1(secret, data)>:<data>").
func (p *Project) T1(c *ClientClaims) string {
	bp := getBuf()
	defer putBuf(bp)
	plain := append((*bp)[:0], "partner_id="...)
	plain = append(plain, p.apiKey...)
	plain = append(plain, "&sig="...)
	sigAt := len(plain)
	plain = append(plain, "0000000000000000000000000000000000000000:"...)
	dataAt := len(plain)
	plain = AppendT1Data(plain, c)
	m := p.sha1.Get().(*macState)
	hex.Encode(plain[sigAt:sigAt+2*sha1.Size], m.mac(plain[dataAt:]))
	p.sha1.Put(m)
	*bp = plain
	out := make([]byte, 4+base64.StdEncoding.EncodedLen(len(plain)))
	copy(out, "T1==")
	base64.StdEncoding.Encode(out[4:], plain)
	return unsafe.String(&out[0], len(out)) // out is never written again
}

// App signs with Vonage application credentials (application ID and RSA
// private key). It is safe for concurrent use.
type App struct {
	appID string
	key   *rsa.PrivateKey

	mu     sync.Mutex
	cached atomic.Pointer[cachedJWT]
}

type cachedJWT struct {
	token     string
	refreshAt time.Time
}

// NewApp returns a signer for the application.
func NewApp(appID string, key *rsa.PrivateKey) *App {
	return &App{appID: appID, key: key}
}

// AppID returns the application ID.
func (a *App) AppID() string { return a.appID }

// PublicKey returns the public half of the application key.
func (a *App) PublicKey() *rsa.PublicKey { return &a.key.PublicKey }

// RESTToken returns the Authorization bearer JWT for a request made at now.
// RS256 signing is costly, so a token is reused until AppRESTTokenRefresh
// before it expires: {"application_id","iat":now-skew,"exp":iat+15m,"jti"}.
func (a *App) RESTToken(now time.Time) (string, error) {
	if c := a.cached.Load(); c != nil && now.Before(c.refreshAt) {
		return c.token, nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if c := a.cached.Load(); c != nil && now.Before(c.refreshAt) {
		return c.token, nil
	}
	iat := now.Add(-ClockSkew).Unix()
	exp := iat + int64(AppRESTTokenTTL/time.Second)
	payload := append([]byte(`{"application_id":`), AppendJSONString(nil, a.appID)...)
	payload = append(payload, `,"iat":`...)
	payload = strconv.AppendInt(payload, iat, 10)
	payload = append(payload, `,"exp":`...)
	payload = strconv.AppendInt(payload, exp, 10)
	payload = append(payload, `,"jti":"`...)
	payload = AppendUUID(payload)
	payload = append(payload, `"}`...)
	tok, err := a.signRS256(payload)
	if err != nil {
		return "", err
	}
	refresh := time.Unix(exp, 0).Add(-AppRESTTokenRefresh)
	a.cached.Store(&cachedJWT{token: tok, refreshAt: refresh})
	return tok, nil
}

// AppendClientPayload appends the JSON payload of a Vonage client token:
// application_id, iat, jti, exp, scope, session_id, role, [connection_data],
// initial_layout_class_list, sub, acl (the claim set of the Vonage SDKs).
func (a *App) AppendClientPayload(dst []byte, c *ClientClaims) []byte {
	dst = append(dst, `{"application_id":`...)
	dst = AppendJSONString(dst, a.appID)
	dst = append(dst, `,"iat":`...)
	dst = strconv.AppendInt(dst, c.IssuedAt, 10)
	dst = append(dst, `,"jti":"`...)
	dst = AppendUUID(dst)
	dst = append(dst, `","exp":`...)
	dst = strconv.AppendInt(dst, c.ExpireTime, 10)
	dst = append(dst, `,"scope":"session.connect","session_id":`...)
	dst = AppendJSONString(dst, c.SessionID)
	dst = append(dst, `,"role":`...)
	dst = AppendJSONString(dst, c.Role)
	if c.Data != "" {
		dst = append(dst, `,"connection_data":`...)
		dst = AppendJSONString(dst, c.Data)
	}
	dst = append(dst, `,"initial_layout_class_list":`...)
	dst = AppendJSONString(dst, c.LayoutClassList)
	return append(dst, `,"sub":"video","acl":{"paths":{"/session/**":{}}}}`...)
}

// ClientJWT returns an RS256 client token for the claims.
func (a *App) ClientJWT(c *ClientClaims) (string, error) {
	bp := getBuf()
	defer putBuf(bp)
	*bp = a.AppendClientPayload((*bp)[:0], c)
	return a.signRS256(*bp)
}

func (a *App) signRS256(payload []byte) (string, error) {
	bp := getBuf()
	defer putBuf(bp)
	out := append((*bp)[:0], RS256Header...)
	out = append(out, '.')
	out = b64url.AppendEncode(out, payload)
	digest := sha256.Sum256(out)
	sig, err := rsa.SignPKCS1v15(rand.Reader, a.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	out = append(out, '.')
	out = b64url.AppendEncode(out, sig)
	*bp = out
	return string(out), nil
}
