package opentok

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Signed ("secure") callbacks: verifying the JWT the platform sends in the
// Authorization header, and signing bodies the same way for tests and fakes.

// Defaults of signed-callback verification and of the handler.
const (
	// DefaultCallbackMaxAge is the oldest iat a signed callback may carry
	// unless [VerifyCallbackOptions] or [WithCallbackMaxAge] say otherwise:
	// 5 minutes. It limits replays of a captured callback; a platform retry
	// carries a fresh JWT.
	DefaultCallbackMaxAge = 5 * time.Minute
	// DefaultCallbackLeeway is the clock skew tolerated between the
	// platform and this server when checking iat: 30 seconds.
	DefaultCallbackLeeway = 30 * time.Second
	// DefaultCallbackMaxBody is the largest body [NewCallbackHandler]
	// reads unless [WithCallbackMaxBody] says otherwise: 1 MiB.
	DefaultCallbackMaxBody int64 = 1 << 20
)

// cbIssuer is the iss claim of the platform's callback JWTs.
const cbIssuer = "Vonage"

// cbMaxJWT bounds the JWT a verifier parses; real ones are a few hundred
// bytes.
const cbMaxJWT = 8 << 10

// CallbackClaims are the verified claims of a signed callback's JWT, as
// returned by [VerifyCallbackSignature] and [CallbackClaimsFromContext].
type CallbackClaims struct {
	// IssuedAt is the iat claim (whole seconds).
	IssuedAt time.Time
	// ID is the jti claim, a UUID unique to the callback: the key of the
	// replay check (see [ReplayStore]).
	ID string
	// PayloadHash is the payload_hash claim: the hex SHA-256 of the body.
	PayloadHash string
	// APIKey is the api_key claim.
	APIKey string
	// ApplicationID is the application_id claim.
	ApplicationID string
}

// cbJWTClaims is the JWT payload of a signed callback.
type cbJWTClaims struct {
	jwt.RegisteredClaims
	PayloadHash   string     `json:"payload_hash,omitempty"`
	APIKey        flexString `json:"api_key,omitempty"`
	ApplicationID string     `json:"application_id,omitempty"`
}

// VerifyCallbackOptions tune [VerifyCallbackSignature]. The zero value (or
// nil) takes the defaults.
type VerifyCallbackOptions struct {
	// MaxAge is the oldest iat accepted (0 means [DefaultCallbackMaxAge],
	// 5 minutes; negative turns the age check off, which allows replays).
	MaxAge time.Duration
	// Leeway is the clock skew tolerated both ways when checking iat (0
	// means [DefaultCallbackLeeway], 30 seconds; negative is rejected).
	Leeway time.Duration

	// now replaces time.Now in tests.
	now func() time.Time
}

// VerifyCallbackSignature checks a signed ("secure") callback: authorization
// is the request's Authorization header value ("Bearer <JWT>"), body the raw
// request body, and secret the signature secret the dashboard shows for
// that callback type (not the API secret or the private key). opts may be
// nil.
//
// It checks that the JWT is HS256 (any other alg, "none" included, is
// refused) and signed with secret, that iss is "Vonage", that iat is no
// older than the maximum age and not in the future (both with the leeway),
// that exp and nbf hold if present, that the jti is at most
// [MaxCallbackJTILength] bytes, and that payload_hash is the hex SHA-256 of
// body (compared in constant time). It returns the verified
// claims. It keeps no state: to refuse a replay, record the jti with a
// [ReplayStore] (the handler of [NewCallbackHandler] does). An iat in the
// future or out of time's range is refused whatever MaxAge is.
//
// A failed check is a [*CallbackError] matching [ErrCallbackSignature]; an
// empty secret or a negative leeway is a [*ValidationError]. No error
// contains the secret or the JWT.
func VerifyCallbackSignature(authorization string, body []byte, secret string, opts *VerifyCallbackOptions) (*CallbackClaims, error) {
	if secret == "" {
		return nil, invalid("secret", "must not be empty")
	}
	var o VerifyCallbackOptions
	if opts != nil {
		o = *opts
	}
	if o.Leeway < 0 {
		return nil, invalid("leeway", "must not be negative")
	}
	return newCBVerifier([]string{secret}, o).verify(authorization, body)
}

// cbVerifier checks signed callbacks against one or more secrets. The
// handler of NewCallbackHandler makes one and uses it for every request.
type cbVerifier struct {
	key            any // the secret's bytes, or a jwt.VerificationKeySet of several
	maxAge, leeway time.Duration
	now            func() time.Time
	parser         *jwt.Parser
}

func newCBVerifier(secrets []string, o VerifyCallbackOptions) *cbVerifier {
	v := &cbVerifier{maxAge: o.MaxAge, leeway: o.Leeway, now: o.now}
	if v.maxAge == 0 {
		v.maxAge = DefaultCallbackMaxAge
	}
	if v.leeway == 0 {
		v.leeway = DefaultCallbackLeeway
	}
	if v.now == nil {
		v.now = time.Now
	}
	if len(secrets) == 1 {
		v.key = []byte(secrets[0])
	} else {
		set := jwt.VerificationKeySet{}
		for _, s := range secrets {
			set.Keys = append(set.Keys, []byte(s))
		}
		v.key = set
	}
	v.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(cbIssuer),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(v.leeway),
		jwt.WithTimeFunc(v.now),
	)
	return v
}

func (v *cbVerifier) keyFunc(*jwt.Token) (any, error) { return v.key, nil }

// verify checks the Authorization header value and then the body.
func (v *cbVerifier) verify(authorization string, body []byte) (*CallbackClaims, error) {
	claims, err := v.verifyJWT(authorization)
	if err != nil {
		return nil, err
	}
	if err := cbCheckPayload(claims, body); err != nil {
		return nil, err
	}
	return claims, nil
}

// verifyJWT verifies the JWT of the Authorization header (everything but
// the payload hash, which needs the body): the handler runs it before
// reading the body.
func (v *cbVerifier) verifyJWT(authorization string) (*CallbackClaims, error) {
	authorization = strings.TrimSpace(authorization)
	if authorization == "" {
		return nil, cbSignature("no Authorization header", nil)
	}
	scheme, raw, _ := strings.Cut(authorization, " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return nil, cbSignature("the Authorization header is not a Bearer token", nil)
	}
	if len(raw) > cbMaxJWT {
		return nil, cbSignature("the JWT is too long", nil)
	}

	claims := &cbJWTClaims{}
	tok, err := v.parser.ParseWithClaims(raw, claims, v.keyFunc)
	at := v.now()
	if err != nil {
		return nil, cbSignature(cbJWTReason(tok, err), err)
	}

	// An iat out of time's range (1e19 overflows to the distant past) or
	// in the future is refused whatever MaxAge is.
	if iat := claims.IssuedAt; iat != nil && (iat.Before(time.Unix(0, 0)) || iat.After(at.Add(v.leeway))) {
		return nil, cbSignature("the JWT's iat is in the future or out of range", nil)
	}
	if v.maxAge > 0 {
		if claims.IssuedAt == nil {
			return nil, cbSignature("the JWT has no iat", nil)
		}
		if at.Sub(claims.IssuedAt.Time) > v.maxAge+v.leeway {
			return nil, cbSignature("the JWT's iat is older than the maximum age", nil)
		}
	}
	if len(claims.ID) > MaxCallbackJTILength {
		return nil, cbSignature(fmt.Sprintf("the JWT's jti is over %d bytes", MaxCallbackJTILength), nil)
	}
	if claims.PayloadHash == "" {
		return nil, cbSignature("the JWT has no payload_hash", nil)
	}

	out := &CallbackClaims{
		ID:            claims.ID,
		PayloadHash:   claims.PayloadHash,
		APIKey:        string(claims.APIKey),
		ApplicationID: claims.ApplicationID,
	}
	if claims.IssuedAt != nil {
		out.IssuedAt = claims.IssuedAt.Time
	}
	return out, nil
}

// cbCheckPayload checks that the verified payload_hash is the hex SHA-256
// of body (compared in constant time).
func cbCheckPayload(claims *CallbackClaims, body []byte) error {
	want, err := hex.DecodeString(claims.PayloadHash)
	sum := sha256.Sum256(body)
	if err != nil || !hmac.Equal(want, sum[:]) {
		return cbSignature("payload_hash does not match the body", nil)
	}
	return nil
}

// cbJWTReason describes a JWT failure in words of our own: the JWT
// library's texts may quote the alg header.
func cbJWTReason(tok *jwt.Token, err error) string {
	if tok != nil && tok.Header != nil {
		if alg, _ := tok.Header["alg"].(string); alg != jwt.SigningMethodHS256.Alg() {
			return "the JWT is not signed with HS256"
		}
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the JWT is malformed"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "the JWT signature does not verify with the secret"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer), errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the JWT's issuer is not Vonage"
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the JWT's iat is in the future"
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the JWT has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return "the JWT is not valid yet"
	}
	return "the JWT is not valid"
}

// SignCallbackOptions set the claims of [SignCallback]. The zero value (or
// nil) signs at the current time with a random jti and no api_key or
// application_id.
type SignCallbackOptions struct {
	// IssuedAt is the iat claim (zero means now); it is truncated to whole
	// seconds.
	IssuedAt time.Time
	// ID is the jti claim (empty means a random UUID).
	ID string
	// APIKey and ApplicationID are the api_key and application_id claims,
	// omitted when empty.
	APIKey, ApplicationID string
}

// SignCallback signs body the way the platform signs a secure callback and
// returns the JWT to send as "Authorization: Bearer <JWT>": HS256 keyed with
// secret, with iss "Vonage", iat, jti, payload_hash (the hex SHA-256 of
// body) and, when set in opts, api_key and application_id. It is meant for
// tests and fakes of the platform (opts may be nil). An empty secret is a
// [*ValidationError].
func SignCallback(body []byte, secret string, opts *SignCallbackOptions) (string, error) {
	if secret == "" {
		return "", invalid("secret", "must not be empty")
	}
	var o SignCallbackOptions
	if opts != nil {
		o = *opts
	}
	if o.IssuedAt.IsZero() {
		o.IssuedAt = time.Now()
	}
	if o.ID == "" {
		o.ID = uuid.NewString()
	}
	sum := sha256.Sum256(body)
	claims := cbJWTClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:   cbIssuer,
			IssuedAt: jwt.NewNumericDate(o.IssuedAt.Truncate(time.Second)),
			ID:       o.ID,
		},
		PayloadHash:   hex.EncodeToString(sum[:]),
		APIKey:        flexString(o.APIKey),
		ApplicationID: o.ApplicationID,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
}
