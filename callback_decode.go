package opentok

import (
	"encoding/json"
	"strconv"
)

// Decoding a callback body in one pass: json.Unmarshal fills cbBody, which
// has the header, the fields that tell the kinds apart and the fields of
// every kind, all of tolerant types that never fail on a JSON type: a
// field of the wrong type is recorded, not an error, so that a field of
// another kind is ignored as an unknown field is. Each event type's fill
// method then reads its own fields through a cbTypeCheck, which reports the
// first of them whose JSON type did not fit.

// cbBody is every field ParseCallback reads, of every kind.
type cbBody struct {
	// The header and the fields that tell the kinds apart.
	Event         cbString   `json:"event"`
	SessionID     cbString   `json:"sessionId"`
	ProjectID     flexString `json:"projectId"`
	PartnerID     flexString `json:"partnerId"`
	ApplicationID flexString `json:"applicationId"`
	Timestamp     msTime     `json:"timestamp"`
	CaptionID     cbString   `json:"captionId"`
	CaptionsID    cbString   `json:"captionsId"`
	Size          *flexInt   `json:"size"` // present: an archive
	OutputMode    cbString   `json:"outputMode"`

	// Fields several kinds share.
	ID         cbString                               `json:"id"`
	Status     cbString                               `json:"status"`
	Reason     cbString                               `json:"reason"`
	Name       cbString                               `json:"name"`
	URL        cbString                               `json:"url"`
	Resolution cbString                               `json:"resolution"`
	StreamMode cbString                               `json:"streamMode"`
	HasAudio   *flexBool                              `json:"hasAudio"`
	HasVideo   *flexBool                              `json:"hasVideo"`
	Streams    cbList[cbObject[cbIncludedStreamWire]] `json:"streams"`
	CreatedAt  msTime                                 `json:"createdAt"`
	UpdatedAt  msTime                                 `json:"updatedAt"`
	Duration   seconds                                `json:"duration"`

	// Session monitoring.
	Connection cbObject[cbConnectionWire] `json:"connection"`
	Stream     cbObject[cbStreamWire]     `json:"stream"`

	// SIP.
	Call          cbObject[cbSIPCallWire] `json:"call"`
	State         cbString                `json:"state"`
	ReasonCode    flexString              `json:"reason_code"`
	ReasonMessage cbString                `json:"reason_message"`

	// Archives, broadcasts, renders and captions.
	SHA256Sum         cbString                      `json:"sha256sum"`
	MultiBroadcastTag cbString                      `json:"multiBroadcastTag"`
	MaxDuration       seconds                       `json:"maxDuration"`
	MaxBitrate        flexInt                       `json:"maxBitrate"`
	BroadcastURLs     cbObject[cbBroadcastURLsWire] `json:"broadcastUrls"`
	Settings          cbObject[cbSettingsWire]      `json:"settings"`
	StreamID          cbString                      `json:"streamId"`
	LanguageCode      cbString                      `json:"languageCode"`
	Provider          cbString                      `json:"provider"`
}

type cbConnectionWire struct {
	ID        cbString `json:"id"`
	CreatedAt msTime   `json:"createdAt"`
	Data      cbString `json:"data"`
}

type cbStreamWire struct {
	ID         cbString                   `json:"id"`
	Connection cbObject[cbConnectionWire] `json:"connection"`
	CreatedAt  msTime                     `json:"createdAt"`
	Name       cbString                   `json:"name"`
	VideoType  cbString                   `json:"videoType"`
}

type cbSIPCallWire struct {
	ID           cbString `json:"id"`
	ConnectionID cbString `json:"connectionId"`
	CreatedAt    msTime   `json:"createdAt"`
}

type cbIncludedStreamWire struct {
	StreamID cbString `json:"streamId"`
	HasAudio flexBool `json:"hasAudio"`
	HasVideo flexBool `json:"hasVideo"`
}

type cbBroadcastURLsWire struct {
	HLS  cbString                           `json:"hls"`
	RTMP cbList[cbObject[cbRTMPTargetWire]] `json:"rtmp"`
}

type cbRTMPTargetWire struct {
	ID         cbString `json:"id"`
	ServerURL  cbString `json:"serverUrl"`
	StreamName cbString `json:"streamName"`
	Status     cbString `json:"status"`
}

type cbSettingsWire struct {
	HLS cbObject[struct {
		LowLatency flexBool `json:"lowLatency"`
		DVR        flexBool `json:"dvr"`
	}] `json:"hls"`
}

// ---- tolerant field types --------------------------------------------------------

// cbString is a string field: its value, and the first byte of its JSON
// value ('"' for a string, 0 when absent or null), which tells a field of
// the wrong type.
type cbString struct {
	s    string
	kind byte
}

func (f *cbString) UnmarshalJSON(b []byte) error {
	*f = cbString{kind: b[0]}
	switch b[0] {
	case 'n':
		f.kind = 0
	case '"':
		f.s = rawString(b)
	}
	return nil
}

// isString reports whether the field is a JSON string ("" included).
func (f cbString) isString() bool { return f.kind == '"' }

// cbObject is an object field whose fields are all of tolerant types.
type cbObject[T any] struct {
	v    T
	kind byte
}

func (f *cbObject[T]) UnmarshalJSON(b []byte) error {
	*f = cbObject[T]{kind: b[0]}
	switch b[0] {
	case 'n':
		f.kind = 0
	case '{':
		return json.Unmarshal(b, &f.v)
	}
	return nil
}

// cbList is an array field of tolerant elements.
type cbList[T any] struct {
	v    []T
	kind byte
}

func (f *cbList[T]) UnmarshalJSON(b []byte) error {
	*f = cbList[T]{kind: b[0]}
	switch b[0] {
	case 'n':
		f.kind = 0
	case '[':
		return json.Unmarshal(b, &f.v)
	}
	return nil
}

// cbTypeCheck reads fields for an event and keeps the first that had the
// wrong JSON type.
type cbTypeCheck struct{ reason string }

func (c *cbTypeCheck) wrong(field string, kind, want byte) bool {
	if kind == 0 || kind == want {
		return false
	}
	if c.reason == "" {
		c.reason = "field " + field + " is a JSON " + jsonKind(kind)
	}
	return true
}

// str returns a string field's value ("" when absent or of the wrong type).
func (c *cbTypeCheck) str(field string, f cbString) string {
	c.wrong(field, f.kind, '"')
	return f.s
}

// cbObj returns an object field's value (zero when absent or of the wrong
// type).
func cbObj[T any](c *cbTypeCheck, field string, f cbObject[T]) T {
	if c.wrong(field, f.kind, '{') {
		var zero T
		return zero
	}
	return f.v
}

// cbObjs returns the values of an array of objects, checking the array and
// each element.
func cbObjs[T any](c *cbTypeCheck, field string, f cbList[cbObject[T]]) []T {
	if c.wrong(field, f.kind, '[') || len(f.v) == 0 {
		return nil
	}
	out := make([]T, 0, len(f.v))
	for i, o := range f.v {
		out = append(out, cbObj(c, field+"["+strconv.Itoa(i)+"]", o))
	}
	return out
}

// err returns the malformed-callback error of the first wrong field, or nil.
func (c *cbTypeCheck) err(kind string) error {
	if c.reason == "" {
		return nil
	}
	return cbMalformed(kind+" event does not decode: "+c.reason, nil)
}

// jsonKind names the JSON type whose value starts with b.
func jsonKind(b byte) string {
	switch b {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// cbMissing returns field when id is empty, else "".
func cbMissing(id, field string) string {
	if id == "" {
		return field
	}
	return ""
}

// ---- the events' own fields --------------------------------------------------------

func (c *cbTypeCheck) connection(field string, w cbObject[cbConnectionWire]) EventConnection {
	v := cbObj(c, field, w)
	return EventConnection{ID: c.str(field+".id", v.ID), CreatedAt: v.CreatedAt.Time(), Data: c.str(field+".data", v.Data)}
}

func (c *cbTypeCheck) stream(w cbObject[cbStreamWire]) EventStream {
	v := cbObj(c, "stream", w)
	return EventStream{
		ID:         c.str("stream.id", v.ID),
		Connection: c.connection("stream.connection", v.Connection),
		CreatedAt:  v.CreatedAt.Time(),
		Name:       c.str("stream.name", v.Name),
		VideoType:  VideoType(c.str("stream.videoType", v.VideoType)),
	}
}

func (c *cbTypeCheck) sipCall(w cbObject[cbSIPCallWire]) EventSIPCall {
	v := cbObj(c, "call", w)
	return EventSIPCall{ID: c.str("call.id", v.ID), ConnectionID: c.str("call.connectionId", v.ConnectionID), CreatedAt: v.CreatedAt.Time()}
}

func (c *cbTypeCheck) includedStreams(w cbList[cbObject[cbIncludedStreamWire]]) []EventIncludedStream {
	var out []EventIncludedStream
	for i, s := range cbObjs(c, "streams", w) {
		out = append(out, EventIncludedStream{StreamID: c.str("streams["+strconv.Itoa(i)+"].streamId", s.StreamID),
			HasAudio: bool(s.HasAudio), HasVideo: bool(s.HasVideo)})
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

func (e *ConnectionCreatedEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.Connection = c.connection("connection", w.Connection)
	return cbMissing(e.Connection.ID, "connection.id")
}

func (e *ConnectionDestroyedEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.Reason = DestroyedReason(c.str("reason", w.Reason))
	e.Connection = c.connection("connection", w.Connection)
	return cbMissing(e.Connection.ID, "connection.id")
}

func (e *StreamCreatedEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.Stream = c.stream(w.Stream)
	return cbMissing(e.Stream.ID, "stream.id")
}

func (e *StreamDestroyedEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.Reason = DestroyedReason(c.str("reason", w.Reason))
	e.Stream = c.stream(w.Stream)
	return cbMissing(e.Stream.ID, "stream.id")
}

// fill has nothing to read: the header holds every documented field.
func (*SessionCreatedEvent) fill(*cbTypeCheck, *cbBody) string { return "" }

// fill has nothing to read: the header holds every documented field.
func (*SessionDestroyedEvent) fill(*cbTypeCheck, *cbBody) string { return "" }

func (e *SIPCallCreatedEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.Call = c.sipCall(w.Call)
	return cbMissing(e.Call.ID, "call.id")
}

func (e *SIPCallUpdatedEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.State = SIPCallState(c.str("state", w.State))
	e.Call = c.sipCall(w.Call)
	return cbMissing(e.Call.ID, "call.id")
}

func (e *SIPCallDestroyedEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.ReasonCode = string(w.ReasonCode)
	e.ReasonMessage = c.str("reason_message", w.ReasonMessage)
	e.Call = c.sipCall(w.Call)
	return cbMissing(e.Call.ID, "call.id")
}

func (e *SIPMuteForcedEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.Call = c.sipCall(w.Call)
	return cbMissing(e.Call.ID, "call.id")
}

func (e *ArchiveEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.ID = c.str("id", w.ID)
	e.Name = c.str("name", w.Name)
	e.Status = ArchiveStatus(c.str("status", w.Status))
	e.Reason = c.str("reason", w.Reason)
	e.Resolution = Resolution(c.str("resolution", w.Resolution))
	e.OutputMode = OutputMode(c.str("outputMode", w.OutputMode))
	e.StreamMode = StreamMode(c.str("streamMode", w.StreamMode))
	e.HasAudio, e.HasVideo = cbOptBool(w.HasAudio), cbOptBool(w.HasVideo)
	e.Streams = c.includedStreams(w.Streams)
	if w.Size != nil {
		e.Size = int64(*w.Size)
	}
	e.Duration = w.Duration.Duration()
	e.CreatedAt, e.UpdatedAt = w.CreatedAt.Time(), w.UpdatedAt.Time()
	e.URL = c.str("url", w.URL)
	e.SHA256Sum = c.str("sha256sum", w.SHA256Sum)
	return cbMissing(e.ID, "id")
}

func (e *BroadcastEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.ID = c.str("id", w.ID)
	e.Status = BroadcastStatus(c.str("status", w.Status))
	e.MultiBroadcastTag = c.str("multiBroadcastTag", w.MultiBroadcastTag)
	e.CreatedAt, e.UpdatedAt = w.CreatedAt.Time(), w.UpdatedAt.Time()
	e.MaxDuration = w.MaxDuration.Duration()
	e.MaxBitrate = int(w.MaxBitrate)
	e.Resolution = Resolution(c.str("resolution", w.Resolution))
	e.StreamMode = StreamMode(c.str("streamMode", w.StreamMode))
	e.HasAudio, e.HasVideo = cbOptBool(w.HasAudio), cbOptBool(w.HasVideo)
	e.Streams = c.includedStreams(w.Streams)
	urls := cbObj(c, "broadcastUrls", w.BroadcastURLs)
	e.HLSURL = c.str("broadcastUrls.hls", urls.HLS)
	for i, r := range cbObjs(c, "broadcastUrls.rtmp", urls.RTMP) {
		f := "broadcastUrls.rtmp[" + strconv.Itoa(i) + "]."
		e.RTMP = append(e.RTMP, RTMPTargetStatus{ID: c.str(f+"id", r.ID), ServerURL: c.str(f+"serverUrl", r.ServerURL),
			StreamName: c.str(f+"streamName", r.StreamName), Status: RTMPStatus(c.str(f+"status", r.Status))})
	}
	hls := cbObj(c, "settings.hls", cbObj(c, "settings", w.Settings).HLS)
	e.HLSLowLatency, e.HLSDVR = bool(hls.LowLatency), bool(hls.DVR)
	return cbMissing(e.ID, "id")
}

func (e *RenderEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.ID = c.str("id", w.ID)
	e.StreamID = c.str("streamId", w.StreamID)
	e.Status = RenderStatus(c.str("status", w.Status))
	e.Reason = c.str("reason", w.Reason)
	e.Name = c.str("name", w.Name)
	e.URL = c.str("url", w.URL)
	e.Resolution = Resolution(c.str("resolution", w.Resolution))
	e.CreatedAt, e.UpdatedAt = w.CreatedAt.Time(), w.UpdatedAt.Time()
	return cbMissing(e.ID, "id")
}

func (e *CaptionsEvent) fill(c *cbTypeCheck, w *cbBody) string {
	e.CaptionsID = c.str("captionId", w.CaptionID)
	if id := c.str("captionsId", w.CaptionsID); e.CaptionsID == "" {
		e.CaptionsID = id
	}
	e.Status = CaptionsStatus(c.str("status", w.Status))
	e.Reason = c.str("reason", w.Reason)
	e.LanguageCode = c.str("languageCode", w.LanguageCode)
	e.Provider = c.str("provider", w.Provider)
	e.Duration = w.Duration.Duration()
	e.CreatedAt, e.UpdatedAt = w.CreatedAt.Time(), w.UpdatedAt.Time()
	return cbMissing(e.CaptionsID, "captionId")
}
