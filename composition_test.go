package opentok

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The calls archives and broadcasts share (composition.go) are tested here
// for both, from one table; archive_test.go and broadcast_test.go test what
// each has of its own.

// compositionKind is one of the two kinds of composition, with its calls
// reduced to what the shared tests need.
type compositionKind struct {
	resource   string // "archive" or "broadcast"
	id         string
	answer     string // an answer to get and stop
	listAnswer string
	stop, get  func(ctx context.Context, ot *OpenTok, id string) error
	// list lists with the options given and returns the page's length
	// and total; it checks that the options were not modified.
	list func(t *testing.T, ctx context.Context, ot *OpenTok, offset, count int, sessionID string) (n, total int, err error)
	// layout, add and remove are the methods themselves.
	layout func(ot *OpenTok, ctx context.Context, id string, l Layout) error
	add    func(ot *OpenTok, ctx context.Context, id, streamID string, opts *StreamMediaOptions) error
	remove func(ot *OpenTok, ctx context.Context, id, streamID string) error
}

func compositionKinds(t *testing.T) []compositionKind {
	return []compositionKind{{
		resource: "archive", id: abArchiveID,
		answer:     fixture(t, "responses/archive_stop_response.json"),
		listAnswer: fixture(t, "responses/archive_list_response.json"),
		stop:       func(ctx context.Context, ot *OpenTok, id string) error { _, err := ot.StopArchive(ctx, id); return err },
		get:        func(ctx context.Context, ot *OpenTok, id string) error { _, err := ot.GetArchive(ctx, id); return err },
		list: func(t *testing.T, ctx context.Context, ot *OpenTok, offset, count int, sid string) (int, int, error) {
			opts := &ListArchivesOptions{Offset: offset, Count: count, SessionID: sid}
			p, err := ot.ListArchives(ctx, opts)
			assert.Equal(t, ListArchivesOptions{Offset: offset, Count: count, SessionID: sid}, *opts, "options not modified")
			if err != nil {
				return 0, 0, err
			}
			return len(p.Items), p.Total, nil
		},
		layout: (*OpenTok).SetArchiveLayout,
		add:    (*OpenTok).AddArchiveStream,
		remove: (*OpenTok).RemoveArchiveStream,
	}, {
		resource: "broadcast", id: abBroadcastID,
		answer:     fixture(t, "responses/broadcast_response_stopped.json"),
		listAnswer: fixture(t, "responses/broadcast_list_response.json"),
		stop: func(ctx context.Context, ot *OpenTok, id string) error {
			_, err := ot.StopBroadcast(ctx, id)
			return err
		},
		get: func(ctx context.Context, ot *OpenTok, id string) error {
			_, err := ot.GetBroadcast(ctx, id)
			return err
		},
		list: func(t *testing.T, ctx context.Context, ot *OpenTok, offset, count int, sid string) (int, int, error) {
			opts := &ListBroadcastsOptions{Offset: offset, Count: count, SessionID: sid}
			p, err := ot.ListBroadcasts(ctx, opts)
			assert.Equal(t, ListBroadcastsOptions{Offset: offset, Count: count, SessionID: sid}, *opts, "options not modified")
			if err != nil {
				return 0, 0, err
			}
			return len(p.Items), p.Total, nil
		},
		layout: (*OpenTok).SetBroadcastLayout,
		add:    (*OpenTok).AddBroadcastStream,
		remove: (*OpenTok).RemoveBroadcastStream,
	}}
}

// TestCompositionRequests checks the request of each shared call, for both
// kinds and both credential types.
func TestCompositionRequests(t *testing.T) {
	for _, k := range compositionKinds(t) {
		t.Run(k.resource, func(t *testing.T) {
			r, id := "/"+k.resource, k.id
			runOpCases(t, credKinds(), []opCase{
				{name: "stop", answer: k.answer, method: "POST", path: r + "/" + id + "/stop", golden: k.resource + "_stop",
					call: func(ctx context.Context, ot *OpenTok) error { return k.stop(ctx, ot, id) }},
				{name: "get", answer: k.answer, method: "GET", path: r + "/" + id,
					call: func(ctx context.Context, ot *OpenTok) error { return k.get(ctx, ot, id) }},
				{name: "list every option", answer: k.listAnswer, method: "GET", path: r,
					query: url.Values{"offset": {"10"}, "count": {"5"}, "sessionId": {testSessionID}}.Encode(),
					call: func(ctx context.Context, ot *OpenTok) error {
						_, _, err := k.list(t, ctx, ot, 10, 5, testSessionID)
						return err
					}},
				{name: "list max count", answer: k.listAnswer, method: "GET", path: r, query: url.Values{"count": {"1000"}}.Encode(),
					call: func(ctx context.Context, ot *OpenTok) error {
						_, _, err := k.list(t, ctx, ot, 0, MaxListCount, "")
						return err
					}},
				{name: "list minimal", answer: k.listAnswer, method: "GET", path: r,
					call: func(ctx context.Context, ot *OpenTok) error {
						_, _, err := k.list(t, ctx, ot, 0, 0, "")
						return err
					}},
				{name: "layout custom, 200 without body", method: "PUT", path: r + "/" + id + "/layout", golden: k.resource + "_layout_custom",
					call: func(ctx context.Context, ot *OpenTok) error {
						return k.layout(ot, ctx, id, Layout{Type: LayoutCustom, Stylesheet: "stream.focus {width: 100%;}"})
					}},
				{name: "add stream with false flags, 204", status: 204, method: "PATCH", path: r + "/" + id + "/streams",
					golden: k.resource + "_add_stream_flags_false",
					call: func(ctx context.Context, ot *OpenTok) error {
						opts := &StreamMediaOptions{HasAudio: Ptr(false), HasVideo: Ptr(false)}
						err := k.add(ot, ctx, id, abStreamID, opts)
						assert.False(t, *opts.HasAudio, "options not modified")
						return err
					}},
				{name: "add stream minimal, 204", status: 204, method: "PATCH", path: r + "/" + id + "/streams",
					golden: k.resource + "_add_stream_minimal",
					call:   func(ctx context.Context, ot *OpenTok) error { return k.add(ot, ctx, id, abStreamID, nil) }},
				{name: "remove stream, 204", status: 204, method: "PATCH", path: r + "/" + id + "/streams",
					golden: k.resource + "_remove_stream",
					call:   func(ctx context.Context, ot *OpenTok) error { return k.remove(ot, ctx, id, abStreamID) }},
			})
		})
	}
}

// TestCompositionBadAnswers checks that a success answer the SDK cannot
// use is a *ResponseError, and a list without items an empty page.
func TestCompositionBadAnswers(t *testing.T) {
	ctx := context.Background()
	for _, k := range compositionKinds(t) {
		for _, tc := range []struct {
			name, body string
			call       func(ot *OpenTok) error
		}{
			{"get answers empty", ``, func(ot *OpenTok) error { return k.get(ctx, ot, k.id) }},
			{"get answers {}", `{}`, func(ot *OpenTok) error { return k.get(ctx, ot, k.id) }},
			{"stop answers html", `<html></html>`, func(ot *OpenTok) error { return k.stop(ctx, ot, k.id) }},
			{"stop answers text", `stopped`, func(ot *OpenTok) error { return k.stop(ctx, ot, k.id) }},
			{"list answers an array", `[]`, func(ot *OpenTok) error { _, _, err := k.list(t, ctx, ot, 0, 0, ""); return err }},
			{"list answers a string", `"items"`, func(ot *OpenTok) error { _, _, err := k.list(t, ctx, ot, 0, 0, ""); return err }},
		} {
			t.Run(k.resource+"/"+tc.name, func(t *testing.T) {
				err := tc.call(clientsServing(t, 200, tc.body)["opentok"])
				var re *ResponseError
				require.ErrorAs(t, err, &re)
				assert.ErrorIs(t, err, ErrBadResponse)
			})
		}
		t.Run(k.resource+"/list without items", func(t *testing.T) {
			// An empty page, not a crash (Node throws).
			n, total, err := k.list(t, ctx, clientsServing(t, 200, `{"count":0}`)["opentok"], 0, 0, "")
			require.NoError(t, err)
			assert.Zero(t, n)
			assert.Zero(t, total)
		})
	}
}

// TestListCompositionsEncodesTheQuery checks that a session ID that would
// add query parameters is refused (the Node SDK pastes it into the query
// unencoded) and that a valid one is sent as the only sessionId.
func TestListCompositionsEncodesTheQuery(t *testing.T) {
	for _, k := range compositionKinds(t) {
		for _, kind := range credKinds() {
			t.Run(k.resource+"/"+kind.name, func(t *testing.T) {
				ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
					serveJSON(w, 200, `{"count":0,"items":[]}`)
				})
				ot := kind.client(t, ts.baseURL())
				for _, bad := range []string{"a&count=1 b", "s&count=1000#x y"} {
					_, _, err := k.list(t, context.Background(), ot, 0, 2, bad)
					assert.ErrorIs(t, err, ErrInvalidArgument, "refused before anything is sent")
				}
				assert.Empty(t, ts.requests())
				_, _, err := k.list(t, context.Background(), ot, 0, 2, testSessionID)
				require.NoError(t, err)
				assert.Equal(t, "count=2&sessionId="+testSessionID, ts.only(t).RawQuery)
			})
		}
	}
}
