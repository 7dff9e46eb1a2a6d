package opentoktest

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/opentok-go/opentok"
)

// What real clients (OpenTok.js, see clientsocket.go) are told when the
// state changes, whatever changed it: a REST call, a simulated client, or
// another real client. Every change to connections, streams, signals,
// mutes and archives goes through the functions of client.go, stream.go,
// signal.go and archive.go, which call the push functions here with the
// state lock held; they only queue frames (see clientSocket.send), so a
// slow client never delays the others or the REST API.

// symphonyAddress is the address of the "server" in the signalling
// protocol: the client sends its messages to it, and the fake's answers
// come from it. OpenTok.js treats addresses that start with "symphony." as
// the platform's.
const symphonyAddress = "symphony.opentoktest"

// clients is the state of the client side, part of the Server and guarded
// by its mutex.
type clients struct {
	// open counts the open signalling sockets; all holds them (for Close);
	// closed is set by Close: no socket is accepted after it.
	open   int
	all    map[*clientSocket]struct{}
	closed bool
	// joined holds the sockets whose connection is live, by session and
	// connection ID.
	joined map[string]map[string]*clientSocket
	// streams holds what a real client said about the streams it
	// publishes (its channels, custom properties), which the other clients
	// are sent; simulated and server-side streams have no entry.
	streams map[string]*clientStream
	// subscribers are the subscribers real clients created, by ID.
	subscribers map[string]*clientSubscriber
}

// clientStream is a stream a real client publishes: the content of its
// create message, its channels updated since.
type clientStream struct {
	content map[string]any
}

// clientSubscriber is a real client's subscriber to a stream: the relay
// sends the publisher's offers and candidates to its connection.
type clientSubscriber struct {
	id, streamID, connID string
}

// socketLocked returns the socket of a live connection (nil for simulated
// and server-side connections).
func (s *Server) socketLocked(cs *connState) *clientSocket {
	return s.cl.joined[cs.SessionID][cs.ID]
}

// sessionURI is the Raptor URI of a session, which every message URI
// starts with.
func (s *Server) sessionURI(sessionID string) string {
	return "/v2/partner/" + s.ownerOf(sessionID) + "/session/" + sessionID
}

// raptor is a server-to-client message.
type raptor struct {
	Method  string `json:"method"`
	URI     string `json:"uri"`
	Content any    `json:"content"`
	Reason  string `json:"reason,omitempty"`
}

// pushLocked sends a message to every real client of a session but
// except (a connection ID, or ""), from the address from.
func (s *Server) pushLocked(sessionID, except, from string, m raptor) {
	sockets := s.cl.joined[sessionID]
	if len(sockets) == 0 {
		return
	}
	body, err := json.Marshal(m)
	if err != nil {
		return
	}
	for id, sock := range sockets {
		if id != except {
			sock.message(id, from, body)
		}
	}
}

// pushToLocked sends a message to one connection, when it is a real
// client's.
func (s *Server) pushToLocked(cs *connState, from string, m raptor) {
	sock := s.socketLocked(cs)
	if sock == nil {
		return
	}
	body, err := json.Marshal(m)
	if err != nil {
		return
	}
	sock.message(cs.ID, from, body)
}

// permissions are what a role may do, as OpenTok.js reads them from a
// connection: it offers publish, forceDisconnect and the like only when
// the session's own connection has them.
func permissions(role opentok.Role) []string {
	switch role {
	case opentok.RoleSubscriber:
		return []string{"subscribe"}
	case opentok.RolePublisherOnly:
		return []string{"publish"}
	case opentok.RoleModerator:
		return []string{"publish", "subscribe", "forceunpublish", "forcedisconnect", "forcemute"}
	}
	return []string{"publish", "subscribe"}
}

// connHash is a connection as the client protocol describes it
// ("capablities" is spelled as the platform spells it).
func connHash(c *connState) map[string]any {
	return map[string]any{"id": c.ID, "creationTime": ms(c.CreatedAt), "data": c.Data,
		"permissions": permissions(c.Role), "capablities": map[string]any{}}
}

// streamHashLocked is a stream as the client protocol describes it: what
// its real publisher sent (channels, custom properties), or channels made
// up for a simulated or server-side stream, plus its ID, name, creation
// time and connection.
func (s *Server) streamHashLocked(st *Stream) map[string]any {
	var m map[string]any
	if cst := s.cl.streams[st.ID]; cst != nil {
		m = maps.Clone(cst.content)
	} else {
		channels := []any{map[string]any{"id": "audio1", "type": "audio", "active": st.HasAudio && !st.AudioMuted}}
		if st.VideoType != "" {
			channels = append(channels, map[string]any{"id": "video1", "type": "video", "active": st.HasVideo,
				"width": 640, "height": 480, "frameRate": 30, "orientation": 0, "source": st.VideoType})
		}
		m = map[string]any{"channel": channels}
	}
	m["id"], m["name"], m["creationTime"] = st.ID, st.Name, ms(st.CreatedAt)
	if cs := s.st.connections[st.ConnectionID]; cs != nil {
		m["connection"] = connHash(cs)
	}
	return m
}

// sessionStateLocked is the session as a joining client receives it: its
// live connections, streams and running archives, and whether a mute of
// everyone is in force.
func (s *Server) sessionStateLocked(sessionID string) map[string]any {
	conns := []any{}
	for _, c := range s.st.sessionConnections(sessionID) {
		conns = append(conns, connHash(c))
	}
	streams := []any{}
	for _, st := range s.st.sessionStreams(sessionID) {
		streams = append(streams, s.streamHashLocked(st))
	}
	archives := []any{}
	for _, a := range s.st.archives {
		if a.SessionID == sessionID && activeArchive(a) {
			archives = append(archives, archiveHash(a))
		}
	}
	m := map[string]any{"connection": conns, "stream": streams, "archive": archives}
	if ss := s.st.sessions[sessionID]; ss != nil && ss.MuteActive {
		m["mute"] = map[string]any{"active": true}
	}
	return m
}

func archiveHash(a *Archive) map[string]any {
	return map[string]any{"id": a.ID, "name": a.Name, "status": "started"}
}

// ---- the push functions the state changes call -----------------------------------

// pushConnectionCreatedLocked tells the session's real clients that a
// connection joined (the joining client itself is told by its join).
func (s *Server) pushConnectionCreatedLocked(cs *connState) {
	s.pushLocked(cs.SessionID, cs.ID, symphonyAddress,
		raptor{Method: "created", URI: s.sessionURI(cs.SessionID) + "/connection/" + cs.ID, Content: connHash(cs)})
}

// pushConnectionDestroyedLocked tells the session's real clients that a
// connection left, and why. A real client that did not leave on its own
// (forceDisconnected, networkDisconnected) is told too, which OpenTok.js
// shows as sessionDisconnected with that reason, and its socket is then
// closed. The subscribers it had are deleted at their publishers.
func (s *Server) pushConnectionDestroyedLocked(cs *connState, reason string) {
	m := raptor{Method: "deleted", URI: s.sessionURI(cs.SessionID) + "/connection/" + cs.ID, Content: map[string]any{}, Reason: reason}
	own := s.socketLocked(cs)
	except := ""
	if reason == "clientDisconnected" {
		except = cs.ID
	}
	s.pushLocked(cs.SessionID, except, symphonyAddress, m)
	for id, sub := range s.cl.subscribers {
		if sub.connID == cs.ID {
			s.deleteSubscriberLocked(id, cs.ID)
		}
	}
	if own != nil {
		delete(s.cl.joined[cs.SessionID], cs.ID)
		if len(s.cl.joined[cs.SessionID]) == 0 {
			delete(s.cl.joined, cs.SessionID)
		}
		own.connID = ""
		if reason != "clientDisconnected" {
			own.closeAfter(reason)
		}
	}
}

// pushStreamCreatedLocked tells every real client of the session about a
// new stream (its publisher too: OpenTok.js completes the publish then).
func (s *Server) pushStreamCreatedLocked(st *Stream) {
	s.pushLocked(st.SessionID, "", symphonyAddress,
		raptor{Method: "created", URI: s.sessionURI(st.SessionID) + "/stream/" + st.ID, Content: s.streamHashLocked(st)})
}

// pushStreamDestroyedLocked tells every real client of the session that a
// stream ended, and why, and forgets its subscribers.
func (s *Server) pushStreamDestroyedLocked(st *Stream, reason string) {
	for id, sub := range s.cl.subscribers {
		if sub.streamID == st.ID {
			delete(s.cl.subscribers, id)
		}
	}
	delete(s.cl.streams, st.ID)
	// OpenTok.js reads content.sourceStreamId: the content must be an object.
	s.pushLocked(st.SessionID, "", symphonyAddress,
		raptor{Method: "deleted", URI: s.sessionURI(st.SessionID) + "/stream/" + st.ID, Content: map[string]any{}, Reason: reason})
}

// deleteSubscriberLocked forgets a subscriber and tells its stream's
// publisher, from the subscriber's connection, so that it closes the peer
// connection it had made for it.
func (s *Server) deleteSubscriberLocked(id, from string) {
	sub := s.cl.subscribers[id]
	if sub == nil {
		return
	}
	delete(s.cl.subscribers, id)
	st := s.st.streams[sub.streamID]
	if st == nil {
		return
	}
	if pub := s.st.connections[st.ConnectionID]; pub != nil {
		s.pushToLocked(pub, from, raptor{Method: "deleted",
			URI: s.sessionURI(st.SessionID) + "/stream/" + st.ID + "/subscriber/" + id, Content: map[string]any{}})
	}
}

// deliverSignalLocked gives a signal to a connection: a simulated client
// keeps it (Conn.Signals), a real client gets it over its socket (and it
// is kept too, for tests). from is the sending connection, "" for the
// REST API; toOne says the signal was addressed to this connection only.
func (s *Server) deliverSignalLocked(c *connState, sig Signal, toOne bool) {
	if c.Kind != KindClient && c.Kind != KindBrowser {
		return
	}
	c.signals = appendCapped(c.signals, sig, s.cfg.stateLimit)
	uri := s.sessionURI(c.SessionID)
	if toOne {
		uri += "/connection/" + c.ID
	}
	s.pushToLocked(c, sig.From, raptor{Method: "signal", URI: uri + "/signal/" + newID(),
		Content: map[string]any{"type": sig.Type, "data": sig.Data}})
}

// pushStreamMutedLocked asks a stream's publisher to mute its audio, as a
// moderator's forceMuteStream or the REST API's does; OpenTok.js mutes the
// publisher and dispatches muteForced.
func (s *Server) pushStreamMutedLocked(st *Stream) {
	s.pushLocked(st.SessionID, "", symphonyAddress, raptor{Method: "update",
		URI:     s.sessionURI(st.SessionID) + "/stream/" + st.ID,
		Content: map[string]any{"reason": "mute", "channels": []string{"audio"}, "active": true}})
}

// pushSessionMuteLocked tells the session's real clients that a mute of
// everyone started or ended: OpenTok.js then dispatches muteForced on the
// session, and publishers that start while it is active start muted.
func (s *Server) pushSessionMuteLocked(ss *Session) {
	content := map[string]any{"reason": "mute", "channels": []string{"audio"}, "active": ss.MuteActive}
	if ss.MuteActive {
		content["exclusion"] = slices.Clone(ss.ExcludedStreamIDs)
	}
	s.pushLocked(ss.ID, "", symphonyAddress, raptor{Method: "update", URI: s.sessionURI(ss.ID), Content: content})
}

// pushStreamClassesLocked tells the session's real clients a stream's new
// layout classes. (The platform's message for this is not documented;
// OpenTok.js 2.35.2 has no stream property for it, so nothing surfaces in
// the page.)
func (s *Server) pushStreamClassesLocked(st *Stream) {
	s.pushLocked(st.SessionID, "", symphonyAddress, raptor{Method: "updated",
		URI: s.sessionURI(st.SessionID) + "/stream/" + st.ID, Content: map[string]any{"layoutClassList": slices.Clone(st.LayoutClassList)}})
}

// pushArchiveLocked tells the session's real clients that an archive
// started (archiveStarted in OpenTok.js) or stopped (archiveStopped).
func (s *Server) pushArchiveLocked(a *Archive) {
	uri := s.sessionURI(a.SessionID) + "/archive/" + a.ID
	if activeArchive(a) {
		s.pushLocked(a.SessionID, "", symphonyAddress, raptor{Method: "created", URI: uri, Content: archiveHash(a)})
		return
	}
	s.pushLocked(a.SessionID, "", symphonyAddress, raptor{Method: "updated", URI: uri, Content: map[string]any{"status": "stopped"}})
}
