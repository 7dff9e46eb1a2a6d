package opentok

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DialOptions are the options of [OpenTok.Dial]. The zero value dials an
// audio-only, unencrypted call that subscribes to every stream and ignores
// force-mute.
type DialOptions struct {
	// From is the caller shown to the SIP endpoint, in the form
	// "from@example.com"; a numeric user part (for example
	// "14155550101@example.com") shows as the caller ID on PSTN phones,
	// anything else as +00000000. Empty: the platform's default.
	From string
	// Headers are custom headers added to the SIP INVITE. Every name must
	// start with "X-" (in any case) and be a valid header token; values
	// must not contain CR, LF or NUL.
	Headers map[string]string
	// Auth holds the credentials for digest authentication by the SIP
	// endpoint, if it asks for them.
	Auth *SIPAuth
	// Secure encrypts the media (SRTP). A ";transport=tls" URI parameter
	// secures only the signalling.
	Secure bool
	// Video includes video in the call (limited to 480p at 800 kbps): the
	// SIP side's video is published to the session and it receives a
	// composed view of the session's streams.
	Video bool
	// ObserveForceMute makes the call obey ForceMuteAll / ForceMuteStream;
	// the caller can then toggle mute with *6 (RFC 4733 DTMF only).
	ObserveForceMute bool
	// Streams lists the stream IDs the call subscribes to; empty means all
	// streams. Each ID must be non-empty.
	Streams []string
}

// SIPAuth holds the username and password a SIP endpoint asks for with
// digest authentication. Printed with fmt (any verb) or logged with slog,
// the password shows "REDACTED", also inside the options that hold it; the
// SDK sends it only in the dial request.
type SIPAuth struct {
	// Username is required when Auth is set.
	Username string
	// Password is optional.
	Password string
}

// Format prints the credentials with the password redacted, for every
// verb.
func (a SIPAuth) Format(f fmt.State, verb rune) {
	type plain SIPAuth
	a.Password = redact(a.Password)
	formatRedacted(f, verb, plain(a), "opentok.SIPAuth")
}

// LogValue logs the credentials with the password redacted.
func (a SIPAuth) LogValue() slog.Value { return logRedacted(a) }

// Format prints the options with the SIP password redacted, for every
// verb.
func (o DialOptions) Format(f fmt.State, verb rune) {
	type plain DialOptions
	formatRedacted(f, verb, plain(o), "opentok.DialOptions")
}

// LogValue logs the options with the SIP password redacted.
func (o DialOptions) LogValue() slog.Value { return logRedacted(o) }

// SIPCall is a dialled SIP call.
type SIPCall struct {
	// ID is the SIP call (conference) ID.
	ID string
	// ConnectionID is the call's connection in the session: pass it to
	// ForceDisconnect to hang up, or to PlayDTMFToConnection.
	ConnectionID string
	// StreamID is the stream the call publishes to the session.
	StreamID string
}

type dialAuthWire struct {
	Username string `json:"username"`
	Password string `json:"password,omitempty"`
}

type dialSIPWire struct {
	URI              string            `json:"uri"`
	From             string            `json:"from,omitempty"`
	Headers          map[string]string `json:"headers,omitempty"`
	Auth             *dialAuthWire     `json:"auth,omitempty"`
	Secure           bool              `json:"secure,omitempty"`
	Video            bool              `json:"video,omitempty"`
	ObserveForceMute bool              `json:"observeForceMute,omitempty"`
	Streams          []string          `json:"streams,omitempty"`
}

type dialBody struct {
	SessionID string      `json:"sessionId"`
	Token     string      `json:"token"`
	SIP       dialSIPWire `json:"sip"`
}

// sentSecrets is the SIP password the body carries (see secretBody).
func (b dialBody) sentSecrets() []string {
	if b.SIP.Auth == nil {
		return nil
	}
	return []string{b.SIP.Auth.Password}
}

type sipCallWire struct {
	ID           string `json:"id"`
	ConnectionID string `json:"connectionId"`
	StreamID     string `json:"streamId"`
}

func (w *sipCallWire) resourceID() string { return w.ID }

// Dial connects a SIP endpoint to a routed session: the platform calls
// sipURI and adds the call to the session as a connection publishing an
// audio (or, with Video, audio-video) stream. token is a client token for
// that connection (from [OpenTok.GenerateToken]; its connection data can
// identify the caller). Hang up with [OpenTok.ForceDisconnect] on the
// returned ConnectionID; the platform also ends calls after 5 minutes
// without media and after 6 hours. opts may be nil and is not modified.
//
// REST: POST /v2/project/{id}/dial with {"sessionId","token","sip":{"uri",
// "from","headers","auth","secure","video","observeForceMute","streams"}};
// false and empty options are left out. 200 {"id","connectionId","streamId"}.
//
// Errors: [*ValidationError] (nothing is sent) for an empty session ID or
// token, a URI that does not start with sip: or sips:, a From without
// user@domain, a header name without the X- prefix or a value with CR/LF,
// Auth without a username, or an empty stream ID. [*APIError] otherwise: 404
// ([ErrNotFound]) for an unknown session, 409 ([ErrConflict]) for a relayed
// session, 500 ([ErrServer]) when no media server was available (not
// retried, as the call is a POST; retry with backoff). Neither the token nor
// the SIP password ever appears in an error.
func (ot *OpenTok) Dial(ctx context.Context, sessionID, token, sipURI string, opts *DialOptions) (*SIPCall, error) {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return nil, err
	}
	if err := checkClientToken(token); err != nil {
		return nil, err
	}
	if err := checkSIPURI(sipURI); err != nil {
		return nil, err
	}
	body := dialBody{SessionID: sessionID, Token: token, SIP: dialSIPWire{URI: sipURI}}
	if opts != nil {
		if opts.From != "" {
			at := strings.IndexByte(opts.From, '@')
			if at <= 0 || at == len(opts.From)-1 || strings.ContainsFunc(opts.From, unicode.IsSpace) {
				return nil, invalid("sip.from", "must have the form user@domain, such as 14155550101@example.com")
			}
			if err := checkText("sip.from", opts.From, true); err != nil {
				return nil, err
			}
			body.SIP.From = opts.From
		}
		if len(opts.Headers) > 0 {
			for name, value := range opts.Headers {
				if len(name) < 3 || !strings.EqualFold(name[:2], "X-") {
					return nil, invalid("sip.headers", "header name %q must start with X-", name)
				}
				if err := checkHeaderField("sip.headers", name, value); err != nil {
					return nil, err
				}
			}
			body.SIP.Headers = opts.Headers
		}
		if opts.Auth != nil {
			if opts.Auth.Username == "" {
				return nil, invalid("sip.auth.username", "must not be empty when auth is set (a password needs a username)")
			}
			if err := checkText("sip.auth.username", opts.Auth.Username, true); err != nil {
				return nil, err
			}
			if err := checkText("sip.auth.password", opts.Auth.Password, true); err != nil {
				return nil, err
			}
			body.SIP.Auth = &dialAuthWire{Username: opts.Auth.Username, Password: opts.Auth.Password}
		}
		if err := checkIDList("sip.streams", opts.Streams); err != nil {
			return nil, err
		}
		if len(opts.Streams) > 0 {
			body.SIP.Streams = opts.Streams
		}
		body.SIP.Secure = opts.Secure
		body.SIP.Video = opts.Video
		body.SIP.ObserveForceMute = opts.ObserveForceMute
	}
	var w sipCallWire
	if err := ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("dial"), body: body, out: &w, idField: "id"}); err != nil {
		return nil, err
	}
	return &SIPCall{ID: w.ID, ConnectionID: w.ConnectionID, StreamID: w.StreamID}, nil
}

// checkSIPURI checks the scheme of a SIP URI; the reason never quotes the
// URI, which may carry credentials.
func checkSIPURI(uri string) error {
	if uri == "" {
		return invalid("sip.uri", "must not be empty")
	}
	lower := strings.ToLower(uri)
	rest, ok := strings.CutPrefix(lower, "sip:")
	if !ok {
		rest, ok = strings.CutPrefix(lower, "sips:")
	}
	if !ok {
		return invalid("sip.uri", "must start with sip: or sips:, as in sip:user@sip.example.com;transport=tls")
	}
	if rest == "" || !utf8.ValidString(uri) || strings.ContainsFunc(uri, func(r rune) bool { return unicode.IsSpace(r) || isLineBreaking(r) }) {
		return invalid("sip.uri", "must name a SIP address after the scheme, without white space or control characters")
	}
	return nil
}

type dtmfBody struct {
	Digits string `json:"digits"`
}

// checkDTMF checks the digits to play; the reason never quotes them (they
// may be a PIN).
func checkDTMF(digits string) error {
	if digits == "" {
		return invalid("digits", "must not be empty")
	}
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if !(c >= '0' && c <= '9' || c == '*' || c == '#' || c == 'p') {
			return invalid("digits", "may only hold 0-9, *, # and p (a 500 ms pause); character %d is not one of them", i+1)
		}
	}
	return nil
}

// PlayDTMF plays DTMF tones to every SIP call in a session. digits holds
// 0-9, '*', '#' and 'p' (a 500 ms pause).
//
// REST: POST /v2/project/{id}/session/{sessionId}/play-dtmf with
// {"digits"}; 200 (the OpenAPI document's plural /v2/projects/ path is a
// typo). The answer's body, if any, is ignored.
//
// Errors: [*ValidationError] for an empty session ID, or empty or invalid
// digits (nothing is sent); [*APIError] otherwise: 400 ([ErrBadRequest]),
// 404 ([ErrNotFound]) for an unknown session; [*TransportError] when no
// answer came.
func (ot *OpenTok) PlayDTMF(ctx context.Context, sessionID, digits string) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	if err := checkDTMF(digits); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("session", sessionID, "play-dtmf"), body: dtmfBody{Digits: digits}})
}

// PlayDTMFToConnection plays DTMF tones to one connection of a session, for
// example the ConnectionID of a [SIPCall]. An empty connection ID is an
// error: it never widens to the whole session.
//
// REST: POST /v2/project/{id}/session/{sessionId}/connection/{connectionId}/play-dtmf
// with {"digits"}; 200.
//
// Errors: as [OpenTok.PlayDTMF], plus [*ValidationError] for an empty
// connection ID.
func (ot *OpenTok) PlayDTMFToConnection(ctx context.Context, sessionID, connectionID, digits string) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	if err := checkResourceID("connectionId", connectionID); err != nil {
		return err
	}
	if err := checkDTMF(digits); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("session", sessionID, "connection", connectionID, "play-dtmf"),
		body: dtmfBody{Digits: digits}})
}
