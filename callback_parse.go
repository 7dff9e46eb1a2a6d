package opentok

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ---------------------------------------------------------------------------
// Wire structs

type cbConnectionWire struct {
	ID        string `json:"id"`
	CreatedAt msTime `json:"createdAt"`
	Data      string `json:"data"`
}

func (w cbConnectionWire) conv() EventConnection {
	return EventConnection{ID: w.ID, CreatedAt: w.CreatedAt.Time(), Data: w.Data}
}

type cbStreamWire struct {
	ID         string           `json:"id"`
	Connection cbConnectionWire `json:"connection"`
	CreatedAt  msTime           `json:"createdAt"`
	Name       string           `json:"name"`
	VideoType  string           `json:"videoType"`
}

func (w cbStreamWire) conv() EventStream {
	return EventStream{
		ID:         w.ID,
		Connection: w.Connection.conv(),
		CreatedAt:  w.CreatedAt.Time(),
		Name:       w.Name,
		VideoType:  VideoType(w.VideoType),
	}
}

type cbSIPCallWire struct {
	ID           string `json:"id"`
	ConnectionID string `json:"connectionId"`
	CreatedAt    msTime `json:"createdAt"`
}

func (w cbSIPCallWire) conv() EventSIPCall {
	return EventSIPCall{ID: w.ID, ConnectionID: w.ConnectionID, CreatedAt: w.CreatedAt.Time()}
}

// cbEnvelopeWire is the shape shared by session monitoring and SIP events.
type cbEnvelopeWire struct {
	SessionID     string           `json:"sessionId"`
	ProjectID     flexString       `json:"projectId"`
	PartnerID     flexString       `json:"partnerId"`
	ApplicationID flexString       `json:"applicationId"`
	Timestamp     msTime           `json:"timestamp"`
	Reason        string           `json:"reason"`
	Connection    cbConnectionWire `json:"connection"`
	Stream        cbStreamWire     `json:"stream"`
	Call          cbSIPCallWire    `json:"call"`
	State         string           `json:"state"`
	ReasonCode    flexString       `json:"reason_code"`
	ReasonMessage string           `json:"reason_message"`
}

type cbIncludedStreamWire struct {
	StreamID string   `json:"streamId"`
	HasAudio flexBool `json:"hasAudio"`
	HasVideo flexBool `json:"hasVideo"`
}

func cbIncludedStreams(ws []cbIncludedStreamWire) []EventIncludedStream {
	if len(ws) == 0 {
		return nil
	}
	out := make([]EventIncludedStream, len(ws))
	for i, w := range ws {
		out[i] = EventIncludedStream{StreamID: w.StreamID, HasAudio: bool(w.HasAudio), HasVideo: bool(w.HasVideo)}
	}
	return out
}

func cbOptBool(b *flexBool) *bool {
	if b == nil {
		return nil
	}
	v := bool(*b)
	return &v
}

// cbOwnerWire holds the owner fields, which the platform names differently
// per product and sends as numbers or strings.
type cbOwnerWire struct {
	PartnerID     flexString `json:"partnerId"`
	ProjectID     flexString `json:"projectId"`
	ApplicationID flexString `json:"applicationId"`
}

func (w cbOwnerWire) project() string {
	if w.ProjectID != "" {
		return string(w.ProjectID)
	}
	return string(w.PartnerID)
}

type cbArchiveWire struct {
	cbOwnerWire
	ID         string                 `json:"id"`
	SessionID  string                 `json:"sessionId"`
	Name       string                 `json:"name"`
	Status     string                 `json:"status"`
	Reason     string                 `json:"reason"`
	Resolution string                 `json:"resolution"`
	OutputMode string                 `json:"outputMode"`
	StreamMode string                 `json:"streamMode"`
	HasAudio   *flexBool              `json:"hasAudio"`
	HasVideo   *flexBool              `json:"hasVideo"`
	Streams    []cbIncludedStreamWire `json:"streams"`
	Size       flexInt                `json:"size"`
	Duration   seconds                `json:"duration"`
	CreatedAt  msTime                 `json:"createdAt"`
	UpdatedAt  msTime                 `json:"updatedAt"`
	URL        string                 `json:"url"`
	SHA256Sum  string                 `json:"sha256sum"`
}

type cbBroadcastWire struct {
	cbOwnerWire
	ID                string                 `json:"id"`
	SessionID         string                 `json:"sessionId"`
	Status            string                 `json:"status"`
	MultiBroadcastTag string                 `json:"multiBroadcastTag"`
	CreatedAt         msTime                 `json:"createdAt"`
	UpdatedAt         msTime                 `json:"updatedAt"`
	MaxDuration       seconds                `json:"maxDuration"`
	MaxBitrate        flexInt                `json:"maxBitrate"`
	Resolution        string                 `json:"resolution"`
	StreamMode        string                 `json:"streamMode"`
	HasAudio          *flexBool              `json:"hasAudio"`
	HasVideo          *flexBool              `json:"hasVideo"`
	Streams           []cbIncludedStreamWire `json:"streams"`
	BroadcastURLs     struct {
		HLS  string `json:"hls"`
		RTMP []struct {
			ID         string `json:"id"`
			ServerURL  string `json:"serverUrl"`
			StreamName string `json:"streamName"`
			Status     string `json:"status"`
		} `json:"rtmp"`
	} `json:"broadcastUrls"`
	Settings struct {
		HLS struct {
			LowLatency flexBool `json:"lowLatency"`
			DVR        flexBool `json:"dvr"`
		} `json:"hls"`
	} `json:"settings"`
}

type cbRenderWire struct {
	cbOwnerWire
	ID         string `json:"id"`
	SessionID  string `json:"sessionId"`
	StreamID   string `json:"streamId"`
	Status     string `json:"status"`
	Reason     string `json:"reason"`
	Name       string `json:"name"`
	URL        string `json:"url"`
	Resolution string `json:"resolution"`
	CreatedAt  msTime `json:"createdAt"`
	UpdatedAt  msTime `json:"updatedAt"`
}

type cbCaptionsWire struct {
	cbOwnerWire
	CaptionID    string  `json:"captionId"`
	CaptionsID   string  `json:"captionsId"`
	SessionID    string  `json:"sessionId"`
	Status       string  `json:"status"`
	Reason       string  `json:"reason"`
	LanguageCode string  `json:"languageCode"`
	Provider     string  `json:"provider"`
	Duration     seconds `json:"duration"`
	CreatedAt    msTime  `json:"createdAt"`
	UpdatedAt    msTime  `json:"updatedAt"`
}

// ---------------------------------------------------------------------------
// Parsing

// cbKinds maps the "event" values this package knows to the kind it
// decodes them as.
var cbKinds = map[string]string{
	"connectionCreated":   "connectionCreated",
	"connectionDestroyed": "connectionDestroyed",
	"streamCreated":       "streamCreated",
	"streamDestroyed":     "streamDestroyed",
	"sessionCreated":      "sessionCreated",
	"sessionDestroyed":    "sessionDestroyed",
	"callCreated":         "callCreated",
	"callUpdated":         "callUpdated",
	"callDestroyed":       "callDestroyed",
	"muteForced":          "muteForced",
	"archive":             "archive",
	"broadcast":           "broadcast",
	"captions":            "captions",
	"render":              "render",
}

// ParseCallback decodes the body of a callback the platform POSTed into its
// [Event] type. It does not check a signature: use [VerifyCallbackSignature]
// first (or [NewCallbackHandler], which does both).
//
// The kind is chosen by the body's "event" field: "connectionCreated",
// "connectionDestroyed", "streamCreated", "streamDestroyed",
// "sessionCreated", "sessionDestroyed", "archive", "broadcast",
// "callCreated", "callUpdated", "callDestroyed", "muteForced" (and
// "captions" and "render", should the platform add those values). Bodies
// without "event" are recognised by shape: "captionId" (or "captionsId")
// makes a [*CaptionsEvent]; "broadcastUrls" a [*BroadcastEvent]; string
// "id", "sessionId" and "status" fields without the archive fields "size"
// and "outputMode" a [*RenderEvent] (Experience Composer).
//
// Decoding is lenient: unknown fields are ignored, numbers and booleans may
// arrive as strings, unknown enum values are kept as they are, and absent
// fields stay zero. Errors are [*CallbackError]s: [ErrMalformedCallback]
// for a body that is not a JSON object, has fields of the wrong JSON type,
// or is a known kind without its sessionId or its object's ID;
// [ErrUnknownCallback] for any other JSON object.
func ParseCallback(body []byte) (Event, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, cbMalformed("body is not a JSON object: "+cbJSONReason(err), err)
	}
	if probe == nil {
		return nil, cbMalformed("body is not a JSON object", nil)
	}
	kind, err := cbKind(probe)
	if err != nil {
		return nil, err
	}
	header, err := decodeEventHeader(body)
	if err != nil {
		return nil, cbMalformed(kind+" event does not decode: "+cbJSONReason(err), err)
	}
	header.Type = kind
	ev, err := cbDecode(kind, body)
	if err != nil {
		return nil, cbMalformed(kind+" event does not decode: "+cbJSONReason(err), err)
	}
	*ev.eventHeader() = header
	if ev.EventSessionID() == "" {
		return nil, cbMalformed(kind+" event has no sessionId", nil)
	}
	if field := cbMissingID(ev); field != "" {
		return nil, cbMalformed(kind+" event has no "+field, nil)
	}
	return ev, nil
}

// eventHeaderWire is the part of a callback body that [EventHeader] holds,
// the same for every kind.
type eventHeaderWire struct {
	SessionID     string     `json:"sessionId"`
	ProjectID     flexString `json:"projectId"`
	PartnerID     flexString `json:"partnerId"`
	ApplicationID flexString `json:"applicationId"`
	Timestamp     msTime     `json:"timestamp"`
}

// decodeEventHeader decodes the header fields of body, all but Type.
func decodeEventHeader(body []byte) (EventHeader, error) {
	var w eventHeaderWire
	err := json.Unmarshal(body, &w)
	h := EventHeader{
		SessionID:     w.SessionID,
		ProjectID:     string(w.ProjectID),
		ApplicationID: string(w.ApplicationID),
		Timestamp:     w.Timestamp.Time(),
	}
	if h.ProjectID == "" {
		h.ProjectID = string(w.PartnerID)
	}
	return h, err
}

// cbJSONReason describes a JSON error without quoting the body.
func cbJSONReason(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("invalid JSON at offset %d", se.Offset)
	case errors.As(err, &te):
		if te.Field != "" {
			return fmt.Sprintf("field %s is a JSON %s", te.Field, te.Value)
		}
		return "a JSON " + te.Value
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return "invalid JSON"
}

// cbKind decides which kind of event a decoded JSON object is.
func cbKind(probe map[string]json.RawMessage) (string, error) {
	if raw, ok := probe["event"]; ok && string(raw) != "null" {
		var ev string
		if err := json.Unmarshal(raw, &ev); err != nil {
			return "", cbMalformed("event is not a string", err)
		}
		if kind, ok := cbKinds[ev]; ok {
			return kind, nil
		}
		return "", &CallbackError{kind: ErrUnknownCallback, Reason: fmt.Sprintf("event %q has no type in this package", cbClip(ev))}
	}
	has := func(k string) bool {
		raw, ok := probe[k]
		return ok && string(raw) != "null"
	}
	isString := func(k string) bool {
		raw := bytes.TrimSpace(probe[k])
		return len(raw) > 0 && raw[0] == '"'
	}
	switch {
	case has("captionId") || has("captionsId"):
		return "captions", nil
	case has("broadcastUrls"):
		return "broadcast", nil
	case isString("id") && isString("sessionId") && isString("status") && !has("size") && !has("outputMode"):
		return "render", nil
	}
	return "", &CallbackError{kind: ErrUnknownCallback, Reason: "body has no event field and no known shape"}
}

// cbClip shortens a string from a body for an error message.
func cbClip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// cbDecode decodes body as the given kind.
func cbDecode(kind string, body []byte) (Event, error) {
	switch kind {
	case "archive":
		var w cbArchiveWire
		if err := json.Unmarshal(body, &w); err != nil {
			return nil, err
		}
		return &ArchiveEvent{
			ID:         w.ID,
			Name:       w.Name,
			Status:     ArchiveStatus(w.Status),
			Reason:     w.Reason,
			Resolution: Resolution(w.Resolution),
			OutputMode: OutputMode(w.OutputMode),
			StreamMode: StreamMode(w.StreamMode),
			HasAudio:   cbOptBool(w.HasAudio),
			HasVideo:   cbOptBool(w.HasVideo),
			Streams:    cbIncludedStreams(w.Streams),
			Size:       int64(w.Size),
			Duration:   w.Duration.Duration(),
			CreatedAt:  w.CreatedAt.Time(),
			UpdatedAt:  w.UpdatedAt.Time(),
			URL:        w.URL,
			SHA256Sum:  w.SHA256Sum,
		}, nil
	case "broadcast":
		var w cbBroadcastWire
		if err := json.Unmarshal(body, &w); err != nil {
			return nil, err
		}
		e := &BroadcastEvent{
			ID:                w.ID,
			Status:            BroadcastStatus(w.Status),
			MultiBroadcastTag: w.MultiBroadcastTag,
			CreatedAt:         w.CreatedAt.Time(),
			UpdatedAt:         w.UpdatedAt.Time(),
			MaxDuration:       w.MaxDuration.Duration(),
			MaxBitrate:        int(w.MaxBitrate),
			Resolution:        Resolution(w.Resolution),
			StreamMode:        StreamMode(w.StreamMode),
			HasAudio:          cbOptBool(w.HasAudio),
			HasVideo:          cbOptBool(w.HasVideo),
			HLSURL:            w.BroadcastURLs.HLS,
			HLSLowLatency:     bool(w.Settings.HLS.LowLatency),
			HLSDVR:            bool(w.Settings.HLS.DVR),
			Streams:           cbIncludedStreams(w.Streams),
		}
		for _, r := range w.BroadcastURLs.RTMP {
			e.RTMP = append(e.RTMP, RTMPTargetStatus{ID: r.ID, ServerURL: r.ServerURL, StreamName: r.StreamName, Status: RTMPStatus(r.Status)})
		}
		return e, nil
	case "render":
		var w cbRenderWire
		if err := json.Unmarshal(body, &w); err != nil {
			return nil, err
		}
		return &RenderEvent{
			ID:         w.ID,
			StreamID:   w.StreamID,
			Status:     RenderStatus(w.Status),
			Reason:     w.Reason,
			Name:       w.Name,
			URL:        w.URL,
			Resolution: Resolution(w.Resolution),
			CreatedAt:  w.CreatedAt.Time(),
			UpdatedAt:  w.UpdatedAt.Time(),
		}, nil
	case "captions":
		var w cbCaptionsWire
		if err := json.Unmarshal(body, &w); err != nil {
			return nil, err
		}
		id := w.CaptionID
		if id == "" {
			id = w.CaptionsID
		}
		return &CaptionsEvent{
			CaptionsID:   id,
			Status:       CaptionsStatus(w.Status),
			Reason:       w.Reason,
			LanguageCode: w.LanguageCode,
			Provider:     w.Provider,
			Duration:     w.Duration.Duration(),
			CreatedAt:    w.CreatedAt.Time(),
			UpdatedAt:    w.UpdatedAt.Time(),
		}, nil
	}

	var w cbEnvelopeWire
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, err
	}
	switch kind {
	case "connectionCreated":
		return &ConnectionCreatedEvent{Connection: w.Connection.conv()}, nil
	case "connectionDestroyed":
		return &ConnectionDestroyedEvent{Reason: DestroyedReason(w.Reason), Connection: w.Connection.conv()}, nil
	case "streamCreated":
		return &StreamCreatedEvent{Stream: w.Stream.conv()}, nil
	case "streamDestroyed":
		return &StreamDestroyedEvent{Reason: DestroyedReason(w.Reason), Stream: w.Stream.conv()}, nil
	case "sessionCreated":
		return &SessionCreatedEvent{}, nil
	case "sessionDestroyed":
		return &SessionDestroyedEvent{}, nil
	case "callCreated":
		return &SIPCallCreatedEvent{Call: w.Call.conv()}, nil
	case "callUpdated":
		return &SIPCallUpdatedEvent{State: SIPCallState(w.State), Call: w.Call.conv()}, nil
	case "callDestroyed":
		return &SIPCallDestroyedEvent{ReasonCode: string(w.ReasonCode), ReasonMessage: w.ReasonMessage, Call: w.Call.conv()}, nil
	case "muteForced":
		return &SIPMuteForcedEvent{Call: w.Call.conv()}, nil
	}
	// Unreachable: every kind in cbKinds and cbKind is handled above.
	return nil, fmt.Errorf("no decoder for %s", kind)
}

// cbMissingID names the identifying field an event lacks, or returns "".
func cbMissingID(ev Event) string {
	var id, field string
	switch e := ev.(type) {
	case *ConnectionCreatedEvent:
		id, field = e.Connection.ID, "connection.id"
	case *ConnectionDestroyedEvent:
		id, field = e.Connection.ID, "connection.id"
	case *StreamCreatedEvent:
		id, field = e.Stream.ID, "stream.id"
	case *StreamDestroyedEvent:
		id, field = e.Stream.ID, "stream.id"
	case *SIPCallCreatedEvent:
		id, field = e.Call.ID, "call.id"
	case *SIPCallUpdatedEvent:
		id, field = e.Call.ID, "call.id"
	case *SIPCallDestroyedEvent:
		id, field = e.Call.ID, "call.id"
	case *SIPMuteForcedEvent:
		id, field = e.Call.ID, "call.id"
	case *ArchiveEvent:
		id, field = e.ID, "id"
	case *BroadcastEvent:
		id, field = e.ID, "id"
	case *RenderEvent:
		id, field = e.ID, "id"
	case *CaptionsEvent:
		id, field = e.CaptionsID, "captionId"
	default:
		return ""
	}
	if id == "" {
		return field
	}
	return ""
}
