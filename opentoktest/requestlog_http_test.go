package opentoktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logPage reads GET /_emulator/requests with a query.
func logPage(t *testing.T, srv *Server, query string) (int, map[string]any) {
	t.Helper()
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, httptest.NewRequest("GET", srv.URL+"/_emulator/requests"+query, nil))
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), "%s", w.Body.String())
	return w.Code, m
}

func TestControlRequestLogIsPaged(t *testing.T) {
	srv := NewServer(t, WithControlAPI(), WithRequestLogSize(20))
	r := newRaw(t, srv)
	getArchives(t, r, 0, 20)
	for range 5 {
		status, _ := r.do("GET", r.project()+"/broadcast", nil)
		require.Equal(t, 200, status)
	}
	// The log holds a5 ... a19 and five ListBroadcasts.

	status, m := logPage(t, srv, "")
	require.Equal(t, 200, status)
	assert.Equal(t, 20.0, m["total"])
	assert.Equal(t, 5.0, m["dropped"])
	assert.Equal(t, 0.0, m["offset"])
	assert.Equal(t, float64(defaultRequestPage), m["limit"])
	items := m["items"].([]any)
	require.Len(t, items, 20)
	first := items[0].(map[string]any)
	assert.Equal(t, "GetArchive", first["op"])
	assert.Equal(t, "GET", first["method"])
	assert.Equal(t, r.project()+"/archive/a5", first["path"])
	assert.Equal(t, "", first["query"])
	assert.Equal(t, "", first["body"])
	assert.Equal(t, 404.0, first["status"])
	assert.Equal(t, false, first["bodyTruncated"])
	assert.Equal(t, 0.0, first["bodySize"])
	assert.InDelta(t, float64(srv.Now().UnixMilli()), first["time"], 60_000)

	_, m = logPage(t, srv, "?offset=12&limit=5")
	assert.Equal(t, 20.0, m["total"])
	var got []string
	for _, it := range m["items"].([]any) {
		p := it.(map[string]any)["path"].(string)
		got = append(got, p[strings.LastIndexByte(p, '/')+1:])
	}
	assert.Equal(t, []string{"a17", "a18", "a19", "broadcast", "broadcast"}, got)

	_, m = logPage(t, srv, "?op=ListBroadcasts&offset=3")
	assert.Equal(t, 5.0, m["total"], "total counts the operation's requests")
	assert.Len(t, m["items"], 2)
	_, m = logPage(t, srv, "?offset=50")
	assert.Equal(t, 20.0, m["total"])
	assert.Equal(t, []any{}, m["items"])

	for _, bad := range []string{"?offset=-1", "?offset=x", "?limit=0", fmt.Sprintf("?limit=%d", maxRequestPage+1), "?op=NoSuchOp"} {
		status, m := logPage(t, srv, bad)
		assert.Equal(t, 400, status, bad)
		assert.NotEmpty(t, m["message"], bad)
	}
}

func TestControlRequestLogMarksTruncatedBodies(t *testing.T) {
	srv := NewServer(t, WithControlAPI(), WithRequestLogBodyLimit(8))
	r := newRaw(t, srv)
	body := `{"sessionId":"<&>\u2028 ü"}`
	r.send("POST", r.project()+"/archive", "application/json", []byte(body))
	r.send("POST", r.project()+"/archive", "application/json", []byte(`{"a":1}`))
	_, m := logPage(t, srv, "?op=StartArchive")
	items := m["items"].([]any)
	require.Len(t, items, 2)
	a, b := items[0].(map[string]any), items[1].(map[string]any)
	assert.Equal(t, body[:8], a["body"])
	assert.Equal(t, float64(len(body)), a["bodySize"])
	assert.Equal(t, true, a["bodyTruncated"])
	assert.Equal(t, `{"a":1}`, b["body"])
	assert.Equal(t, false, b["bodyTruncated"])
}

// TestControlRequestLogIsStreamed reads a 30 MiB page of the log and checks
// that serving it allocates a small part of that: the items are written
// one by one, not built into one answer (the old handler allocated more
// than twice the answer).
func TestControlRequestLogIsStreamed(t *testing.T) {
	const n, size = 2000, 16 << 10
	srv := NewServer(t, WithControlAPI(), WithRequestLogBytes(64<<20))
	body := `{"sessionId":"` + strings.Repeat("x", size) + `"}`
	for range n {
		req := httptest.NewRequest("POST", srv.URL+"/v2/project/"+srv.OwnerID()+"/archive", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		srv.ServeHTTP(httptest.NewRecorder(), req)
	}
	require.Len(t, srv.Requests(), n)
	require.Zero(t, srv.DroppedRequests())

	w := &countingWriter{header: http.Header{}}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	srv.ServeHTTP(w, httptest.NewRequest("GET", srv.URL+"/_emulator/requests?limit=10000", nil))
	runtime.ReadMemStats(&after)
	require.Equal(t, 200, w.status)
	require.Greater(t, w.n, int64(n*size))
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("answer %d bytes, allocated %d bytes", w.n, allocated)
	assert.Less(t, allocated, uint64(w.n/8), "streamed, not built in memory")
	assert.True(t, bytes.HasSuffix(w.last, []byte("]}\n")))
}

// countingWriter is a ResponseWriter that counts what is written and
// keeps the last write.
type countingWriter struct {
	header http.Header
	status int
	n      int64
	last   []byte
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(s int)   { w.status = s }
func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	w.n += int64(len(p))
	w.last = append(w.last[:0], p...)
	return len(p), nil
}

// TestAppendJSONStringMatchesEncodingJSON compares the log's JSON strings
// with encoding/json's (without HTML escaping) on tricky and random input.
func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	inputs := []string{"", "plain", `"quoted" \ back`, "\n\r\t\b\f\x00\x1f\x7f", "<&>", "ü € 😀",
		"\u2028\u2029", "bad \xff utf-8 \xe2\x82", "\xed\xa0\x80 surrogate", strings.Repeat("x", 5000)}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		inputs = append(inputs, string(b))
	}
	for _, in := range inputs {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		require.NoError(t, enc.Encode(in))
		assert.Equal(t, strings.TrimSuffix(want.String(), "\n"), string(appendJSONString(nil, in)), "%q", in)
		assert.Equal(t, strings.TrimSuffix(want.String(), "\n"), string(appendJSONString(nil, []byte(in))), "%q", in)
	}
}
