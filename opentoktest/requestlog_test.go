package opentoktest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// getArchives asks for n unknown archives, whose paths end in 0 to n-1.
func getArchives(t *testing.T, r *raw, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		status, _ := r.do("GET", fmt.Sprintf("%s/archive/a%d", r.project(), i), nil)
		require.Equal(t, 404, status)
	}
}

func paths(recs []RequestRecord) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Path[strings.LastIndexByte(r.Path, '/')+1:])
	}
	return out
}

func TestRequestLogKeepsTheMostRecentRequests(t *testing.T) {
	srv := NewServer(t, WithRequestLogSize(3))
	r := newRaw(t, srv)
	getArchives(t, r, 0, 2)
	assert.Equal(t, []string{"a0", "a1"}, paths(srv.Requests()))
	assert.Zero(t, srv.DroppedRequests())

	getArchives(t, r, 2, 5) // a2 ... a6
	recs := srv.Requests()
	assert.Equal(t, []string{"a4", "a5", "a6"}, paths(recs), "the last three, oldest first")
	for _, rec := range recs {
		assert.Equal(t, "GetArchive", rec.Op)
		assert.Equal(t, 404, rec.Status)
	}
	assert.Equal(t, int64(4), srv.DroppedRequests())
	assert.Len(t, srv.RequestsFor("GetArchive"), 3)

	srv.ClearRequests()
	assert.Empty(t, srv.Requests())
	assert.Zero(t, srv.DroppedRequests(), "clearing zeroes the count")
	getArchives(t, r, 7, 1)
	assert.Equal(t, []string{"a7"}, paths(srv.Requests()))
}

// TestRequestLogRingStaysInOrderOverManyWraps checks the order and the size
// of the queue's array after many times its size.
func TestRequestLogRingStaysInOrderOverManyWraps(t *testing.T) {
	l := requestLog{size: 7, bodyLimit: 16, maxBytes: 1 << 20}
	for i := range 1000 {
		req := httptest.NewRequest("GET", fmt.Sprintf("/x/%d", i), nil)
		seq := l.add(req, "Op", nil, time.Time{})
		assert.Equal(t, uint64(i), seq)
		l.setStatus(seq, 200+i)
		require.LessOrEqual(t, len(l.recs), 2*l.size)
	}
	held := l.held()
	require.Len(t, held, 7)
	for i, rec := range held {
		assert.Equal(t, fmt.Sprintf("/x/%d", 993+i), rec.Path)
		assert.Equal(t, 200+993+i, rec.Status)
	}
	assert.Equal(t, int64(993), l.dropped)
	l.setStatus(5, 1) // long gone: nothing happens
	l.setStatus(1000, 1)
	assert.Equal(t, 200+993, l.held()[0].Status)
}

// TestRequestLogStatusAfterAClear: a request still being answered when the
// log is cleared does not set the status of a newer request (it used to
// write its status into the record at its old index).
func TestRequestLogStatusAfterAClear(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client(opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
	require.NoError(t, srv.InjectFault("GetArchive", Fault{Status: 503, Delay: 300 * time.Millisecond}))
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = ot.GetArchive(context.Background(), "slow")
	}()
	require.Eventually(t, func() bool { return len(srv.Requests()) == 1 }, 5*time.Second, 5*time.Millisecond)
	srv.ClearRequests()
	_, err := ot.ListArchives(context.Background(), nil)
	require.NoError(t, err)
	<-done
	recs := srv.Requests()
	require.Len(t, recs, 1)
	assert.Equal(t, "ListArchives", recs[0].Op)
	assert.Equal(t, 200, recs[0].Status)
}

func TestRequestLogCapsBodies(t *testing.T) {
	srv := NewServer(t, WithRequestLogBodyLimit(10))
	r := newRaw(t, srv)
	body := `{"sessionId":"` + strings.Repeat("s", 100) + `"}`
	r.send("POST", r.project()+"/archive", "application/json", []byte(body))
	r.send("POST", r.project()+"/archive", "application/json", []byte(`{}`))
	recs := srv.RequestsFor("StartArchive")
	require.Len(t, recs, 2)
	assert.Equal(t, body[:10], string(recs[0].Body))
	assert.Equal(t, int64(len(body)), recs[0].BodySize)
	assert.True(t, recs[0].BodyTruncated)
	assert.Equal(t, `{}`, string(recs[1].Body))
	assert.Equal(t, int64(2), recs[1].BodySize)
	assert.False(t, recs[1].BodyTruncated)

	// The default keeps 64 KiB; a body over the fake's 1 MiB (413) has its
	// Content-Length as its size.
	srv = NewServer(t)
	r = newRaw(t, srv)
	big := `{"sessionId":"` + strings.Repeat("s", 100_000) + `"}`
	r.send("POST", r.project()+"/archive", "application/json", []byte(big))
	status, _, _ := r.send("POST", r.project()+"/archive", "application/json", make([]byte, maxBodyBytes+1))
	require.Equal(t, 413, status)
	recs = srv.RequestsFor("StartArchive")
	require.Len(t, recs, 2)
	assert.Equal(t, big[:DefaultRequestLogBodyLimit], string(recs[0].Body))
	assert.Equal(t, int64(len(big)), recs[0].BodySize)
	assert.True(t, recs[0].BodyTruncated)
	assert.Empty(t, recs[1].Body)
	assert.Equal(t, int64(maxBodyBytes+1), recs[1].BodySize)
	assert.True(t, recs[1].BodyTruncated)
	assert.Equal(t, 413, recs[1].Status)
}

func TestRequestLogBoundsHeaders(t *testing.T) {
	srv := NewServer(t)
	r := newRaw(t, srv)
	req, err := http.NewRequest("GET", srv.URL+r.project()+"/archive", nil)
	require.NoError(t, err)
	name, value := r.auth()
	req.Header.Set(name, value)
	req.Header.Set("A-Big-One", strings.Repeat("b", 20_000)) // sorts before the others
	req.Header.Set("X-Small", "kept")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	rec := srv.RequestsFor("ListArchives")[0]
	assert.True(t, rec.HeaderTruncated)
	assert.Equal(t, value, rec.Header.Get(name), "the auth header is kept first")
	assert.Equal(t, "kept", rec.Header.Get("X-Small"))
	assert.Empty(t, rec.Header.Get("A-Big-One"))
	assert.LessOrEqual(t, recordBytes(&rec), maxLoggedHeaderBytes)

	getArchives(t, r, 0, 1)
	assert.False(t, srv.RequestsFor("GetArchive")[0].HeaderTruncated)
}

func TestRequestLogByteLimit(t *testing.T) {
	srv := NewServer(t, WithRequestLogBytes(4000))
	r := newRaw(t, srv)
	body := []byte(`{"sessionId":"` + strings.Repeat("s", 1000) + `"}`)
	for range 10 {
		r.send("POST", r.project()+"/archive", "application/json", body)
	}
	recs := srv.Requests()
	total := 0
	for i := range recs {
		total += recordBytes(&recs[i])
		assert.Equal(t, body, recs[i].Body)
	}
	assert.LessOrEqual(t, total, 4000)
	assert.Less(t, len(recs), 4, "about 1.3 kB each")
	assert.Equal(t, int64(10-len(recs)), srv.DroppedRequests())

	// With no bytes at all, requests are still counted and logged, bare.
	srv = NewServer(t, WithRequestLogBytes(0))
	r = newRaw(t, srv)
	r.send("POST", r.project()+"/archive", "application/json", body)
	rec := srv.RequestsFor("StartArchive")[0]
	assert.Empty(t, rec.Body)
	assert.Empty(t, rec.Header)
	assert.Empty(t, rec.Path)
	assert.True(t, rec.BodyTruncated)
	assert.True(t, rec.HeaderTruncated)
	assert.True(t, rec.URLTruncated)
	assert.Equal(t, "POST", rec.Method)
	assert.Equal(t, 404, rec.Status, "no such session")
	assert.Zero(t, srv.RequestLogBytes())
}

// Paths and queries were not counted against the log's byte bound, and
// each record kept the whole request line alive: 400 unauthenticated GETs
// with a 900 KiB query added ~350 MiB. Every byte a record holds is now
// counted and copied, and a path or query is kept up to 8 KiB.
func TestRequestLogBoundsPathsAndQueries(t *testing.T) {
	const budget = 4 << 20
	srv := NewServer(t, WithRequestLogBytes(budget))
	query := "pad=" + strings.Repeat("q", 900<<10)
	path := "/v2/project/" + srv.APIKey + "/archive/" + strings.Repeat("p", 20_000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 60 {
		target := srv.URL + "/v2/project/" + srv.APIKey + "/archive?" + query
		if i%2 == 1 {
			target = srv.URL + path + "?" + query
		}
		resp, err := http.Get(target) // no credentials: refused, and logged
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapInuse) - int64(before.HeapInuse)
	t.Logf("60 requests with a 900 KiB query: heap +%.1f MiB, log %d bytes", float64(growth)/(1<<20), srv.RequestLogBytes())
	assert.Less(t, growth, int64(16<<20), "the log holds copies of at most 8 KiB of each path and query")

	recs := srv.Requests()
	require.Len(t, recs, 60, "16 KiB each: all fit in 4 MiB")
	total := 0
	for i, rec := range recs {
		total += recordBytes(&recs[i])
		assert.True(t, rec.URLTruncated)
		assert.Len(t, rec.Query, maxLoggedURLBytes)
		assert.Equal(t, query[:maxLoggedURLBytes], rec.Query)
		assert.LessOrEqual(t, len(rec.Path), maxLoggedURLBytes)
		assert.Equal(t, http.StatusForbidden, rec.Status)
	}
	assert.Equal(t, total, srv.RequestLogBytes())
	assert.LessOrEqual(t, total, budget)

	// A small budget holds fewer records, never more bytes.
	srv = NewServer(t, WithRequestLogBytes(40_000))
	for range 10 {
		resp, err := http.Get(srv.URL + "/v2/project/" + srv.APIKey + "/archive?" + query)
		require.NoError(t, err)
		resp.Body.Close()
	}
	assert.LessOrEqual(t, srv.RequestLogBytes(), 40_000)
	assert.Equal(t, int64(10-len(srv.Requests())), srv.DroppedRequests())
	assert.NotEmpty(t, srv.Requests())
}

func TestMemoryOptionsAreValidated(t *testing.T) {
	for name, opt := range map[string]Option{
		"size 0":          WithRequestLogSize(0),
		"size -1":         WithRequestLogSize(-1),
		"body limit -1":   WithRequestLogBodyLimit(-1),
		"body limit 1MiB": WithRequestLogBodyLimit(maxBodyBytes + 1),
		"bytes -1":        WithRequestLogBytes(-1),
		"state limit 0":   WithStateLimit(0),
	} {
		_, err := New(opt)
		assert.Error(t, err, name)
	}
	for name, opt := range map[string]Option{
		"size 1":        WithRequestLogSize(1),
		"body limit 0":  WithRequestLogBodyLimit(0),
		"body 1MiB":     WithRequestLogBodyLimit(maxBodyBytes),
		"bytes 0":       WithRequestLogBytes(0),
		"state limit 1": WithStateLimit(1),
	} {
		_, err := New(opt)
		assert.NoError(t, err, name)
	}
}
