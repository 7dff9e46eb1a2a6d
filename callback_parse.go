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
	// fill sets the fields of the event's kind (not the header, which
	// ParseCallback sets) from the decoded body, reading each through c,
	// which keeps the first of a wrong JSON type, and returns the name of
	// the identifying field ("id", "connection.id", ...) when the body
	// lacks it, else "".
	fill(c *cbTypeCheck, w *cbBody) (missingIDField string)
}

// eventTypeMapping is the registry of the kinds ParseCallback knows: the
// body's "event" value, or the kind cbKind recognises by shape, to a
// constructor of its type. A new kind is a type embedding EventHeader, its
// fill method (with its fields in cbBody) and one line here.
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
	ev, err := parseCallback(body)
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// parseCallback is ParseCallback, but for a body of no known kind it
// returns the [*UnknownEvent] the handler passes on together with the
// [ErrUnknownCallback] error. It decodes the body once.
func parseCallback(body []byte) (Event, error) {
	var w cbBody
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, cbMalformed("body is not a JSON object: "+cbJSONReason(err), err)
	}
	if b := bytes.TrimLeft(body, " \t\r\n"); len(b) == 0 || b[0] != '{' {
		return nil, cbMalformed("body is not a JSON object", nil) // null
	}
	header := EventHeader{
		SessionID:     w.SessionID.s,
		ProjectID:     string(w.ProjectID),
		ApplicationID: string(w.ApplicationID),
		Timestamp:     w.Timestamp.Time(),
	}
	if header.ProjectID == "" {
		header.ProjectID = string(w.PartnerID)
	}
	kind, err := cbKind(&w)
	if err != nil {
		if errors.Is(err, ErrUnknownCallback) {
			header.Type = w.Event.s
			return &UnknownEvent{EventHeader: header, Body: body}, err
		}
		return nil, err
	}
	header.Type = kind
	ev := eventTypeMapping[kind]()
	*ev.eventHeader() = header
	var c cbTypeCheck
	c.str("sessionId", w.SessionID)
	missing := ev.fill(&c, &w)
	if err := c.err(kind); err != nil {
		return nil, err
	}
	if header.SessionID == "" {
		return nil, cbMalformed(kind+" event has no sessionId", nil)
	}
	if missing != "" {
		return nil, cbMalformed(kind+" event has no "+missing, nil)
	}
	return ev, nil
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

// cbKind decides which kind of event a decoded body is: a key of
// eventTypeMapping.
func cbKind(w *cbBody) (string, error) {
	if w.Event.kind != 0 {
		if !w.Event.isString() {
			return "", cbMalformed("event is not a string", nil)
		}
		if _, ok := eventTypeMapping[w.Event.s]; ok {
			return w.Event.s, nil
		}
		return "", &CallbackError{kind: ErrUnknownCallback, Reason: fmt.Sprintf("event %q has no type in this package", cbClip(w.Event.s))}
	}
	switch {
	case w.CaptionID.kind != 0 || w.CaptionsID.kind != 0:
		return "captions", nil
	case w.BroadcastURLs.kind != 0:
		return "broadcast", nil
	case w.ID.isString() && w.SessionID.isString() && w.Status.isString() && w.Size == nil && w.OutputMode.kind == 0:
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
