package opentoktest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/opentok-go/opentok"
)

// Leeway is the clock skew the fake tolerates in auth JWTs and client tokens
// (an issued-at time at most this far in the future is accepted).
const Leeway = 5 * time.Second

// restJWTMaxLife is the longest lifetime the fake accepts for a project REST
// JWT (the platform documents five minutes), plus the leeway.
const restJWTMaxLife = 5*time.Minute + Leeway

// maxTokenLife is the longest client-token lifetime the platform accepts.
const maxTokenLife = 30 * 24 * time.Hour

// Errors from Connect and the simulated clients.
var (
	// ErrInvalidToken: the token is malformed, badly signed, or not for
	// this project.
	ErrInvalidToken = errors.New("opentoktest: invalid token")
	// ErrTokenExpired: the token's expire time has passed (on the fake's
	// clock).
	ErrTokenExpired = errors.New("opentoktest: token expired")
	// ErrWrongSession: the token was made for another session.
	ErrWrongSession = errors.New("opentoktest: token is for another session")
	// ErrSessionNotFound: the fake created no session with this ID.
	ErrSessionNotFound = errors.New("opentoktest: session not found")
	// ErrNotPermitted: the connection's role does not allow the action
	// (a subscriber publishing).
	ErrNotPermitted = errors.New("opentoktest: not permitted for this role")
	// ErrNotConnected: the connection or stream is gone.
	ErrNotConnected = errors.New("opentoktest: not connected")
)

func (s *Server) authFailure(msg string) *apiError {
	if s.cfg.vonage {
		return &apiError{status: http.StatusUnauthorized, code: http.StatusUnauthorized, message: msg}
	}
	return &apiError{status: http.StatusForbidden, code: http.StatusForbidden, message: msg}
}

// authenticateLocked checks the REST auth header as the platform does:
// X-OPENTOK-AUTH HS256 (OpenTok, 403 on failure) or Authorization: Bearer
// RS256 (Vonage, 401 on failure). On an OpenTok fake the JWT's issuer
// picks the secret: ist "project" and a project's API key (a suspended
// project is refused), or ist "account" and the account key. It records
// whom the request authenticated as in s.cur and s.curAccount.
func (s *Server) authenticateLocked(r *http.Request) *apiError {
	s.cur, s.curAccount = nil, false
	now := time.Now().Add(s.clock.authSkew)
	if s.cfg.vonage {
		return s.authenticateVonageLocked(r, now)
	}
	raw := r.Header.Get("X-OPENTOK-AUTH")
	if raw == "" {
		return &apiError{status: http.StatusForbidden, code: -1, message: "No suitable authentication found"}
	}
	if !tokenChars(raw) {
		return s.authFailure("Invalid token: malformed")
	}
	// The issuer is read before the signature is checked only to choose
	// the secret to check it with; nothing else is trusted until then.
	unverified := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(raw, unverified); err != nil {
		return s.authFailure("Invalid token: malformed")
	}
	iss, _ := unverified["iss"].(string)
	var secret string
	var project *Project
	switch ist, _ := unverified["ist"].(string); {
	case ist == "account" && iss == s.AccountKey:
		secret = s.AccountSecret
	case ist == "account":
		return s.authFailure("Invalid token: the issuer is not this account's key")
	case ist != "project":
		return s.authFailure(`Invalid token: ist must be "project"`)
	default:
		project = s.projects[iss]
		if project == nil {
			return s.authFailure("Invalid token: the issuer is not this project's API key")
		}
		secret = project.APISecret
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(Leeway), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithStrictDecoding())
	if err != nil {
		return s.authFailure("Invalid token: " + jwtReason(err))
	}
	if exp, ok := numClaim(claims, "exp"); !ok || time.Unix(exp, 0).After(now.Add(restJWTMaxLife)) {
		return s.authFailure("Invalid token: expires more than five minutes ahead")
	}
	if project != nil && project.Status != opentok.ProjectActive {
		return s.authFailure("Project is suspended")
	}
	s.cur, s.curAccount = project, project == nil
	return nil
}

func (s *Server) authenticateVonageLocked(r *http.Request, now time.Time) *apiError {
	h := r.Header.Get("Authorization")
	raw, found := strings.CutPrefix(h, "Bearer ")
	if !found || raw == "" {
		return &apiError{status: http.StatusUnauthorized, code: -1, message: "No suitable authentication found"}
	}
	if !tokenChars(raw) {
		return s.authFailure("Invalid token: malformed")
	}
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(raw, claims, func(*jwt.Token) (any, error) { return s.pubKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(Leeway), jwt.WithIssuedAt(), jwt.WithStrictDecoding())
	if err != nil {
		return s.authFailure("Invalid token: " + jwtReason(err))
	}
	if app, _ := claims["application_id"].(string); app != s.ApplicationID {
		return s.authFailure("Invalid token: application_id does not match")
	}
	if exp, ok := numClaim(claims, "exp"); ok && time.Unix(exp, 0).After(now.Add(24*time.Hour+Leeway)) {
		return s.authFailure("Invalid token: expires more than 24 hours ahead")
	}
	return nil
}

func jwtReason(err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "expired"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "issued in the future (check the clock)"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "bad signature"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "a required claim is missing"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "malformed"
	}
	return "rejected"
}

func numClaim(c jwt.MapClaims, name string) (int64, bool) {
	switch v := c[name].(type) {
	case float64:
		return int64(v), true
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// tokenChars reports whether s holds only the characters of base64,
// base64url and the JWT dots. Go's base64 decoders skip line breaks, which
// would let altered tokens and JWTs through.
func tokenChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '+' || c == '/' || c == '=' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// tokenInfo is what a verified client token grants.
type tokenInfo struct {
	Role            opentok.Role
	Data            string
	LayoutClassList []string
	ExpireTime      time.Time
}

// VerifyToken checks a client token the way the platform does when a client
// connects: the signature (HS256 JWT or T1 with the API secret, or RS256 JWT
// with the application key), the project, the session ID, the scope
// (session.connect; a T1 token may leave it out, as older SDKs do), the
// role and the expiry on the fake's clock. It returns the token's role and
// connection data.
func (s *Server) VerifyToken(sessionID, token string) (role opentok.Role, data string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ti, err := s.verifyToken(sessionID, token, s.clock.now())
	if err != nil {
		return "", "", err
	}
	return ti.Role, ti.Data, nil
}

func (s *Server) verifyToken(sessionID, token string, now time.Time) (tokenInfo, error) {
	if !tokenChars(token) {
		return tokenInfo{}, fmt.Errorf("%w: unexpected character in the token", ErrInvalidToken)
	}
	if strings.HasPrefix(token, "T1==") {
		if s.cfg.vonage {
			return tokenInfo{}, fmt.Errorf("%w: T1 tokens are not accepted for Vonage applications", ErrInvalidToken)
		}
		return s.verifyT1(sessionID, token, now)
	}
	return s.verifyJWT(sessionID, token, now)
}

// tokenProjectLocked returns the credentials client tokens for a session
// must be signed with: those of the project that owns it, which must be
// active. The lock must be held.
func (s *Server) tokenProjectLocked(sessionID string) (apiKey, secret string, err error) {
	key := s.ownerOf(sessionID)
	p := s.projects[key]
	switch {
	case p == nil:
		return "", "", fmt.Errorf("%w: the session's project does not exist", ErrInvalidToken)
	case p.Status != opentok.ProjectActive:
		return "", "", fmt.Errorf("%w: the session's project is suspended", ErrInvalidToken)
	}
	return p.APIKey, p.APISecret, nil
}

func (s *Server) verifyT1(sessionID, token string, now time.Time) (tokenInfo, error) {
	raw, err := base64.StdEncoding.Strict().DecodeString(strings.TrimPrefix(token, "T1=="))
	if err != nil {
		return tokenInfo{}, fmt.Errorf("%w: not base64", ErrInvalidToken)
	}
	head, data, ok := strings.Cut(string(raw), ":")
	if !ok {
		return tokenInfo{}, fmt.Errorf("%w: no data part", ErrInvalidToken)
	}
	// The header part is exactly "partner_id=<key>&sig=<lower-case hex>":
	// a token with the fields reordered, extra fields or upper-case hex is
	// not one the SDKs make, and is refused.
	apiKey, secret, err := s.tokenProjectLocked(sessionID)
	if err != nil {
		return tokenInfo{}, err
	}
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte(data))
	want := "partner_id=" + apiKey + "&sig=" + hex.EncodeToString(mac.Sum(nil))
	if !hmac.Equal([]byte(head), []byte(want)) {
		if !strings.HasPrefix(head, "partner_id="+apiKey+"&") {
			return tokenInfo{}, fmt.Errorf("%w: partner_id is not this project's API key", ErrInvalidToken)
		}
		return tokenInfo{}, fmt.Errorf("%w: bad signature", ErrInvalidToken)
	}
	q, err := url.ParseQuery(data)
	if err != nil {
		return tokenInfo{}, fmt.Errorf("%w: bad data part", ErrInvalidToken)
	}
	exp, err := strconv.ParseInt(q.Get("expire_time"), 10, 64)
	if err != nil {
		return tokenInfo{}, fmt.Errorf("%w: bad expire_time", ErrInvalidToken)
	}
	// scope is optional in T1 (rest-api.md §2.3): older SDKs, such as the
	// community Go SDK, do not send it, and the platform accepts their
	// tokens. One that is present must still be session.connect.
	scope := "session.connect"
	if q.Has("scope") {
		scope = q.Get("scope")
	}
	return s.checkGrant(sessionID, now, q.Get("session_id"), q.Get("role"), q.Get("connection_data"),
		q.Get("initial_layout_class_list"), exp, scope)
}

func (s *Server) verifyJWT(sessionID, token string, now time.Time) (tokenInfo, error) {
	claims := jwt.MapClaims{}
	method, key, apiKey := "RS256", any(s.pubKey), ""
	if !s.cfg.vonage {
		k, secret, err := s.tokenProjectLocked(sessionID)
		if err != nil {
			return tokenInfo{}, err
		}
		method, key, apiKey = "HS256", []byte(secret), k
	}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return key, nil },
		jwt.WithValidMethods([]string{method}), jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithLeeway(Leeway), jwt.WithIssuedAt(), jwt.WithStrictDecoding())
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return tokenInfo{}, ErrTokenExpired
		}
		return tokenInfo{}, fmt.Errorf("%w: %s", ErrInvalidToken, jwtReason(err))
	}
	if s.cfg.vonage {
		if app, _ := claims["application_id"].(string); app != s.ApplicationID {
			return tokenInfo{}, fmt.Errorf("%w: application_id does not match", ErrInvalidToken)
		}
	} else {
		iss, _ := claims["iss"].(string)
		ist, _ := claims["ist"].(string)
		if iss != apiKey || ist != "project" {
			return tokenInfo{}, fmt.Errorf("%w: not issued by this project", ErrInvalidToken)
		}
	}
	exp, ok := numClaim(claims, "exp")
	if !ok {
		return tokenInfo{}, fmt.Errorf("%w: no exp claim", ErrInvalidToken)
	}
	str := func(k string) string { v, _ := claims[k].(string); return v }
	return s.checkGrant(sessionID, now, str("session_id"), str("role"), str("connection_data"),
		str("initial_layout_class_list"), exp, str("scope"))
}

func (s *Server) checkGrant(sessionID string, now time.Time, tokSession, role, data, layout string, exp int64, scope string) (tokenInfo, error) {
	if scope != "session.connect" {
		return tokenInfo{}, fmt.Errorf("%w: scope must be session.connect", ErrInvalidToken)
	}
	if tokSession != sessionID {
		return tokenInfo{}, ErrWrongSession
	}
	if role == "" {
		role = "publisher"
	}
	switch role {
	case "publisher", "subscriber", "moderator", "publisheronly":
	default:
		return tokenInfo{}, fmt.Errorf("%w: unknown role %q", ErrInvalidToken, role)
	}
	expT := time.Unix(exp, 0)
	if !expT.After(now.Add(-Leeway)) {
		return tokenInfo{}, ErrTokenExpired
	}
	if expT.After(now.Add(maxTokenLife + time.Hour)) {
		return tokenInfo{}, fmt.Errorf("%w: expires more than 30 days ahead", ErrInvalidToken)
	}
	if len([]rune(data)) > 1000 {
		return tokenInfo{}, fmt.Errorf("%w: connection data over 1000 characters", ErrInvalidToken)
	}
	var classes []string
	if layout != "" {
		classes = strings.Fields(layout)
	}
	return tokenInfo{Role: opentok.Role(role), Data: data, LayoutClassList: classes, ExpireTime: expT}, nil
}
