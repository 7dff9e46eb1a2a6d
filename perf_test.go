package opentok

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countingServer answers a canned session answer and counts the TCP
// connections it accepts.
func countingServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var conns atomic.Int64
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		serveJSON(w, 200, `[{"session_id":"S"}]`)
	}))
	ts.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	ts.Start()
	t.Cleanup(ts.Close)
	return ts, &conns
}

// TestConnectionsAreReused checks that the default client keeps its
// connections alive: 1,000 sequential calls use one connection, and 1,000
// calls from 32 goroutines open no more connections than the idle pool
// keeps (64 per host), so none is thrown away and redialled.
func TestConnectionsAreReused(t *testing.T) {
	ts, conns := countingServer(t)
	ot, err := New(testAPIKey, testAPISecret, WithBaseURL(ts.URL))
	require.NoError(t, err)
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		_, err := ot.CreateSession(ctx, nil)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(1), conns.Load(), "sequential calls share one connection")

	ts2, conns2 := countingServer(t)
	ot2, err := New(testAPIKey, testAPISecret, WithBaseURL(ts2.URL))
	require.NoError(t, err)
	var wg sync.WaitGroup
	var failures atomic.Int64
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := g; i < 1000; i += 32 {
				if _, err := ot2.CreateSession(ctx, nil); err != nil {
					failures.Add(1)
				}
			}
		}(g)
	}
	wg.Wait()
	assert.Zero(t, failures.Load())
	idle := defaultTransport().(*http.Transport).MaxIdleConnsPerHost
	assert.LessOrEqual(t, conns2.Load(), int64(idle), "no more connections than the idle pool keeps")
	t.Logf("32 goroutines, 1000 calls: %d connections", conns2.Load())
}

// archivePages serves a newest-first list of n archives with offset/count.
func archivePages(t *testing.T, n int) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		offset, _ := strconv.Atoi(q.Get("offset"))
		count, _ := strconv.Atoi(q.Get("count"))
		var b strings.Builder
		fmt.Fprintf(&b, `{"count":%d,"items":[`, n)
		for i := offset; i < n && i < offset+count; i++ {
			if i > offset {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"id":"%08d-0000-4000-8000-000000000000","status":"available","name":"archive %d","sessionId":"S","createdAt":%d,"duration":60,"size":1234567,"url":"https://example.com/a/%d.mp4","partnerId":"123456"}`,
				n-i, n-i, 1_700_000_000_000-int64(i)*1000, i)
		}
		b.WriteString("]}")
		serveJSON(w, 200, b.String())
	}))
	t.Cleanup(ts.Close)
	return ts
}

// peakHeapOverAllArchives ranges over AllArchives for a list of n archives
// and returns the item count and the largest live heap seen (measured after
// a GC every 500 items).
func peakHeapOverAllArchives(t *testing.T, n int) (int, uint64) {
	ts := archivePages(t, n)
	ot, err := New(testAPIKey, testAPISecret, WithBaseURL(ts.URL))
	require.NoError(t, err)
	var ms runtime.MemStats
	var peak uint64
	seen := 0
	for a, err := range ot.AllArchives(context.Background(), &ListArchivesOptions{Count: 100}) {
		require.NoError(t, err)
		require.NotEmpty(t, a.ID)
		seen++
		if seen%500 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	return seen, peak
}

// TestAllArchivesMemoryIsBoundedByThePageSize ranges over 1,000 and then
// 10,000 archives: the live heap stays the same (it holds a page and the
// previous page's IDs), it does not grow with the total.
func TestAllArchivesMemoryIsBoundedByThePageSize(t *testing.T) {
	if testing.Short() {
		t.Skip("ranges over 11,000 archives")
	}
	n1, peak1 := peakHeapOverAllArchives(t, 1000)
	n2, peak2 := peakHeapOverAllArchives(t, 10000)
	assert.Equal(t, 1000, n1)
	assert.Equal(t, 10000, n2)
	t.Logf("peak live heap: %d KiB over 1,000 archives, %d KiB over 10,000", peak1>>10, peak2>>10)
	// 10,000 archives held at once would take several MiB; allow noise.
	assert.Less(t, peak2, peak1+512<<10, "heap does not grow with the number of archives")
}
