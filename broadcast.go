package opentok

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"
)

// Broadcasts: live streaming a routed session to HLS and/or RTMP targets.

// Broadcast limits the platform documents.
const (
	// MaxRTMPOutputs is the most RTMP targets one broadcast may have.
	MaxRTMPOutputs = 5
	// MinBroadcastDuration and MaxBroadcastDuration bound
	// BroadcastOptions.MaxDuration; the platform default is 4 hours.
	MinBroadcastDuration = 60 * time.Second
	MaxBroadcastDuration = 36000 * time.Second
)

// BroadcastOptions are the options of [OpenTok.StartBroadcast]. Outputs
// must name at least one target; everything else is optional and sent only
// when set.
type BroadcastOptions struct {
	// Outputs are the targets: HLS, up to five RTMP servers, or both.
	Outputs BroadcastOutputs
	// MaxDuration stops the broadcast after this long: whole seconds from
	// 60 s to 10 h (36000 s); 0 means the platform default, 4 h.
	MaxDuration time.Duration
	// Resolution of the broadcast (platform default 640x480).
	Resolution Resolution
	// Layout is the initial layout (platform default: bestFit).
	Layout *Layout
	// StreamMode is StreamModeAuto (the platform default: every stream) or
	// StreamModeManual (only streams added with AddBroadcastStream).
	StreamMode StreamMode
	// MultiBroadcastTag allows several simultaneous broadcasts of one
	// session: give each a unique tag. Without it a session has one
	// broadcast at a time (a second start gives [ErrConflict]).
	MultiBroadcastTag string
	// MaxBitrate caps the video bitrate, in bits per second,
	// 100000–6000000; 0 means no cap.
	MaxBitrate int
	// HasAudio and HasVideo say whether the broadcast carries audio and
	// video; nil means the platform default, true.
	HasAudio, HasVideo *bool
}

// BroadcastOutputs are the targets of a broadcast.
type BroadcastOutputs struct {
	// HLS, when not nil, makes an HLS stream; its URL is in Broadcast.HLSURL.
	HLS *HLSOutput
	// RTMP are up to five RTMP or RTMPS targets.
	RTMP []RTMPOutput
}

// HLSOutput configures the HLS output of a broadcast, and reports it in
// Broadcast.HLSSettings.
type HLSOutput struct {
	// DVR lets players rewind, pause and resume (default false); the HLS
	// URL then ends in "?DVR". It excludes LowLatency.
	DVR bool
	// LowLatency turns on low-latency HLS, which some players do not
	// support (default false). It excludes DVR.
	LowLatency bool
}

// RTMPOutput is one RTMP target of a broadcast. Its stream name is the
// target's key: printed with fmt (any verb) or logged with slog it shows
// "REDACTED", also inside the options that hold it; its JSON carries it.
type RTMPOutput struct {
	// ID is an optional name you give the target; the platform reports the
	// target's status under it.
	ID string
	// ServerURL is the RTMP server, an rtmp:// or rtmps:// URL (required).
	ServerURL string
	// StreamName is the stream name or key, such as a YouTube Live stream
	// key (required).
	StreamName string
}

// Format prints the output with its stream name redacted, for every verb.
func (o RTMPOutput) Format(f fmt.State, verb rune) {
	type plain RTMPOutput
	o.StreamName = redact(o.StreamName)
	formatRedacted(f, verb, plain(o), "opentok.RTMPOutput")
}

// LogValue logs the output with its stream name redacted.
func (o RTMPOutput) LogValue() slog.Value { return logRedacted(o) }

// Broadcast is a broadcast as the platform reports it.
type Broadcast struct {
	// ID is the broadcast ID.
	ID string
	// SessionID is the broadcast session.
	SessionID string
	// ProjectID is the owner: the application ID (Vonage) or the API key
	// (OpenTok, reported as projectId or partnerId).
	ProjectID string
	// MultiBroadcastTag is as set at start, when the platform echoes it.
	MultiBroadcastTag string
	// CreatedAt is when the broadcast started; UpdatedAt when it last
	// changed.
	CreatedAt, UpdatedAt time.Time
	// MaxDuration is the duration after which the broadcast stops.
	MaxDuration time.Duration
	// MaxBitrate is the video bitrate cap in bits per second (0 when none
	// was reported).
	MaxBitrate int
	// Resolution, HasAudio, HasVideo and StreamMode are as reported
	// (empty or false when the answer omits them).
	Resolution         Resolution
	HasAudio, HasVideo bool
	StreamMode         StreamMode
	// Status is the broadcast's state; compare with the BroadcastStatus
	// constants (unknown states are kept as they come).
	Status BroadcastStatus
	// HLSURL is the URL of the HLS playlist (empty without HLS output).
	// Wait 15–20 s after the start before fetching it.
	HLSURL string
	// HLSStatus is the state of the HLS stream ("connecting", "ready",
	// "live", "ended", "error"), when reported.
	HLSStatus string
	// RTMP are the RTMP targets with their state.
	RTMP []RTMPTargetStatus
	// HLSSettings are the HLS options in force (settings.hls).
	HLSSettings HLSOutput
	// Streams are the streams currently broadcast (manual stream mode).
	Streams []BroadcastStream
}

// RTMPTargetStatus is an RTMP target of a broadcast and its state. The
// platform echoes the stream name, the target's key: printed with fmt (any
// verb) or logged with slog it shows "REDACTED", also inside the broadcast
// that holds it; its JSON carries it.
type RTMPTargetStatus struct {
	ID, ServerURL string
	StreamName    string
	// Status is the target's state; compare with the RTMPStatus constants.
	Status RTMPStatus
}

// Format prints the target with its stream name redacted, for every verb.
func (t RTMPTargetStatus) Format(f fmt.State, verb rune) {
	type plain RTMPTargetStatus
	t.StreamName = redact(t.StreamName)
	formatRedacted(f, verb, plain(t), "opentok.RTMPTargetStatus")
}

// LogValue logs the target with its stream name redacted.
func (t RTMPTargetStatus) LogValue() slog.Value { return logRedacted(t) }

// Format prints the options with the RTMP stream names redacted, for every
// verb.
func (o BroadcastOptions) Format(f fmt.State, verb rune) {
	type plain BroadcastOptions
	formatRedacted(f, verb, plain(o), "opentok.BroadcastOptions")
}

// LogValue logs the options with the RTMP stream names redacted.
func (o BroadcastOptions) LogValue() slog.Value { return logRedacted(o) }

// Format prints the outputs with the RTMP stream names redacted, for every
// verb.
func (o BroadcastOutputs) Format(f fmt.State, verb rune) {
	type plain BroadcastOutputs
	formatRedacted(f, verb, plain(o), "opentok.BroadcastOutputs")
}

// LogValue logs the outputs with the RTMP stream names redacted.
func (o BroadcastOutputs) LogValue() slog.Value { return logRedacted(o) }

// Format prints the broadcast with the RTMP stream names redacted, for
// every verb.
func (b Broadcast) Format(f fmt.State, verb rune) {
	type plain Broadcast
	formatRedacted(f, verb, plain(b), "opentok.Broadcast")
}

// LogValue logs the broadcast with the RTMP stream names redacted.
func (b Broadcast) LogValue() slog.Value { return logRedacted(b) }

// BroadcastStream is a stream included in a broadcast.
type BroadcastStream struct {
	// StreamID is the stream's ID.
	StreamID string
	// HasAudio and HasVideo say whether its audio and video are broadcast.
	HasAudio, HasVideo bool
}

// ListBroadcastsOptions select a page of broadcasts. The zero value asks
// for the platform's first page (50 broadcasts).
type ListBroadcastsOptions struct {
	// Offset is the index of the first broadcast, 0 being the newest; not
	// negative.
	Offset int
	// Count is the page size, 0 (platform default 50) to [MaxListCount].
	Count int
	// SessionID, when set, lists only that session's broadcasts.
	SessionID string
}

// ---- wire types ---------------------------------------------------------------

type broadcastStartBody struct {
	SessionID         string               `json:"sessionId"`
	Layout            *Layout              `json:"layout,omitempty"`
	MaxDuration       int64                `json:"maxDuration,omitempty"`
	Outputs           broadcastOutputsWire `json:"outputs"`
	Resolution        Resolution           `json:"resolution,omitempty"`
	StreamMode        StreamMode           `json:"streamMode,omitempty"`
	MultiBroadcastTag string               `json:"multiBroadcastTag,omitempty"`
	MaxBitrate        int                  `json:"maxBitrate,omitempty"`
	HasAudio          *bool                `json:"hasAudio,omitempty"`
	HasVideo          *bool                `json:"hasVideo,omitempty"`
}

// sentSecrets are the RTMP stream keys the body carries (see secretBody).
func (b *broadcastStartBody) sentSecrets() []string {
	keys := make([]string, 0, len(b.Outputs.RTMP))
	for _, o := range b.Outputs.RTMP {
		keys = append(keys, o.StreamName)
	}
	return keys
}

type broadcastOutputsWire struct {
	HLS  *hlsOutputWire   `json:"hls,omitempty"`
	RTMP []rtmpOutputWire `json:"rtmp,omitempty"`
}

type hlsOutputWire struct {
	DVR        bool `json:"dvr,omitempty"`
	LowLatency bool `json:"lowLatency,omitempty"`
}

type rtmpOutputWire struct {
	ID         string `json:"id,omitempty"`
	ServerURL  string `json:"serverUrl"`
	StreamName string `json:"streamName"`
}

type broadcastWire struct {
	ID                string               `json:"id"`
	SessionID         string               `json:"sessionId"`
	ApplicationID     flexString           `json:"applicationId"`
	ProjectID         flexString           `json:"projectId"`
	PartnerID         flexString           `json:"partnerId"`
	MultiBroadcastTag flexString           `json:"multiBroadcastTag"`
	CreatedAt         msTime               `json:"createdAt"`
	UpdatedAt         msTime               `json:"updatedAt"`
	MaxDuration       seconds              `json:"maxDuration"`
	MaxBitrate        flexInt              `json:"maxBitrate"`
	Resolution        Resolution           `json:"resolution"`
	HasAudio          flexBool             `json:"hasAudio"`
	HasVideo          flexBool             `json:"hasVideo"`
	StreamMode        StreamMode           `json:"streamMode"`
	Status            BroadcastStatus      `json:"status"`
	BroadcastURLs     broadcastURLsWire    `json:"broadcastUrls"`
	Settings          broadcastSettings    `json:"settings"`
	Streams           []includedStreamWire `json:"streams"`
}

type broadcastURLsWire struct {
	HLS       flexString  `json:"hls"`
	HLSStatus flexString  `json:"hlsStatus"`
	RTMP      rtmpTargets `json:"rtmp"`
}

type broadcastSettings struct {
	HLS *hlsSettingsWire `json:"hls"`
}

type hlsSettingsWire struct {
	DVR        flexBool `json:"dvr"`
	LowLatency flexBool `json:"lowLatency"`
}

type rtmpTargetWire struct {
	ID         flexString `json:"id"`
	ServerURL  flexString `json:"serverUrl"`
	StreamName flexString `json:"streamName"`
	Status     RTMPStatus `json:"status"`
}

// rtmpTargets decodes broadcastUrls.rtmp: an array of targets, as the
// platform sends it, or an object keyed by target ID, as the OpenAPI
// document's example shows it (sorted by ID). Anything else is no targets.
type rtmpTargets []rtmpTargetWire

func (r *rtmpTargets) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*r = nil
	switch {
	case len(b) > 0 && b[0] == '[':
		var list []rtmpTargetWire
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*r = list
	case len(b) > 0 && b[0] == '{':
		var byID map[string]rtmpTargetWire
		if err := json.Unmarshal(b, &byID); err != nil {
			return err
		}
		for _, id := range slices.Sorted(maps.Keys(byID)) {
			t := byID[id]
			if t.ID == "" {
				t.ID = flexString(id)
			}
			*r = append(*r, t)
		}
	}
	return nil
}

func (w *broadcastWire) resourceID() string { return w.ID }

func (w *broadcastWire) broadcast() *Broadcast {
	b := &Broadcast{
		ID:                w.ID,
		SessionID:         w.SessionID,
		ProjectID:         reportedOwner(w.ApplicationID, w.ProjectID, w.PartnerID),
		MultiBroadcastTag: string(w.MultiBroadcastTag),
		CreatedAt:         w.CreatedAt.Time(),
		UpdatedAt:         w.UpdatedAt.Time(),
		MaxDuration:       w.MaxDuration.Duration(),
		MaxBitrate:        int(w.MaxBitrate),
		Resolution:        w.Resolution,
		HasAudio:          bool(w.HasAudio),
		HasVideo:          bool(w.HasVideo),
		StreamMode:        w.StreamMode,
		Status:            w.Status,
		HLSURL:            string(w.BroadcastURLs.HLS),
		HLSStatus:         string(w.BroadcastURLs.HLSStatus),
	}
	if len(w.BroadcastURLs.RTMP) > 0 {
		b.RTMP = make([]RTMPTargetStatus, len(w.BroadcastURLs.RTMP))
		for i, t := range w.BroadcastURLs.RTMP {
			b.RTMP[i] = RTMPTargetStatus{ID: string(t.ID), ServerURL: string(t.ServerURL), StreamName: string(t.StreamName), Status: t.Status}
		}
	}
	if h := w.Settings.HLS; h != nil {
		b.HLSSettings = HLSOutput{DVR: bool(h.DVR), LowLatency: bool(h.LowLatency)}
	}
	if len(w.Streams) > 0 {
		b.Streams = make([]BroadcastStream, len(w.Streams))
		for i, s := range w.Streams {
			b.Streams[i] = BroadcastStream{StreamID: s.StreamID, HasAudio: bool(s.HasAudio), HasVideo: bool(s.HasVideo)}
		}
	}
	return b
}

// ---- validation -----------------------------------------------------------------

func (o *BroadcastOptions) body(sessionID string) (*broadcastStartBody, error) {
	out := o.Outputs
	if out.HLS == nil && len(out.RTMP) == 0 {
		return nil, invalid("outputs", "must hold an HLS output, RTMP outputs, or both")
	}
	b := &broadcastStartBody{SessionID: sessionID}
	if h := out.HLS; h != nil {
		if h.DVR && h.LowLatency {
			return nil, invalid("outputs.hls", "dvr and lowLatency cannot both be set")
		}
		b.Outputs.HLS = &hlsOutputWire{DVR: h.DVR, LowLatency: h.LowLatency}
	}
	if len(out.RTMP) > MaxRTMPOutputs {
		return nil, invalid("outputs.rtmp", "must hold at most %d targets, not %d", MaxRTMPOutputs, len(out.RTMP))
	}
	for i, t := range out.RTMP {
		field := "outputs.rtmp[" + strconv.Itoa(i) + "]"
		if t.ServerURL == "" {
			return nil, invalid(field+".serverUrl", "is required")
		}
		u, err := url.Parse(t.ServerURL)
		if err != nil || (u.Scheme != "rtmp" && u.Scheme != "rtmps") || u.Host == "" {
			return nil, invalid(field+".serverUrl", "must be an rtmp:// or rtmps:// URL")
		}
		if t.StreamName == "" {
			return nil, invalid(field+".streamName", "is required")
		}
		for name, v := range map[string]string{".id": t.ID, ".serverUrl": t.ServerURL, ".streamName": t.StreamName} {
			if err := checkText(field+name, v, true); err != nil {
				return nil, err
			}
		}
		b.Outputs.RTMP = append(b.Outputs.RTMP, rtmpOutputWire(t))
	}
	secs, err := wireSeconds("maxDuration", o.MaxDuration, int(MinBroadcastDuration/time.Second), int(MaxBroadcastDuration/time.Second))
	if err != nil {
		return nil, err
	}
	b.MaxDuration = int64(secs)
	if err := checkResolution("resolution", o.Resolution); err != nil {
		return nil, err
	}
	if err := validateInitialLayout(o.Layout); err != nil {
		return nil, err
	}
	if err := validateStreamMode(o.StreamMode); err != nil {
		return nil, err
	}
	if err := validateMaxBitrate(o.MaxBitrate); err != nil {
		return nil, err
	}
	if o.Layout != nil {
		l := *o.Layout
		b.Layout = &l
	}
	if err := checkText("multiBroadcastTag", o.MultiBroadcastTag, true); err != nil {
		return nil, err
	}
	b.Resolution = o.Resolution
	b.StreamMode = o.StreamMode
	b.MultiBroadcastTag = o.MultiBroadcastTag
	b.MaxBitrate = o.MaxBitrate
	b.HasAudio = dupBool(o.HasAudio)
	b.HasVideo = dupBool(o.HasVideo)
	return b, nil
}

// ---- operations -----------------------------------------------------------------

// StartBroadcast starts live streaming a session to the outputs in opts and
// returns the new broadcast.
//
// REST: POST /v2/project/{id}/broadcast with a JSON body holding sessionId,
// outputs ({"hls":{"dvr","lowLatency"},"rtmp":[{"id","serverUrl",
// "streamName"}]}) and the options that are set; maxDuration is sent in
// seconds. opts is required (it names the outputs) and is not modified.
// Platform defaults: 640x480, bestFit layout, auto stream mode, a maximum
// duration of 4 h. The session must use routed media and have a connected
// client; the broadcast stops 60 s after the last client leaves.
//
// Errors: [*ValidationError] for an empty session ID, nil opts or no
// output, HLS with both DVR and LowLatency, more than five RTMP targets, an
// RTMP target without serverUrl (or not rtmp:// or rtmps://) or streamName,
// a MaxDuration that is not whole seconds in 60 s–36000 s, maxBitrate
// outside 100000–6000000, or an unknown resolution, layout or stream mode
// (nothing is sent). [*APIError]: errors.Is [ErrConflict] when the session
// is already being broadcast and no (or a non-unique) MultiBroadcastTag was
// given; [ErrNoClients] (a 404, so also [ErrNotFound]) when no client is
// connected, [ErrNotFound] alone for an unknown session; [ErrBadRequest]
// for input the platform refuses (such as more than five simultaneous RTMP
// streams in the session). [*TransportError] when no answer came:
// errors.Is [ErrMaybeApplied] when the request was sent (the broadcast may
// have started: look for it with ListBroadcasts).
func (ot *OpenTok) StartBroadcast(ctx context.Context, sessionID string, opts *BroadcastOptions) (*Broadcast, error) {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return nil, err
	}
	if opts == nil {
		return nil, invalid("outputs", "are required: pass options with an HLS output, RTMP outputs, or both")
	}
	o := *opts
	body, err := o.body(sessionID)
	if err != nil {
		return nil, err
	}
	return callOne(ctx, ot, http.MethodPost, ot.projectPath("broadcast"), body, (*broadcastWire).broadcast)
}

// StopBroadcast stops a broadcast and returns it (status "stopped").
//
// REST: POST /v2/project/{id}/broadcast/{broadcastId}/stop with the JSON
// body "{}", as the Node SDK sends it (see [OpenTok.StopArchive]).
//
// Errors: [*ValidationError] for an empty broadcast ID; [*APIError]:
// errors.Is [ErrNotFound] for an unknown broadcast or one already stopped.
func (ot *OpenTok) StopBroadcast(ctx context.Context, broadcastID string) (*Broadcast, error) {
	return stopComposition(ctx, ot, "broadcast", "broadcastId", broadcastID, (*broadcastWire).broadcast)
}

// GetBroadcast returns a broadcast.
//
// REST: GET /v2/project/{id}/broadcast/{broadcastId}.
//
// Errors: [*ValidationError] for an empty broadcast ID; [*APIError]:
// errors.Is [ErrNotFound] for an unknown broadcast.
func (ot *OpenTok) GetBroadcast(ctx context.Context, broadcastID string) (*Broadcast, error) {
	return getComposition(ctx, ot, "broadcast", "broadcastId", broadcastID, (*broadcastWire).broadcast)
}

// ListBroadcasts returns one page of the project's broadcasts, newest
// first. Use [OpenTok.AllBroadcasts] to go through every page.
//
// REST: GET /v2/project/{id}/broadcast with the query parameters offset,
// count and sessionId, each sent only when set and URL-encoded. opts may be
// nil (the first page of 50) and is not modified.
//
// Errors: [*ValidationError] for a negative offset, a count above 1000 or
// below 0, or an invalid session ID; [*APIError] for a non-2xx answer.
func (ot *OpenTok) ListBroadcasts(ctx context.Context, opts *ListBroadcastsOptions) (*Page[Broadcast], error) {
	o := deref(opts)
	return listCompositions(ctx, ot, "broadcast", o.Offset, o.Count, o.SessionID, (*broadcastWire).broadcast)
}

// AllBroadcasts returns an iterator over every broadcast from opts.Offset
// on, newest first, fetching pages of opts.Count broadcasts (100 when 0) as
// the loop goes. opts may be nil and is not modified (it is copied).
//
// The iterator is lazy, may be stopped with break (no further page is
// fetched), stops after yielding its first error (a [*ValidationError] for
// invalid options, the error of a page, or a [*PagingError] when a page
// brings nothing new or the server sends more pages than its reported
// total allows), and does not yield a broadcast twice when the list shifts
// between two pages.
//
// REST: GET /v2/project/{id}/broadcast?offset=&count=&sessionId=, once per
// page.
func (ot *OpenTok) AllBroadcasts(ctx context.Context, opts *ListBroadcastsOptions) iter.Seq2[*Broadcast, error] {
	o := deref(opts)
	return allCompositions(ctx, ot, "broadcast", o.Offset, o.Count, o.SessionID, (*broadcastWire).broadcast,
		func(b *Broadcast) string { return b.ID })
}

// SetBroadcastLayout changes the layout of a broadcast while it runs.
//
// REST: PUT /v2/project/{id}/broadcast/{broadcastId}/layout with the layout
// as the JSON body ({"type","stylesheet","screenshareType"}); any 2xx
// answer, with or without a body, is success.
//
// Errors: [*ValidationError] for an empty broadcast ID or an invalid layout
// (see [Layout]); [*APIError]: errors.Is [ErrBadRequest] for a layout the
// platform refuses, [ErrNotFound] for an unknown broadcast.
func (ot *OpenTok) SetBroadcastLayout(ctx context.Context, broadcastID string, layout Layout) error {
	return ot.setCompositionLayout(ctx, "broadcast", "broadcastId", broadcastID, layout)
}

// AddBroadcastStream adds a stream to a broadcast whose stream mode is
// manual.
//
// REST: PATCH /v2/project/{id}/broadcast/{broadcastId}/streams with the
// JSON body {"addStream","hasAudio","hasVideo"}; the flags are sent only
// when set (platform default true), and false is sent as false (the Node
// SDK always sends true). opts may be nil and is not modified. 204, no
// body.
//
// Errors: [*ValidationError] for an empty broadcast or stream ID;
// [*APIError]: errors.Is [ErrBadRequest] when the broadcast's stream mode
// is auto, [ErrNotFound] for an unknown broadcast or stream.
func (ot *OpenTok) AddBroadcastStream(ctx context.Context, broadcastID, streamID string, opts *StreamMediaOptions) error {
	return ot.patchStreams(ctx, "broadcast", "broadcastId", broadcastID, addStreamBody(streamID, opts))
}

// RemoveBroadcastStream removes a stream from a broadcast whose stream mode
// is manual.
//
// REST: PATCH /v2/project/{id}/broadcast/{broadcastId}/streams with the
// JSON body {"removeStream"}. 204, no body.
//
// Errors: as [OpenTok.AddBroadcastStream]. A 404 on a retry after an attempt whose
// answer was lost is success: that attempt did it.
func (ot *OpenTok) RemoveBroadcastStream(ctx context.Context, broadcastID, streamID string) error {
	return ot.patchStreams(ctx, "broadcast", "broadcastId", broadcastID, &streamsPatchBody{RemoveStream: streamID})
}
