package opentok

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStreamRequests(t *testing.T) {
	runOpCases(t, credKinds(), []opCase{
		{
			name: "GetStream",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.GetStream(ctx, testSessionID, "STREAMID")
				return err
			},
			method: http.MethodGet, path: sessionPath + "/stream/STREAMID",
			answer: fixture(t, "responses/stream_response.json"),
		},
		{
			name: "ListStreams",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ListStreams(ctx, testSessionID)
				return err
			},
			method: http.MethodGet, path: sessionPath + "/stream",
			answer: fixture(t, "responses/stream_list_response.json"),
		},
		{
			name: "SetStreamClassLists full",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.SetStreamClassLists(ctx, testSessionID, []StreamClassList{
					{ID: "STREAM1", LayoutClassList: []string{"focus", "full"}},
					{ID: "STREAM2", LayoutClassList: nil},        // clears
					{ID: "STREAM3", LayoutClassList: []string{}}, // clears
				})
			},
			method: http.MethodPut, path: sessionPath + "/stream", golden: "stream_classlists_full",
		},
		{
			name: "SetStreamClassLists minimal",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.SetStreamClassLists(ctx, testSessionID, []StreamClassList{{ID: "STREAM1", LayoutClassList: []string{"focus"}}})
			},
			method: http.MethodPut, path: sessionPath + "/stream", golden: "stream_classlists_minimal",
		},
		{
			name: "ForceMuteStream",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.ForceMuteStream(ctx, testSessionID, "STREAMID")
			},
			method: http.MethodPost, path: sessionPath + "/stream/STREAMID/mute",
		},
		{
			name: "ForceMuteAll full",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.ForceMuteAll(ctx, testSessionID, &ForceMuteAllOptions{ExcludedStreamIDs: []string{"MODERATOR1", "MODERATOR2"}})
			},
			method: http.MethodPost, path: sessionPath + "/mute", golden: "mute_all_full",
		},
		{
			name: "ForceMuteAll minimal",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.ForceMuteAll(ctx, testSessionID, nil)
			},
			method: http.MethodPost, path: sessionPath + "/mute", golden: "mute_all_minimal",
		},
		{
			name: "ForceMuteAll empty options",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.ForceMuteAll(ctx, testSessionID, &ForceMuteAllOptions{ExcludedStreamIDs: []string{}})
			},
			method: http.MethodPost, path: sessionPath + "/mute", golden: "mute_all_minimal",
		},
		{
			name: "DisableForceMute",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.DisableForceMute(ctx, testSessionID)
			},
			method: http.MethodPost, path: sessionPath + "/mute", golden: "mute_disable",
		},
	})
}

func TestStreamBodiesExact(t *testing.T) {
	// Beyond JSON equality: the empty class list and the empty exclusion
	// list go out as [], never null or absent.
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { w.WriteHeader(200) })
	ot := credKinds()[0].client(t, ts.baseURL())
	ctx := context.Background()
	require.NoError(t, ot.SetStreamClassLists(ctx, testSessionID, []StreamClassList{{ID: "S"}}))
	require.NoError(t, ot.ForceMuteAll(ctx, testSessionID, nil))
	require.NoError(t, ot.DisableForceMute(ctx, testSessionID))
	reqs := ts.requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, `{"items":[{"id":"S","layoutClassList":[]}]}`, string(reqs[0].Body))
	assert.Equal(t, `{"active":true,"excludedStreamIds":[]}`, string(reqs[1].Body))
	assert.Equal(t, `{"active":false}`, string(reqs[2].Body))
}

func TestStreamFixtures(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			var answer string
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				// The Node SDK's mock sends no content type: decoding must not
				// depend on it.
				_, _ = w.Write([]byte(answer))
			})
			ot := kind.client(t, ts.baseURL())
			ctx := context.Background()

			answer = fixture(t, "responses/stream_response.json")
			s, err := ot.GetStream(ctx, testSessionID, "fooId")
			require.NoError(t, err)
			assert.Equal(t, &Stream{ID: "fooId", Name: "fooName", VideoType: VideoScreen, LayoutClassList: []string{"fooClass"}}, s)

			answer = fixture(t, "responses/stream_list_response.json")
			l, err := ot.ListStreams(ctx, testSessionID)
			require.NoError(t, err)
			assert.Equal(t, 1, l.Total)
			require.Len(t, l.Items, 1)
			assert.Equal(t, &Stream{ID: "fooId", Name: "fooName", VideoType: VideoScreen, LayoutClassList: []string{"fooClass"}}, l.Items[0])

			answer = fixture(t, "responses/stream_list_response_no_items.json")
			l, err = ot.ListStreams(ctx, testSessionID)
			require.NoError(t, err)
			assert.NotNil(t, l.Items, "missing items gives an empty list")
			assert.Empty(t, l.Items)
			assert.Equal(t, 0, l.Total)

			answer = `{"count":"2","items":[{"id":"a","videoType":"camera","name":"","layoutClassList":[]},{"id":"b","videoType":"hologram"}]}`
			l, err = ot.ListStreams(ctx, testSessionID)
			require.NoError(t, err)
			assert.Equal(t, 2, l.Total, "count as a string")
			require.Len(t, l.Items, 2)
			assert.Equal(t, VideoCamera, l.Items[0].VideoType)
			assert.Equal(t, VideoType("hologram"), l.Items[1].VideoType, "unknown video type kept")
			assert.Equal(t, "", l.Items[1].Name)
		})
	}
}

func TestMuteAnswersEmptyOrJSON(t *testing.T) {
	answers := []struct {
		name   string
		status int
		body   string
	}{
		{"200 empty", 200, ""},
		{"204 empty", 204, ""},
		{"200 {}", 200, "{}"},
		{"vonage project details", 200, `{"applicationId":"93e36bb9-b72c-45b6-a9ea-5c37dbc49906","status":"ACTIVE","name":"Joe Montana","environment":"standard","createdAt":1414642898000}`},
		{"opentok project details", 200, `{"id":"123456","secret":"REDACTED","status":"ACTIVE","name":"","environment":"standard","createdAt":1414642898000}`},
	}
	calls := map[string]func(ctx context.Context, ot *OpenTok) error{
		"ForceMuteStream":  func(ctx context.Context, ot *OpenTok) error { return ot.ForceMuteStream(ctx, testSessionID, "S") },
		"ForceMuteAll":     func(ctx context.Context, ot *OpenTok) error { return ot.ForceMuteAll(ctx, testSessionID, nil) },
		"DisableForceMute": func(ctx context.Context, ot *OpenTok) error { return ot.DisableForceMute(ctx, testSessionID) },
		"SetStreamClassLists": func(ctx context.Context, ot *OpenTok) error {
			return ot.SetStreamClassLists(ctx, testSessionID, []StreamClassList{{ID: "S"}})
		},
	}
	for _, a := range answers {
		for name, call := range calls {
			t.Run(name+"/"+a.name, func(t *testing.T) {
				ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
					if a.body == "" {
						w.WriteHeader(a.status)
						return
					}
					serveJSON(w, a.status, a.body)
				})
				ot := credKinds()[1].client(t, ts.baseURL())
				assert.NoError(t, call(context.Background(), ot))
			})
		}
	}
}

func TestStreamOptionsNotModified(t *testing.T) {
	ts := newTestServer(t, nil)
	ot := credKinds()[0].client(t, ts.baseURL())
	lists := []StreamClassList{{ID: "S1"}, {ID: "S2", LayoutClassList: []string{"a"}}}
	require.NoError(t, ot.SetStreamClassLists(context.Background(), testSessionID, lists))
	assert.Nil(t, lists[0].LayoutClassList)
	assert.Equal(t, []string{"a"}, lists[1].LayoutClassList)
	excluded := make([]string, 1, 4)
	excluded[0] = "S1"
	opts := &ForceMuteAllOptions{ExcludedStreamIDs: excluded}
	require.NoError(t, ot.ForceMuteAll(context.Background(), testSessionID, opts))
	assert.Equal(t, []string{"S1"}, opts.ExcludedStreamIDs)
	assert.Equal(t, []string{"S1", "", "", ""}, excluded[:4], "spare capacity untouched")
}

func TestStreamValidation(t *testing.T) {
	runBadCases(t, credKinds(), []badCase{
		{"GetStream empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.GetStream(ctx, "", "S")
			return err
		}},
		{"GetStream empty stream", "streamId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.GetStream(ctx, testSessionID, "")
			return err
		}},
		{"GetStream session too long", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.GetStream(ctx, strings.Repeat("s", 1025), "S")
			return err
		}},
		{"GetStream stream not UTF-8", "streamId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.GetStream(ctx, testSessionID, "\xff")
			return err
		}},
		{"ListStreams empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListStreams(ctx, "")
			return err
		}},
		{"SetStreamClassLists empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.SetStreamClassLists(ctx, "", []StreamClassList{{ID: "S"}})
		}},
		{"SetStreamClassLists no lists", "items", func(ctx context.Context, ot *OpenTok) error {
			return ot.SetStreamClassLists(ctx, testSessionID, nil)
		}},
		{"SetStreamClassLists empty stream ID", "items[1].id", func(ctx context.Context, ot *OpenTok) error {
			return ot.SetStreamClassLists(ctx, testSessionID, []StreamClassList{{ID: "S"}, {ID: ""}})
		}},
		{"SetStreamClassLists empty class", "items[0].layoutClassList[1]", func(ctx context.Context, ot *OpenTok) error {
			return ot.SetStreamClassLists(ctx, testSessionID, []StreamClassList{{ID: "S", LayoutClassList: []string{"a", ""}}})
		}},
		{"SetStreamClassLists class with space", "items[0].layoutClassList[0]", func(ctx context.Context, ot *OpenTok) error {
			return ot.SetStreamClassLists(ctx, testSessionID, []StreamClassList{{ID: "S", LayoutClassList: []string{"a b"}}})
		}},
		{"ForceMuteStream empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.ForceMuteStream(ctx, "", "S")
		}},
		{"ForceMuteStream empty stream", "streamId", func(ctx context.Context, ot *OpenTok) error {
			return ot.ForceMuteStream(ctx, testSessionID, "")
		}},
		{"ForceMuteAll empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.ForceMuteAll(ctx, "", nil)
		}},
		{"ForceMuteAll empty excluded ID", "excludedStreamIds[1]", func(ctx context.Context, ot *OpenTok) error {
			return ot.ForceMuteAll(ctx, testSessionID, &ForceMuteAllOptions{ExcludedStreamIDs: []string{"S", ""}})
		}},
		{"DisableForceMute empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.DisableForceMute(ctx, "")
		}},
	})
}
