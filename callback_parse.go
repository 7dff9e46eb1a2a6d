package opentok

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Parsing callback bodies: the registry of the kinds this package knows,
// the choice of a body's kind, and the decoding of the header every kind
// shares. Each type's own fields are decoded by its decode method
// (callback_decode.go).

// event is an [Event] that ParseCallback can decode: every type in
// eventTypeMapping.
type event interface {
	Event
	// decode fills the fields of the event's kind from body (not the
	// header, which ParseCallback decodes) and returns the name of the
	// identifying field ("id", "connection.id", ...) when the body lacks
	// it, else "". An error is the JSON error of a field of the wrong type.
	decode(body []byte) (missingIDField string, err error)
}

// eventTypeMapping is the registry of the kinds ParseCallback knows: the
// body's "event" value, or the kind cbKind recognises by shape, to a
// constructor of its type. A new kind is a type embedding EventHeader, its
// decode method and one line here.
var eventTypeMapping = map[string]func() event{
	"connectionCreated":   func() event { return new(ConnectionCreatedEvent) },
	"connectionDestroyed": func() event { return new(ConnectionDestroyedEvent) },
	"streamCreated":       func() event { return new(StreamCreatedEvent) },
	"streamDestroyed":     func() event { return new(StreamDestroyedEvent) },
	"sessionCreated":      func() event { return new(SessionCreatedEvent) },
	"sessionDestroyed":    func() event { return new(SessionDestroyedEvent) },
	"callCreated":         func() event { return new(SIPCallCreatedEvent) },
	"callUpdated":         func() event { return new(SIPCallUpdatedEvent) },
	"callDestroyed":       func() event { return new(SIPCallDestroyedEvent) },
	"muteForced":          func() event { return new(SIPMuteForcedEvent) },
	"archive":             func() event { return new(ArchiveEvent) },
	"broadcast":           func() event { return new(BroadcastEvent) },
	"captions":            func() event { return new(CaptionsEvent) },
	"render":              func() event { return new(RenderEvent) },
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
// and "outputMode" a [*RenderEvent] (Experience Composer). The fields
// every kind may carry ("sessionId", "projectId" or "partnerId",
// "applicationId", "timestamp") fill the event's [EventHeader].
//
// Decoding is lenient: unknown fields (and those of other kinds) are
// ignored, numbers and booleans may arrive as strings, unknown enum values
// are kept as they are, and absent fields stay zero. Errors are
// [*CallbackError]s: [ErrMalformedCallback] for a body that is not a JSON
// object, has a header field or a field of its kind of the wrong JSON
// type, or is a known kind without its sessionId or its object's ID;
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
	ev := eventTypeMapping[kind]()
	*ev.eventHeader() = header
	missing, err := ev.decode(body)
	if err != nil {
		return nil, cbMalformed(kind+" event does not decode: "+cbJSONReason(err), err)
	}
	if header.SessionID == "" {
		return nil, cbMalformed(kind+" event has no sessionId", nil)
	}
	if missing != "" {
		return nil, cbMalformed(kind+" event has no "+missing, nil)
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

// cbUnknown wraps a body ParseCallback did not know, with the header fields
// it has (a field of the wrong JSON type is left empty).
func cbUnknown(body []byte) *UnknownEvent {
	header, _ := decodeEventHeader(body)
	var probe struct {
		Event json.RawMessage `json:"event"`
	}
	_ = json.Unmarshal(body, &probe)
	_ = json.Unmarshal(probe.Event, &header.Type)
	return &UnknownEvent{EventHeader: header, Body: body}
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

// cbKind decides which kind of event a decoded JSON object is: a key of
// eventTypeMapping.
func cbKind(probe map[string]json.RawMessage) (string, error) {
	if raw, ok := probe["event"]; ok && string(raw) != "null" {
		var kind string
		if err := json.Unmarshal(raw, &kind); err != nil {
			return "", cbMalformed("event is not a string", err)
		}
		if _, ok := eventTypeMapping[kind]; ok {
			return kind, nil
		}
		return "", &CallbackError{kind: ErrUnknownCallback, Reason: fmt.Sprintf("event %q has no type in this package", cbClip(kind))}
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
