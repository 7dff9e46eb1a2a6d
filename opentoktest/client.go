package opentoktest

import (
	"fmt"
	"slices"
	"time"

	"github.com/opentok-go/opentok"
)

// Conn is a simulated client connected to a session, as a browser or mobile
// client would be after session.connect with a token.
type Conn struct {
	srv       *Server
	id        string
	sessionID string
	role      opentok.Role
	data      string
}

// ID returns the connection ID.
func (c *Conn) ID() string { return c.id }

// SessionID returns the session the client joined.
func (c *Conn) SessionID() string { return c.sessionID }

// Role returns the role the token granted.
func (c *Conn) Role() opentok.Role { return c.role }

// Data returns the connection data from the token.
func (c *Conn) Data() string { return c.data }

// Connect connects a simulated client to a session with a token, verifying
// the token as the platform does (signature, project, session ID, expiry on
// the fake's clock, role; JWT and T1). Errors: ErrSessionNotFound,
// ErrInvalidToken, ErrWrongSession, ErrTokenExpired.
//
// In a session created with archiveMode=always, the first connection starts
// an archive.
func (s *Server) Connect(sessionID, token string) (*Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickLocked()
	ss, found := s.st.sessions[sessionID]
	if !found {
		return nil, ErrSessionNotFound
	}
	ti, err := s.verifyToken(sessionID, token, s.nowLocked())
	if err != nil {
		return nil, err
	}
	cs := s.addConnectionLocked(ss, KindClient, ti)
	return &Conn{srv: s, id: cs.ID, sessionID: ss.ID, role: ti.Role, data: ti.Data}, nil
}

// PublishOptions describe a stream a simulated client publishes.
type PublishOptions struct {
	// Name is the stream name.
	Name string
	// VideoType is "camera" (the default), "screen", "custom", or "none"
	// for an audio-only stream.
	VideoType string
	// NoAudio publishes without audio.
	NoAudio bool
}

// Publish publishes a stream from the connection and returns its ID. A
// subscriber cannot publish (ErrNotPermitted). A stream published while
// ForceMuteAll is active starts muted.
func (c *Conn) Publish(opts PublishOptions) (string, error) {
	s := c.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, found := s.st.connections[c.id]
	if !found || cs.gone {
		return "", ErrNotConnected
	}
	if cs.Role == opentok.RoleSubscriber {
		return "", fmt.Errorf("%w: a subscriber cannot publish", ErrNotPermitted)
	}
	vt := opts.VideoType
	switch vt {
	case "":
		vt = "camera"
	case "none":
		vt = ""
	case "camera", "screen", "custom":
	default:
		return "", fmt.Errorf("opentoktest: unknown video type %q", opts.VideoType)
	}
	st := s.publishLocked(cs, opts.Name, opentok.VideoType(vt), !opts.NoAudio, vt != "")
	return st.ID, nil
}

// Unpublish stops publishing a stream of this connection.
func (c *Conn) Unpublish(streamID string) error {
	s := c.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	st, found := s.st.streams[streamID]
	if !found || st.ConnectionID != c.id {
		return ErrNotConnected
	}
	s.removeStreamLocked(st, "clientDisconnected")
	return nil
}

// Signals returns the signals the connection has received, oldest first.
func (c *Conn) Signals() []Signal {
	s := c.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, found := s.st.connections[c.id]
	if !found {
		return nil
	}
	return slices.Clone(cs.signals)
}

// SendSignal sends a signal from this client to the whole session (or, with
// to set, to one connection), as the client SDKs do.
func (c *Conn) SendSignal(to, typ, data string) error {
	s := c.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, found := s.st.connections[c.id]
	if !found || cs.gone {
		return ErrNotConnected
	}
	sig := Signal{Type: typ, Data: data, From: c.id}
	if to != "" {
		t, found := s.st.connections[to]
		if !found || t.gone || t.SessionID != c.sessionID {
			return ErrNotConnected
		}
		s.deliverSignalLocked(t, sig, true)
		return nil
	}
	for _, t := range s.st.sessionConnections(c.sessionID) {
		s.deliverSignalLocked(t, sig, false)
	}
	return nil
}

// Connected reports whether the connection is still in the session.
func (c *Conn) Connected() bool {
	s := c.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, found := s.st.connections[c.id]
	return found && !cs.gone
}

// Disconnect leaves the session (reason clientDisconnected). It is safe to
// call more than once.
func (c *Conn) Disconnect() {
	s := c.srv
	s.mu.Lock()
	defer s.mu.Unlock()
	if cs, found := s.st.connections[c.id]; found && !cs.gone {
		s.disconnectLocked(cs, "clientDisconnected")
	}
}

// ---- lifecycle shared by REST handlers and simulated clients -------------------------

func (s *Server) addConnectionLocked(ss *Session, kind string, ti tokenInfo) *connState {
	return s.addConnectionWithIDLocked(ss, kind, ti, newID())
}

// addConnectionWithIDLocked adds a connection with the given ID (a real
// client chooses its own) and tells everyone: webhooks, real clients.
func (s *Server) addConnectionWithIDLocked(ss *Session, kind string, ti tokenInfo, id string) *connState {
	s.st.seq++
	cs := &connState{seq: s.st.seq, Connection: Connection{ID: id, SessionID: ss.ID, Kind: kind, Role: ti.Role,
		Data: ti.Data, CreatedAt: s.nowLocked(), LayoutClassList: ti.LayoutClassList}}
	first := len(s.st.sessionConnections(ss.ID)) == 0
	s.st.connections[cs.ID] = cs
	s.connectionAddedLocked(cs)
	if first {
		s.emitSessionLocked(ss.ID, "sessionCreated")
	}
	s.emitConnectionLocked(cs, "connectionCreated", "")
	s.pushConnectionCreatedLocked(cs)
	if ss.ArchiveMode == opentok.ArchiveAlways && (kind == KindClient || kind == KindBrowser) {
		active := false
		for _, a := range s.st.archives {
			if a.SessionID == ss.ID && a.Auto && activeArchive(a) {
				active = true
			}
		}
		if !active {
			res := ss.ArchiveResolution
			if res == "" {
				res = opentok.Resolution640x480
			}
			s.addArchiveLocked(&Archive{ID: newID(), SessionID: ss.ID, Name: ss.ArchiveName, Status: opentok.ArchiveStarted,
				OutputMode: opentok.OutputComposed, StreamMode: opentok.StreamModeAuto, Resolution: res, HasAudio: true, HasVideo: true, Auto: true})
		}
	}
	return cs
}

func (s *Server) publishLocked(cs *connState, name string, videoType opentok.VideoType, hasAudio, hasVideo bool) *Stream {
	return s.publishWithIDLocked(cs, newID(), name, videoType, hasAudio, hasVideo)
}

// publishWithIDLocked adds a stream with the given ID (a real client
// chooses its own) and tells everyone: webhooks, archives, real clients.
func (s *Server) publishWithIDLocked(cs *connState, id, name string, videoType opentok.VideoType, hasAudio, hasVideo bool) *Stream {
	ss := s.st.sessions[cs.SessionID]
	st := &Stream{ID: id, SessionID: cs.SessionID, ConnectionID: cs.ID, Name: name, VideoType: videoType,
		LayoutClassList: slices.Clone(cs.LayoutClassList), HasAudio: hasAudio, HasVideo: hasVideo,
		CreatedAt: s.nowLocked().Add(time.Duration(s.st.seq) * time.Nanosecond)}
	s.st.seq++
	if ss != nil && ss.MuteActive && !slices.Contains(ss.ExcludedStreamIDs, st.ID) {
		st.AudioMuted = true
	}
	s.st.streams[st.ID] = st
	cs.streams = append(cs.streams, st.ID)
	s.emitStreamLocked(st, cs, "streamCreated", "")
	s.streamPublishedLocked(st)
	s.pushStreamCreatedLocked(st)
	return st
}

func (s *Server) removeStreamLocked(st *Stream, reason string) {
	cs := s.st.connections[st.ConnectionID]
	delete(s.st.streams, st.ID)
	s.streamGoneLocked(st)
	if cs != nil {
		cs.streams = slices.DeleteFunc(cs.streams, func(id string) bool { return id == st.ID })
	}
	s.emitStreamLocked(st, cs, "streamDestroyed", reason)
	s.pushStreamDestroyedLocked(st, reason)
}

// disconnectLocked ends a connection: its streams go, a SIP call ends, an
// Audio Connector connection closes, and the session's automatic archive
// stops when the last client leaves.
func (s *Server) disconnectLocked(cs *connState, reason string) {
	for _, id := range slices.Clone(cs.streams) {
		if st, found := s.st.streams[id]; found {
			s.removeStreamLocked(st, reason)
		}
	}
	cs.gone = true
	s.connectionEndedLocked(cs)
	s.emitConnectionLocked(cs, "connectionDestroyed", reason)
	s.pushConnectionDestroyedLocked(cs, reason)
	for _, call := range s.st.sipCalls {
		if call.ConnectionID == cs.ID && !call.Ended {
			call.Ended = true
			s.emitSIPLocked(call, "callDestroyed", map[string]any{"reason_code": "700", "reason_message": "Normal Clearing"})
		}
	}
	for id, w := range s.st.websockets {
		if w.ConnectionID == cs.ID {
			delete(s.st.websockets, id)
		}
	}
	for _, rd := range s.st.renders {
		if rd.ConnectionID == cs.ID && (rd.Status == "started" || rd.Status == "starting") {
			rd.Status, rd.Reason, rd.UpdatedAt = "stopped", "Stop Requested", s.nowLocked()
			s.emitRenderLocked(rd)
		}
	}
	if len(s.st.sessionConnections(cs.SessionID)) == 0 {
		for _, a := range s.st.archives {
			if a.SessionID == cs.SessionID && a.Auto && activeArchive(a) {
				s.stopArchiveLocked(a, "session ended")
			}
		}
		s.emitSessionLocked(cs.SessionID, "sessionDestroyed")
	}
}

func (s *Server) muteForcedLocked(st *Stream) {
	for _, call := range s.st.sipCalls {
		if call.StreamID == st.ID && call.ObserveForceMute && !call.Ended {
			s.emitSIPLocked(call, "muteForced", nil)
		}
	}
}

// tickLocked applies the changes that wait on the clock.
func (s *Server) tickLocked() {
	now := s.nowLocked()
	for _, a := range s.st.archives {
		if a.Status == "stopped" && !now.Before(a.StoppedAt.Add(s.cfg.archiveDelay)) {
			s.completeArchiveLocked(a)
		}
	}
	for _, b := range s.st.broadcasts {
		if b.Status != "started" {
			continue
		}
		if !now.Before(b.CreatedAt.Add(b.MaxDuration)) {
			s.stopBroadcastLocked(b)
			continue
		}
		if !now.Before(b.CreatedAt.Add(s.cfg.rtmpDelay)) {
			changed := false
			for i := range b.RTMP {
				if b.RTMP[i].Status == "connecting" {
					b.RTMP[i].Status = "live"
					changed = true
				}
			}
			if changed {
				b.UpdatedAt = now
			}
		}
	}
	for _, rd := range s.st.renders {
		if rd.Status == "starting" && !now.Before(rd.CreatedAt.Add(time.Second)) {
			rd.Status, rd.UpdatedAt = "started", now
			s.emitRenderLocked(rd)
		}
		if rd.Status == "started" && !now.Before(rd.CreatedAt.Add(rd.MaxDuration)) {
			s.stopRenderLocked(rd, "Max Duration Exceeded")
		}
	}
}

// completeArchiveLocked ends a stopped archive as the platform does once
// the file is written: "uploaded" (no URL) when its project has an upload
// target, else "available" with a download URL. A failed upload (see
// UploadArchive) ends "available" with fallback "opentok" and "failed"
// otherwise.
func (s *Server) completeArchiveLocked(a *Archive) {
	a.UpdatedAt = s.nowLocked()
	if p := s.projects[s.ownerOf(a.SessionID)]; p != nil && p.Storage != nil {
		if !s.uploadFailsLocked() {
			a.Status = "uploaded"
			s.emitArchiveLocked(a)
			return
		}
		if p.Storage.Fallback != "opentok" {
			a.Status, a.Reason = "failed", "upload failed"
			s.emitArchiveLocked(a)
			return
		}
	}
	a.Status = "available"
	file := "archive.mp4"
	if a.OutputMode == "individual" {
		file = "archive.zip"
	}
	a.URL = s.URL + "/_media/archive/" + a.ID + "/" + file
	s.emitArchiveLocked(a)
}

// CompleteArchive moves a stopped archive to "available" at once, as the
// platform does once the file is uploaded. It reports whether the archive
// was stopped.
func (s *Server) CompleteArchive(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.archive(id)
	if a == nil || a.Status != "stopped" {
		return false
	}
	s.completeArchiveLocked(a)
	return true
}

// FailArchive marks an archive "failed" (reason "failure"), to test how an
// application handles a failed recording.
func (s *Server) FailArchive(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.st.archive(id)
	if a == nil {
		return false
	}
	a.Status, a.Reason, a.UpdatedAt = "failed", "failure", s.nowLocked()
	s.emitArchiveLocked(a)
	return true
}
