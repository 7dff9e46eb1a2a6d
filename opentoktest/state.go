package opentoktest

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/opentok-go/opentok"
)

// The fake's state. Accessors return copies; changing them changes nothing.

// Session is a session the fake created. Its fields are the options of
// the create-session request.
type Session struct {
	// ID is the session ID, in the platform's format.
	ID string
	// MediaMode is opentok.MediaRouted or opentok.MediaRelayed;
	// ArchiveMode opentok.ArchiveManual or opentok.ArchiveAlways.
	MediaMode   opentok.MediaMode
	ArchiveMode opentok.ArchiveMode
	// Location is the IPv4 location hint, if one was given.
	Location string
	// E2EE is true for an end-to-end encrypted session.
	E2EE bool
	// ArchiveName and ArchiveResolution apply to automatic archives.
	ArchiveName       string
	ArchiveResolution opentok.Resolution
	// CreatedAt is when the session was created, on the fake's clock.
	CreatedAt time.Time
	// MuteActive is true after ForceMuteAll until DisableForceMute: new
	// streams start muted, except those in ExcludedStreamIDs.
	MuteActive        bool
	ExcludedStreamIDs []string
}

// Routed reports whether the session uses the Media Router.
func (s Session) Routed() bool { return s.MediaMode == opentok.MediaRouted }

// Connection kinds.
const (
	KindClient    = "client"    // a simulated client (Server.Connect)
	KindBrowser   = "browser"   // a real client (OpenTok.js) on the signalling WebSocket
	KindSIP       = "sip"       // a SIP call (Dial)
	KindWebSocket = "websocket" // an Audio Connector connection
	KindRender    = "render"    // an Experience Composer publisher
)

// Connection is a connection to a session.
type Connection struct {
	// ID is the connection ID; SessionID the session it joined.
	ID        string
	SessionID string
	// Kind is KindClient, KindBrowser, KindSIP, KindWebSocket or
	// KindRender.
	Kind string
	// Role and Data come from the token the connection used.
	Role opentok.Role
	Data string
	// CreatedAt is when it connected, on the fake's clock.
	CreatedAt time.Time
	// LayoutClassList comes from the token's initial_layout_class_list.
	LayoutClassList []string
}

// Stream is a published stream.
type Stream struct {
	// ID is the stream ID; SessionID and ConnectionID say who publishes it.
	ID           string
	SessionID    string
	ConnectionID string
	// Name is the name the publisher gave it.
	Name string
	// VideoType is opentok.VideoCamera, VideoScreen or VideoCustom, or ""
	// for audio only.
	VideoType opentok.VideoType
	// LayoutClassList holds the stream's layout classes (from the token,
	// then SetStreamClassLists).
	LayoutClassList []string
	// HasAudio and HasVideo say what the stream carries.
	HasAudio bool
	HasVideo bool
	// AudioMuted is set by ForceMuteStream / ForceMuteAll.
	AudioMuted bool
	// CreatedAt is when it was published, on the fake's clock.
	CreatedAt time.Time
}

// Signal is a signal a connection received.
type Signal struct {
	// Type and Data are the signal's.
	Type, Data string
	// From is the sending connection; empty for signals sent through the
	// REST API.
	From string
}

// ArchiveStream is a stream included in a manual-mode archive or
// broadcast, with the media it contributes.
type ArchiveStream struct {
	StreamID string
	HasAudio bool
	HasVideo bool
}

// Archive is an archive, with the options it was started with.
type Archive struct {
	// ID is the archive ID; SessionID the archived session.
	ID        string
	SessionID string
	// Name, OutputMode, StreamMode, Resolution, HasAudio, HasVideo,
	// MultiArchiveTag, MaxBitrate, QuantizationParameter, HasTranscription
	// and Layout are as started (Layout nil when none was given).
	Name                  string
	OutputMode            opentok.OutputMode
	StreamMode            opentok.StreamMode
	Resolution            opentok.Resolution
	HasAudio, HasVideo    bool
	MultiArchiveTag       string
	MaxBitrate            int
	QuantizationParameter int
	HasTranscription      bool
	Layout                *opentok.Layout
	// Status is opentok.ArchiveStarted, ArchiveStopped, ArchiveAvailable,
	// ArchiveUploaded (to its project's upload target), ArchiveFailed or
	// ArchiveDeleted; Reason says why it stopped or failed.
	Status opentok.ArchiveStatus
	Reason string
	// Streams are the streams of a manual-mode archive.
	Streams []ArchiveStream
	// CreatedAt and UpdatedAt are on the fake's clock; StoppedAt is when it
	// stopped (zero while recording), which sets its duration and when it
	// becomes available.
	CreatedAt, UpdatedAt time.Time
	StoppedAt            time.Time
	// Size and SHA256 (hex) are the size and checksum of the file the
	// archive's URL serves, set when the archive stops: an MP4 for a
	// composed archive, a ZIP with manifest.json and a WebM per stream for
	// an individual one (headers only: no media flows through the fake).
	Size   int64
	SHA256 string
	// URL is the download link of an available archive (served by the
	// fake under /_media/).
	URL string
	// Auto is true for an archive started by archiveMode=always.
	Auto bool

	// recorded are the streams the archive recorded (see media.go).
	recorded []*recordedStream
}

// RTMPTarget is one RTMP output of a broadcast: its ID, server URL and
// stream name as given, and its state (opentok.RTMPConnecting, RTMPLive,
// RTMPOffline).
type RTMPTarget struct {
	ID, ServerURL, StreamName string
	Status                    opentok.RTMPStatus
}

// Broadcast is a live-streaming broadcast, with the options it was
// started with.
type Broadcast struct {
	// ID is the broadcast ID; SessionID the session broadcast.
	ID        string
	SessionID string
	// Status is opentok.BroadcastStarted or BroadcastStopped.
	Status opentok.BroadcastStatus
	// MultiBroadcastTag, Resolution, StreamMode, MaxDuration, MaxBitrate,
	// HasAudio, HasVideo and Layout are as started.
	MultiBroadcastTag  string
	Resolution         opentok.Resolution
	StreamMode         opentok.StreamMode
	MaxDuration        time.Duration
	MaxBitrate         int
	HasAudio, HasVideo bool
	Layout             *opentok.Layout
	// HLS says whether there is an HLS output; HLSURL is its playlist
	// (served by the fake under /_media/); DVR and LowLatency its options.
	HLS             bool
	HLSURL          string
	DVR, LowLatency bool
	// RTMP are the RTMP outputs.
	RTMP []RTMPTarget
	// Streams are the streams of a manual-mode broadcast.
	Streams []ArchiveStream
	// CreatedAt and UpdatedAt are on the fake's clock.
	CreatedAt, UpdatedAt time.Time
}

// SIPCall is a SIP call dialled into a session: its ID, the session, the
// connection and stream it added, the dial options, the DTMF digits played
// to it, and whether it has ended (its connection left).
type SIPCall struct {
	ID, SessionID, ConnectionID, StreamID string
	URI, From                             string
	Headers                               map[string]string
	Secure, Video, ObserveForceMute       bool
	Streams                               []string
	DTMF                                  []string
	CreatedAt                             time.Time
	Ended                                 bool
}

// WebSocketConnection is an Audio Connector connection: its ID, the
// session and connection it added, and the options it was started with
// (AudioRate 16000 when none was given).
type WebSocketConnection struct {
	ID, SessionID, ConnectionID, URI string
	Streams                          []string
	Headers                          map[string]string
	AudioRate                        int
	Bidirectional                    bool
	CreatedAt                        time.Time
}

// Render is an Experience Composer render: its ID and session, the page
// URL, its state (opentok.RenderStarting, RenderStarted, RenderStopped,
// RenderFailed) and the reason it stopped, its resolution, the stream and
// connection it publishes with (Name is the stream's name), the status
// callback URL, its maximum duration and times on the fake's clock.
type Render struct {
	ID, SessionID, URL, Reason, StreamID, Name, CallbackURL string
	Status                                                  opentok.RenderStatus
	Resolution                                              opentok.Resolution
	ConnectionID                                            string
	MaxDuration                                             time.Duration
	CreatedAt, UpdatedAt                                    time.Time
}

// Captions are live captions of a session: their ID and session, the
// language, state (opentok.CaptionsStarted, CaptionsStopped), status
// callback URL, maximum duration, whether partial captions are on, and the
// start time.
type Captions struct {
	ID, SessionID, LanguageCode, StatusCallbackURL string
	Status                                         opentok.CaptionsStatus
	MaxDuration                                    time.Duration
	PartialCaptions                                bool
	CreatedAt                                      time.Time
}

// RegisteredCallback is a callback registered with the legacy API: its ID,
// group, event and URL as registered, and when.
type RegisteredCallback struct {
	ID, Group, Event, URL string
	CreatedAt             time.Time
	// ProjectID is the API key of the project that registered it.
	ProjectID string
}

// state is everything the fake knows; guarded by Server.mu.
type state struct {
	sessions    map[string]*Session
	connections map[string]*connState // by connection ID
	streams     map[string]*Stream
	archives    []*Archive // newest first
	broadcasts  []*Broadcast
	renders     []*Render
	sipCalls    map[string]*SIPCall
	websockets  map[string]*WebSocketConnection
	captions    map[string]*Captions
	callbacks   []*RegisteredCallback
	seq         int                 // orders connections and streams
	dtmf        map[string][]string // session ID → digits played to the whole session
	evict       evictState          // see evict.go
}

// connState is a connection plus what only the fake keeps.
type connState struct {
	Connection
	seq     int
	signals []Signal
	gone    bool
	// Streams this connection publishes.
	streams []string
}

// newID returns a new ID for a session part, archive, broadcast, call, ...
func newID() string { return uuid.NewString() }

func newState() *state {
	return &state{
		sessions:    map[string]*Session{},
		connections: map[string]*connState{},
		streams:     map[string]*Stream{},
		sipCalls:    map[string]*SIPCall{},
		websockets:  map[string]*WebSocketConnection{},
		captions:    map[string]*Captions{},
		dtmf:        map[string][]string{},
	}
}

// sessionConnections returns the live connections of a session, oldest
// first.
func (st *state) sessionConnections(sessionID string) []*connState {
	var out []*connState
	for _, c := range st.connections {
		if c.SessionID == sessionID && !c.gone {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *connState) int { return a.seq - b.seq })
	return out
}

// sessionStreams returns the streams of a session, oldest first.
func (st *state) sessionStreams(sessionID string) []*Stream {
	var out []*Stream
	for _, s := range st.streams {
		if s.SessionID == sessionID {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *Stream) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out
}

func (st *state) archive(id string) *Archive {
	for _, a := range st.archives {
		if a.ID == id {
			return a
		}
	}
	return nil
}

func (st *state) broadcast(id string) *Broadcast {
	for _, b := range st.broadcasts {
		if b.ID == id {
			return b
		}
	}
	return nil
}

func (st *state) render(id string) *Render {
	for _, r := range st.renders {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// ---- accessors -----------------------------------------------------------------

// Session returns a copy of a session.
func (s *Server) Session(id string) (Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss, ok := s.st.sessions[id]
	if !ok {
		return Session{}, false
	}
	c := *ss
	c.ExcludedStreamIDs = slices.Clone(ss.ExcludedStreamIDs)
	return c, true
}

// Connection returns a copy of a connection (also one that has ended; see
// Connections for the live ones).
func (s *Server) Connection(id string) (Connection, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.connections[id]
	if !ok || c.gone {
		return Connection{}, false
	}
	return cloneConn(c.Connection), true
}

func cloneConn(c Connection) Connection {
	c.LayoutClassList = slices.Clone(c.LayoutClassList)
	return c
}

// Connections returns the live connections of a session, oldest first.
func (s *Server) Connections(sessionID string) []Connection {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Connection
	for _, c := range s.st.sessionConnections(sessionID) {
		out = append(out, cloneConn(c.Connection))
	}
	return out
}

// Stream returns a copy of a stream.
func (s *Server) Stream(id string) (Stream, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.st.streams[id]
	if !ok {
		return Stream{}, false
	}
	c := *st
	c.LayoutClassList = slices.Clone(st.LayoutClassList)
	return c, true
}

// Streams returns the streams of a session, oldest first.
func (s *Server) Streams(sessionID string) []Stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Stream
	for _, st := range s.st.sessionStreams(sessionID) {
		c := *st
		c.LayoutClassList = slices.Clone(st.LayoutClassList)
		out = append(out, c)
	}
	return out
}

// Archive returns a copy of an archive, with its time-driven state applied.
func (s *Server) Archive(id string) (Archive, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickLocked()
	a := s.st.archive(id)
	if a == nil {
		return Archive{}, false
	}
	c := *a
	c.Streams, c.recorded = slices.Clone(a.Streams), nil
	return c, true
}

// Archives returns copies of all archives, newest first.
func (s *Server) Archives() []Archive {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickLocked()
	out := make([]Archive, 0, len(s.st.archives))
	for _, a := range s.st.archives {
		c := *a
		c.Streams, c.recorded = slices.Clone(a.Streams), nil
		out = append(out, c)
	}
	return out
}

// Broadcast returns a copy of a broadcast.
func (s *Server) Broadcast(id string) (Broadcast, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickLocked()
	b := s.st.broadcast(id)
	if b == nil {
		return Broadcast{}, false
	}
	c := *b
	c.RTMP = slices.Clone(b.RTMP)
	c.Streams = slices.Clone(b.Streams)
	return c, true
}

// SIPCall returns a copy of a SIP call.
func (s *Server) SIPCall(id string) (SIPCall, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.sipCalls[id]
	if !ok {
		return SIPCall{}, false
	}
	cp := *c
	cp.DTMF = slices.Clone(c.DTMF)
	return cp, true
}

// WebSocket returns a copy of an Audio Connector connection.
func (s *Server) WebSocket(id string) (WebSocketConnection, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.st.websockets[id]
	if !ok {
		return WebSocketConnection{}, false
	}
	return *w, true
}

// Render returns a copy of an Experience Composer render.
func (s *Server) Render(id string) (Render, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.render(id)
	if r == nil {
		return Render{}, false
	}
	return *r, true
}

// Captions returns a copy of a captions job.
func (s *Server) Captions(id string) (Captions, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.captions[id]
	if !ok {
		return Captions{}, false
	}
	return *c, true
}

// DTMF returns the digits played to a whole session, in order.
func (s *Server) DTMF(sessionID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.dtmf[sessionID])
}
