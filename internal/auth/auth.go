// Package auth signs what the SDK needs signed: the REST authentication JWTs
// (HS256 for OpenTok projects, RS256 for Vonage applications) and the client
// tokens handed to browsers and mobile apps (JWTs, or legacy T1 tokens).
//
// JWTs are made with github.com/golang-jwt/jwt/v5 from claim structs that
// carry the OpenTok Node SDK's claims. T1 tokens, which no library makes,
// have their own small encoder here.
package auth

import (
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// RESTTokenTTL is the lifetime of the OpenTok project REST JWT (the Node SDK
// and the platform docs use five minutes).
const RESTTokenTTL = 300 * time.Second

// AppRESTTokenTTL is the lifetime of the Vonage application REST JWT (the
// platform accepts 30 s to 24 h).
const AppRESTTokenTTL = 5 * time.Minute

// AppRESTTokenReuse is how long a signed application JWT is reused. RS256
// signing costs about a millisecond of CPU, so it is not repeated for every
// request as the official SDKs do; the reuse is kept short, and a token the
// platform rejects is dropped at once (Invalidate), so that a JWT made
// while the clock was wrong does not outlive the clock's correction.
const AppRESTTokenReuse = time.Minute

// ClockSkew is how far the issued-at time of REST JWTs is back-dated, so that
// a local clock running a few seconds fast is not taken for a token from the
// future.
const ClockSkew = 5 * time.Second

// Scope is the scope claim of every client token.
const Scope = "session.connect"

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
	// Nonce is the random nonce, a number in [0, 1) as the Node SDK makes.
	Nonce float64
}

// numericDate returns the JWT date of a time in whole seconds.
func numericDate(sec int64) *jwt.NumericDate { return jwt.NewNumericDate(time.Unix(sec, 0)) }

// projectRESTClaims are the claims of the X-OPENTOK-AUTH JWT:
// iss (API key), ist "project", iat, exp and jti.
type projectRESTClaims struct {
	jwt.RegisteredClaims
	IssuerType string `json:"ist"`
}

// projectClientClaims are the claims of an OpenTok client JWT, as the Node
// SDK's generateToken makes them.
type projectClientClaims struct {
	jwt.RegisteredClaims
	IssuerType             string  `json:"ist"`
	SessionID              string  `json:"session_id"`
	CreateTime             int64   `json:"create_time"`
	Nonce                  float64 `json:"nonce"`
	Role                   string  `json:"role"`
	ExpireTime             int64   `json:"expire_time"`
	ConnectionData         string  `json:"connection_data,omitempty"`
	InitialLayoutClassList string  `json:"initial_layout_class_list"`
	Scope                  string  `json:"scope"`
}

// appRESTClaims are the claims of the Vonage application REST JWT.
type appRESTClaims struct {
	jwt.RegisteredClaims
	ApplicationID string `json:"application_id"`
}

// appClientClaims are the claims of a Vonage client JWT (the claim set of
// the Vonage SDKs).
type appClientClaims struct {
	jwt.RegisteredClaims
	ApplicationID          string    `json:"application_id"`
	Scope                  string    `json:"scope"`
	SessionID              string    `json:"session_id"`
	Role                   string    `json:"role"`
	ConnectionData         string    `json:"connection_data,omitempty"`
	InitialLayoutClassList string    `json:"initial_layout_class_list"`
	ACL                    clientACL `json:"acl"`
}

// clientACL is the acl claim of Vonage client tokens:
// {"paths":{"/session/**":{}}}.
type clientACL struct {
	Paths map[string]struct{} `json:"paths"`
}

var sessionACL = clientACL{Paths: map[string]struct{}{"/session/**": {}}}

// Project signs with OpenTok credentials: a project's API key and secret,
// or the account-level key and secret of account management (NewAccount).
// It is safe for concurrent use.
type Project struct {
	apiKey string
	// ist is the REST JWT's issuer type: "project" or "account".
	ist string
	// secret sits behind a pointer, like every secret here, so that even
	// fmt's fallback for a bad verb (which prints nested structs raw) only
	// shows an address.
	secret *[]byte
}

// NewProject returns a signer for the API key and secret. The secret is
// copied.
func NewProject(apiKey string, secret []byte) *Project {
	b := append([]byte(nil), secret...)
	return &Project{apiKey: apiKey, ist: "project", secret: &b}
}

// NewAccount returns a signer for the account-level key and secret of
// account management: its REST JWT has ist "account". The secret is
// copied.
func NewAccount(accountKey string, secret []byte) *Project {
	p := NewProject(accountKey, secret)
	p.ist = "account"
	return p
}

// APIKey returns the project's API key.
func (p *Project) APIKey() string { return p.apiKey }

// RESTToken returns the X-OPENTOK-AUTH JWT for a request made at now:
// {"iss":key,"ist":"project" (or "account"),"iat":now-skew,"exp":iat+300,
// "jti":uuid}.
func (p *Project) RESTToken(now time.Time) (string, error) {
	iat := now.Add(-ClockSkew).Unix()
	c := projectRESTClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    p.apiKey,
			IssuedAt:  numericDate(iat),
			ExpiresAt: numericDate(iat + int64(RESTTokenTTL/time.Second)),
			ID:        uuid.NewString(),
		},
		IssuerType: p.ist,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(*p.secret)
}

// ClientJWT returns an HS256 client token with the Node SDK's claims.
func (p *Project) ClientJWT(c *ClientClaims) (string, error) {
	claims := projectClientClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    p.apiKey,
			IssuedAt:  numericDate(c.IssuedAt),
			ExpiresAt: numericDate(c.ExpireTime),
		},
		IssuerType:             "project",
		SessionID:              c.SessionID,
		CreateTime:             c.CreateTime,
		Nonce:                  c.Nonce,
		Role:                   c.Role,
		ExpireTime:             c.ExpireTime,
		ConnectionData:         c.Data,
		InitialLayoutClassList: c.LayoutClassList,
		Scope:                  Scope,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(*p.secret)
}

// T1Data returns the data string of a T1 token: the claims as a query
// string in the Node SDK's order (session_id, create_time, nonce, role,
// expire_time, connection_data when set, initial_layout_class_list, scope).
func T1Data(c *ClientClaims) string {
	var b strings.Builder
	field := func(name, value string) {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(name)
		b.WriteByte('=')
		// As Node's querystring.escape: a space is %20 (QueryEscape's "+"
		// could be read as a plus sign); a literal "+" is already %2B.
		b.WriteString(strings.ReplaceAll(url.QueryEscape(value), "+", "%20"))
	}
	field("session_id", c.SessionID)
	field("create_time", strconv.FormatInt(c.CreateTime, 10))
	field("nonce", strconv.FormatFloat(c.Nonce, 'f', -1, 64))
	field("role", c.Role)
	field("expire_time", strconv.FormatInt(c.ExpireTime, 10))
	if c.Data != "" {
		field("connection_data", c.Data)
	}
	field("initial_layout_class_list", c.LayoutClassList)
	field("scope", Scope)
	return b.String()
}

// T1 returns a legacy "T1==" token: "T1==" followed by the base64 of
// "partner_id=<key>&sig=<hex HMAC-SHA1(secret, data)>:<data>".
func (p *Project) T1(c *ClientClaims) string {
	data := T1Data(c)
	mac := hmac.New(sha1.New, *p.secret)
	mac.Write([]byte(data))
	plain := "partner_id=" + p.apiKey + "&sig=" + hex.EncodeToString(mac.Sum(nil)) + ":" + data
	return "T1==" + base64.StdEncoding.EncodeToString([]byte(plain))
}

// App signs with Vonage application credentials (application ID and RSA
// private key). It is safe for concurrent use.
type App struct {
	appID string
	key   *rsa.PrivateKey

	mu     sync.Mutex
	cached *string   // the REST JWT in use (a pointer, as Project.secret)
	since  time.Time // when it was signed
	until  time.Time // when it must be replaced
}

// NewApp returns a signer for the application.
func NewApp(appID string, key *rsa.PrivateKey) *App {
	return &App{appID: appID, key: key}
}

// AppID returns the application ID.
func (a *App) AppID() string { return a.appID }

// PublicKey returns the public half of the application key.
func (a *App) PublicKey() *rsa.PublicKey { return &a.key.PublicKey }

// RESTToken returns the Authorization bearer JWT for a request made at now:
// {"application_id","iat":now-skew,"exp":iat+5m,"jti"}. A token is reused
// for AppRESTTokenReuse after it was signed (by the clock of now), unless
// Invalidate dropped it.
func (a *App) RESTToken(now time.Time) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cached != nil && now.Before(a.until) && !now.Before(a.since) {
		return *a.cached, nil
	}
	iat := now.Add(-ClockSkew).Unix()
	exp := iat + int64(AppRESTTokenTTL/time.Second)
	c := appRESTClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			IssuedAt:  numericDate(iat),
			ExpiresAt: numericDate(exp),
			ID:        uuid.NewString(),
		},
		ApplicationID: a.appID,
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(a.key)
	if err != nil {
		return "", err
	}
	a.cached, a.since, a.until = &tok, now, now.Add(AppRESTTokenReuse)
	return tok, nil
}

// Invalidate drops the cached REST JWT if it is tok (a newer one is kept),
// and reports whether it did: the next RESTToken signs a fresh one.
func (a *App) Invalidate(tok string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cached == nil || *a.cached != tok {
		return false
	}
	a.cached = nil
	return true
}

// ClientJWT returns an RS256 client token with the claims application_id,
// iat, jti, exp, scope, session_id, role, connection_data (when set),
// initial_layout_class_list, sub "video" and acl.
func (a *App) ClientJWT(c *ClientClaims) (string, error) {
	claims := appClientClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   "video",
			IssuedAt:  numericDate(c.IssuedAt),
			ExpiresAt: numericDate(c.ExpireTime),
			ID:        uuid.NewString(),
		},
		ApplicationID:          a.appID,
		Scope:                  Scope,
		SessionID:              c.SessionID,
		Role:                   c.Role,
		ConnectionData:         c.Data,
		InitialLayoutClassList: c.LayoutClassList,
		ACL:                    sessionACL,
	}
	return jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(a.key)
}
