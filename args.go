package opentok

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/opentok-go/opentok/internal/sessionid"
)

// Argument checks shared by the session-level resource files (streams,
// connections, signals, SIP, Audio Connector, Experience Composer, captions,
// migration, legacy callbacks). They run before any I/O and return
// *ValidationError naming the REST field; none of them ever quotes a client
// token or a password.

// checkResourceID validates a required resource ID argument (streamId,
// connectionId, renderId, captionsId, callbackId): non-empty, valid UTF-8,
// at most 255 bytes. The ID is escaped into the path by projectPath, so it
// may contain any character without changing the path.
func checkResourceID(field, id string) error {
	if id == "" {
		return invalid(field, "must not be empty")
	}
	if len(id) > 255 || !utf8.ValidString(id) {
		return invalid(field, "must be valid UTF-8 of at most 255 bytes")
	}
	return notDotSegment(field, id)
}

// checkText refuses a string option that is not valid UTF-8 (encoding/json
// would send U+FFFD in place of the bad bytes, naming something else). A
// line — a value that lands in a header, a SIP field, a stream name, a tag
// or a name — must also be free of control characters (C0 with CR, LF and
// NUL, DEL, C1) and of the Unicode line and paragraph separators. The
// reason never quotes the value, which may be a secret.
func checkText(field, s string, line bool) error {
	if !utf8.ValidString(s) {
		return invalid(field, "must be valid UTF-8")
	}
	if line && strings.ContainsFunc(s, isLineBreaking) {
		return invalid(field, "must be one line of text, without control characters (such as CR, LF or NUL)")
	}
	return nil
}

// isLineBreaking reports control characters and the Unicode line and
// paragraph separators.
func isLineBreaking(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// checkProjectCredentials refuses Vonage credentials for a call that exists
// only for OpenTok projects.
func (ot *OpenTok) checkProjectCredentials(what string) error {
	if ot.app != nil {
		return invalid("credentials", "%s needs OpenTok project credentials (New); a Vonage application configures it in the Vonage dashboard", what)
	}
	return nil
}

// checkAPIKey validates an OpenTok API key (a project's or the account's):
// digits only.
func checkAPIKey(field, key string) error {
	if key == "" {
		return invalid(field, "must not be empty")
	}
	if len(key) > 32 || strings.ContainsFunc(key, func(r rune) bool { return r < '0' || r > '9' }) {
		return invalid(field, "must be an OpenTok API key: digits only, such as 47000000")
	}
	return nil
}

// checkAPISecret validates an OpenTok API secret; the reason never quotes it.
func checkAPISecret(field, secret string) error {
	if secret == "" {
		return invalid(field, "must not be empty")
	}
	if strings.TrimSpace(secret) != secret {
		return invalid(field, "must not have leading or trailing white space")
	}
	return nil
}

// notDotSegment refuses "." and "..": escaped or not, a proxy that
// normalises paths may resolve them and change the request's target.
func notDotSegment(field, id string) error {
	if id == "." || id == ".." {
		return invalid(field, "must not be %q", id)
	}
	return nil
}

// checkClientToken validates the client token argument of the calls that
// connect a server-side participant (SIP, Audio Connector, Experience
// Composer, captions). The reason never quotes the token.
func checkClientToken(token string) error {
	if token == "" {
		return invalid("token", "must not be empty (pass a client token from GenerateToken)")
	}
	if strings.TrimSpace(token) != token || !utf8.ValidString(token) {
		return invalid("token", "must be a client token without surrounding white space")
	}
	return nil
}

// checkHTTPURL validates an absolute http or https URL of minLen to maxLen
// characters (0 means no bound).
func checkHTTPURL(field, raw string, minLen, maxLen int) error {
	if err := checkText(field, raw, true); err != nil {
		return err
	}
	n := utf8.RuneCountInString(raw)
	if minLen > 0 && n < minLen {
		return invalid(field, "must be at least %d characters long, not %d", minLen, n)
	}
	if maxLen > 0 && n > maxLen {
		return invalid(field, "must be at most %d characters long, not %d", maxLen, n)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return invalid(field, "must be an absolute http or https URL")
	}
	if strings.ContainsFunc(raw, unicode.IsSpace) {
		return invalid(field, "must not contain white space")
	}
	return nil
}

// wireSeconds converts an optional duration option to whole seconds for the
// wire: 0 stays 0 (the field is omitted and the platform default applies);
// anything else must be a whole number of seconds from lo to hi.
func wireSeconds(field string, d time.Duration, lo, hi int) (int, error) {
	if d == 0 {
		return 0, nil
	}
	if d%time.Second != 0 {
		return 0, invalid(field, "must be a whole number of seconds, not %s", d)
	}
	s := d / time.Second
	if s < time.Duration(lo) || s > time.Duration(hi) {
		return 0, invalid(field, "must be between %d and %d seconds, not %d", lo, hi, int64(s))
	}
	return int(s), nil
}

// checkIDList validates a list of stream IDs sent in a body (each non-empty).
func checkIDList(field string, ids []string) error {
	for i, id := range ids {
		if id == "" || len(id) > 255 || !utf8.ValidString(id) {
			return invalid(field+"["+strconv.Itoa(i)+"]", "must be a non-empty ID of valid UTF-8, at most 255 bytes")
		}
	}
	return nil
}

// checkHeaderField validates a custom header name and value sent to a SIP or
// WebSocket endpoint: the name must be an HTTP token, the value must not
// contain CR, LF or NUL (which would let it inject further headers). The
// reason quotes the name, never the value.
func checkHeaderField(field, name, value string) error {
	if name == "" {
		return invalid(field, "a header name must not be empty")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenByte(name[i]) {
			return invalid(field, "header name %q is not a valid header token", name)
		}
	}
	if checkText(field, value, true) != nil {
		return invalid(field, "the value of header %q must be one line of UTF-8, without control characters (such as CR, LF or NUL)", name)
	}
	return nil
}

func isTokenByte(c byte) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// checkSessionID validates a session ID argument of a REST call: non-empty,
// at most sessionid.MaxLen bytes, and made of the session-ID alphabet only
// (letters, digits, '-' and '_', as in "2_MX4xMjM0NTZ-fk..."): a CR, LF,
// NUL or any other character appended to a real ID is refused, not cut off
// by the platform's decoder.
func (ot *OpenTok) checkSessionID(field, id string) error {
	if id == "" {
		return invalid(field, "must not be empty")
	}
	if len(id) > sessionid.MaxLen {
		return invalid(field, "is not a session ID: longer than %d bytes", sessionid.MaxLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return invalid(field, "is not a session ID: character %d is outside the session-ID alphabet (letters, digits, - and _)", i+1)
		}
	}
	return nil
}

// checkSessionOwner checks a session ID for a client token. With OpenTok
// credentials it must also decode to this client's API key, since the
// platform refuses a token for another project's session; Vonage session IDs
// are opaque and only checked for form.
func (ot *OpenTok) checkSessionOwner(field, id string) error {
	if err := ot.checkSessionID(field, id); err != nil {
		return err
	}
	if ot.project == nil {
		return nil
	}
	if sessionid.HasAPIKey(id, ot.ownerID) {
		return nil
	}
	if _, ok := sessionid.Decode(id); !ok {
		return invalid(field, "is not an OpenTok session ID (it does not decode)")
	}
	return invalid(field, "belongs to another project, not to API key %s", ot.ownerID)
}
