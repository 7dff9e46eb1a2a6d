package opentok

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const abBroadcastID = "1748b7070a81464c9759c46ad10d3734"

func fullBroadcastOptions() *BroadcastOptions {
	return &BroadcastOptions{
		Outputs: BroadcastOutputs{
			HLS: &HLSOutput{DVR: true},
			RTMP: []RTMPOutput{
				{ID: "foo", ServerURL: "rtmps://myfooserver/myfooapp", StreamName: "myfoostream"},
				{ServerURL: "rtmp://mybarserver/mybarapp", StreamName: "mybarstream?key=a&b"},
			},
		},
		MaxDuration:       5400 * time.Second,
		Resolution:        Resolution1920x1080,
		Layout:            &Layout{Type: LayoutBestFit, ScreenshareType: LayoutVerticalPresentation},
		StreamMode:        StreamModeManual,
		MultiBroadcastTag: "broadcast-1",
		MaxBitrate:        2_000_000,
		HasAudio:          Ptr(false),
		HasVideo:          Ptr(true),
	}
}

func TestBroadcastRequests(t *testing.T) {
	started := fixture(t, "responses/broadcast_response_started.json")
	cases := []opCase{
		{
			name: "start every option", status: 200, answer: started,
			call: func(ctx context.Context, ot *OpenTok) error {
				opts := fullBroadcastOptions()
				_, err := ot.StartBroadcast(ctx, testSessionID, opts)
				assert.Equal(t, fullBroadcastOptions(), opts, "options not modified")
				return err
			},
			method: "POST", path: "/broadcast", golden: "broadcast_start_full",
		},
		{
			name: "start five RTMP targets and low-latency HLS", status: 200, answer: started,
			call: func(ctx context.Context, ot *OpenTok) error {
				var rtmp []RTMPOutput
				for i := range MaxRTMPOutputs {
					rtmp = append(rtmp, RTMPOutput{ID: "t" + strconv.Itoa(i), ServerURL: "rtmp://example.com/live", StreamName: "s" + strconv.Itoa(i)})
				}
				_, err := ot.StartBroadcast(ctx, testSessionID, &BroadcastOptions{
					Outputs:     BroadcastOutputs{HLS: &HLSOutput{LowLatency: true}, RTMP: rtmp},
					MaxDuration: MaxBroadcastDuration, Layout: &Layout{Type: LayoutCustom, Stylesheet: "stream {width: 50%;}"},
				})
				return err
			},
			method: "POST", path: "/broadcast", golden: "broadcast_start_rtmp_max",
		},
		{
			name: "start minimal HLS", status: 200, answer: started,
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartBroadcast(ctx, testSessionID, &BroadcastOptions{Outputs: BroadcastOutputs{HLS: &HLSOutput{}}})
				return err
			},
			method: "POST", path: "/broadcast", golden: "broadcast_start_minimal_hls",
		},
		{
			name: "start minimal RTMP", status: 200, answer: started,
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartBroadcast(ctx, testSessionID, &BroadcastOptions{
					Outputs:     BroadcastOutputs{RTMP: []RTMPOutput{{ServerURL: "rtmp://example.com/live", StreamName: "key"}}},
					MaxDuration: MinBroadcastDuration,
				})
				return err
			},
			method: "POST", path: "/broadcast", golden: "broadcast_start_minimal_rtmp",
		},
		{
			name: "layout minimal, 204", status: 204,
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.SetBroadcastLayout(ctx, abBroadcastID, Layout{Type: LayoutVerticalPresentation})
			},
			method: "PUT", path: "/broadcast/" + abBroadcastID + "/layout", golden: "broadcast_layout_minimal",
		},
		{
			name: "add stream with video only, 200 {}", status: 200, answer: `{}`,
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.AddBroadcastStream(ctx, abBroadcastID, abStreamID, &StreamMediaOptions{HasAudio: Ptr(false)})
			},
			method: "PATCH", path: "/broadcast/" + abBroadcastID + "/streams", golden: "broadcast_add_stream_audio_false",
		},
	}
	runOpCases(t, credKinds(), cases)
}

func TestBroadcastBodyIsNotHTMLEscaped(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 200, fixture(t, "responses/broadcast_response_started.json"))
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	_, err := ot.StartBroadcast(context.Background(), testSessionID, fullBroadcastOptions())
	require.NoError(t, err)
	assert.Contains(t, string(ts.only(t).Body), `"streamName":"mybarstream?key=a&b"`)
	assert.Contains(t, string(ts.only(t).Body), `"maxDuration":5400`, "seconds on the wire")
}

// ---- broadcast answers --------------------------------------------------------

func assertBroadcast(t *testing.T, want, got *Broadcast) {
	t.Helper()
	require.NotNil(t, got)
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "CreatedAt %v, want %v", got.CreatedAt, want.CreatedAt)
	assert.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "UpdatedAt %v, want %v", got.UpdatedAt, want.UpdatedAt)
	w, g := *want, *got
	w.CreatedAt, w.UpdatedAt, g.CreatedAt, g.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, w, g)
}

func nodeBroadcast(status BroadcastStatus) *Broadcast {
	return &Broadcast{
		ID: "fooId", SessionID: "fooSessionId", ProjectID: "1234",
		CreatedAt: time.UnixMilli(1537477584724), UpdatedAt: time.UnixMilli(1537477584725),
		MaxDuration: 2 * time.Hour, Resolution: Resolution1280x720, Status: status, HLSURL: "hlsUrl",
	}
}

func TestBroadcastDecodesNodeFixtures(t *testing.T) {
	ctx := context.Background()
	opts := &BroadcastOptions{Outputs: BroadcastOutputs{HLS: &HLSOutput{}}}
	cases := []struct {
		file string
		call func(ot *OpenTok) (*Broadcast, error)
		want *Broadcast
	}{
		{"broadcast_response_started.json", func(ot *OpenTok) (*Broadcast, error) { return ot.StartBroadcast(ctx, testSessionID, opts) },
			nodeBroadcast(BroadcastStarted)},
		{"broadcast_response_stopped.json", func(ot *OpenTok) (*Broadcast, error) { return ot.StopBroadcast(ctx, "fooId") },
			nodeBroadcast(BroadcastStopped)},
		{"broadcast_response_stopped.json", func(ot *OpenTok) (*Broadcast, error) { return ot.GetBroadcast(ctx, "fooId") },
			nodeBroadcast(BroadcastStopped)},
	}
	for _, tc := range cases {
		for kind, ot := range clientsServing(t, 200, fixture(t, "responses/"+tc.file)) {
			t.Run(kind+"/"+tc.file, func(t *testing.T) {
				b, err := tc.call(ot)
				require.NoError(t, err)
				assertBroadcast(t, tc.want, b)
			})
		}
	}
}

func TestBroadcastDecodesList(t *testing.T) {
	for kind, ot := range clientsServing(t, 200, fixture(t, "responses/broadcast_list_response.json")) {
		t.Run(kind, func(t *testing.T) {
			l, err := ot.ListBroadcasts(context.Background(), nil)
			require.NoError(t, err)
			assert.Equal(t, 1, l.Total)
			require.Len(t, l.Items, 1)
			assertBroadcast(t, nodeBroadcast(BroadcastStopped), l.Items[0])
		})
	}
}

func vonageBroadcast() *Broadcast {
	return &Broadcast{
		ID:                abBroadcastID,
		SessionID:         "2_MX4xMDBfjE0Mzc2NzY1NDgwMTJ-TjMzfn4",
		ProjectID:         "93e36bb9-b72c-45b6-a9ea-5c37dbc49906",
		MultiBroadcastTag: "broadcast_tag_provided",
		CreatedAt:         time.UnixMilli(1437676551000),
		MaxDuration:       5400 * time.Second,
		MaxBitrate:        2_000_000,
		HasAudio:          true,
		HasVideo:          true,
		StreamMode:        StreamModeManual,
	}
}

func TestBroadcastDecodesEveryField(t *testing.T) {
	want := vonageBroadcast()
	want.UpdatedAt = time.UnixMilli(1437676552000)
	want.Resolution = Resolution1920x1080
	want.Status = BroadcastStarted
	want.HLSURL = "https://example.com/broadcast/hls/index.m3u8?DVR"
	want.HLSStatus = "live"
	want.RTMP = []RTMPTargetStatus{
		{ID: "foo", ServerURL: "rtmps://myfooserver/myfooapp", StreamName: "myfoostream", Status: RTMPLive},
		{ID: "bar", ServerURL: "rtmp://mybarserver/mybarapp", StreamName: "mybarstream", Status: RTMPConnecting},
	}
	want.HLSSettings = HLSOutput{DVR: true}
	want.Streams = []BroadcastStream{{StreamID: abStreamID, HasAudio: true, HasVideo: false}}
	for kind, ot := range clientsServing(t, 200, fixture(t, "responses/broadcast_response_rtmp.json")) {
		t.Run(kind, func(t *testing.T) {
			b, err := ot.GetBroadcast(context.Background(), abBroadcastID)
			require.NoError(t, err)
			assertBroadcast(t, want, b)
		})
	}
}

func TestBroadcastDecodesRTMPMap(t *testing.T) {
	// The OpenAPI example's shape: broadcastUrls.rtmp keyed by target ID.
	want := vonageBroadcast()
	want.UpdatedAt = want.CreatedAt
	want.Resolution = Resolution640x480
	want.HLSURL = "hlsurl"
	want.RTMP = []RTMPTargetStatus{
		{ID: "bar", ServerURL: "rtmp://mybarserver/mybarapp", StreamName: "mybarstreamname"},
		{ID: "foo", ServerURL: "rtmp://myfooserver/myfooapp", StreamName: "myfoostreamname"},
	}
	b, err := clientsServing(t, 200, fixture(t, "responses/broadcast_response_rtmp_map.json"))["vonage"].GetBroadcast(context.Background(), abBroadcastID)
	require.NoError(t, err)
	assertBroadcast(t, want, b)
}

func TestBroadcastDecodesOddShapes(t *testing.T) {
	cases := []struct {
		body  string
		check func(t *testing.T, b *Broadcast)
	}{
		{`{"id":"b","status":"paused","broadcastUrls":{"rtmp":null},"settings":null,"streams":null}`, func(t *testing.T, b *Broadcast) {
			assert.Equal(t, BroadcastStatus("paused"), b.Status, "unknown status kept")
			assert.Nil(t, b.RTMP)
			assert.Equal(t, HLSOutput{}, b.HLSSettings)
		}},
		{`{"id":"b","broadcastUrls":{"rtmp":"nonsense"},"partnerId":"555","maxDuration":"60"}`, func(t *testing.T, b *Broadcast) {
			assert.Nil(t, b.RTMP)
			assert.Equal(t, "555", b.ProjectID)
			assert.Equal(t, time.Minute, b.MaxDuration)
		}},
		{`{"id":"b","broadcastUrls":{"rtmp":[{"id":7,"serverUrl":"rtmp://x/y","streamName":"s","status":"reconnecting"}]}}`, func(t *testing.T, b *Broadcast) {
			assert.Equal(t, []RTMPTargetStatus{{ID: "7", ServerURL: "rtmp://x/y", StreamName: "s", Status: "reconnecting"}}, b.RTMP)
		}},
	}
	for _, tc := range cases {
		b, err := clientsServing(t, 200, tc.body)["opentok"].GetBroadcast(context.Background(), "b")
		require.NoError(t, err, tc.body)
		tc.check(t, b)
	}
}

// ---- validation, errors, escaping, iteration --------------------------------

func TestBroadcastValidation(t *testing.T) {
	start := func(edit func(o *BroadcastOptions)) func(ctx context.Context, ot *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error {
			o := &BroadcastOptions{Outputs: BroadcastOutputs{HLS: &HLSOutput{}}}
			edit(o)
			b, err := ot.StartBroadcast(ctx, testSessionID, o)
			assert.Nil(t, b)
			return err
		}
	}
	rtmp := func(n int) []RTMPOutput {
		out := make([]RTMPOutput, n)
		for i := range out {
			out[i] = RTMPOutput{ServerURL: "rtmp://example.com/app", StreamName: "s" + strconv.Itoa(i)}
		}
		return out
	}
	withRTMP := func(t RTMPOutput) func(o *BroadcastOptions) {
		return func(o *BroadcastOptions) { o.Outputs = BroadcastOutputs{RTMP: append(rtmp(1), t)} }
	}
	good := Layout{Type: LayoutPIP}
	cases := []vcase{
		{"start without session", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartBroadcast(ctx, "", fullBroadcastOptions())
			return err
		}, "sessionId"},
		{"start with nil options", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartBroadcast(ctx, testSessionID, nil)
			return err
		}, "outputs"},
		{"start without outputs", start(func(o *BroadcastOptions) { o.Outputs = BroadcastOutputs{} }), "outputs"},
		{"start with an empty RTMP list", start(func(o *BroadcastOptions) { o.Outputs = BroadcastOutputs{RTMP: []RTMPOutput{}} }), "outputs"},
		{"HLS with DVR and low latency", start(func(o *BroadcastOptions) { o.Outputs.HLS = &HLSOutput{DVR: true, LowLatency: true} }), "outputs.hls"},
		{"six RTMP targets", start(func(o *BroadcastOptions) { o.Outputs.RTMP = rtmp(6) }), "outputs.rtmp"},
		{"RTMP without server URL", start(withRTMP(RTMPOutput{StreamName: "s"})), "outputs.rtmp[1].serverUrl"},
		{"RTMP with an https URL", start(withRTMP(RTMPOutput{ServerURL: "https://example.com/app", StreamName: "s"})), "outputs.rtmp[1].serverUrl"},
		{"RTMP URL without host", start(withRTMP(RTMPOutput{ServerURL: "rtmp:///app", StreamName: "s"})), "outputs.rtmp[1].serverUrl"},
		{"RTMP URL that does not parse", start(withRTMP(RTMPOutput{ServerURL: "rtmp://[::1", StreamName: "s"})), "outputs.rtmp[1].serverUrl"},
		{"RTMP without stream name", start(withRTMP(RTMPOutput{ServerURL: "rtmps://example.com/app"})), "outputs.rtmp[1].streamName"},
		{"maxDuration too short", start(func(o *BroadcastOptions) { o.MaxDuration = 59 * time.Second }), "maxDuration"},
		{"maxDuration too long", start(func(o *BroadcastOptions) { o.MaxDuration = 36001 * time.Second }), "maxDuration"},
		{"maxDuration negative", start(func(o *BroadcastOptions) { o.MaxDuration = -time.Hour }), "maxDuration"},
		{"maxDuration not whole seconds", start(func(o *BroadcastOptions) { o.MaxDuration = 90*time.Second + time.Millisecond }), "maxDuration"},
		{"unknown resolution", start(func(o *BroadcastOptions) { o.Resolution = "4k" }), "resolution"},
		{"layout without type", start(func(o *BroadcastOptions) { o.Layout = &Layout{} }), "layout.type"},
		{"layout custom without stylesheet", start(func(o *BroadcastOptions) { o.Layout = &Layout{Type: LayoutCustom} }), "layout.stylesheet"},
		{"unknown stream mode", start(func(o *BroadcastOptions) { o.StreamMode = "all" }), "streamMode"},
		{"maxBitrate too low", start(func(o *BroadcastOptions) { o.MaxBitrate = 1000 }), "maxBitrate"},
		{"maxBitrate too high", start(func(o *BroadcastOptions) { o.MaxBitrate = 6_000_001 }), "maxBitrate"},
		{"stop without ID", func(ctx context.Context, ot *OpenTok) error { _, err := ot.StopBroadcast(ctx, ""); return err }, "broadcastId"},
		{"get without ID", func(ctx context.Context, ot *OpenTok) error { _, err := ot.GetBroadcast(ctx, ""); return err }, "broadcastId"},
		{"layout without ID", func(ctx context.Context, ot *OpenTok) error { return ot.SetBroadcastLayout(ctx, "", good) }, "broadcastId"},
		{"layout invalid", func(ctx context.Context, ot *OpenTok) error {
			return ot.SetBroadcastLayout(ctx, abBroadcastID, Layout{Type: LayoutBestFit, ScreenshareType: LayoutCustom})
		}, "layout.screenshareType"},
		{"add stream without broadcast", func(ctx context.Context, ot *OpenTok) error {
			return ot.AddBroadcastStream(ctx, "", abStreamID, nil)
		}, "broadcastId"},
		{"add stream without stream", func(ctx context.Context, ot *OpenTok) error {
			return ot.AddBroadcastStream(ctx, abBroadcastID, "", nil)
		}, "streamId"},
		{"remove stream without broadcast", func(ctx context.Context, ot *OpenTok) error {
			return ot.RemoveBroadcastStream(ctx, "", abStreamID)
		}, "broadcastId"},
		{"remove stream without stream", func(ctx context.Context, ot *OpenTok) error {
			return ot.RemoveBroadcastStream(ctx, abBroadcastID, "")
		}, "streamId"},
		{"list negative offset", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListBroadcasts(ctx, &ListBroadcastsOptions{Offset: -3})
			return err
		}, "offset"},
		{"list count above 1000", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListBroadcasts(ctx, &ListBroadcastsOptions{Count: 5000})
			return err
		}, "count"},
		{"list invalid session", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListBroadcasts(ctx, &ListBroadcastsOptions{SessionID: strings.Repeat("s", 1025)})
			return err
		}, "sessionId"},
		{"all with negative offset", func(ctx context.Context, ot *OpenTok) error {
			for _, err := range ot.AllBroadcasts(ctx, &ListBroadcastsOptions{Offset: -1}) {
				return err
			}
			return nil
		}, "offset"},
	}
	runBadCases(t, credKinds(), badCases(cases))
}

func TestBroadcastStatusMapping(t *testing.T) {
	start := func(ctx context.Context, ot *OpenTok) error {
		_, err := ot.StartBroadcast(ctx, testSessionID, fullBroadcastOptions())
		return err
	}
	stop := func(ctx context.Context, ot *OpenTok) error {
		_, err := ot.StopBroadcast(ctx, abBroadcastID)
		return err
	}
	get := func(ctx context.Context, ot *OpenTok) error {
		_, err := ot.GetBroadcast(ctx, abBroadcastID)
		return err
	}
	list := func(ctx context.Context, ot *OpenTok) error { _, err := ot.ListBroadcasts(ctx, nil); return err }
	layout := func(ctx context.Context, ot *OpenTok) error {
		return ot.SetBroadcastLayout(ctx, abBroadcastID, Layout{Type: LayoutPIP})
	}
	add := func(ctx context.Context, ot *OpenTok) error {
		return ot.AddBroadcastStream(ctx, abBroadcastID, abStreamID, nil)
	}
	cases := []statusCase{
		{"already broadcasting", start, 409, `{"code":409,"message":"The broadcast has already started for the session."}`,
			ErrConflict, "The broadcast has already started for the session."},
		{"start: bad request", start, 400, fixture(t, "responses/error_broadcast_start_400.json"), ErrBadRequest, "remote error message"},
		{"stop: not found or stopped", stop, 404, `{"code":404,"message":"Broadcast not found"}`, ErrNotFound, "Broadcast not found"},
		{"get: not found", get, 404, `{"code":404,"message":"Broadcast not found"}`, ErrNotFound, "Broadcast not found"},
		{"get: bad request", get, 400, fixture(t, "responses/error_message.json"), ErrBadRequest, "error message"},
		{"list: JSON error body is an APIError (Node throws)", list, 400, fixture(t, "responses/error_message.json"), ErrBadRequest, "error message"},
		{"layout: bad request", layout, 400, fixture(t, "responses/error_message.json"), ErrBadRequest, "error message"},
		{"add stream: auto stream mode", add, 400, `{"code":400,"message":"Stream mode is auto"}`, ErrBadRequest, "Stream mode is auto"},
		{"add stream: not found", add, 404, `{"code":404,"message":"Broadcast or stream not found."}`, ErrNotFound, "Broadcast or stream not found."},
	}
	runStatusCases(t, cases)
}

func TestAllBroadcasts(t *testing.T) {
	item := func(id string) string {
		return `{"id":"` + id + `","status":"started","projectId":1234,"broadcastUrls":{"hls":"u"}}`
	}
	runIteratorTests(t, iterTest[*Broadcast]{item: item, id: func(b *Broadcast) string { return b.ID },
		sessionFilter: true, path: "/broadcast",
		all: func(ot *OpenTok, offset, count int, sessionID string) iter.Seq2[*Broadcast, error] {
			opts := &ListBroadcastsOptions{Offset: offset, Count: count, SessionID: sessionID}
			seq := ot.AllBroadcasts(context.Background(), opts)
			return func(yield func(*Broadcast, error) bool) {
				for b, err := range seq {
					if err == nil && (b.Status != BroadcastStarted || b.ProjectID != "1234" || b.HLSURL != "u") {
						err = errors.New("item not decoded")
					}
					if !yield(b, err) {
						break
					}
				}
				if *opts != (ListBroadcastsOptions{Offset: offset, Count: count, SessionID: sessionID}) {
					yield(nil, errors.New("options modified"))
				}
			}
		}})
}
