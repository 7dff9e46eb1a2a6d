package opentoktest

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/opentok-go/opentok"
)

// streamsJSON renders the stream list of a manual-mode archive or
// broadcast.
func streamsJSON(list []ArchiveStream) []map[string]any {
	out := make([]map[string]any, 0, len(list))
	for _, st := range list {
		out = append(out, map[string]any{"streamId": st.StreamID, "hasAudio": st.HasAudio, "hasVideo": st.HasVideo})
	}
	return out
}

// patchStreams applies {"addStream","hasAudio","hasVideo"} or
// {"removeStream"} to a manual-mode stream list.
func (s *Server) patchStreams(sessionID string, streamMode opentok.StreamMode, list *[]ArchiveStream, body []byte) *apiError {
	var req struct {
		AddStream    string          `json:"addStream"`
		RemoveStream string          `json:"removeStream"`
		HasAudio     json.RawMessage `json:"hasAudio"`
		HasVideo     json.RawMessage `json:"hasVideo"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return aerr
	}
	if streamMode != opentok.StreamModeManual {
		return errf(http.StatusBadRequest, "The stream mode is auto: streams cannot be added or removed")
	}
	switch {
	case req.AddStream != "" && req.RemoveStream != "":
		return errf(http.StatusBadRequest, "give one of addStream and removeStream")
	case req.AddStream != "":
		st, found := s.st.streams[req.AddStream]
		if !found || st.SessionID != sessionID {
			return errf(http.StatusNotFound, "Stream not found")
		}
		ha, aerr := boolField(req.HasAudio, true)
		if aerr != nil {
			return aerr
		}
		hv, aerr := boolField(req.HasVideo, true)
		if aerr != nil {
			return aerr
		}
		for i := range *list {
			if (*list)[i].StreamID == req.AddStream {
				(*list)[i].HasAudio, (*list)[i].HasVideo = ha, hv
				return nil
			}
		}
		*list = append(*list, ArchiveStream{StreamID: req.AddStream, HasAudio: ha, HasVideo: hv})
	case req.RemoveStream != "":
		i := slices.IndexFunc(*list, func(a ArchiveStream) bool { return a.StreamID == req.RemoveStream })
		if i < 0 {
			return errf(http.StatusNotFound, "Stream not found")
		}
		*list = slices.Delete(*list, i, i+1)
	default:
		return errf(http.StatusBadRequest, "Need one of addStream or removeStream")
	}
	return nil
}
