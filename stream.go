package opentok

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Stream is a stream published to a session, as the streams endpoints
// describe it.
type Stream struct {
	// ID is the stream ID.
	ID string
	// VideoType is VideoCamera, VideoScreen or VideoCustom; empty for an
	// audio-only stream. Values the platform adds later are kept as sent.
	VideoType VideoType
	// Name is the name the publisher gave the stream; empty when none.
	Name string
	// LayoutClassList holds the stream's layout classes, used by the layouts
	// of composed archives and broadcasts; nil or empty when it has none.
	LayoutClassList []string
}

// StreamClassList sets the layout classes of one stream in
// [OpenTok.SetStreamClassLists].
type StreamClassList struct {
	// ID is the stream ID; required.
	ID string
	// LayoutClassList holds the classes to set, replacing the stream's
	// current ones. An empty or nil list clears them (it is sent as []).
	// Each class must be non-empty and free of white space.
	LayoutClassList []string
}

// ForceMuteAllOptions are the options of [OpenTok.ForceMuteAll].
type ForceMuteAllOptions struct {
	// ExcludedStreamIDs lists the streams that are not muted (for example
	// the moderator's own). Each ID must be non-empty.
	ExcludedStreamIDs []string
}

// streamWire is the platform's StreamLayout object.
type streamWire struct {
	ID              string    `json:"id"`
	VideoType       VideoType `json:"videoType"`
	Name            string    `json:"name"`
	LayoutClassList []string  `json:"layoutClassList"`
}

func (w *streamWire) stream() *Stream {
	return &Stream{ID: w.ID, VideoType: w.VideoType, Name: w.Name, LayoutClassList: w.LayoutClassList}
}

type streamClassItem struct {
	ID              string   `json:"id"`
	LayoutClassList []string `json:"layoutClassList"` // never omitted: [] clears
}

type streamClassBody struct {
	Items []streamClassItem `json:"items"`
}

// muteAllBody is sent by ForceMuteAll; excludedStreamIds is always present
// ([] when none), as the OpenAPI document marks it required.
type muteAllBody struct {
	Active            bool     `json:"active"`
	ExcludedStreamIDs []string `json:"excludedStreamIds"`
}

// muteOffBody is sent by DisableForceMute.
type muteOffBody struct {
	Active bool `json:"active"`
}

// GetStream returns one stream of a session: its video type, name and
// layout classes.
//
// REST: GET /v2/project/{id}/session/{sessionId}/stream/{streamId}
//
// Errors: [*ValidationError] for an empty session or stream ID (nothing is
// sent); [*APIError] otherwise: 404 ([ErrNotFound]) when the session has no
// such stream (or no streams yet), 400 or 408 for a malformed stream ID;
// [*TransportError] when no answer came.
func (ot *OpenTok) GetStream(ctx context.Context, sessionID, streamID string) (*Stream, error) {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return nil, err
	}
	if err := checkResourceID("streamId", streamID); err != nil {
		return nil, err
	}
	var w streamWire
	err := ot.do(ctx, &request{method: http.MethodGet, path: ot.projectPath("session", sessionID, "stream", streamID), out: &w})
	if err != nil {
		return nil, err
	}
	return w.stream(), nil
}

// ListStreams returns the streams of a session. The platform answers with
// one page holding every stream; an answer without "items" gives an empty
// list.
//
// REST: GET /v2/project/{id}/session/{sessionId}/stream
//
// Errors: [*ValidationError] for an empty session ID (nothing is sent);
// [*APIError] otherwise: 404 ([ErrNotFound]) for an unknown session or one
// that nobody has joined yet; [*TransportError] when no answer came.
func (ot *OpenTok) ListStreams(ctx context.Context, sessionID string) (*Page[Stream], error) {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return nil, err
	}
	p, err := listPage(ctx, ot, ot.projectPath("session", sessionID, "stream"), nil, (*streamWire).stream)
	if err != nil {
		return nil, err
	}
	if p.Total == 0 {
		p.Total = len(p.Items)
	}
	return p, nil
}

// SetStreamClassLists sets the layout classes of one or more streams of a
// session, replacing their current classes. A stream given an empty class
// list has its classes cleared. The layouts of composed archives and
// broadcasts position streams by these classes.
//
// REST: PUT /v2/project/{id}/session/{sessionId}/stream with
// {"items":[{"id","layoutClassList":[...]}]}; 200 with an empty body.
//
// Errors: [*ValidationError] for an empty session ID, no lists, an empty
// stream ID (items[i].id) or an empty class or one containing white space
// (items[i].layoutClassList[j]); nothing is sent. [*APIError] for a non-2xx
// answer (400 for invalid layout options); [*TransportError] when no answer
// came.
func (ot *OpenTok) SetStreamClassLists(ctx context.Context, sessionID string, lists []StreamClassList) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	if len(lists) == 0 {
		return invalid("items", "must hold at least one stream")
	}
	body := streamClassBody{Items: make([]streamClassItem, len(lists))}
	for i, l := range lists {
		field := "items[" + strconv.Itoa(i) + "]"
		if err := checkResourceID(field+".id", l.ID); err != nil {
			return err
		}
		classes := make([]string, 0, len(l.LayoutClassList))
		for j, c := range l.LayoutClassList {
			if c == "" || !utf8.ValidString(c) || strings.ContainsFunc(c, unicode.IsSpace) {
				return invalid(field+".layoutClassList["+strconv.Itoa(j)+"]", "a layout class must be non-empty UTF-8 without white space, not %q", c)
			}
			classes = append(classes, c)
		}
		body.Items[i] = streamClassItem{ID: l.ID, LayoutClassList: classes}
	}
	return ot.do(ctx, &request{method: http.MethodPut, path: ot.projectPath("session", sessionID, "stream"), body: body})
}

// ForceMuteStream mutes the audio of one published stream. The publisher
// can unmute it again.
//
// REST: POST /v2/project/{id}/session/{sessionId}/stream/{streamId}/mute
// without a body; 200, with an empty body or project details (ignored).
//
// Errors: [*ValidationError] for an empty session or stream ID (nothing is
// sent); [*APIError] otherwise: 404 ([ErrNotFound]) for an unknown session
// or stream; [*TransportError] when no answer came.
func (ot *OpenTok) ForceMuteStream(ctx context.Context, sessionID, streamID string) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	if err := checkResourceID("streamId", streamID); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("session", sessionID, "stream", streamID, "mute")})
}

// ForceMuteAll mutes the audio of every stream in a session except the
// excluded ones, and puts the session in a mute state: streams published
// later are muted too, until [OpenTok.DisableForceMute]. SIP calls obey it
// only when dialled with ObserveForceMute. opts may be nil and is not
// modified.
//
// REST: POST /v2/project/{id}/session/{sessionId}/mute with
// {"active":true,"excludedStreamIds":[...]} (the list is sent as [] when
// empty); 200, with an empty body or project details (ignored).
//
// Errors: [*ValidationError] for an empty session ID or an empty excluded
// stream ID (excludedStreamIds[i]); nothing is sent. [*APIError] for a
// non-2xx answer (404 [ErrNotFound] for an unknown session);
// [*TransportError] when no answer came.
func (ot *OpenTok) ForceMuteAll(ctx context.Context, sessionID string, opts *ForceMuteAllOptions) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	body := muteAllBody{Active: true, ExcludedStreamIDs: []string{}}
	if opts != nil && len(opts.ExcludedStreamIDs) > 0 {
		if err := checkIDList("excludedStreamIds", opts.ExcludedStreamIDs); err != nil {
			return err
		}
		body.ExcludedStreamIDs = append(body.ExcludedStreamIDs, opts.ExcludedStreamIDs...)
	}
	return ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("session", sessionID, "mute"), body: body})
}

// DisableForceMute ends the mute state set by [OpenTok.ForceMuteAll]:
// streams published from now on are not muted. Streams already muted stay
// muted until their publishers unmute them.
//
// REST: POST /v2/project/{id}/session/{sessionId}/mute with
// {"active":false}; 200, with an empty body or project details (ignored).
//
// Errors: [*ValidationError] for an empty session ID (nothing is sent);
// [*APIError] for a non-2xx answer; [*TransportError] when no answer came.
func (ot *OpenTok) DisableForceMute(ctx context.Context, sessionID string) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("session", sessionID, "mute"), body: muteOffBody{Active: false}})
}
