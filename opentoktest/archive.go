package opentoktest

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/opentok-go/opentok"
)

func (s *Server) archiveJSON(a *Archive) map[string]any {
	m := map[string]any{
		"id": a.ID, "sessionId": a.SessionID, "name": nil, "status": a.Status, "reason": a.Reason,
		"createdAt": ms(a.CreatedAt), "updatedAt": ms(a.UpdatedAt), "size": a.Size,
		"duration": int64(s.archiveDuration(a) / time.Second), "outputMode": a.OutputMode, "streamMode": a.StreamMode,
		"hasAudio": a.HasAudio, "hasVideo": a.HasVideo, "sha256sum": "", "password": "",
		"event": "archive",
	}
	if a.Name != "" {
		m["name"] = a.Name // null when none was given, as the platform
	}
	if a.URL != "" {
		m["url"], m["sha256sum"] = a.URL, a.SHA256
	} else {
		m["url"] = nil
	}
	if a.OutputMode == opentok.OutputComposed {
		m["resolution"] = a.Resolution
	}
	if a.StreamMode == opentok.StreamModeManual {
		m["streams"] = streamsJSON(a.Streams)
	}
	if a.MaxBitrate != 0 {
		m["maxBitrate"] = a.MaxBitrate
	}
	if a.QuantizationParameter != 0 {
		m["quantizationParameter"] = a.QuantizationParameter
	}
	if a.HasTranscription {
		m["hasTranscription"] = true
	}
	return s.ownerJSON(m, a.SessionID)
}

func (s *Server) archiveDuration(a *Archive) time.Duration {
	end := s.nowLocked()
	if !a.StoppedAt.IsZero() {
		end = a.StoppedAt
	}
	if activeArchive(a) {
		return 0
	}
	return end.Sub(a.CreatedAt).Truncate(time.Second)
}

func activeArchive(a *Archive) bool {
	return a.Status == opentok.ArchiveStarted || a.Status == opentok.ArchivePaused
}

type archiveRequest struct {
	compositionRequest
	SessionID               string             `json:"sessionId"`
	Name                    string             `json:"name"`
	OutputMode              opentok.OutputMode `json:"outputMode"`
	MultiArchiveTag         string             `json:"multiArchiveTag"`
	QuantizationParameter   *int               `json:"quantizationParameter"`
	HasTranscription        bool               `json:"hasTranscription"`
	TranscriptionProperties json.RawMessage    `json:"transcriptionProperties"`
}

// startArchive starts an archive. As the platform documents for
// multiArchiveTag, an archive without a tag conflicts with any running one,
// and a tagged archive conflicts only with a running one of the same tag (so
// a tagged manual archive can run beside an automatic one).
func (s *Server) startArchive(_ *http.Request, body []byte) (reply, *apiError) {
	var req archiveRequest
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	if req.SessionID == "" {
		return reply{}, errf(http.StatusBadRequest, "sessionId is required")
	}
	ss, aerr := s.ownSessionLocked(req.SessionID)
	if aerr != nil {
		return reply{}, aerr
	}
	c, aerr := req.check()
	if aerr != nil {
		return reply{}, aerr
	}
	a := &Archive{ID: newID(), SessionID: ss.ID, Name: req.Name, Status: opentok.ArchiveStarted, OutputMode: opentok.OutputComposed,
		StreamMode: c.streamMode, Resolution: c.resolution, MultiArchiveTag: req.MultiArchiveTag, HasTranscription: req.HasTranscription,
		HasAudio: c.hasAudio, HasVideo: c.hasVideo, MaxBitrate: c.maxBitrate, Layout: c.layout}
	if !a.HasAudio && !a.HasVideo {
		return reply{}, errf(http.StatusBadRequest, "hasAudio and hasVideo cannot both be false")
	}
	switch req.OutputMode {
	case "", opentok.OutputComposed:
	case opentok.OutputIndividual:
		a.OutputMode = opentok.OutputIndividual
		if req.Resolution != "" || len(req.Layout) > 0 || req.MaxBitrate != nil || req.QuantizationParameter != nil {
			return reply{}, errf(http.StatusBadRequest, "resolution, layout, maxBitrate and quantizationParameter apply to composed archives only")
		}
	default:
		return reply{}, errf(http.StatusBadRequest, "invalid outputMode")
	}
	if req.MaxBitrate != nil && req.QuantizationParameter != nil {
		return reply{}, errf(http.StatusBadRequest, "maxBitrate and quantizationParameter are mutually exclusive")
	}
	if req.QuantizationParameter != nil {
		if *req.QuantizationParameter < 15 || *req.QuantizationParameter > 40 {
			return reply{}, errf(http.StatusBadRequest, "invalid quantizationParameter")
		}
		a.QuantizationParameter = *req.QuantizationParameter
	}
	if aerr := s.checkComposable(ss, "archive"); aerr != nil {
		return reply{}, aerr
	}
	for _, other := range s.st.archives {
		if other.SessionID == ss.ID && activeArchive(other) &&
			(a.MultiArchiveTag == "" || other.MultiArchiveTag == a.MultiArchiveTag) {
			return reply{}, errf(http.StatusConflict, "Recording already in progress for this session (use a unique multiArchiveTag to record more than one archive)")
		}
	}
	s.addArchiveLocked(a)
	return ok(s.archiveJSON(a)), nil
}

func (s *Server) addArchiveLocked(a *Archive) {
	now := s.nowLocked()
	a.CreatedAt, a.UpdatedAt = now, now
	if a.StreamMode == opentok.StreamModeAuto {
		for _, st := range s.st.sessionStreams(a.SessionID) {
			s.recordStreamLocked(a, st, a.HasAudio, a.HasVideo)
		}
	}
	s.st.archives = append([]*Archive{a}, s.st.archives...)
	s.evictLocked()
	s.emitArchiveLocked(a)
	s.pushArchiveLocked(a)
}

func (s *Server) listArchives(r *http.Request, _ []byte) (reply, *apiError) {
	sid := r.URL.Query().Get("sessionId")
	return listReply(r, s.st.archives, func(a *Archive) bool {
		return a.Status != opentok.ArchiveDeleted && (sid == "" || a.SessionID == sid) && s.ownsLocked(a.SessionID)
	}, s.archiveJSON)
}

func (s *Server) findArchive(r *http.Request) (*Archive, *apiError) {
	a := s.st.archive(r.PathValue("id"))
	if a == nil || !s.ownsLocked(a.SessionID) {
		return nil, errf(http.StatusNotFound, "Not found. You passed in an invalid archive ID.")
	}
	return a, nil
}

func (s *Server) getArchive(r *http.Request, _ []byte) (reply, *apiError) {
	a, aerr := s.findArchive(r)
	if aerr != nil {
		return reply{}, aerr
	}
	return ok(s.archiveJSON(a)), nil
}

func (s *Server) stopArchive(r *http.Request, _ []byte) (reply, *apiError) {
	a, aerr := s.findArchive(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if !activeArchive(a) {
		return reply{}, errf(http.StatusConflict, "Conflict. You are trying to stop an archive that is not recording.")
	}
	if a.Auto {
		return reply{}, errf(http.StatusBadRequest, "Automatically started archives cannot be stopped through the REST API.")
	}
	s.stopArchiveLocked(a, "user initiated")
	return ok(s.archiveJSON(a)), nil
}

func (s *Server) stopArchiveLocked(a *Archive, reason string) {
	now := s.nowLocked()
	a.Status, a.Reason, a.StoppedAt, a.UpdatedAt = opentok.ArchiveStopped, reason, now, now
	s.sealArchiveLocked(a)
	s.emitArchiveLocked(a)
	s.pushArchiveLocked(a)
}

func (s *Server) deleteArchive(r *http.Request, _ []byte) (reply, *apiError) {
	a, aerr := s.findArchive(r)
	if aerr != nil {
		return reply{}, aerr
	}
	switch a.Status {
	case opentok.ArchiveAvailable, opentok.ArchiveUploaded, opentok.ArchiveDeleted:
	default:
		return reply{}, errf(http.StatusConflict, "Conflict. The archive is %s; only available or uploaded archives can be deleted.", a.Status)
	}
	a.Status, a.URL, a.UpdatedAt, a.recorded = opentok.ArchiveDeleted, "", s.nowLocked(), nil
	return reply{status: http.StatusNoContent}, nil
}

// setArchiveLayout changes a recording composed archive's layout and answers
// the archive (the OpenAPI document says a blank 200; the community Go SDK
// decodes an archive, and clients expecting nothing ignore it).
func (s *Server) setArchiveLayout(r *http.Request, body []byte) (reply, *apiError) {
	a, aerr := s.findArchive(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if a.OutputMode != opentok.OutputComposed {
		return reply{}, errf(http.StatusBadRequest, "Layouts apply to composed archives only")
	}
	if !activeArchive(a) {
		return reply{}, errf(http.StatusConflict, "The archive is not recording")
	}
	if aerr := setLayout(&a.Layout, body); aerr != nil {
		return reply{}, aerr
	}
	return ok(s.archiveJSON(a)), nil
}

func (s *Server) patchArchiveStreams(r *http.Request, body []byte) (reply, *apiError) {
	a, aerr := s.findArchive(r)
	if aerr != nil {
		return reply{}, aerr
	}
	if aerr := s.patchStreams(a.SessionID, a.StreamMode, &a.Streams, body); aerr != nil {
		return reply{}, aerr
	}
	// The archive records what its stream list now says.
	var req struct{ AddStream, RemoveStream string }
	_ = json.Unmarshal(body, &req)
	if req.RemoveStream != "" {
		s.unrecordStreamLocked(a, req.RemoveStream)
	} else if i := slices.IndexFunc(a.Streams, func(x ArchiveStream) bool { return x.StreamID == req.AddStream }); i >= 0 {
		if st, found := s.st.streams[req.AddStream]; found && activeArchive(a) {
			s.recordStreamLocked(a, st, a.Streams[i].HasAudio, a.Streams[i].HasVideo)
		}
	}
	a.UpdatedAt = s.nowLocked()
	return reply{status: http.StatusNoContent}, nil
}
