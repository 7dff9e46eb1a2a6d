package opentoktest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/opentok-go/opentok"
)

// What the fake does with the frames a real client (OpenTok.js) sends on
// its signalling socket. A MESSAGE frame carries a JSON "Raptor" message
// {method, uri, content} addressed to the symphony; the fake answers each
// with a STATUS frame (200, or an error status with {"reason": ...}) and
// applies it to the same state the REST API and the simulated clients use,
// so that the REST API, webhooks and every client see it. URIs are below
// /v2/partner/{owner}/session/{sessionId}:
//
//	create  /connection/{id}                  join (X-TB-TOKEN-AUTH: the client token)
//	delete  /connection/{id}                  leave; another's: forceDisconnect (moderator)
//	signal  /signal/{id}, /connection/{c}/signal/{id}
//	create  /stream/{id}                      publish (a role with publish)
//	delete  /stream/{id}                      unpublish; another's: forceUnpublish (moderator)
//	update  /stream/{id}                      forceMuteStream (moderator)
//	update  /                                 forceMuteAll / disable (moderator)
//	update  /stream/{id}/channel/{channel}    the publisher's audio/video state
//	create  /stream/{id}/subscriber/{sub}     subscribe: the publisher is asked for an offer
//	offer, answer, pranswer, candidate on /stream/{id}/subscriber/{sub}: relayed
//	delete  /stream/{id}/subscriber/{sub}     unsubscribe
//	read    /                                 the session's state
//
// Other well-formed messages (subscriber and channel updates, data,
// migrate) are acknowledged and have no effect.

// handleFrame acts on one frame from a client. An error means the frame
// (or its message) is malformed: the caller logs it and closes the socket.
func (s *Server) handleFrame(c *clientSocket, f *frame) error {
	switch f.typ {
	case framePing:
		s.mu.Lock()
		c.send(&frame{typ: framePong})
		s.mu.Unlock()
	case frameConnect, frameSubscribe, frameUnsubscribe, frameStatus, framePong:
		// Nothing to answer: the client's hello, its subscription to its
		// session's topic, and its acknowledgements.
	case frameDisconnect:
		s.mu.Lock()
		if cs := s.st.connections[c.connID]; c.connID != "" && cs != nil && !cs.gone {
			s.disconnectLocked(cs, "clientDisconnected")
		}
		s.mu.Unlock()
	case frameMessage:
		return s.handleMessage(c, f)
	default:
		return fmt.Errorf("%w: unknown frame type %d", errFrame, byte(f.typ))
	}
	return nil
}

// clientMessage is a Raptor message from a client.
type clientMessage struct {
	Method  string          `json:"method"`
	URI     string          `json:"uri"`
	Content json.RawMessage `json:"content"`
}

// clientCall is one message being handled.
type clientCall struct {
	c    *clientSocket
	txID string
	from string
	m    clientMessage
	// sid is the session of the URI; path the segments after it.
	sid  string
	path []string
}

// answer sends the STATUS for the call: 200 with body, or an error status
// with {"reason": reason}.
func (k *clientCall) ok(body any) {
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	k.c.status(k.txID, 200, b)
}

// content is the message's content as it is passed on: {} when the client
// sent none.
func (k *clientCall) content() json.RawMessage {
	if len(k.m.Content) == 0 || string(k.m.Content) == "null" {
		return json.RawMessage("{}")
	}
	return k.m.Content
}

// object decodes the message's content, an object ({} when the client
// sent none); ok is false when it is not one.
func (k *clientCall) object() (map[string]any, bool) {
	m := map[string]any{}
	if len(k.m.Content) > 0 && json.Unmarshal(k.m.Content, &m) != nil {
		return nil, false
	}
	if m == nil { // "null"
		m = map[string]any{}
	}
	return m, true
}

func (k *clientCall) fail(code int, reason string) {
	b, _ := json.Marshal(map[string]any{"reason": reason})
	k.c.status(k.txID, code, b)
}

// handleMessage decodes a MESSAGE frame's Raptor message and applies it.
func (s *Server) handleMessage(c *clientSocket, f *frame) error {
	var m clientMessage
	if err := json.Unmarshal(f.body, &m); err != nil {
		return fmt.Errorf("%w: the message is not JSON: %v", errFrame, err)
	}
	rest, found := strings.CutPrefix(m.URI, "/v2/partner/")
	if m.Method == "" || !found {
		return fmt.Errorf("%w: a message needs a method and a /v2/partner/ URI", errFrame)
	}
	seg := strings.Split(strings.TrimSuffix(rest, "/"), "/")
	if len(seg) < 3 || seg[1] != "session" || len(seg)%2 == 0 {
		return fmt.Errorf("%w: the URI %q does not name a session and resources", errFrame, truncate(m.URI, 200))
	}
	if len(m.Content) > 0 && m.Content[0] != '{' && string(m.Content) != "null" {
		return fmt.Errorf("%w: the message content is not an object", errFrame)
	}
	k := &clientCall{c: c, txID: f.header("TRANSACTION-ID"), from: f.header("X-TB-FROM-ADDRESS"), m: m,
		sid: seg[2], path: seg[3:]}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.tickLocked()
	if c.closing {
		return nil
	}
	if seg[0] != s.ownerOf(k.sid) {
		k.fail(404, "the partner in the URI does not own the session")
		return nil
	}
	// Before its connection exists a client may only create it; after, it
	// speaks for its own connection in its own session.
	if c.connID == "" {
		if len(k.path) == 2 && k.path[0] == "connection" && m.Method == "create" {
			s.joinLocked(k, f.header("X-TB-TOKEN-AUTH"))
		} else {
			k.fail(403, "not connected")
		}
		return nil
	}
	if k.sid != c.sessionID || k.from != c.connID {
		k.fail(403, "a client speaks for its own connection in its own session")
		return nil
	}
	s.dispatchLocked(k)
	return nil
}

// dispatchLocked applies a message of a joined client.
func (s *Server) dispatchLocked(k *clientCall) {
	cs := s.st.connections[k.c.connID]
	p, method := k.path, k.m.Method
	switch {
	case len(p) == 0 && method == "read":
		k.ok(s.sessionStateLocked(k.sid))
	case len(p) == 0 && method == "update":
		s.clientMuteAllLocked(k, cs)
	case len(p) == 2 && p[0] == "connection" && method == "delete":
		s.clientDisconnectLocked(k, cs, p[1])
	case method == "signal" && (len(p) == 2 && p[0] == "signal" || len(p) == 4 && p[0] == "connection" && p[2] == "signal"):
		s.clientSignalLocked(k, cs)
	case len(p) == 2 && p[0] == "stream":
		s.clientStreamLocked(k, cs, p[1])
	case len(p) == 4 && p[0] == "stream" && p[2] == "channel" && method == "update":
		s.clientChannelLocked(k, cs, p[1], p[3])
	case len(p) == 4 && p[0] == "stream" && p[2] == "subscriber":
		s.clientSubscriberLocked(k, cs, p[1], p[3])
	default:
		// Subscriber and channel updates, data, migrate: nothing the fake
		// needs to do.
		k.ok(nil)
	}
}

// validClientID reports whether a client-chosen ID (connection, stream,
// subscriber; OpenTok.js makes UUIDs) is one the fake keeps.
func validClientID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// joinLocked creates the client's connection: the token is checked as the
// platform checks it, the session's connection limit applied, and the
// client gets the session's state, then its own connection.
func (s *Server) joinLocked(k *clientCall, token string) {
	connID := k.path[1]
	ss := s.st.sessions[k.sid]
	switch {
	case ss == nil:
		k.fail(404, "Invalid session ID: the fake created no such session")
		return
	case !validClientID(connID) || k.from != connID:
		k.fail(400, "invalid connection ID")
		return
	case s.st.connections[connID] != nil:
		k.fail(409, "the connection ID is taken")
		return
	}
	ti, err := s.verifyToken(k.sid, token, s.nowLocked())
	if err != nil {
		k.fail(403, clientRefusal(err))
		return
	}
	if s.st.evict.liveConns[k.sid] >= s.cfg.clients.SessionConnections {
		k.fail(403, "connectionLimitExceeded")
		return
	}
	cs := s.addConnectionWithIDLocked(ss, KindBrowser, ti, connID)
	c := k.c
	c.connID, c.sessionID = connID, k.sid
	if s.cl.joined[k.sid] == nil {
		s.cl.joined[k.sid] = map[string]*clientSocket{}
	}
	s.cl.joined[k.sid][connID] = c
	k.ok(s.sessionStateLocked(k.sid))
	self, _ := json.Marshal(raptor{Method: "created", URI: s.sessionURI(k.sid) + "/connection/" + connID, Content: connHash(cs)})
	c.message(connID, symphonyAddress, self)
}

// can reports whether a connection's role allows an action (the
// permission names of permissions).
func can(cs *connState, action string) bool { return slices.Contains(permissions(cs.Role), action) }

// clientDisconnectLocked: delete /connection/{id}: the client leaves, or a
// moderator disconnects another connection.
func (s *Server) clientDisconnectLocked(k *clientCall, cs *connState, target string) {
	if target == cs.ID {
		k.ok(nil)
		s.disconnectLocked(cs, "clientDisconnected")
		return
	}
	if !can(cs, "forcedisconnect") {
		k.fail(403, "forceDisconnect needs a moderator token")
		return
	}
	t := s.st.connections[target]
	if t == nil || t.gone || t.SessionID != cs.SessionID {
		k.fail(404, "The connection is not connected to the session")
		return
	}
	k.ok(nil)
	s.disconnectLocked(t, "forceDisconnected")
}

// clientSignalLocked: a signal to the session or to one connection, with
// the platform's limits (128-byte type, 8 kB data).
func (s *Server) clientSignalLocked(k *clientCall, cs *connState) {
	var content struct {
		Type string `json:"type"`
		Data string `json:"data"`
	}
	if len(k.m.Content) > 0 && json.Unmarshal(k.m.Content, &content) != nil {
		k.fail(400, "type and data must be strings")
		return
	}
	if len(content.Type) > 128 || len(content.Data) > 8192 {
		k.fail(413, "The type string exceeds the maximum length (128 bytes), or the data string exceeds the maximum size (8 kB).")
		return
	}
	sig := Signal{Type: content.Type, Data: content.Data, From: cs.ID}
	if k.path[0] == "connection" {
		t := s.st.connections[k.path[1]]
		if t == nil || t.gone || t.SessionID != cs.SessionID {
			k.fail(404, "The connection is not connected to the session")
			return
		}
		k.ok(nil)
		s.deliverSignalLocked(t, sig, true)
		return
	}
	k.ok(nil)
	for _, t := range s.st.sessionConnections(cs.SessionID) {
		s.deliverSignalLocked(t, sig, false)
	}
}

// clientStreamLocked: create (publish), delete (unpublish or
// forceUnpublish) and update (forceMuteStream) of /stream/{id}.
func (s *Server) clientStreamLocked(k *clientCall, cs *connState, id string) {
	st := s.st.streams[id]
	if st != nil && st.SessionID != cs.SessionID {
		st = nil
	}
	switch k.m.Method {
	case "create":
		s.clientPublishLocked(k, cs, id)
	case "read":
		if st == nil {
			k.fail(404, "Stream not found")
			return
		}
		k.ok(s.streamHashLocked(st))
	case "delete":
		switch {
		case st == nil:
			k.fail(404, "Stream not found")
		case st.ConnectionID == cs.ID:
			k.ok(nil)
			s.removeStreamLocked(st, "clientDisconnected")
		case !can(cs, "forceunpublish"):
			k.fail(403, "forceUnpublish needs a moderator token")
		default:
			k.ok(nil)
			s.removeStreamLocked(st, "forceUnpublished")
		}
	case "update":
		var content struct {
			Reason string `json:"reason"`
			Active bool   `json:"active"`
		}
		_ = json.Unmarshal(k.m.Content, &content)
		switch {
		case content.Reason != "mute":
			k.ok(nil)
		case !can(cs, "forcemute"):
			k.fail(403, "forceMute needs a moderator token")
		case st == nil:
			k.fail(404, "Stream not found")
		default:
			k.ok(nil)
			if content.Active {
				s.muteStreamLocked(st)
			}
		}
	default:
		k.ok(nil)
	}
}

// clientPublishLocked: create /stream/{id}, the client's publisher. The
// stream's name, video type and media come from its content (its
// channels); its layout classes from the token.
func (s *Server) clientPublishLocked(k *clientCall, cs *connState, id string) {
	switch {
	case !can(cs, "publish"):
		k.fail(403, "This token does not allow publishing: its role is "+string(cs.Role))
		return
	case !validClientID(id):
		k.fail(400, "invalid stream ID")
		return
	case s.st.streams[id] != nil:
		k.fail(409, "the stream ID is taken")
		return
	}
	content, ok := k.object()
	if !ok {
		k.fail(400, "the stream is not a JSON object")
		return
	}
	name, _ := content["name"].(string)
	var videoType opentok.VideoType
	hasAudio, hasVideo, audioOff := false, false, false
	channels, _ := content["channel"].([]any)
	for _, ch := range channels {
		m, _ := ch.(map[string]any)
		switch m["type"] {
		case "audio":
			hasAudio = true
			audioOff = m["active"] == false
		case "video":
			hasVideo = true
			videoType = opentok.VideoCamera
			if src, _ := m["source"].(string); src == string(opentok.VideoScreen) || src == string(opentok.VideoCustom) {
				videoType = opentok.VideoType(src)
			}
		}
	}
	k.ok(map[string]any{"content": map[string]any{"iceServers": []any{}}})
	s.cl.streams[id] = &clientStream{content: content}
	st := s.publishWithIDLocked(cs, id, name, videoType, hasAudio, hasVideo)
	st.AudioMuted = st.AudioMuted || audioOff
}

// clientChannelLocked: update /stream/{id}/channel/{channel}, the
// publisher muting or unmuting its audio or video: kept in the stream
// (AudioMuted) and its channels, and passed on to everyone.
func (s *Server) clientChannelLocked(k *clientCall, cs *connState, id, channel string) {
	st, cst := s.st.streams[id], s.cl.streams[id]
	if st == nil || cst == nil || st.ConnectionID != cs.ID {
		k.fail(404, "Stream not found")
		return
	}
	attrs, ok := k.object()
	if !ok {
		k.fail(400, "the channel attributes are not a JSON object")
		return
	}
	channels, _ := cst.content["channel"].([]any)
	for _, ch := range channels {
		if m, _ := ch.(map[string]any); m != nil && m["id"] == channel {
			for key, v := range attrs {
				m[key] = v
			}
			if active, isBool := attrs["active"].(bool); isBool && m["type"] == "audio" {
				st.AudioMuted = !active
			}
		}
	}
	k.ok(nil)
	s.pushLocked(cs.SessionID, "", cs.ID, raptor{Method: "updated", URI: k.m.URI, Content: k.content()})
}

// clientSubscriberLocked: a subscriber's create (the publisher is asked
// for an offer), its relayed offer, answer, pranswer and candidates, and
// its delete.
func (s *Server) clientSubscriberLocked(k *clientCall, cs *connState, streamID, subID string) {
	st := s.st.streams[streamID]
	if st == nil || st.SessionID != cs.SessionID {
		k.fail(404, "Stream not found")
		return
	}
	pub := s.st.connections[st.ConnectionID]
	sub := s.cl.subscribers[subID]
	switch k.m.Method {
	case "create":
		switch {
		case !can(cs, "subscribe"):
			k.fail(403, "This token does not allow subscribing: its role is "+string(cs.Role))
		case !validClientID(subID):
			k.fail(400, "invalid subscriber ID")
		case sub != nil:
			k.fail(409, "the subscriber ID is taken")
		default:
			s.cl.subscribers[subID] = &clientSubscriber{id: subID, streamID: streamID, connID: cs.ID}
			k.ok(map[string]any{"content": map[string]any{"iceServers": []any{}}})
			if pub != nil {
				// Relayed media: the publisher makes an offer for this
				// subscriber (a simulated publisher has no media to offer).
				s.pushToLocked(pub, cs.ID, raptor{Method: "generateoffer", URI: k.m.URI,
					Content: map[string]any{"peerId": newID(), "sourceStreamId": "P2P"}})
			}
		}
	case "offer", "answer", "pranswer", "candidate":
		var to *connState
		switch {
		case sub == nil || sub.streamID != streamID:
		case cs.ID == st.ConnectionID:
			to = s.st.connections[sub.connID]
		case cs.ID == sub.connID:
			to = pub
		}
		if to == nil {
			k.fail(404, "Subscriber not found")
			return
		}
		k.ok(nil)
		s.pushToLocked(to, cs.ID, raptor{Method: k.m.Method, URI: k.m.URI, Content: k.content()})
	case "delete":
		if sub == nil || sub.streamID != streamID || sub.connID != cs.ID {
			k.fail(404, "Subscriber not found")
			return
		}
		k.ok(nil)
		s.deleteSubscriberLocked(subID, cs.ID)
	default:
		k.ok(nil)
	}
}

// clientMuteAllLocked: update of the session with reason "mute", a
// moderator's forceMuteAll (active) or its end.
func (s *Server) clientMuteAllLocked(k *clientCall, cs *connState) {
	var content struct {
		Reason    string   `json:"reason"`
		Active    bool     `json:"active"`
		Exclusion []string `json:"exclusion"`
	}
	_ = json.Unmarshal(k.m.Content, &content)
	switch {
	case content.Reason != "mute":
		k.ok(nil)
	case !can(cs, "forcemute"):
		k.fail(403, "forceMute needs a moderator token")
	default:
		k.ok(nil)
		s.muteAllLocked(s.st.sessions[cs.SessionID], content.Active, content.Exclusion)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// truncate shortens s for a log line or error.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
