package opentok

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Live captions limits.
const (
	// MinCaptionsDuration is the shortest CaptionsOptions.MaxDuration.
	MinCaptionsDuration = 300 * time.Second
	// MaxCaptionsDuration is the longest CaptionsOptions.MaxDuration, and
	// the platform default.
	MaxCaptionsDuration = 14400 * time.Second
)

// CaptionsOptions are the options of [OpenTok.StartCaptions]. The zero value
// captions en-US speech, with partial captions, for at most four hours.
type CaptionsOptions struct {
	// LanguageCode is the spoken language as a BCP-47 language-REGION tag
	// such as "en-US" (the platform default), "fr-CA" or "pt-BR". The SDK
	// checks the shape (two or three lower-case letters, a hyphen, two
	// upper-case letters), not the platform's list of supported languages,
	// which grows over time.
	LanguageCode string
	// MaxDuration stops the captions after this long: whole seconds from
	// 300 s to 14400 s (4 h). 0 means the platform default, 4 h.
	MaxDuration time.Duration
	// PartialCaptions sends faster, less accurate interim captions. nil
	// means the platform default (true); set opentok.Ptr(false) to turn
	// them off.
	PartialCaptions *bool
	// StatusCallbackURL receives the captions' status events: an http or
	// https URL of 15 to 2048 characters. Empty: none.
	StatusCallbackURL string
}

// Captions are started live captions.
type Captions struct {
	// ID is the captions ID, for StopCaptions.
	ID string
}

type captionsBody struct {
	SessionID         string `json:"sessionId"`
	Token             string `json:"token"`
	LanguageCode      string `json:"languageCode,omitempty"`
	MaxDuration       int    `json:"maxDuration,omitempty"`
	PartialCaptions   *bool  `json:"partialCaptions,omitempty"`
	StatusCallbackURL string `json:"statusCallbackUrl,omitempty"`
}

type captionsAnswer struct {
	CaptionsID string `json:"captionsId"`
}

func (w *captionsAnswer) resourceID() string { return w.CaptionsID }

// StartCaptions starts live captions for a routed session: the platform
// transcribes the audio of the session's streams (up to 50) and sends the
// captions to the clients that subscribe to them. A session has at most one
// captions process at a time. opts may be nil and is not modified.
//
// token must be a client token with the moderator role (GenerateToken with
// RoleModerator). Tokens are not verified locally, but when the token is a
// JWT or a T1 token whose role can be read (its payload is decoded, not
// verified), a role other than moderator is refused before anything is sent;
// a token whose role cannot be read is sent as it is, and the platform
// answers 403 if it is not a moderator's.
//
// REST: POST /v2/project/{id}/captions with {"sessionId","token",
// "languageCode","maxDuration","partialCaptions","statusCallbackUrl"};
// unset options are left out (platform defaults en-US, 14400 s, true).
// 202 {"captionsId"}.
//
// Errors: [*ValidationError] (nothing is sent) for an empty session ID or
// token, a token whose role is readable and not moderator, a language code
// not shaped like en-US, a MaxDuration outside 300 s–14400 s or not whole
// seconds, or a status callback URL that is not http(s) of 15–2048
// characters. [*APIError] otherwise: 409 ([ErrConflict]) when captions are
// already running for the session, 403 ([ErrForbidden]) for a rejected
// token. The token never appears in an error.
func (ot *OpenTok) StartCaptions(ctx context.Context, sessionID, token string, opts *CaptionsOptions) (*Captions, error) {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return nil, err
	}
	if err := checkClientToken(token); err != nil {
		return nil, err
	}
	if role, ok := tokenRole(token); ok && !strings.EqualFold(role, string(RoleModerator)) {
		shown := "another"
		if Role(strings.ToLower(role)).Valid() {
			shown = "the " + strings.ToLower(role)
		}
		return nil, invalid("token", "has %s role; live captions need a moderator token (GenerateToken with RoleModerator)", shown)
	}
	body := captionsBody{SessionID: sessionID, Token: token}
	if opts != nil {
		if opts.LanguageCode != "" {
			if !isLanguageRegion(opts.LanguageCode) {
				return nil, invalid("languageCode", "must be a BCP-47 language-REGION tag such as en-US, not %q", opts.LanguageCode)
			}
			body.LanguageCode = opts.LanguageCode
		}
		secs, err := wireSeconds("maxDuration", opts.MaxDuration, int(MinCaptionsDuration/time.Second), int(MaxCaptionsDuration/time.Second))
		if err != nil {
			return nil, err
		}
		body.MaxDuration = secs
		if opts.PartialCaptions != nil {
			body.PartialCaptions = Ptr(*opts.PartialCaptions)
		}
		if opts.StatusCallbackURL != "" {
			if err := checkHTTPURL("statusCallbackUrl", opts.StatusCallbackURL, 15, 2048); err != nil {
				return nil, err
			}
			body.StatusCallbackURL = opts.StatusCallbackURL
		}
	}
	var w captionsAnswer
	if err := ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("captions"), body: body, out: &w, idField: "captionsId"}); err != nil {
		return nil, err
	}
	return &Captions{ID: w.CaptionsID}, nil
}

// StopCaptions stops live captions.
//
// REST: POST /v2/project/{id}/captions/{captionsId}/stop without a body;
// 202.
//
// Errors: [*ValidationError] for an empty captions ID (nothing is sent);
// [*APIError] otherwise: 404 ([ErrNotFound]) for an unknown captions ID;
// [*TransportError] when no answer came.
func (ot *OpenTok) StopCaptions(ctx context.Context, captionsID string) error {
	if err := checkResourceID("captionsId", captionsID); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("captions", captionsID, "stop")})
}

// isLanguageRegion reports whether s has the shape ll-RR or lll-RR.
func isLanguageRegion(s string) bool {
	lang, region, ok := strings.Cut(s, "-")
	if !ok || len(lang) < 2 || len(lang) > 3 || len(region) != 2 {
		return false
	}
	for i := 0; i < len(lang); i++ {
		if lang[i] < 'a' || lang[i] > 'z' {
			return false
		}
	}
	for i := 0; i < len(region); i++ {
		if region[i] < 'A' || region[i] > 'Z' {
			return false
		}
	}
	return true
}

// tokenRole reads the role of a client token without verifying it: the
// "role" claim of a JWT, or the role field of a T1 token's data. ok is false
// when the token has neither form or carries no (or an empty) role.
func tokenRole(token string) (role string, ok bool) {
	if rest, isT1 := strings.CutPrefix(token, "T1=="); isT1 {
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			// The OpenTok Java SDK uses the URL-safe alphabet.
			if raw, err = base64.URLEncoding.DecodeString(rest); err != nil {
				return "", false
			}
		}
		_, data, found := strings.Cut(string(raw), ":")
		if !found {
			return "", false
		}
		v, err := url.ParseQuery(data)
		if err != nil {
			return "", false
		}
		return v.Get("role"), v.Get("role") != ""
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return "", false
	}
	var claims struct {
		Role *string `json:"role"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Role == nil || *claims.Role == "" {
		return "", false
	}
	return *claims.Role, true
}
