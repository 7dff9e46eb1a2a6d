package opentok

import (
	"context"
	"net/http"
)

// What composed archives and broadcasts share: the stream mode, the
// bitrate cap, the initial layout, and the streams of manual stream mode
// (added and removed with PATCH .../streams).

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
