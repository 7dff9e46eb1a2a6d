package opentoktest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/opentok-go/opentok"
)

// The files behind an available archive's URL. They are small but real, so
// a download-and-process pipeline can be tested offline: a composed archive
// is an MP4 (ISO-BMFF) container, an individual one a ZIP holding the
// platform's manifest.json and one WebM file per archived stream. No media
// flows through the fake, so the containers hold headers only (no
// samples). The bytes are made from the archive's state when it is
// downloaded, never kept: the same archive always gives the same bytes,
// whose size and SHA-256 the archive reports.

// recordedStream is one stream an archive recorded: when (offsets from the
// archive's start; stop is zero while it is still recorded) and what.
type recordedStream struct {
	streamID, connectionData string
	videoType                string
	hasAudio, hasVideo       bool
	start, stop              time.Duration
	open                     bool
}

// recordStreamLocked starts recording a stream in an archive (again, if it
// was recorded before: one manifest entry per stream, from its first start
// to its last stop).
func (s *Server) recordStreamLocked(a *Archive, st *Stream, hasAudio, hasVideo bool) {
	at := s.nowLocked().Sub(a.CreatedAt).Truncate(time.Millisecond)
	for _, r := range a.recorded {
		if r.streamID == st.ID {
			r.open, r.stop = true, 0
			r.hasAudio, r.hasVideo = hasAudio, hasVideo
			return
		}
	}
	data := ""
	if c, ok := s.st.connections[st.ConnectionID]; ok {
		data = c.Data
	}
	a.recorded = append(a.recorded, &recordedStream{streamID: st.ID, videoType: string(st.VideoType), connectionData: data,
		hasAudio: hasAudio && st.HasAudio, hasVideo: hasVideo && st.HasVideo, start: max(at, 0), open: true})
}

// unrecordStreamLocked stops recording a stream (all streams when id is
// empty) in an archive.
func (s *Server) unrecordStreamLocked(a *Archive, id string) {
	at := s.nowLocked().Sub(a.CreatedAt).Truncate(time.Millisecond)
	if !a.StoppedAt.IsZero() {
		at = a.StoppedAt.Sub(a.CreatedAt).Truncate(time.Millisecond)
	}
	for _, r := range a.recorded {
		if r.open && (id == "" || r.streamID == id) {
			r.open, r.stop = false, max(at, r.start)
		}
	}
}

// streamPublishedLocked adds a new stream to the session's running
// auto-mode archives; streamGoneLocked ends it in every running archive.
func (s *Server) streamPublishedLocked(st *Stream) {
	for _, a := range s.st.archives {
		if a.SessionID == st.SessionID && activeArchive(a) && a.StreamMode == opentok.StreamModeAuto {
			s.recordStreamLocked(a, st, a.HasAudio, a.HasVideo)
		}
	}
}

func (s *Server) streamGoneLocked(st *Stream) {
	for _, a := range s.st.archives {
		if a.SessionID == st.SessionID && activeArchive(a) {
			s.unrecordStreamLocked(a, st.ID)
		}
	}
}

// sealArchiveLocked ends the recording of a stopped archive and sets the
// size and checksum of the file it will serve.
func (s *Server) sealArchiveLocked(a *Archive) {
	s.unrecordStreamLocked(a, "")
	_, data := s.archiveFile(a)
	sum := sha256.Sum256(data)
	a.Size, a.SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
}

// archiveFile returns the file name and bytes of an archive's download.
func (s *Server) archiveFile(a *Archive) (string, []byte) {
	if a.OutputMode == opentok.OutputIndividual {
		return "archive.zip", s.individualZIP(a)
	}
	return "archive.mp4", composedMP4(a.ID, a.CreatedAt, s.archiveDuration(a))
}

// serveArchiveFile serves the file of an available archive at its download
// URL (no auth, like the platform's pre-signed URLs).
func (s *Server) serveArchiveFile(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.tickLocked()
	a := s.st.archive(r.PathValue("id"))
	var name string
	var data []byte
	if a != nil && a.Status == opentok.ArchiveAvailable {
		name, data = s.archiveFile(a)
	}
	s.mu.Unlock()
	if data == nil || r.PathValue("file") != name {
		http.NotFound(w, r)
		return
	}
	ct := "video/mp4"
	if a.OutputMode == opentok.OutputIndividual {
		ct = "application/zip"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

// individualZIP is an individual archive's ZIP: manifest.json (the shape of
// the platform's, callbacks/individual-archive-manifest.json in the spec)
// and one .webm per recorded stream, stored uncompressed with the archive's
// start as their time, so the bytes depend on the archive only.
func (s *Server) individualZIP(a *Archive) []byte {
	recs := slices.Clone(a.recorded)
	slices.SortStableFunc(recs, func(x, y *recordedStream) int { return int(x.start - y.start) })
	type file struct {
		ConnectionData  string `json:"connectionData"`
		Filename        string `json:"filename"`
		Size            int    `json:"size"`
		StartTimeOffset int64  `json:"startTimeOffset"`
		StopTimeOffset  int64  `json:"stopTimeOffset"`
		StreamID        string `json:"streamId"`
		VideoType       string `json:"videoType,omitempty"`
	}
	manifest := map[string]any{"createdAt": ms(a.CreatedAt), "id": a.ID, "name": a.Name, "sessionId": a.SessionID}
	if s.cfg.vonage {
		manifest["applicationId"] = s.ApplicationID
	} else {
		manifest["partnerId"] = s.apiKeyJSON(s.ownerOf(a.SessionID))
	}
	files := []file{}
	media := make([][]byte, len(recs))
	for i, r := range recs {
		media[i] = streamWebM(r, string(a.Resolution))
		files = append(files, file{ConnectionData: r.connectionData, Filename: r.streamID + ".webm", Size: len(media[i]),
			StartTimeOffset: r.start.Milliseconds(), StopTimeOffset: r.stop.Milliseconds(), StreamID: r.streamID,
			VideoType: r.videoType})
	}
	manifest["files"] = files
	mj, _ := json.MarshalIndent(manifest, "", "  ")

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		f, _ := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: a.CreatedAt.UTC().Truncate(time.Second)})
		_, _ = f.Write(data)
	}
	add("manifest.json", mj)
	for i, r := range recs {
		add(r.streamID+".webm", media[i])
	}
	_ = zw.Close()
	return buf.Bytes()
}

// ---- WebM (Matroska/EBML) --------------------------------------------------------

// ebml encodes one EBML element: its ID (given with its length marker, as
// in the Matroska spec), its size as a variable-length integer, its data.
func ebml(id uint32, data ...[]byte) []byte {
	payload := bytes.Join(data, nil)
	var out []byte
	for shift := 24; shift >= 0; shift -= 8 {
		if b := byte(id >> shift); b != 0 || len(out) > 0 {
			out = append(out, b)
		}
	}
	n := uint64(len(payload))
	// The shortest size vint: 7 bits per byte, all-ones reserved.
	width := 1
	for n >= 1<<(7*width)-1 {
		width++
	}
	size := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		size[i] = byte(n)
		n >>= 8
	}
	size[0] |= 0x80 >> (width - 1)
	return append(append(out, size...), payload...)
}

func ebmlUint(id uint32, v uint64) []byte {
	b := binary.BigEndian.AppendUint64(nil, v)
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	return ebml(id, b)
}

func ebmlFloat(id uint32, v float64) []byte {
	return ebml(id, binary.BigEndian.AppendUint64(nil, math.Float64bits(v)))
}

// streamWebM is a WebM file for one recorded stream: the EBML header and a
// Segment with Info (duration, the stream ID as title, a segment UID drawn
// from it), Tracks (VP8 video and/or Opus audio, as the stream had) and one
// Cluster without blocks.
func streamWebM(r *recordedStream, resolution string) []byte {
	width, height := uint64(640), uint64(480)
	if w, h, ok := parseResolution(resolution); ok {
		width, height = w, h
	}
	uid := sha256.Sum256([]byte(r.streamID))
	var tracks [][]byte
	if r.hasVideo {
		tracks = append(tracks, ebml(0xAE, // TrackEntry
			ebmlUint(0xD7, uint64(len(tracks)+1)), // TrackNumber
			ebmlUint(0x73C5, uint64(len(tracks)+1)),
			ebmlUint(0x83, 1), // TrackType: video
			ebml(0x86, []byte("V_VP8")),
			ebml(0xE0, ebmlUint(0xB0, width), ebmlUint(0xBA, height)), // Video: PixelWidth, PixelHeight
		))
	}
	if r.hasAudio {
		// OpusHead: version 1, 1 channel, 312 samples pre-skip, 48 kHz, no
		// gain, mapping family 0 (RFC 7845 §5.1).
		head := append([]byte("OpusHead"), 1, 1)
		head = binary.LittleEndian.AppendUint16(head, 312)
		head = binary.LittleEndian.AppendUint32(head, 48000)
		head = append(head, 0, 0, 0)
		tracks = append(tracks, ebml(0xAE,
			ebmlUint(0xD7, uint64(len(tracks)+1)),
			ebmlUint(0x73C5, uint64(len(tracks)+1)),
			ebmlUint(0x83, 2), // TrackType: audio
			ebml(0x86, []byte("A_OPUS")),
			ebml(0x63A2, head),                                    // CodecPrivate
			ebml(0xE1, ebmlFloat(0xB5, 48000), ebmlUint(0x9F, 1)), // Audio: SamplingFrequency, Channels
		))
	}
	header := ebml(0x1A45DFA3,
		ebmlUint(0x4286, 1),          // EBMLVersion
		ebmlUint(0x42F7, 1),          // EBMLReadVersion
		ebmlUint(0x42F2, 4),          // EBMLMaxIDLength
		ebmlUint(0x42F3, 8),          // EBMLMaxSizeLength
		ebml(0x4282, []byte("webm")), // DocType
		ebmlUint(0x4287, 4),          // DocTypeVersion
		ebmlUint(0x4285, 2),          // DocTypeReadVersion
	)
	info := ebml(0x1549A966,
		ebml(0x73A4, uid[:16]),      // SegmentUID
		ebmlUint(0x2AD7B1, 1000000), // TimestampScale: 1 ms
		ebmlFloat(0x4489, float64((r.stop-r.start).Milliseconds())), // Duration
		ebml(0x7BA9, []byte(r.streamID)),                            // Title
		ebml(0x4D80, []byte("opentoktest")),                         // MuxingApp
		ebml(0x5741, []byte("opentoktest")),                         // WritingApp
	)
	cluster := ebml(0x1F43B675, ebmlUint(0xE7, 0)) // one empty Cluster (Timestamp 0): readers look for it
	return append(header, ebml(0x18538067, info, ebml(0x1654AE6B, tracks...), cluster)...)
}

// ---- MP4 (ISO/IEC 14496-12) ------------------------------------------------------

// box encodes one ISO-BMFF box: 32-bit size, four-character type, payload.
func box(typ string, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(out, typ...), body...)
}

// mp4Epoch is the ISO-BMFF time origin, 1904-01-01 UTC.
var mp4Epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)

// composedMP4 is a composed archive's file: ftyp (isom, compatible with
// iso2 and mp41), moov holding an mvhd (version 0: times since 1904,
// timescale 1000, the archive's duration, rate 1.0, volume 1.0, the
// identity matrix, next track 1), and a free box naming the archive.
func composedMP4(id string, created time.Time, duration time.Duration) []byte {
	ftyp := box("ftyp", []byte("isom"), binary.BigEndian.AppendUint32(nil, 0x200), []byte("isomiso2mp41"))
	t := uint32(created.Sub(mp4Epoch) / time.Second)
	mvhd := binary.BigEndian.AppendUint32(nil, 0) // version 0, flags 0
	for _, v := range []uint32{t, t, 1000, uint32(duration.Milliseconds()), 0x00010000} {
		mvhd = binary.BigEndian.AppendUint32(mvhd, v) // creation, modification, timescale, duration, rate
	}
	mvhd = binary.BigEndian.AppendUint16(mvhd, 0x0100) // volume
	mvhd = append(mvhd, make([]byte, 10)...)           // reserved
	for _, v := range []uint32{0x00010000, 0, 0, 0, 0x00010000, 0, 0, 0, 0x40000000} {
		mvhd = binary.BigEndian.AppendUint32(mvhd, v) // matrix
	}
	mvhd = append(mvhd, make([]byte, 24)...)      // pre_defined
	mvhd = binary.BigEndian.AppendUint32(mvhd, 1) // next_track_ID
	return bytes.Join([][]byte{ftyp, box("moov", box("mvhd", mvhd)), box("free", []byte("opentoktest archive "+id))}, nil)
}

// parseResolution reads "640x480".
func parseResolution(res string) (w, h uint64, ok bool) {
	for i := 0; i < len(res); i++ {
		if res[i] == 'x' {
			w, err1 := strconv.ParseUint(res[:i], 10, 32)
			h, err2 := strconv.ParseUint(res[i+1:], 10, 32)
			return w, h, err1 == nil && err2 == nil
		}
	}
	return 0, 0, false
}
