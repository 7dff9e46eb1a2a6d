package opentok

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The manifest.json of an individual archive's ZIP file, decoded as
// leniently as callbacks are.

// ArchiveManifest is the manifest.json inside the ZIP file of an individual
// (outputMode "individual") archive: one entry per recorded stream. It is
// not a callback; decode it with [ParseArchiveManifest].
type ArchiveManifest struct {
	// ID is the archive ID.
	ID string
	// SessionID is the archived session's ID.
	SessionID string
	// ProjectID is the API key of the project (sent as "partnerId" or
	// "projectId").
	ProjectID string
	// Name is the archive's name.
	Name string
	// CreatedAt is when the archive was started.
	CreatedAt time.Time
	// Files are the per-stream media files.
	Files []ArchiveManifestFile
}

// ArchiveManifestFile is one stream's media file in an [ArchiveManifest].
type ArchiveManifestFile struct {
	// StreamID is the recorded stream's ID.
	StreamID string
	// Filename is the file's name in the ZIP (.webm for VP8 projects, .mkv
	// for H.264 projects).
	Filename string
	// Size is the file size in bytes.
	Size int64
	// StartTimeOffset and StopTimeOffset are when the stream started and
	// stopped relative to the start of the archive (sent in milliseconds).
	StartTimeOffset, StopTimeOffset time.Duration
	// VideoType is camera, screen or custom; empty for audio-only streams.
	VideoType VideoType
	// ConnectionData is the connection data of the publisher's token.
	ConnectionData string
}

type archiveManifestWire struct {
	ID        string     `json:"id"`
	SessionID string     `json:"sessionId"`
	ProjectID flexString `json:"projectId"`
	PartnerID flexString `json:"partnerId"`
	Name      string     `json:"name"`
	CreatedAt msTime     `json:"createdAt"`
	Files     []struct {
		StreamID        string  `json:"streamId"`
		Filename        string  `json:"filename"`
		Size            flexInt `json:"size"`
		StartTimeOffset flexInt `json:"startTimeOffset"`
		StopTimeOffset  flexInt `json:"stopTimeOffset"`
		VideoType       string  `json:"videoType"`
		ConnectionData  string  `json:"connectionData"`
	} `json:"files"`
}

// ParseArchiveManifest decodes the manifest of an individual archive ZIP
// (see [ArchiveManifest]). Decoding is lenient like [ParseCallback]'s:
// unknown fields are ignored and numbers may arrive as strings. It fails
// with an error wrapping the JSON error when data is not a JSON object of
// that shape.
func ParseArchiveManifest(data []byte) (*ArchiveManifest, error) {
	var w archiveManifestWire
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("opentok: archive manifest: %s: %w", cbJSONReason(err), err)
	}
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil, errors.New("opentok: archive manifest: not a JSON object")
	}
	m := &ArchiveManifest{
		ID:        w.ID,
		SessionID: w.SessionID,
		ProjectID: string(w.ProjectID),
		Name:      w.Name,
		CreatedAt: w.CreatedAt.Time(),
	}
	if m.ProjectID == "" {
		m.ProjectID = string(w.PartnerID)
	}
	for _, f := range w.Files {
		m.Files = append(m.Files, ArchiveManifestFile{
			StreamID:        f.StreamID,
			Filename:        f.Filename,
			Size:            int64(f.Size),
			StartTimeOffset: time.Duration(f.StartTimeOffset) * time.Millisecond,
			StopTimeOffset:  time.Duration(f.StopTimeOffset) * time.Millisecond,
			VideoType:       VideoType(f.VideoType),
			ConnectionData:  f.ConnectionData,
		})
	}
	return m, nil
}
