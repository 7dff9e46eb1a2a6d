package opentok

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// FuzzDecodeResponses feeds arbitrary bytes as the 2xx body of every
// operation, through an in-memory http.RoundTripper (no network): no body
// may make a decoder panic, and every call must return either its value or
// a *ResponseError (calls that ignore the body return nil). The list
// iterators must stop within a bounded number of pages.

// memTransport answers every request with status and body, and counts the
// requests.
type memTransport struct {
	status int
	body   []byte
	n      atomic.Int64
}

func (m *memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	m.n.Add(1)
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode:    m.status,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(m.body)),
		ContentLength: int64(len(m.body)),
		Request:       r,
	}, nil
}

// decodeOp runs one operation with valid arguments; value reports whether
// it returned a non-nil result (always true for calls without one).
type decodeOp struct {
	name string
	// valued is set for calls that return a result when they succeed.
	valued bool
	call   func(ctx context.Context, ot *OpenTok) (value bool, err error)
}

// drain ranges over a list iterator to its end and reports whether every
// item it yielded was non-nil.
func drain[T any](seq iter.Seq2[*T, error]) (bool, error) {
	ok := true
	for v, err := range seq {
		if err != nil {
			return v != nil, err
		}
		ok = ok && v != nil
	}
	return ok, nil
}

func decodeOps() []decodeOp {
	const sid, id, tok = testSessionID, "e85741ce-d280-4efa-a3ba-93379a68be06", "T1==dGVzdA=="
	return []decodeOp{
		{"CreateSession", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.CreateSession(ctx, nil)
			return r != nil, err
		}},
		{"StartArchive", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.StartArchive(ctx, sid, nil)
			return r != nil, err
		}},
		{"StopArchive", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.StopArchive(ctx, id)
			return r != nil, err
		}},
		{"GetArchive", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.GetArchive(ctx, id)
			return r != nil, err
		}},
		{"ListArchives", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.ListArchives(ctx, nil)
			return r != nil, err
		}},
		{"AllArchives", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return drain(ot.AllArchives(ctx, nil))
		}},
		{"DeleteArchive", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.DeleteArchive(ctx, id)
		}},
		{"SetArchiveLayout", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.SetArchiveLayout(ctx, id, Layout{Type: LayoutPIP})
		}},
		{"AddArchiveStream", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.AddArchiveStream(ctx, id, "s", nil)
		}},
		{"StartBroadcast", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.StartBroadcast(ctx, sid, &BroadcastOptions{Outputs: BroadcastOutputs{HLS: &HLSOutput{}}})
			return r != nil, err
		}},
		{"StopBroadcast", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.StopBroadcast(ctx, id)
			return r != nil, err
		}},
		{"GetBroadcast", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.GetBroadcast(ctx, id)
			return r != nil, err
		}},
		{"ListBroadcasts", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.ListBroadcasts(ctx, nil)
			return r != nil, err
		}},
		{"AllBroadcasts", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return drain(ot.AllBroadcasts(ctx, nil))
		}},
		{"SetBroadcastLayout", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.SetBroadcastLayout(ctx, id, Layout{Type: LayoutBestFit})
		}},
		{"RemoveBroadcastStream", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.RemoveBroadcastStream(ctx, id, "s")
		}},
		{"GetStream", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.GetStream(ctx, sid, "s")
			return r != nil, err
		}},
		{"ListStreams", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.ListStreams(ctx, sid)
			return r != nil, err
		}},
		{"SetStreamClassLists", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.SetStreamClassLists(ctx, sid, []StreamClassList{{ID: "s"}})
		}},
		{"ForceMuteStream", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.ForceMuteStream(ctx, sid, "s")
		}},
		{"ForceMuteAll", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.ForceMuteAll(ctx, sid, nil)
		}},
		{"DisableForceMute", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.DisableForceMute(ctx, sid)
		}},
		{"ListConnections", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.ListConnections(ctx, sid, nil)
			return r != nil, err
		}},
		{"AllConnections", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return drain(ot.AllConnections(ctx, sid, nil))
		}},
		{"ForceDisconnect", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.ForceDisconnect(ctx, sid, "c")
		}},
		{"Signal", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.Signal(ctx, sid, SignalPayload{Type: "t", Data: "d"})
		}},
		{"Dial", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.Dial(ctx, sid, tok, "sip:a@example.com", nil)
			return r != nil, err
		}},
		{"PlayDTMF", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.PlayDTMF(ctx, sid, "1")
		}},
		{"ConnectWebSocket", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.ConnectWebSocket(ctx, sid, tok, "wss://example.com/ws", nil)
			return r != nil, err
		}},
		{"StartCaptions", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.StartCaptions(ctx, sid, tok, nil)
			return r != nil, err
		}},
		{"StopCaptions", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.StopCaptions(ctx, id)
		}},
		{"StartRender", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.StartRender(ctx, sid, tok, "https://example.com/composer", nil)
			return r != nil, err
		}},
		{"GetRender", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.GetRender(ctx, id)
			return r != nil, err
		}},
		{"ListRenders", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.ListRenders(ctx, nil)
			return r != nil, err
		}},
		{"AllRenders", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return drain(ot.AllRenders(ctx, nil))
		}},
		{"StopRender", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.StopRender(ctx, id)
		}},
		{"MigrateSession", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.MigrateSession(ctx, sid)
		}},
		{"RegisterCallback", true, func(ctx context.Context, ot *OpenTok) (bool, error) {
			r, err := ot.RegisterCallback(ctx, CallbackRegistration{Group: "archive", Event: "status", URL: "https://example.com/cb"})
			return r != nil, err
		}},
		{"ListCallbacks", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			_, err := ot.ListCallbacks(ctx)
			return true, err
		}},
		{"UnregisterCallback", false, func(ctx context.Context, ot *OpenTok) (bool, error) {
			return true, ot.UnregisterCallback(ctx, id)
		}},
	}
}

// maxFuzzPages bounds the requests one operation may send for one body.
const maxFuzzPages = 20

// checkDecode runs every operation with body as the 2xx answer and fails
// on anything but a value or a *ResponseError.
func checkDecode(t *testing.T, status int, body []byte) {
	t.Helper()
	mt := &memTransport{status: status, body: body}
	ot, err := New(testAPIKey, testAPISecret, WithBaseURL("https://api.example.test"),
		WithHTTPClient(&http.Client{Transport: mt}), WithRetry(RetryPolicy{MaxRetries: 0}))
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range decodeOps() {
		// The deadline ends an iterator that never stops, so that the check
		// below reports it instead of the fuzzer hanging.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		before := mt.n.Load()
		ok, err := op.call(ctx, ot)
		cancel()
		if n := mt.n.Load() - before; n > maxFuzzPages {
			t.Fatalf("%s: %d requests for one call: the pagination does not stop", op.name, n)
		}
		if err != nil {
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("%s: the error is %T, not a *ResponseError: %v", op.name, err, err)
			}
			if op.valued && ok {
				t.Fatalf("%s: a value together with the error %v", op.name, err)
			}
			continue
		}
		if op.valued && !ok {
			t.Fatalf("%s: neither a value nor an error", op.name)
		}
	}
}

func FuzzDecodeResponses(f *testing.F) {
	// The recorded platform answers, plus edge cases; more seeds are in
	// testdata/fuzz/FuzzDecodeResponses.
	files, err := filepath.Glob(filepath.Join("testdata", "responses", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed bodies: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{``, `null`, `[]`, `{}`, `[null]`, `"x"`, `1e400`, `{"id":null}`,
		`[{"session_id":""}]`, `{"count":"NaN","items":[null,{}]}`, `{"items":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode(t, http.StatusOK, body)
	})
}

// TestDecodeResponsesSeeds runs the fuzz check for 200 and 201 answers on
// the seeds even when the fuzzer does not run (go test runs the seeds of
// FuzzDecodeResponses too, for 200 only).
func TestDecodeResponsesSeeds(t *testing.T) {
	for _, body := range []string{`{"id":"x","status":"started"}`, `[{"session_id":"S"}]`, `{"count":1,"items":[{"id":"a"}]}`} {
		checkDecode(t, http.StatusCreated, []byte(body))
	}
}
