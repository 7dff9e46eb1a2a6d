package opentok_test

import (
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// Helpers shared by the reliability tests of package opentok_test (fault
// matrix, secrets, concurrency, clock skew), which drive the SDK through its
// public API against the opentoktest fake.

// raceEnabled is set when the tests run under the race detector, which
// slows the request path and doubles some allocations.
var raceEnabled bool

// countingListener counts the connections it accepts, so a test can tell a
// reused keep-alive connection from a new one.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

// settleGoroutines waits (at most 5 s) until no more than max goroutines
// run, and fails the test with every goroutine's stack if they do not.
// Goroutines end asynchronously after connections close, hence the wait.
func settleGoroutines(t testing.TB, max int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := runtime.NumGoroutine()
		if n <= max {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines still running, want at most %d; stacks:\n%s", n, max, buf)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
