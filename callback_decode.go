package opentok

import "encoding/json"

// The decode method of every event type: it decodes the fields of its kind
// from the body (ParseCallback has decoded the header) and names the
// identifying field when the body lacks it. Each method decodes only its
// own fields, through a wire struct of lenient types (flexString, msTime,
// ...), so that a new kind is a type, a decode method and one line in
// eventTypeMapping.

// cbMissing returns field when id is empty, else "".
func cbMissing(id, field string) string {
	if id == "" {
		return field
	}
	return ""
}

// ---------------------------------------------------------------------------
// Session monitoring

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

func (e *ConnectionCreatedEvent) decode(body []byte) (string, error) {
	var w struct {
		Connection cbConnectionWire `json:"connection"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	e.Connection = w.Connection.conv()
	return cbMissing(e.Connection.ID, "connection.id"), nil
}

func (e *ConnectionDestroyedEvent) decode(body []byte) (string, error) {
	var w struct {
		Reason     string           `json:"reason"`
		Connection cbConnectionWire `json:"connection"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	e.Reason, e.Connection = DestroyedReason(w.Reason), w.Connection.conv()
	return cbMissing(e.Connection.ID, "connection.id"), nil
}

func (e *StreamCreatedEvent) decode(body []byte) (string, error) {
	var w struct {
		Stream cbStreamWire `json:"stream"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	e.Stream = w.Stream.conv()
	return cbMissing(e.Stream.ID, "stream.id"), nil
}

func (e *StreamDestroyedEvent) decode(body []byte) (string, error) {
	var w struct {
		Reason string       `json:"reason"`
		Stream cbStreamWire `json:"stream"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	e.Reason, e.Stream = DestroyedReason(w.Reason), w.Stream.conv()
	return cbMissing(e.Stream.ID, "stream.id"), nil
}

// decode has nothing to decode: the header holds every documented field.
func (*SessionCreatedEvent) decode([]byte) (string, error) { return "", nil }

// decode has nothing to decode: the header holds every documented field.
func (*SessionDestroyedEvent) decode([]byte) (string, error) { return "", nil }

// ---------------------------------------------------------------------------
// SIP

type cbSIPCallWire struct {
	ID           string `json:"id"`
	ConnectionID string `json:"connectionId"`
	CreatedAt    msTime `json:"createdAt"`
}

func (w cbSIPCallWire) conv() EventSIPCall {
	return EventSIPCall{ID: w.ID, ConnectionID: w.ConnectionID, CreatedAt: w.CreatedAt.Time()}
}

func (e *SIPCallCreatedEvent) decode(body []byte) (string, error) {
	var w struct {
		Call cbSIPCallWire `json:"call"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	e.Call = w.Call.conv()
	return cbMissing(e.Call.ID, "call.id"), nil
}

func (e *SIPCallUpdatedEvent) decode(body []byte) (string, error) {
	var w struct {
		State string        `json:"state"`
		Call  cbSIPCallWire `json:"call"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	e.State, e.Call = SIPCallState(w.State), w.Call.conv()
	return cbMissing(e.Call.ID, "call.id"), nil
}

func (e *SIPCallDestroyedEvent) decode(body []byte) (string, error) {
	var w struct {
		ReasonCode    flexString    `json:"reason_code"`
		ReasonMessage string        `json:"reason_message"`
		Call          cbSIPCallWire `json:"call"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	e.ReasonCode, e.ReasonMessage, e.Call = string(w.ReasonCode), w.ReasonMessage, w.Call.conv()
	return cbMissing(e.Call.ID, "call.id"), nil
}

func (e *SIPMuteForcedEvent) decode(body []byte) (string, error) {
	var w struct {
		Call cbSIPCallWire `json:"call"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	e.Call = w.Call.conv()
	return cbMissing(e.Call.ID, "call.id"), nil
}

// ---------------------------------------------------------------------------
// Archives and broadcasts

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

func (e *ArchiveEvent) decode(body []byte) (string, error) {
	var w struct {
		ID         string                 `json:"id"`
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
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	*e = ArchiveEvent{
		EventHeader: e.EventHeader,
		ID:          w.ID,
		Name:        w.Name,
		Status:      ArchiveStatus(w.Status),
		Reason:      w.Reason,
		Resolution:  Resolution(w.Resolution),
		OutputMode:  OutputMode(w.OutputMode),
		StreamMode:  StreamMode(w.StreamMode),
		HasAudio:    cbOptBool(w.HasAudio),
		HasVideo:    cbOptBool(w.HasVideo),
		Streams:     cbIncludedStreams(w.Streams),
		Size:        int64(w.Size),
		Duration:    w.Duration.Duration(),
		CreatedAt:   w.CreatedAt.Time(),
		UpdatedAt:   w.UpdatedAt.Time(),
		URL:         w.URL,
		SHA256Sum:   w.SHA256Sum,
	}
	return cbMissing(e.ID, "id"), nil
}

func (e *BroadcastEvent) decode(body []byte) (string, error) {
	var w struct {
		ID                string                 `json:"id"`
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
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	*e = BroadcastEvent{
		EventHeader:       e.EventHeader,
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
		e.RTMP = append(e.RTMP, RTMPTargetStatus{ID: r.ID, ServerURL: r.ServerURL, StreamName: NewSecret(r.StreamName), Status: RTMPStatus(r.Status)})
	}
	return cbMissing(e.ID, "id"), nil
}

// ---------------------------------------------------------------------------
// Experience Composer and captions

func (e *RenderEvent) decode(body []byte) (string, error) {
	var w struct {
		ID         string `json:"id"`
		StreamID   string `json:"streamId"`
		Status     string `json:"status"`
		Reason     string `json:"reason"`
		Name       string `json:"name"`
		URL        string `json:"url"`
		Resolution string `json:"resolution"`
		CreatedAt  msTime `json:"createdAt"`
		UpdatedAt  msTime `json:"updatedAt"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	*e = RenderEvent{
		EventHeader: e.EventHeader,
		ID:          w.ID,
		StreamID:    w.StreamID,
		Status:      RenderStatus(w.Status),
		Reason:      w.Reason,
		Name:        w.Name,
		URL:         w.URL,
		Resolution:  Resolution(w.Resolution),
		CreatedAt:   w.CreatedAt.Time(),
		UpdatedAt:   w.UpdatedAt.Time(),
	}
	return cbMissing(e.ID, "id"), nil
}

func (e *CaptionsEvent) decode(body []byte) (string, error) {
	var w struct {
		CaptionID    string  `json:"captionId"`
		CaptionsID   string  `json:"captionsId"`
		Status       string  `json:"status"`
		Reason       string  `json:"reason"`
		LanguageCode string  `json:"languageCode"`
		Provider     string  `json:"provider"`
		Duration     seconds `json:"duration"`
		CreatedAt    msTime  `json:"createdAt"`
		UpdatedAt    msTime  `json:"updatedAt"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return "", err
	}
	id := w.CaptionID
	if id == "" {
		id = w.CaptionsID
	}
	*e = CaptionsEvent{
		EventHeader:  e.EventHeader,
		CaptionsID:   id,
		Status:       CaptionsStatus(w.Status),
		Reason:       w.Reason,
		LanguageCode: w.LanguageCode,
		Provider:     w.Provider,
		Duration:     w.Duration.Duration(),
		CreatedAt:    w.CreatedAt.Time(),
		UpdatedAt:    w.UpdatedAt.Time(),
	}
	return cbMissing(e.CaptionsID, "captionId"), nil
}
