package opentok

import (
	"math/rand/v2"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/opentok-go/opentok/internal/auth"
)

// Role is the role a client token grants.
type Role string

// The roles.
const (
	// RolePublisher can publish, subscribe and signal (the default).
	RolePublisher Role = "publisher"
	// RoleSubscriber can only subscribe and signal.
	RoleSubscriber Role = "subscriber"
	// RoleModerator can also force others to disconnect or unpublish, and is
	// required for the token of StartCaptions.
	RoleModerator Role = "moderator"
	// RolePublisherOnly can publish but not subscribe.
	RolePublisherOnly Role = "publisheronly"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RolePublisher, RoleSubscriber, RoleModerator, RolePublisherOnly:
		return true
	}
	return false
}

// TokenFormat selects the kind of client token.
type TokenFormat string

// The token formats.
const (
	// TokenJWT is a JSON Web Token (the default): HS256 signed with the API
	// secret for OpenTok credentials, RS256 signed with the private key for
	// Vonage credentials.
	TokenJWT TokenFormat = "jwt"
	// TokenT1 is the legacy "T1==" token (HMAC-SHA1 with the API secret),
	// for OpenTok credentials only.
	TokenT1 TokenFormat = "t1"
)

// Token limits.
const (
	// DefaultTokenTTL is the lifetime of a token without ExpireTime or TTL.
	DefaultTokenTTL = 24 * time.Hour
	// MaxTokenTTL is the longest lifetime the platform accepts.
	MaxTokenTTL = 30 * 24 * time.Hour
	// MaxConnectionData is the longest connection data, in characters
	// (UTF-16 code units, as the platform counts).
	MaxConnectionData = 1000
	// MaxLayoutClassList is the longest initial layout class list, in
	// bytes once joined with spaces.
	MaxLayoutClassList = 1024
)

// TokenOptions are the options of [OpenTok.GenerateToken]. The zero value
// makes a publisher JWT valid for 24 hours.
type TokenOptions struct {
	// Role defaults to RolePublisher.
	Role Role
	// ExpireTime is when the token expires; it must be in the future and at
	// most 30 days ahead. Zero means TTL from now.
	ExpireTime time.Time
	// TTL is the token's lifetime when ExpireTime is zero (default 24 h,
	// at most 30 days). Setting both is an error.
	TTL time.Duration
	// Data is the connection data other clients see for this connection;
	// at most 1000 characters of valid UTF-8.
	Data string
	// InitialLayoutClassList holds the layout classes of the streams this
	// client publishes; sent joined with spaces, so a class may not contain
	// white space.
	InitialLayoutClassList []string
	// Format is TokenJWT (the default) or TokenT1 (legacy, OpenTok
	// credentials only).
	Format TokenFormat
}

// GenerateToken returns a client token for a session: the string a browser
// or mobile client passes to session.connect. It signs locally and does no
// I/O.
//
// With OpenTok credentials the token carries the claims of the Node SDK's
// generateToken: a HS256 JWT with iss, ist, iat, exp, session_id,
// create_time, nonce, role, expire_time, connection_data (when set),
// initial_layout_class_list and scope, or, with Format TokenT1, a "T1=="
// token over the same data. With Vonage credentials it is an RS256 JWT with
// application_id, iat, jti, exp, scope, session_id, role, connection_data,
// initial_layout_class_list, sub and acl, and it honours the expire time
// (which the Node SDK ignores there).
//
// opts may be nil. Errors: [*ValidationError] when the session ID is empty
// or (OpenTok credentials) does not decode to this API key, the role is
// unknown, the expire time is past or more than 30 days ahead, the data is
// longer than 1000 characters or not UTF-8, a layout class is empty or holds
// white space, or T1 is asked of Vonage credentials; [*SigningError] when
// the private key fails to sign (not an input error). The error never
// contains a token.
func (ot *OpenTok) GenerateToken(sessionID string, opts *TokenOptions) (string, error) {
	var o TokenOptions
	if opts != nil {
		o = *opts
	}
	if err := ot.checkSessionOwner("sessionId", sessionID); err != nil {
		return "", err
	}
	if o.Role == "" {
		o.Role = RolePublisher
	}
	if !o.Role.Valid() {
		return "", invalid("role", "must be publisher, subscriber, moderator or publisheronly, not %q", string(o.Role))
	}
	switch o.Format {
	case "", TokenJWT:
	case TokenT1:
		if ot.project == nil {
			return "", invalid("format", "T1 tokens need OpenTok project credentials (an API secret); Vonage applications use JWTs")
		}
	default:
		return "", invalid("format", "must be jwt or t1, not %q", string(o.Format))
	}
	if err := checkConnectionData(o.Data); err != nil {
		return "", err
	}
	layout, err := joinLayoutClasses(o.InitialLayoutClassList)
	if err != nil {
		return "", err
	}

	now := ot.now()
	ms := now.UnixMilli()
	c := auth.ClientClaims{
		SessionID:       sessionID,
		Role:            string(o.Role),
		Data:            o.Data,
		LayoutClassList: layout,
		IssuedAt:        floorDiv(ms, 1000),
		CreateTime:      floorDiv(ms+500, 1000),
	}
	switch {
	case !o.ExpireTime.IsZero() && o.TTL != 0:
		return "", invalid("expireTime", "set either ExpireTime or TTL, not both")
	case !o.ExpireTime.IsZero():
		if !o.ExpireTime.After(now) {
			return "", invalid("expireTime", "must be in the future")
		}
		if o.ExpireTime.Sub(now) > MaxTokenTTL {
			return "", invalid("expireTime", "must be at most 30 days ahead")
		}
		// Round half up to whole seconds, as the Node SDK's Math.round.
		c.ExpireTime = floorDiv(o.ExpireTime.UnixMilli()+500, 1000)
	case o.TTL != 0:
		if o.TTL < time.Second {
			return "", invalid("ttl", "must be at least one second")
		}
		if o.TTL > MaxTokenTTL {
			return "", invalid("ttl", "must be at most 30 days")
		}
		c.ExpireTime = c.CreateTime + int64(o.TTL/time.Second)
	default:
		c.ExpireTime = c.CreateTime + int64(DefaultTokenTTL/time.Second)
	}

	if ot.nonce != nil {
		c.Nonce = ot.nonce() // tests freeze the nonce
	} else {
		c.Nonce = rand.Float64()
	}
	var tok string
	switch {
	case ot.app != nil:
		tok, err = ot.app.ClientJWT(&c)
	case o.Format == TokenT1:
		tok = ot.project.T1(&c)
	default:
		tok, err = ot.project.ClientJWT(&c)
	}
	if err != nil {
		return "", &SigningError{Err: err}
	}
	return tok, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func checkConnectionData(data string) error {
	if data == "" {
		return nil
	}
	if !utf8.ValidString(data) {
		return invalid("data", "must be valid UTF-8")
	}
	if len(data) <= MaxConnectionData {
		return nil // ASCII-length fast path: bytes ≥ UTF-16 units
	}
	n := 0
	for _, r := range data {
		n += utf16.RuneLen(r)
	}
	if n > MaxConnectionData {
		return invalid("data", "must be at most %d characters, not %d", MaxConnectionData, n)
	}
	return nil
}

func joinLayoutClasses(classes []string) (string, error) {
	if len(classes) == 0 {
		return "", nil
	}
	for _, c := range classes {
		if c == "" {
			return "", invalid("initialLayoutClassList", "a layout class must not be empty")
		}
		if !utf8.ValidString(c) || strings.ContainsFunc(c, unicode.IsSpace) {
			return "", invalid("initialLayoutClassList", "a layout class must be UTF-8 without white space, not %q", c)
		}
	}
	joined := strings.Join(classes, " ")
	if len(joined) > MaxLayoutClassList {
		return "", invalid("initialLayoutClassList", "must be at most %d bytes joined", MaxLayoutClassList)
	}
	return joined, nil
}
