package opentok

import (
	"context"
	"iter"
	"net/http"
)

// What composed archives and broadcasts share: the stream mode, the
// bitrate cap, the initial layout, the streams of manual stream mode (added
// and removed with PATCH .../streams), and the calls that are the same for
// both but for the path: get, stop, list, set the layout.

// StreamMediaOptions are the options of [OpenTok.AddArchiveStream] and
// [OpenTok.AddBroadcastStream].
type StreamMediaOptions struct {
	// HasAudio and HasVideo say whether the stream's audio and video are
	// included; nil means the platform default, true. Unlike the Node SDK,
	// opentok.Ptr(false) is sent as false.
	HasAudio, HasVideo *bool
}

// streamsPatchBody is the body of PATCH .../archive|broadcast/{id}/streams: one
// of addStream (with the optional flags) or removeStream.
type streamsPatchBody struct {
	AddStream    string `json:"addStream,omitempty"`
	HasAudio     *bool  `json:"hasAudio,omitempty"`
	HasVideo     *bool  `json:"hasVideo,omitempty"`
	RemoveStream string `json:"removeStream,omitempty"`
}

type includedStreamWire struct {
	StreamID string   `json:"streamId"`
	HasAudio flexBool `json:"hasAudio"`
	HasVideo flexBool `json:"hasVideo"`
}

func validateStreamMode(mode StreamMode) error {
	switch mode {
	case "", StreamModeAuto, StreamModeManual:
		return nil
	}
	return invalid("streamMode", "must be auto or manual, not %q", string(mode))
}

// validateMaxBitrate accepts 0 (not set) or 100000–6000000 bits per second.
func validateMaxBitrate(b int) error {
	if b != 0 && (b < 100_000 || b > 6_000_000) {
		return invalid("maxBitrate", "must be between 100000 and 6000000 bits per second, not %d", b)
	}
	return nil
}

// validateInitialLayout validates an optional initial layout.
func validateInitialLayout(l *Layout) error {
	if l == nil {
		return nil
	}
	return l.validate("layout")
}

func addStreamBody(streamID string, opts *StreamMediaOptions) *streamsPatchBody {
	b := &streamsPatchBody{AddStream: streamID}
	if opts != nil {
		b.HasAudio = dupBool(opts.HasAudio)
		b.HasVideo = dupBool(opts.HasVideo)
	}
	return b
}

// patchStreams sends an add/remove-stream body to an archive or broadcast.
func (ot *OpenTok) patchStreams(ctx context.Context, resource, idField, id string, body *streamsPatchBody) error {
	if err := checkResourceID(idField, id); err != nil {
		return err
	}
	// The stream ID goes into a JSON body, where bytes that are not UTF-8
	// would become U+FFFD and name another stream.
	if err := checkResourceID("streamId", body.AddStream+body.RemoveStream); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodPatch, path: ot.projectPath(resource, id, "streams"), body: body,
		removal: body.RemoveStream != ""})
}

// getComposition is GetArchive and GetBroadcast: GET .../{resource}/{id}.
func getComposition[W, T any](ctx context.Context, ot *OpenTok, resource, idField, id string, conv func(*W) *T) (*T, error) {
	if err := checkResourceID(idField, id); err != nil {
		return nil, err
	}
	return callOne(ctx, ot, http.MethodGet, ot.projectPath(resource, id), nil, conv)
}

// stopComposition is StopArchive and StopBroadcast: POST
// .../{resource}/{id}/stop with the body "{}".
func stopComposition[W, T any](ctx context.Context, ot *OpenTok, resource, idField, id string, conv func(*W) *T) (*T, error) {
	if err := checkResourceID(idField, id); err != nil {
		return nil, err
	}
	return callOne(ctx, ot, http.MethodPost, ot.projectPath(resource, id, "stop"), struct{}{}, conv)
}

// listCompositions is ListArchives and ListBroadcasts: GET
// .../{resource}?offset&count&sessionId.
func listCompositions[W, T any](ctx context.Context, ot *OpenTok, resource string, offset, count int, sessionID string,
	conv func(*W) *T) (*Page[T], error) {
	q, err := ot.pagingQuery(offset, count, sessionID)
	if err != nil {
		return nil, err
	}
	return listPage(ctx, ot, ot.projectPath(resource), q, conv)
}

// allCompositions is AllArchives and AllBroadcasts.
func allCompositions[W, T any](ctx context.Context, ot *OpenTok, resource string, offset, count int, sessionID string,
	conv func(*W) *T, id func(*T) string) iter.Seq2[*T, error] {
	_, err := ot.pagingQuery(offset, count, sessionID)
	return paginate(ctx, err, offset, count, id, func(ctx context.Context, offset, count int) (*Page[T], error) {
		return listCompositions(ctx, ot, resource, offset, count, sessionID, conv)
	})
}

// setCompositionLayout is SetArchiveLayout and SetBroadcastLayout: PUT
// .../{resource}/{id}/layout with the layout.
func (ot *OpenTok) setCompositionLayout(ctx context.Context, resource, idField, id string, layout Layout) error {
	if err := checkResourceID(idField, id); err != nil {
		return err
	}
	if err := layout.validate("layout"); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodPut, path: ot.projectPath(resource, id, "layout"), body: layout})
}
