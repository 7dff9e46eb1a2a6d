package opentok

import (
	"container/list"
	"context"
	"errors"
	"sync"
	"time"
)

// ErrCallbackReplay matches a signed callback whose jti was seen before: the
// same request sent again after it was processed. (A delivery after the
// handler answered 500 is let through; see [ReplayForgetter].) The error is
// a [*CallbackError]; the handler answers 401.
var ErrCallbackReplay = errors.New("opentok: callback replayed")

// ReplayStore remembers the jti (the unique ID) of every verified signed
// callback, so that [NewCallbackHandler] refuses a callback sent again. The
// handler uses an in-memory store by default ([NewMemoryReplayStore]); give
// one shared by every instance of a service behind a load balancer with
// [WithCallbackReplayStore] (see its example for Redis).
type ReplayStore interface {
	// Seen records jti until the time given (after it, the callback's age
	// alone refuses it) and reports whether jti was recorded already. It
	// must be safe for concurrent use. An error makes the handler answer
	// 500, so that the platform retries.
	Seen(ctx context.Context, jti string, until time.Time) (bool, error)
}

// ReplayForgetter is implemented by a [ReplayStore] that can drop a jti it
// recorded. When fn of [NewCallbackHandler] fails, the handler answers 500
// so that the sender delivers the callback again; before that it calls
// Forget, so that a delivery of the very same signed request is processed
// then instead of refused as a replay. With a store that lacks Forget the
// jti stays recorded, and only a delivery with a fresh JWT gets through.
// An error from Forget is passed to the handler's error handler with fn's.
type ReplayForgetter interface {
	Forget(ctx context.Context, jti string) error
}

// DefaultReplayStoreSize is the number of jtis the handler's in-memory
// [ReplayStore] keeps (about 12 MiB at most): more than a busy project
// sends within the default maximum age of 5 minutes.
const DefaultReplayStoreSize = 1 << 17

// MemoryReplayStore is a [ReplayStore] in memory, bounded in size: each jti
// is kept until its time, and when the store is full the oldest is
// dropped (a replay of that one callback would then pass). It is safe for
// concurrent use.
type MemoryReplayStore struct {
	mu    sync.Mutex
	max   int
	seen  map[string]*list.Element
	order *list.List // of memoryEntry, oldest first
	now   func() time.Time
}

type memoryEntry struct {
	jti   string
	until time.Time
}

// NewMemoryReplayStore returns an in-memory [ReplayStore] of at most max
// jtis (DefaultReplayStoreSize when max is not positive).
func NewMemoryReplayStore(max int) *MemoryReplayStore {
	if max <= 0 {
		max = DefaultReplayStoreSize
	}
	return &MemoryReplayStore{max: max, seen: map[string]*list.Element{}, order: list.New(), now: time.Now}
}

// Seen records jti until the time given and reports whether it was recorded
// already (and not yet expired). It never fails.
func (m *MemoryReplayStore) Seen(_ context.Context, jti string, until time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for e := m.order.Front(); e != nil && !e.Value.(memoryEntry).until.After(now); e = m.order.Front() {
		m.remove(e)
	}
	if e, ok := m.seen[jti]; ok {
		if e.Value.(memoryEntry).until.After(now) {
			return true, nil
		}
		m.remove(e) // expired, but behind an entry that is not
	}
	for m.order.Len() >= m.max {
		m.remove(m.order.Front())
	}
	m.seen[jti] = m.order.PushBack(memoryEntry{jti: jti, until: until})
	return false, nil
}

// Forget drops jti, so that it is not reported as seen again. It never
// fails.
func (m *MemoryReplayStore) Forget(_ context.Context, jti string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.seen[jti]; ok {
		m.remove(e)
	}
	return nil
}

// remove drops an entry from the list and the map.
func (m *MemoryReplayStore) remove(e *list.Element) {
	delete(m.seen, e.Value.(memoryEntry).jti)
	m.order.Remove(e)
}

// Len returns the number of jtis the store holds.
func (m *MemoryReplayStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.order.Len()
}
