package opentok

import (
	"container/list"
	"context"
	"errors"
	"fmt"
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
// [WithCallbackReplayStore] (on Redis: the module
// github.com/opentok-go/opentok/contrib/redisreplay).
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
// then instead of refused as a replay. It does the same when fn panics,
// before the panic goes on. Forget gets a context detached from the
// request's (the sender may have given up already), bounded to 5 seconds.
// With a store that lacks Forget the jti stays recorded, and only a
// delivery with a fresh JWT gets through. An error from Forget is passed to
// the handler's error handler (with fn's, when fn failed).
type ReplayForgetter interface {
	Forget(ctx context.Context, jti string) error
}

// DefaultReplayStoreSize is the number of jtis the handler's in-memory
// [ReplayStore] keeps: more than a busy project sends within the default
// maximum age of 5 minutes. Full, it takes about 26 MiB of heap with the
// platform's jtis (36-byte UUIDs) and about 37 MiB at most (jtis of
// [MaxCallbackJTILength] bytes).
const DefaultReplayStoreSize = 1 << 17

// MaxCallbackJTILength is the longest jti a signed callback may carry, in
// bytes: the platform's are UUIDs (36 bytes). A longer one is refused as
// invalid ([ErrCallbackSignature]) by [VerifyCallbackSignature] and the
// handler, and by [MemoryReplayStore], so that a replay store's memory
// stays bounded.
const MaxCallbackJTILength = 128

// errNilReplayStore is returned by the methods of a nil *MemoryReplayStore.
var errNilReplayStore = errors.New("opentok: the MemoryReplayStore is nil")

// MemoryReplayStore is a [ReplayStore] in memory, bounded in size: each jti
// is kept until its time, and when the store is full the oldest is
// dropped (a replay of that one callback would then pass). It is safe for
// concurrent use. The zero value is ready to use and keeps
// [DefaultReplayStoreSize] jtis.
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

// initLocked makes the zero value usable.
func (m *MemoryReplayStore) initLocked() {
	if m.seen == nil {
		m.seen = map[string]*list.Element{}
		m.order = list.New()
	}
	if m.max <= 0 {
		m.max = DefaultReplayStoreSize
	}
	if m.now == nil {
		m.now = time.Now
	}
}

// Seen records jti until the time given and reports whether it was recorded
// already (and not yet expired). It fails only for a jti over
// [MaxCallbackJTILength] bytes, or a nil store.
func (m *MemoryReplayStore) Seen(_ context.Context, jti string, until time.Time) (bool, error) {
	if m == nil {
		return false, errNilReplayStore
	}
	if len(jti) > MaxCallbackJTILength {
		return false, fmt.Errorf("opentok: MemoryReplayStore: the jti is over %d bytes", MaxCallbackJTILength)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.initLocked()
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

// Forget drops jti, so that it is not reported as seen again. It fails
// only for a nil store.
func (m *MemoryReplayStore) Forget(_ context.Context, jti string) error {
	if m == nil {
		return errNilReplayStore
	}
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

// Len returns the number of jtis the store holds (0 for a nil store).
func (m *MemoryReplayStore) Len() int {
	if m == nil {
		return 0
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.seen)
}
