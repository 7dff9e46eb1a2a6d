package opentok

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"unicode/utf8"
)

// MediaMode says how a session's media flows.
type MediaMode string

// The media modes.
const (
	// MediaRelayed sends media peer to peer where possible (the REST field
	// p2p.preference=enabled). It is the default of this SDK, as of the
	// OpenTok Node SDK. Relayed sessions cannot be archived or broadcast.
	MediaRelayed MediaMode = "relayed"
	// MediaRouted sends media through the OpenTok Media Router
	// (p2p.preference=disabled). Archives, broadcasts, SIP, captions,
	// Experience Composer and the Audio Connector need it.
	MediaRouted MediaMode = "routed"
)

// ArchiveMode says whether a session is archived automatically.
type ArchiveMode string

// The archive modes.
const (
	// ArchiveManual: archives are started and stopped by REST calls (the
	// default).
	ArchiveManual ArchiveMode = "manual"
	// ArchiveAlways: the platform archives the session automatically from
	// the first connection. It requires MediaRouted.
	ArchiveAlways ArchiveMode = "always"
)

// SessionOptions are the options of [OpenTok.CreateSession]. The zero value
// creates a relayed, manually archived session.
type SessionOptions struct {
	// MediaMode is MediaRelayed (the default, as documented by the Node
	// SDK) or MediaRouted.
	MediaMode MediaMode
	// ArchiveMode is ArchiveManual (the default) or ArchiveAlways, which
	// requires MediaRouted.
	ArchiveMode ArchiveMode
	// Location is an IPv4 address used as a hint for choosing the media
	// server's region; empty lets the platform choose.
	Location string
	// E2EE turns on end-to-end encryption; it requires MediaRouted.
	E2EE bool
	// ArchiveName names the automatic archives of an ArchiveAlways
	// session; at most 80 characters.
	ArchiveName string
	// ArchiveResolution is the resolution of the automatic archives of an
	// ArchiveAlways session (empty: platform default 640x480).
	ArchiveResolution Resolution
}

// Session is a created session. Sessions never expire and cannot be
// deleted; clients join one with its ID and a token from
// [OpenTok.GenerateToken].
type Session struct {
	// ID is the session ID.
	ID string
	// MediaMode, ArchiveMode, Location, E2EE, ArchiveName and
	// ArchiveResolution are the options the session was created with
	// (the platform does not echo them), defaults filled in.
	MediaMode         MediaMode
	ArchiveMode       ArchiveMode
	Location          string
	E2EE              bool
	ArchiveName       string
	ArchiveResolution Resolution
	// ProjectID is the owner the platform reported: the API key
	// (project_id) or the application ID (application_id); empty when it
	// sent neither.
	ProjectID string
	// MediaServerURL is the platform's media_server_url, usually empty.
	MediaServerURL string
}

// sessionAnswer is one element of the create-session answer array.
type sessionAnswer struct {
	SessionID      string     `json:"session_id"`
	ProjectID      flexString `json:"project_id"`
	PartnerID      flexString `json:"partner_id"`
	ApplicationID  string     `json:"application_id"`
	MediaServerURL string     `json:"media_server_url"`
}

// sessionAnswers is the create-session answer: a JSON array.
type sessionAnswers []sessionAnswer

// resourceID returns the first element's session_id.
func (a sessionAnswers) resourceID() string {
	if len(a) == 0 {
		return ""
	}
	return a[0].SessionID
}

// CreateSession creates a session.
//
// REST: POST /session/create, form-encoded: p2p.preference (disabled for
// routed, enabled for relayed; always sent), archiveMode (always sent),
// location, e2ee (sent when true), archiveName, archiveResolution. The answer
// is a JSON array whose first element carries session_id.
//
// The default media mode is relayed, as the Node SDK documents (the newer
// Vonage SDKs default to routed): set MediaMode to MediaRouted for archiving,
// broadcasting, SIP and the other server-side features. opts may be nil and
// is not modified.
//
// Errors: [*ValidationError] for an unknown mode, a Location that is not an
// IPv4 address, ArchiveAlways or E2EE with relayed media, an ArchiveName over
// 80 characters or an unknown ArchiveResolution (nothing is sent);
// [*APIError] for a non-2xx answer (errors.Is ErrForbidden/ErrUnauthorized
// for rejected credentials); [*ResponseError] when the answer has no session
// ID; [*TransportError] when no answer came.
func (ot *OpenTok) CreateSession(ctx context.Context, opts *SessionOptions) (*Session, error) {
	var o SessionOptions
	if opts != nil {
		o = *opts
	}
	if o.MediaMode == "" {
		o.MediaMode = MediaRelayed
	}
	if o.ArchiveMode == "" {
		o.ArchiveMode = ArchiveManual
	}
	var p2p string
	switch o.MediaMode {
	case MediaRouted:
		p2p = "disabled"
	case MediaRelayed:
		p2p = "enabled"
	default:
		return nil, invalid("mediaMode", "must be routed or relayed, not %q", string(o.MediaMode))
	}
	switch o.ArchiveMode {
	case ArchiveManual, ArchiveAlways:
	default:
		return nil, invalid("archiveMode", "must be manual or always, not %q", string(o.ArchiveMode))
	}
	if o.ArchiveMode == ArchiveAlways && o.MediaMode != MediaRouted {
		return nil, invalid("archiveMode", "always requires the routed media mode")
	}
	if o.Location != "" {
		a, err := netip.ParseAddr(o.Location)
		if err != nil || !a.Is4() {
			return nil, invalid("location", "must be an IPv4 address, not %q", o.Location)
		}
	}
	if o.E2EE && o.MediaMode != MediaRouted {
		return nil, invalid("e2ee", "end-to-end encryption requires the routed media mode")
	}
	if err := checkText("archiveName", o.ArchiveName, true); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(o.ArchiveName) > 80 {
		return nil, invalid("archiveName", "must be at most 80 characters")
	}
	if err := checkResolution("archiveResolution", o.ArchiveResolution); err != nil {
		return nil, err
	}
	form := url.Values{"archiveMode": {string(o.ArchiveMode)}, "p2p.preference": {p2p}}
	if o.ArchiveName != "" {
		form.Set("archiveName", o.ArchiveName)
	}
	if o.ArchiveResolution != "" {
		form.Set("archiveResolution", string(o.ArchiveResolution))
	}
	if o.Location != "" {
		form.Set("location", o.Location)
	}
	if o.E2EE {
		form.Set("e2ee", "true")
	}

	var answer sessionAnswers
	if err := ot.do(ctx, &request{method: http.MethodPost, path: "/session/create", form: form, out: &answer, idField: "session_id"}); err != nil {
		return nil, err
	}
	a := answer[0]
	s := &Session{
		ID:                a.SessionID,
		MediaMode:         o.MediaMode,
		ArchiveMode:       o.ArchiveMode,
		Location:          o.Location,
		E2EE:              o.E2EE,
		ArchiveName:       o.ArchiveName,
		ArchiveResolution: o.ArchiveResolution,
		MediaServerURL:    a.MediaServerURL,
	}
	s.ProjectID = reportedOwner(flexString(a.ApplicationID), a.ProjectID, a.PartnerID)
	return s, nil
}
