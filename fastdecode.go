package opentok

import (
	"bytes"
	"encoding/json"

	"github.com/opentok-go/opentok/internal/jsonscan"
)

// Reflection-free decoding of the most frequent answers. encoding/json
// spends most of a call's own CPU on an archive answer; these decoders walk
// the answer with internal/jsonscan and set the same fields through the same
// rules (the wire types' UnmarshalJSON methods, null leaving plain strings
// alone). Whenever the answer holds something they do not handle in exactly
// encoding/json's way — an escaped string, a key that differs from a field
// name only in case, a type mismatch — they report false and do() decodes
// the whole answer with encoding/json instead. FuzzFastDecodeAgrees checks
// that both give the same result.

// fastDecoder is a wire type with a fast decoder for its answer.
type fastDecoder interface {
	decodeFast(data []byte) bool
}

// setStr sets a string field from a JSON string; null leaves it as it is,
// as encoding/json does; other kinds are encoding/json's to report.
func setStr[T ~string](p *T, v jsonscan.Value) bool {
	switch v.Kind {
	case jsonscan.String:
		*p = T(v.Str())
		return true
	case jsonscan.Null:
		return true
	}
	return false
}

// setVia sets a field through its UnmarshalJSON method.
func setVia(u json.Unmarshaler, v jsonscan.Value) bool { return u.UnmarshalJSON(v.Raw) == nil }

// setJSON sets a nested field with encoding/json.
func setJSON(p any, v jsonscan.Value) bool { return json.Unmarshal(v.Raw, p) == nil }

// ignorable reports whether an unknown key can be skipped: encoding/json
// would skip it too unless it equals a field name but for case.
func ignorable(key []byte, names []string) bool {
	for _, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return false
		}
	}
	return true
}

var archiveKeys = []string{"id", "sessionId", "applicationId", "projectId", "partnerId", "name", "status",
	"createdAt", "updatedAt", "duration", "size", "hasAudio", "hasVideo", "outputMode", "streamMode",
	"resolution", "url", "reason", "streams", "maxBitrate", "quantizationParameter", "multiArchiveTag",
	"hasTranscription", "transcription", "sha256sum"}

func (w *archiveWire) decodeFast(data []byte) bool {
	var x archiveWire
	ok := jsonscan.Members(data, func(key []byte, v jsonscan.Value) bool {
		switch string(key) {
		case "id":
			return setStr(&x.ID, v)
		case "sessionId":
			return setStr(&x.SessionID, v)
		case "applicationId":
			return setVia(&x.ApplicationID, v)
		case "projectId":
			return setVia(&x.ProjectID, v)
		case "partnerId":
			return setVia(&x.PartnerID, v)
		case "name":
			return setVia(&x.Name, v)
		case "status":
			return setStr(&x.Status, v)
		case "createdAt":
			return setVia(&x.CreatedAt, v)
		case "updatedAt":
			return setVia(&x.UpdatedAt, v)
		case "duration":
			return setVia(&x.Duration, v)
		case "size":
			return setVia(&x.Size, v)
		case "hasAudio":
			return setVia(&x.HasAudio, v)
		case "hasVideo":
			return setVia(&x.HasVideo, v)
		case "outputMode":
			return setStr(&x.OutputMode, v)
		case "streamMode":
			return setStr(&x.StreamMode, v)
		case "resolution":
			return setStr(&x.Resolution, v)
		case "url":
			return setVia(&x.URL, v)
		case "reason":
			return setVia(&x.Reason, v)
		case "streams":
			return setJSON(&x.Streams, v)
		case "maxBitrate":
			return setVia(&x.MaxBitrate, v)
		case "quantizationParameter":
			return setVia(&x.QuantizationParameter, v)
		case "multiArchiveTag":
			return setVia(&x.MultiArchiveTag, v)
		case "hasTranscription":
			return setVia(&x.HasTranscription, v)
		case "transcription":
			return setJSON(&x.Transcription, v)
		case "sha256sum":
			return setVia(&x.Sha256Sum, v)
		}
		return ignorable(key, archiveKeys)
	})
	if ok {
		*w = x
	}
	return ok
}

var archiveListKeys = []string{"count", "items"}

func (w *archiveListWire) decodeFast(data []byte) bool {
	var x archiveListWire
	ok := jsonscan.Members(data, func(key []byte, v jsonscan.Value) bool {
		switch string(key) {
		case "count":
			return setVia(&x.Count, v)
		case "items":
			switch v.Kind {
			case jsonscan.Null:
				x.Items = nil
				return true
			case jsonscan.Array:
				items := make([]archiveWire, 0, 8)
				ok := jsonscan.Elements(v.Raw, func(e jsonscan.Value) bool {
					var a archiveWire
					if e.Kind != jsonscan.Object || !a.decodeFast(e.Raw) {
						return false
					}
					items = append(items, a)
					return true
				})
				x.Items = items
				return ok
			}
			return false
		}
		return ignorable(key, archiveListKeys)
	})
	if ok {
		*w = x
	}
	return ok
}

var sessionKeys = []string{"session_id", "project_id", "partner_id", "application_id", "media_server_url"}

func (w *sessionAnswers) decodeFast(data []byte) bool {
	var out sessionAnswers
	ok := jsonscan.Elements(data, func(e jsonscan.Value) bool {
		if e.Kind != jsonscan.Object {
			return false
		}
		var a sessionAnswer
		ok := jsonscan.Members(e.Raw, func(key []byte, v jsonscan.Value) bool {
			switch string(key) {
			case "session_id":
				return setStr(&a.SessionID, v)
			case "project_id":
				return setVia(&a.ProjectID, v)
			case "partner_id":
				return setVia(&a.PartnerID, v)
			case "application_id":
				return setStr(&a.ApplicationID, v)
			case "media_server_url":
				return setStr(&a.MediaServerURL, v)
			}
			return ignorable(key, sessionKeys)
		})
		out = append(out, a)
		return ok
	})
	if ok {
		if out == nil {
			out = sessionAnswers{}
		}
		*w = out
	}
	return ok
}
