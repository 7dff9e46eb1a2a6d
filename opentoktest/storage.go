package opentoktest

import (
	"encoding/json"
	"net/http"
)

// ArchiveStorage is a project's archive upload target, as set with the
// SDK's SetArchiveStorage: its type ("s3" or "azure"), its configuration as
// sent (credentials included: the fake is for tests) and its fallback.
type ArchiveStorage struct {
	Type     string
	Config   map[string]string
	Fallback string
}

// UploadArchive is the operation name under which InjectFault makes the
// upload of an archive to its project's target fail (any Fault does): the
// archive then ends "available" when the target's fallback is "opentok",
// and "failed" otherwise. Such faults apply to uploads only, never to REST
// requests, and "*" faults never apply to uploads.
const UploadArchive = "UploadArchive"

// uploadFailsLocked takes an injected upload fault, if any.
func (s *Server) uploadFailsLocked() bool {
	q := s.faults[UploadArchive]
	for len(q) > 0 && q[0].left == 0 {
		q = q[1:]
	}
	s.faults[UploadArchive] = q
	if len(q) == 0 {
		return false
	}
	if q[0].left > 0 {
		q[0].left--
	}
	return true
}

// maxStorageConfig bounds an upload target's configuration (names and
// values; a real one is a few hundred bytes), so that the projects' state
// stays bounded.
const maxStorageConfig = 4 << 10

// storageRequired are the config fields each target type needs.
var storageRequired = map[string][]string{
	"s3":    {"accessKey", "secretKey", "bucket"},
	"azure": {"accountName", "accountKey", "container"},
}

func (s *Server) setArchiveStorage(_ *http.Request, body []byte) (reply, *apiError) {
	if aerr := s.legacyOnly(); aerr != nil {
		return reply{}, aerr
	}
	var req struct {
		Type     string            `json:"type"`
		Config   map[string]string `json:"config"`
		Fallback string            `json:"fallback"`
	}
	if aerr := decodeBody(body, &req); aerr != nil {
		return reply{}, aerr
	}
	size := 0
	for k, v := range req.Config {
		size += len(k) + len(v)
	}
	if size > maxStorageConfig {
		return reply{}, errf(http.StatusBadRequest, "config must be at most %d bytes of names and values", maxStorageConfig)
	}
	required, known := storageRequired[req.Type]
	if !known {
		return reply{}, errf(http.StatusBadRequest, "type must be s3 or azure")
	}
	for _, f := range required {
		if req.Config[f] == "" {
			return reply{}, errf(http.StatusBadRequest, "config.%s is required", f)
		}
	}
	switch req.Fallback {
	case "", "none", "opentok":
	default:
		return reply{}, errf(http.StatusBadRequest, "fallback must be none or opentok")
	}
	if sse := req.Config["sse"]; req.Type == "s3" && sse != "" && sse != "none" && sse != "s3" {
		return reply{}, errf(http.StatusBadRequest, "config.sse must be none or s3")
	}
	s.cur.Storage = &ArchiveStorage{Type: req.Type, Config: req.Config, Fallback: req.Fallback}
	var echo map[string]any
	_ = json.Unmarshal(body, &echo)
	return ok(echo), nil
}

func (s *Server) deleteArchiveStorage(_ *http.Request, _ []byte) (reply, *apiError) {
	if aerr := s.legacyOnly(); aerr != nil {
		return reply{}, aerr
	}
	s.cur.Storage = nil
	return reply{status: http.StatusNoContent}, nil
}

// Storage returns a copy of the first project's archive upload target, if
// one is set (see Project for the others).
func (s *Server) Storage() (ArchiveStorage, bool) {
	p, ok := s.Project(s.APIKey)
	if !ok || p.Storage == nil {
		return ArchiveStorage{}, false
	}
	return *p.Storage, true
}
