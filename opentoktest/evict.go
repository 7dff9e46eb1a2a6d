package opentoktest

import (
	"slices"

	"github.com/opentok-go/opentok"
)

// The state's bounds (WithStateLimit): past the limit, the oldest finished
// things of a kind are evicted; live ones, and the thing just created, stay.

// DefaultStateLimit is how many things of each kind (sessions, connections,
// archives, broadcasts, renders, captions, SIP calls) the fake keeps at
// most, live ones aside, unless WithStateLimit sets another limit.
const DefaultStateLimit = 10_000

// evictState is the bookkeeping eviction needs (part of state).
type evictState struct {
	// The IDs of the kinds kept in maps, in creation order.
	sessions, connections, captions, sipCalls idQueue
	// liveConns counts the live connections of each session.
	liveConns map[string]int
}

// idQueue holds IDs in creation order, oldest first.
type idQueue struct {
	ids  []string // ids[head:] are held
	head int
}

func (q *idQueue) push(id string) { q.ids = append(q.ids, id) }

// evict walks the IDs from the oldest, except the newest, while over()
// holds, and calls drop on each: drop removes the thing if it is finished
// (or already gone) and reports whether it is gone. The IDs it keeps stay
// in front, in order.
func (q *idQueue) evict(over func() bool, drop func(id string) bool) {
	i := q.head
	var kept []string
	for ; i < len(q.ids)-1 && over(); i++ {
		if !drop(q.ids[i]) {
			kept = append(kept, q.ids[i])
		}
	}
	start := i - len(kept)
	copy(q.ids[start:i], kept)
	clear(q.ids[q.head:start])
	q.head = start
	if q.head > 0 && q.head >= len(q.ids)/2 {
		n := copy(q.ids, q.ids[q.head:])
		clear(q.ids[n:])
		q.ids, q.head = q.ids[:n], 0
	}
}

// sessionAddedLocked notes a new session and evicts past the limit.
func (s *Server) sessionAddedLocked(ss *Session) {
	s.st.evict.sessions.push(ss.ID)
	s.evictLocked()
}

// connectionAddedLocked notes a new live connection and evicts past the
// limit; connectionEndedLocked notes that a connection ended.
func (s *Server) connectionAddedLocked(cs *connState) {
	ev := &s.st.evict
	if ev.liveConns == nil {
		ev.liveConns = map[string]int{}
	}
	ev.liveConns[cs.SessionID]++
	ev.connections.push(cs.ID)
	s.evictLocked()
}

func (s *Server) connectionEndedLocked(cs *connState) {
	ev := &s.st.evict
	if ev.liveConns[cs.SessionID]--; ev.liveConns[cs.SessionID] <= 0 {
		delete(ev.liveConns, cs.SessionID)
	}
}

// captionsAddedLocked and sipCallAddedLocked note new captions and a new
// SIP call and evict past the limit.
func (s *Server) captionsAddedLocked(c *Captions) {
	s.st.evict.captions.push(c.ID)
	s.evictLocked()
}

func (s *Server) sipCallAddedLocked(call *SIPCall) {
	s.st.evict.sipCalls.push(call.ID)
	s.evictLocked()
}

// evictLocked evicts the oldest finished things of each kind over the
// limit. It costs little when no kind is over.
func (s *Server) evictLocked() {
	st, limit := s.st, s.cfg.stateLimit
	ev := &st.evict

	if len(st.sessions) > limit {
		var busy map[string]bool
		ev.sessions.evict(func() bool { return len(st.sessions) > limit }, func(id string) bool {
			if _, found := st.sessions[id]; !found {
				return true
			}
			if ev.liveConns[id] > 0 {
				return false
			}
			if busy == nil {
				busy = st.busySessions()
			}
			if busy[id] {
				return false
			}
			delete(st.sessions, id)
			delete(st.dtmf, id)
			return true
		})
	}
	if len(st.connections) > limit {
		ev.connections.evict(func() bool { return len(st.connections) > limit }, func(id string) bool {
			c, found := st.connections[id]
			if found && !c.gone {
				return false
			}
			delete(st.connections, id)
			return true
		})
	}
	if len(st.captions) > limit {
		ev.captions.evict(func() bool { return len(st.captions) > limit }, func(id string) bool {
			c, found := st.captions[id]
			if found && c.Status == opentok.CaptionsStarted {
				return false
			}
			delete(st.captions, id)
			return true
		})
	}
	if len(st.sipCalls) > limit {
		ev.sipCalls.evict(func() bool { return len(st.sipCalls) > limit }, func(id string) bool {
			c, found := st.sipCalls[id]
			if found && !c.Ended {
				return false
			}
			delete(st.sipCalls, id)
			return true
		})
	}
	st.archives = evictOldest(st.archives, limit, func(a *Archive) bool { return !activeArchive(a) && a.Status != opentok.ArchiveStopped })
	st.broadcasts = evictOldest(st.broadcasts, limit, func(b *Broadcast) bool { return b.Status != opentok.BroadcastStarted })
	st.renders = evictOldest(st.renders, limit, func(r *Render) bool { return r.Status == opentok.RenderStopped || r.Status == opentok.RenderFailed })
}

// busySessions returns the sessions with a running archive, broadcast,
// render or captions.
func (st *state) busySessions() map[string]bool {
	busy := map[string]bool{}
	for _, a := range st.archives {
		if activeArchive(a) {
			busy[a.SessionID] = true
		}
	}
	for _, b := range st.broadcasts {
		if b.Status == opentok.BroadcastStarted {
			busy[b.SessionID] = true
		}
	}
	for _, r := range st.renders {
		if r.Status == opentok.RenderStarting || r.Status == opentok.RenderStarted {
			busy[r.SessionID] = true
		}
	}
	for _, c := range st.captions {
		if c.Status == opentok.CaptionsStarted {
			busy[c.SessionID] = true
		}
	}
	return busy
}

// evictOldest removes the oldest finished items of a newest-first list,
// never its newest, until it holds at most limit.
func evictOldest[T any](list []*T, limit int, finished func(*T) bool) []*T {
	excess := len(list) - limit
	if excess <= 0 {
		return list
	}
	i := len(list)
	for i > 1 && excess > 0 {
		i--
		if finished(list[i]) {
			excess--
		}
	}
	tail := slices.DeleteFunc(list[i:], finished)
	return list[:i+len(tail)]
}

// appendCapped appends v to list, dropping the oldest items past limit.
func appendCapped[T any](list []T, v T, limit int) []T {
	if len(list) >= limit {
		n := copy(list, list[len(list)-limit+1:])
		clear(list[n:])
		list = list[:n]
	}
	return append(list, v)
}
