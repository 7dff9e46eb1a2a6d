package opentok

import (
	"fmt"
	"log/slog"
	"time"
)

// Callbacks (webhooks): the platform POSTs JSON events to URLs configured in
// the dashboard (session monitoring, archive, broadcast, SIP, Experience
// Composer) or given in a start request (captions' statusCallbackUrl). This
// file gives every event a Go type; callback_parse.go parses bodies into
// them (ParseCallback), callback_signature.go verifies signed callbacks
// (VerifyCallbackSignature, SignCallback) and callback_handler.go serves
// them as an http.Handler (NewCallbackHandler).

// Event is one callback from the platform, as returned by [ParseCallback]
// and passed to the function of [NewCallbackHandler]. Branch on its
// concrete type, which is always a pointer:
//
//	switch e := ev.(type) {
//	case *opentok.ArchiveEvent:
//		// e.Status, e.URL, ...
//	case *opentok.StreamDestroyedEvent:
//		// e.Reason, e.Stream.ID, ...
//	}
//
// The types are [*ConnectionCreatedEvent], [*ConnectionDestroyedEvent],
// [*StreamCreatedEvent], [*StreamDestroyedEvent], [*SessionCreatedEvent],
// [*SessionDestroyedEvent] (session monitoring), [*ArchiveEvent],
// [*BroadcastEvent], [*SIPCallCreatedEvent], [*SIPCallUpdatedEvent],
// [*SIPCallDestroyedEvent], [*SIPMuteForcedEvent], [*RenderEvent]
// (Experience Composer), [*CaptionsEvent], and, from the handler only,
// [*UnknownEvent]. Each embeds an [EventHeader], which holds the fields all
// events have (SessionID, ProjectID, ApplicationID, Timestamp) and gives
// the type the methods of Event. The unexported method keeps types that do
// not embed EventHeader from implementing Event, so that methods can be
// added later.
type Event interface {
	// EventType returns the kind of event: the body's "event" value where
	// the platform sends one ("connectionCreated", "connectionDestroyed",
	// "streamCreated", "streamDestroyed", "sessionCreated",
	// "sessionDestroyed", "archive", "broadcast", "callCreated",
	// "callUpdated", "callDestroyed", "muteForced"), else "render" for
	// Experience Composer and "captions" for live captions.
	EventType() string
	// EventSessionID returns the ID of the session the event is about.
	EventSessionID() string

	eventHeader() *EventHeader
}

// EventHeader is what every callback event has: its kind, the session it is
// about, the project or application that owns it and when it was sent.
// Every event type embeds it, so that its fields read as the event's own
// (e.SessionID, e.Timestamp) and its methods make the type an [Event].
// [ParseCallback] fills it from the same body fields whatever the kind.
type EventHeader struct {
	// Type is the kind of event, as EventType returns it: the body's
	// "event" value, or "render" or "captions" for the bodies recognised by
	// their shape (see [Event]). ParseCallback sets it; set it when
	// building an event by hand, as in tests.
	Type string
	// SessionID is the ID of the session the event is about ("sessionId").
	SessionID string
	// ProjectID is the API key of the project that owns the session
	// ("projectId", else "partnerId"; a number in the body is kept as its
	// text); empty when the body has neither.
	ProjectID string
	// ApplicationID is the Vonage application ID ("applicationId"), when
	// sent.
	ApplicationID string
	// Timestamp is when the platform emitted the event ("timestamp", in
	// epoch milliseconds); zero when the body has none (the documented
	// archive and Experience Composer bodies have none).
	Timestamp time.Time
}

// EventType returns Type, the kind of event.
func (h *EventHeader) EventType() string { return h.Type }

// EventSessionID returns SessionID.
func (h *EventHeader) EventSessionID() string { return h.SessionID }

// eventHeader returns h. Being unexported, it keeps types that do not embed
// EventHeader from implementing Event.
func (h *EventHeader) eventHeader() *EventHeader { return h }

// ---------------------------------------------------------------------------
// Session monitoring

// EventConnection is a client connection as session monitoring events
// describe it.
type EventConnection struct {
	// ID is the connection ID.
	ID string
	// CreatedAt is when the client connected.
	CreatedAt time.Time
	// Data is the connection data of the client's token ("" when none).
	Data string
}

// EventStream is a published stream as session monitoring events describe
// it.
type EventStream struct {
	// ID is the stream ID.
	ID string
	// Connection is the publisher's connection.
	Connection EventConnection
	// CreatedAt is when the stream was published.
	CreatedAt time.Time
	// Name is the stream name the publisher gave ("" when none).
	Name string
	// VideoType is camera, screen or custom; empty for an audio-only stream.
	VideoType VideoType
}

// DestroyedReason says why a connection or stream ended, in
// [*ConnectionDestroyedEvent] and [*StreamDestroyedEvent]. Values the
// platform adds later decode without error.
type DestroyedReason string

// The reasons. The first three apply to connections and streams; the last
// two to streams only.
const (
	// ReasonClientDisconnected: the client disconnected (or unpublished)
	// on its own.
	ReasonClientDisconnected DestroyedReason = "clientDisconnected"
	// ReasonForceDisconnected: a moderator or the REST API disconnected the
	// client.
	ReasonForceDisconnected DestroyedReason = "forceDisconnected"
	// ReasonNetworkDisconnected: the platform lost the client's network
	// connection.
	ReasonNetworkDisconnected DestroyedReason = "networkDisconnected"
	// ReasonForceUnpublished: a moderator or the REST API forced the stream
	// to stop publishing.
	ReasonForceUnpublished DestroyedReason = "forceUnpublished"
	// ReasonMediaStopped: the media ended, for example a screen share the
	// user stopped in the browser.
	ReasonMediaStopped DestroyedReason = "mediaStopped"
)

// ConnectionCreatedEvent is the session monitoring event "connectionCreated":
// a client connected to a session.
type ConnectionCreatedEvent struct {
	EventHeader
	// Connection is the new connection.
	Connection EventConnection
}

// ConnectionDestroyedEvent is the session monitoring event
// "connectionDestroyed": a client left a session.
type ConnectionDestroyedEvent struct {
	EventHeader
	// Reason is clientDisconnected, forceDisconnected or
	// networkDisconnected.
	Reason DestroyedReason
	// Connection is the connection that ended.
	Connection EventConnection
}

// StreamCreatedEvent is the session monitoring event "streamCreated": a
// client started publishing.
type StreamCreatedEvent struct {
	EventHeader
	// Stream is the new stream.
	Stream EventStream
}

// StreamDestroyedEvent is the session monitoring event "streamDestroyed": a
// stream stopped.
type StreamDestroyedEvent struct {
	EventHeader
	// Reason is clientDisconnected, forceDisconnected, forceUnpublished,
	// mediaStopped or networkDisconnected.
	Reason DestroyedReason
	// Stream is the stream that ended.
	Stream EventStream
}

// SessionCreatedEvent is the session monitoring event "sessionCreated", sent
// when the first client connects to a session. The platform documents only
// sessionId, projectId and event; the other fields are filled when present.
type SessionCreatedEvent struct {
	EventHeader
}

// SessionDestroyedEvent is the session monitoring event "sessionDestroyed",
// sent when the last client leaves a session. The platform documents only
// sessionId, projectId and event; the other fields are filled when present.
type SessionDestroyedEvent struct {
	EventHeader
}

// ---------------------------------------------------------------------------
// SIP

// SIPCallState is the state of a SIP call in [*SIPCallUpdatedEvent]. Values
// the platform adds later decode without error.
type SIPCallState string

// The SIP call states.
const (
	SIPCallDialing SIPCallState = "DIALING"
	SIPCallRinging SIPCallState = "RINGING"
	SIPCallOnHold  SIPCallState = "ON_HOLD"
	SIPCallActive  SIPCallState = "ACTIVE"
	SIPCallHangup  SIPCallState = "HANGUP"
)

// EventSIPCall is the SIP call a SIP event is about.
type EventSIPCall struct {
	// ID is the SIP call (conference) ID returned by the dial request.
	ID string
	// ConnectionID is the session connection of the SIP participant.
	ConnectionID string
	// CreatedAt is when the call was created.
	CreatedAt time.Time
}

// SIPCallCreatedEvent is the SIP event "callCreated" (sent at least once per
// call).
type SIPCallCreatedEvent struct {
	EventHeader
	// Call is the SIP call.
	Call EventSIPCall
}

// SIPCallUpdatedEvent is the SIP event "callUpdated": the call changed
// state.
type SIPCallUpdatedEvent struct {
	EventHeader
	// State is DIALING, RINGING, ON_HOLD, ACTIVE or HANGUP.
	State SIPCallState
	// Call is the SIP call.
	Call EventSIPCall
}

// SIPCallDestroyedEvent is the SIP event "callDestroyed": the call ended.
type SIPCallDestroyedEvent struct {
	EventHeader
	// ReasonCode is the platform's "reason_code", kept as a string: a SIP
	// status such as "400", or "700" (normal clearing), "703" (unexpected
	// clearing), "704" (media timeout), "705" (maximum duration), "706"
	// (maximum inactivity). A number in the body is kept as its text.
	ReasonCode string
	// ReasonMessage is the platform's "reason_message", such as
	// "Bad Request".
	ReasonMessage string
	// Call is the SIP call.
	Call EventSIPCall
}

// SIPMuteForcedEvent is the SIP event "muteForced": a moderator force-muted
// the session and the call (dialled with observeForceMute) was muted.
type SIPMuteForcedEvent struct {
	EventHeader
	// Call is the SIP call.
	Call EventSIPCall
}

// ---------------------------------------------------------------------------
// Archives and broadcasts

// EventIncludedStream is a stream included in a manual-mode archive or
// broadcast, with the media it contributes.
type EventIncludedStream struct {
	// StreamID is the stream's ID.
	StreamID string
	// HasAudio and HasVideo say which of the stream's media are included
	// (the platform may send them as strings; both forms decode).
	HasAudio, HasVideo bool
}

// ArchiveEvent is an archive status callback ("event":"archive"), sent at
// every change of an archive's status: started → (paused ↔ started) →
// stopped → available or uploaded → expired; or failed. An uploaded event
// may arrive before the stopped one for very short archives.
type ArchiveEvent struct {
	EventHeader
	// ID is the archive ID.
	ID string
	// Name is the archive's name ("" when none was given).
	Name string
	// Status is the new status.
	Status ArchiveStatus
	// Reason explains a stopped or failed status: "maximum duration
	// exceeded", "maximum idle time exceeded", "session ended", "user
	// initiated", "failure"; "" otherwise.
	Reason string
	// Resolution is the resolution of a composed archive.
	Resolution Resolution
	// OutputMode is composed or individual; empty when not sent.
	OutputMode OutputMode
	// StreamMode is auto or manual; empty when not sent.
	StreamMode StreamMode
	// HasAudio and HasVideo say whether the archive records audio and
	// video; nil when the callback did not say.
	HasAudio, HasVideo *bool
	// Streams are the streams currently included (manual stream mode).
	Streams []EventIncludedStream
	// Size is the file size in bytes (0 until the file exists).
	Size int64
	// Duration is the recorded length, sent in whole seconds (0 while
	// recording).
	Duration time.Duration
	// CreatedAt is when the start request was made (rounded to the
	// second), not when recording began.
	CreatedAt time.Time
	// UpdatedAt is when the archive last changed; zero when not sent.
	UpdatedAt time.Time
	// URL is the download URL of an available archive (valid for 10
	// minutes); empty otherwise.
	URL string
	// SHA256Sum is the file's SHA-256 checksum, when the platform sends it.
	SHA256Sum string
}

// BroadcastEvent is a broadcast status callback, sent when a broadcast is
// created, updated or destroyed. The platform publishes no example body, so
// this type is modelled on the broadcast object of the REST API; a body is
// taken as a broadcast event when its "event" is "broadcast", or when it has
// no "event" and has "broadcastUrls". Fields the body lacks stay zero.
type BroadcastEvent struct {
	EventHeader
	// ID is the broadcast ID.
	ID string
	// Status is started or stopped.
	Status BroadcastStatus
	// MultiBroadcastTag is the tag given at start, when sent.
	MultiBroadcastTag string
	// CreatedAt and UpdatedAt are when the broadcast started and last
	// changed; zero when not sent.
	CreatedAt, UpdatedAt time.Time
	// MaxDuration is the broadcast's maximum length (sent in seconds).
	MaxDuration time.Duration
	// MaxBitrate is the maximum video bitrate in bits per second; 0 when
	// not sent.
	MaxBitrate int
	// Resolution is the broadcast's resolution.
	Resolution Resolution
	// StreamMode is auto or manual; empty when not sent.
	StreamMode StreamMode
	// HasAudio and HasVideo say whether the broadcast carries audio and
	// video; nil when the callback did not say.
	HasAudio, HasVideo *bool
	// HLSURL is the HLS playlist URL ("broadcastUrls.hls"), when there is
	// an HLS output.
	HLSURL string
	// RTMP are the RTMP outputs with their status ("broadcastUrls.rtmp");
	// their stream names (the targets' keys) print and log as REDACTED.
	RTMP []RTMPTargetStatus
	// HLSLowLatency and HLSDVR are the HLS settings
	// ("settings.hls.lowLatency", "settings.hls.dvr").
	HLSLowLatency, HLSDVR bool
	// Streams are the streams currently included (manual stream mode).
	Streams []EventIncludedStream
}

// Format prints the event with the RTMP stream names redacted, for every
// verb.
func (e BroadcastEvent) Format(f fmt.State, verb rune) {
	type plain BroadcastEvent
	formatRedacted(f, verb, plain(e), "opentok.BroadcastEvent")
}

// LogValue logs the event with the RTMP stream names redacted.
func (e BroadcastEvent) LogValue() slog.Value { return logRedacted(e) }

// ---------------------------------------------------------------------------
// Experience Composer and captions

// RenderEvent is an Experience Composer status callback. Its body has no
// "event" field; a body is taken as a render event when it has no "event",
// has string "id", "sessionId" and "status" fields, and has none of the
// fields that mark another kind ("captionId"/"captionsId" for captions,
// "broadcastUrls" for broadcasts, "size"/"outputMode" for archives). Its
// SessionID is the session the composer publishes into.
type RenderEvent struct {
	EventHeader
	// ID is the Experience Composer (render) ID.
	ID string
	// StreamID is the composer's published stream; may be empty when
	// Status is failed.
	StreamID string
	// Status is started, stopped or failed (starting in the REST object).
	Status RenderStatus
	// Reason explains stopped or failed: "Max Duration Exceeded", "Stop
	// Requested" or an error text.
	Reason string
	// Name is the published stream's name, URL the rendered page and
	// Resolution its resolution, when sent.
	Name, URL  string
	Resolution Resolution
	// CreatedAt and UpdatedAt are zero when not sent.
	CreatedAt, UpdatedAt time.Time
}

// CaptionsEvent is a live captions status callback, sent to the
// statusCallbackUrl of the start request when captions start, stop or fail.
// The platform publishes no example body, so this type follows the captions
// status object of the Vonage SDKs; a body is taken as a captions event when
// its "event" is "captions", or when it has no "event" and has "captionId"
// (or "captionsId"). Fields the body lacks stay zero.
type CaptionsEvent struct {
	EventHeader
	// CaptionsID is the captions ID ("captionId" or "captionsId").
	CaptionsID string
	// Status is started, paused, stopped or failed.
	Status CaptionsStatus
	// Reason explains a stopped or failed status.
	Reason string
	// LanguageCode is the BCP-47 language, such as "en-US".
	LanguageCode string
	// Provider is the transcription provider, such as "aws-transcribe".
	Provider string
	// Duration is how long captions ran (sent in seconds).
	Duration time.Duration
	// CreatedAt and UpdatedAt are zero when not sent.
	CreatedAt, UpdatedAt time.Time
}

// UnknownEvent is what the handler of [NewCallbackHandler] passes to its
// function for a well-formed JSON object that [ParseCallback] does not know
// ([ErrUnknownCallback]), such as an event kind the platform added after
// this version. Return nil to acknowledge it, or an error to make the
// platform retry. [ParseCallback] itself never returns it.
//
// Its header's Type is the body's "event" value ("" when none) and its
// SessionID the body's "sessionId" ("" when none); ProjectID,
// ApplicationID and Timestamp are filled as for the other events when the
// body has them.
type UnknownEvent struct {
	EventHeader
	// Body is the raw body (verified, when the handler has a secret).
	Body []byte
}
