package opentok

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Regression tests for bugs the reliability tests found. The fault matrix
// (faults_test.go) covers them too; these pin each one down where it lives.

// A 2xx answer whose body is over the size limit is success for a call that
// ignores the body (a delete, a stop): the platform did what was asked, and
// reporting ErrBadResponse would make the caller repeat it.
func TestOversizedSuccessBodyIsIgnoredWhenNotDecoded(t *testing.T) {
	big := strings.Repeat(" ", 9<<20) // over the 8 MiB limit
	for _, withLength := range []bool{true, false} {
		t.Run("content-length "+strconv.FormatBool(withLength), func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				if withLength {
					w.Header().Set("Content-Length", strconv.Itoa(len(big)))
				}
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write([]byte(big))
			})
			ot := credKinds()[0].client(t, ts.baseURL())
			require.NoError(t, ot.DeleteArchive(context.Background(), "A"), "the body is not used")
			_, err := ot.GetArchive(context.Background(), "A")
			assert.ErrorIs(t, err, ErrBadResponse, "a body that is needed is still an error")
			var re *ResponseError
			require.ErrorAs(t, err, &re)
			assert.Contains(t, re.Error(), "size limit")
		})
	}
}

// Archive, broadcast and stream IDs are checked like the other resource IDs
// (non-empty, UTF-8, at most 255 bytes). Before, only emptiness was: a
// stream ID that was not UTF-8 reached the JSON body of AddArchiveStream and
// AddBroadcastStream as U+FFFD replacement characters, naming another
// stream than the caller's, and a 10 kB ID went out in a request path.
func TestArchiveAndBroadcastIDsAreCheckedLikeOtherIDs(t *testing.T) {
	ts := newTestServer(t, nil)
	ot := credKinds()[0].client(t, ts.baseURL())
	ctx := context.Background()
	bad := map[string]string{"not UTF-8": "\xff\xfe", "over 255 bytes": strings.Repeat("a", 256)}
	for name, id := range bad {
		t.Run(name, func(t *testing.T) {
			calls := map[string]func() error{
				"archiveId":   func() error { _, err := ot.GetArchive(ctx, id); return err },
				"archiveId ":  func() error { return ot.DeleteArchive(ctx, id) },
				"broadcastId": func() error { _, err := ot.StopBroadcast(ctx, id); return err },
				"streamId":    func() error { return ot.AddBroadcastStream(ctx, abArchiveID, id, nil) },
				"streamId ":   func() error { return ot.RemoveArchiveStream(ctx, abArchiveID, id) },
			}
			for field, call := range calls {
				var ve *ValidationError
				require.ErrorAs(t, call(), &ve, field)
				assert.Equal(t, strings.TrimSpace(field), ve.Field)
			}
		})
	}
	assert.Empty(t, ts.requests(), "nothing was sent")
}

// The RTMP stream name is the target's key. It was printed by fmt, slog and
// encoding/json wherever an RTMPOutput (in BroadcastOptions) or an
// RTMPTargetStatus (in the Broadcast the platform returns) went; now each
// shows REDACTED, including through fmt's error path for a pointer printed
// with %s, which skips nested Format methods.
func TestRTMPStreamNamesAreRedacted(t *testing.T) {
	const key = "live-stream-key-123"
	out := RTMPOutput{ID: "yt", ServerURL: "rtmps://live.example.com/app", StreamName: key}
	opts := &BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{out}}, MultiBroadcastTag: "tag"}
	b := &Broadcast{ID: "B1", RTMP: []RTMPTargetStatus{{ID: "yt", ServerURL: out.ServerURL, StreamName: key, Status: RTMPLive}}}
	list := &BroadcastList{Items: []*Broadcast{b}, Total: 1}
	values := []any{out, &out, opts, *opts, opts.Outputs, &opts.Outputs, b, *b, b.RTMP[0], list,
		struct{ O *BroadcastOptions }{opts}, struct{ B *Broadcast }{b}, []*Broadcast{b}}

	var logs bytes.Buffer
	jsonLog := slog.New(slog.NewJSONHandler(&logs, nil))
	textLog := slog.New(slog.NewTextHandler(&logs, nil))
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			s := fmt.Sprintf(verb, v)
			assert.NotContains(t, s, key, "%s of %T", verb, v)
		}
		js, err := json.Marshal(v)
		require.NoError(t, err)
		assert.NotContains(t, string(js), key, "JSON of %T", v)
		jsonLog.Info("v", "v", v)
		textLog.Info("v", "v", v)
	}
	assert.NotContains(t, logs.String(), key)
	assert.Contains(t, logs.String(), "REDACTED")

	// The rest still prints, and the fields keep the real name.
	assert.Contains(t, fmt.Sprintf("%v", b), "rtmps://live.example.com/app")
	assert.Contains(t, fmt.Sprintf("%+v", opts), "MultiBroadcastTag:tag")
	assert.True(t, strings.HasPrefix(fmt.Sprintf("%#v", *b), "opentok.Broadcast{ID:\"B1\""), fmt.Sprintf("%#v", *b))
	assert.Equal(t, `opentok.RTMPOutput{ID: "yt", ServerURL: "rtmps://live.example.com/app", StreamName: REDACTED}`, out.String())
	assert.Equal(t, `opentok.RTMPOutput{ID: "", ServerURL: "", StreamName: ""}`, RTMPOutput{}.String())
	assert.Equal(t, key, opts.Outputs.RTMP[0].StreamName)
	assert.Equal(t, key, b.RTMP[0].StreamName)
	js, _ := json.Marshal(b.RTMP[0])
	assert.JSONEq(t, `{"ID":"yt","ServerURL":"rtmps://live.example.com/app","StreamName":"REDACTED","Status":"live"}`, string(js))
	var nilB *Broadcast
	assert.Equal(t, "<nil>", fmt.Sprintf("%v", nilB))
}

// A server that ignores the offset and sends the same full page with no
// total made the All* iterators ask for the next page forever: every item
// was dropped as a repeat, so nothing reached the caller and nothing ended
// the loop. A page of nothing but repeats now ends the iteration.
func TestPaginationStopsWhenTheServerDoesNotAdvance(t *testing.T) {
	var items []string
	for i := range defaultPageSize {
		items = append(items, fmt.Sprintf(`{"id":"a%d","sessionId":"s","status":"available","createdAt":1}`, i))
	}
	page := `{"items":[` + strings.Join(items, ",") + `]}` // no "count"
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 200, page) })
	ot := credKinds()[0].client(t, ts.baseURL())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := 0
	for a, err := range ot.AllArchives(ctx, nil) {
		require.NoError(t, err)
		require.NotNil(t, a)
		n++
	}
	assert.Equal(t, defaultPageSize, n, "every item once")
	assert.Len(t, ts.requests(), 2, "the second page showed the server was not advancing")
}

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A cancelled context sent nothing only because http.Transport checks it;
// a RoundTripper given with WithHTTPClient that does not (an instrumenting
// wrapper, a test double) got the request anyway, and a caller's cancelled
// All* loop kept fetching pages. The request path now checks the context
// before every attempt.
func TestEndedContextSendsNothingWhateverTheRoundTripper(t *testing.T) {
	var calls atomic.Int32
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
	})
	ot := credKinds()[0].client(t, "https://api.example.test", WithHTTPClient(&http.Client{Transport: rt}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := ot.CreateSession(ctx, nil)
	assert.ErrorIs(t, err, context.Canceled)
	var te *TransportError
	assert.ErrorAs(t, err, &te)
	for _, err := range ot.AllArchives(ctx, nil) {
		assert.ErrorIs(t, err, context.Canceled)
	}
	assert.Zero(t, calls.Load(), "nothing was sent")
}
