package opentoktest

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	assert.True(t, rec.BodyTruncated)
	assert.True(t, rec.HeaderTruncated)
	assert.Equal(t, 404, rec.Status, "no such session")
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
