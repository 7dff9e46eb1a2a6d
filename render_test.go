package opentok

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fullRenderOptions() *RenderOptions {
	return &RenderOptions{
		MaxDuration:       1800 * time.Second,
		Resolution:        Resolution1280x720,
		Properties:        &RenderProperties{Name: "Composed stream for Live event #1"},
		StatusCallbackURL: "https://example.com/video/events?x=1&y=2",
	}
}

func TestRenderRequests(t *testing.T) {
	started := fixture(t, "responses/render_start_response.json")
	got := fixture(t, "responses/render_get_response.json")
	list := fixture(t, "responses/render_list_response.json")
	runOpCases(t, credKinds(), []opCase{
		{
			name: "StartRender full",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartRender(ctx, testSessionID, testClientToken, "https://webapp.customer.com/room?id=1&view=grid", fullRenderOptions())
				return err
			},
			method: http.MethodPost, path: "/render", golden: "render_full", status: http.StatusAccepted, answer: started,
		},
		{
			name: "StartRender minimal",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartRender(ctx, testSessionID, testClientToken, "https://example.com/", nil)
				return err
			},
			method: http.MethodPost, path: "/render", golden: "render_minimal", status: http.StatusAccepted, answer: started,
		},
		{
			name: "StartRender zero options",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartRender(ctx, testSessionID, testClientToken, "https://example.com/", &RenderOptions{})
				return err
			},
			method: http.MethodPost, path: "/render", golden: "render_minimal", status: http.StatusAccepted, answer: started,
		},
		{
			name: "GetRender",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.GetRender(ctx, "1248e7070b81464c9789f46ad10e7764")
				return err
			},
			method: http.MethodGet, path: "/render/1248e7070b81464c9789f46ad10e7764", answer: got,
		},
		{
			name: "StopRender",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.StopRender(ctx, "1248e7070b81464c9789f46ad10e7764")
			},
			method: http.MethodDelete, path: "/render/1248e7070b81464c9789f46ad10e7764", status: http.StatusNoContent,
		},
		{
			name: "ListRenders minimal",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ListRenders(ctx, nil)
				return err
			},
			method: http.MethodGet, path: "/render", answer: list,
		},
		{
			name: "ListRenders full",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ListRenders(ctx, &ListRendersOptions{Offset: 20, Count: 1000})
				return err
			},
			method: http.MethodGet, path: "/render", query: "count=1000&offset=20", answer: list,
		},
	})
}

func oasRender(status RenderStatus, reason string) *Render {
	return &Render{
		ID:          "1248e7070b81464c9789f46ad10e7764",
		SessionID:   "flR1ZSBPY3QgMjkgMTI6MTM6MjMgUERUIDIwMTN",
		ProjectID:   "93e36bb9-b72c-45b6-a9ea-5c37dbc49906",
		CreatedAt:   time.UnixMilli(1437676551000),
		UpdatedAt:   time.UnixMilli(1437676551000),
		URL:         "https://example.com/",
		Resolution:  Resolution1280x720,
		Status:      status,
		StreamID:    "e32445b743678c98230f238",
		Reason:      reason,
		CallbackURL: "https://example.com/video/events",
		Name:        "Composed stream for Live event #1",
	}
}

// The render fixtures hold the OpenAPI document's example values; status
// and reason vary to fit each call.
func TestRenderFixtures(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			var answer string
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 200, answer) })
			ot := kind.client(t, ts.baseURL())
			ctx := context.Background()

			answer = fixture(t, "responses/render_start_response.json")
			r, err := ot.StartRender(ctx, testSessionID, testClientToken, "https://example.com/", nil)
			require.NoError(t, err)
			assertRender(t, oasRender(RenderStarting, ""), r)

			answer = fixture(t, "responses/render_get_response.json")
			r, err = ot.GetRender(ctx, "1248e7070b81464c9789f46ad10e7764")
			require.NoError(t, err)
			assertRender(t, oasRender(RenderFailed, "Could not load URL"), r)

			answer = fixture(t, "responses/render_list_response.json")
			l, err := ot.ListRenders(ctx, nil)
			require.NoError(t, err)
			assert.Equal(t, 1, l.Total)
			require.Len(t, l.Items, 1)
			assertRender(t, oasRender(RenderStopped, "Stop Requested"), l.Items[0])

			// OpenTok flavour: projectId as a number, times as strings, the
			// name under properties, a status added later.
			answer = fixture(t, "responses/render_get_response_opentok.json")
			r, err = ot.GetRender(ctx, "80abaf0d-25a3-4efc-968f-6268d620668d")
			require.NoError(t, err)
			assertRender(t, &Render{
				ID:         "80abaf0d-25a3-4efc-968f-6268d620668d",
				SessionID:  testSessionID,
				ProjectID:  "123456",
				CreatedAt:  time.UnixMilli(1437676551000),
				UpdatedAt:  time.UnixMilli(1437676552000),
				URL:        "https://webapp.customer.com",
				Resolution: Resolution720x1280,
				Status:     RenderStatus("rendering"),
				Name:       "Composed stream",
			}, r)

			answer = `{"count":0}`
			l, err = ot.ListRenders(ctx, nil)
			require.NoError(t, err)
			assert.NotNil(t, l.Items)
			assert.Empty(t, l.Items)
		})
	}
}

func assertRender(t *testing.T, want, got *Render) {
	t.Helper()
	require.NotNil(t, got)
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "createdAt %v", got.CreatedAt)
	assert.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "updatedAt %v", got.UpdatedAt)
	w, g := *want, *got
	w.CreatedAt, w.UpdatedAt, g.CreatedAt, g.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, w, g)
}

func TestRenderStatusMapping(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			status, body := 404, fixture(t, "responses/error_render_404.json")
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, status, body) })
			ot := kind.client(t, ts.baseURL())
			ctx := context.Background()

			_, err := ot.GetRender(ctx, "unknown")
			assert.ErrorIs(t, err, ErrNotFound, "unknown render")
			assert.ErrorIs(t, ot.StopRender(ctx, "unknown"), ErrNotFound, "stopping an unknown render")

			status, body = 429, fixture(t, "responses/error_render_429.json")
			_, err = ot.StartRender(ctx, testSessionID, testClientToken, "https://example.com/", nil)
			assert.ErrorIs(t, err, ErrRateLimited)
			var ae *APIError
			require.True(t, errors.As(err, &ae))
			assert.Equal(t, 50004, ae.Code)
			assert.NotContains(t, err.Error(), testClientToken)

			status, body = 400, `{"code":50002,"message":"Application URL is unreachable."}`
			_, err = ot.StartRender(ctx, testSessionID, testClientToken, "https://example.com/", nil)
			assert.ErrorIs(t, err, ErrBadRequest)
			require.True(t, errors.As(err, &ae))
			assert.Equal(t, 50002, ae.Code)
		})
	}
}

func TestStartRenderAnswerWithoutID(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 202, `{"status":"starting"}`) })
	ot := credKinds()[0].client(t, ts.baseURL())
	_, err := ot.StartRender(context.Background(), testSessionID, testClientToken, "https://example.com/", nil)
	assert.ErrorIs(t, err, ErrBadResponse)
}

func TestStartRenderOptionsNotModified(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 202, fixture(t, "responses/render_start_response.json"))
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	opts := fullRenderOptions()
	_, err := ot.StartRender(context.Background(), testSessionID, testClientToken, "https://example.com/", opts)
	require.NoError(t, err)
	assert.Equal(t, fullRenderOptions(), opts)
}

func TestRenderLimitsAccepted(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 202, fixture(t, "responses/render_start_response.json"))
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	ctx := context.Background()
	for _, o := range []*RenderOptions{
		{MaxDuration: MinRenderDuration, Properties: &RenderProperties{Name: "n"}},
		{MaxDuration: MaxRenderDuration, Properties: &RenderProperties{Name: strings.Repeat("é", 200)}},
	} {
		_, err := ot.StartRender(ctx, testSessionID, testClientToken, "https://example.com/"+strings.Repeat("p", 2048-20), o)
		require.NoError(t, err)
	}
	_, err := ot.StartRender(ctx, testSessionID, testClientToken, "http://a.example/", nil) // 17 characters
	require.NoError(t, err)
	assert.Len(t, ts.requests(), 3)
}

func TestRenderValidation(t *testing.T) {
	start := func(pageURL string, opts *RenderOptions) func(ctx context.Context, ot *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartRender(ctx, testSessionID, testClientToken, pageURL, opts)
			return err
		}
	}
	const page = "https://example.com/"
	runBadCases(t, credKinds(), []badCase{
		{"empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartRender(ctx, "", testClientToken, page, nil)
			return err
		}},
		{"empty token", "token", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartRender(ctx, testSessionID, "", page, nil)
			return err
		}},
		{"empty url", "url", start("", nil)},
		{"url 14 characters", "url", start("https://a.io/x", nil)},
		{"url 2049 characters", "url", start("https://example.com/"+strings.Repeat("p", 2049-20), nil)},
		{"ftp url", "url", start("ftp://example.com/page", nil)},
		{"url without host", "url", start("https:///example/page", nil)},
		{"relative url", "url", start("example.com/page/index", nil)},
		{"maxDuration 59 s", "maxDuration", start(page, &RenderOptions{MaxDuration: 59 * time.Second})},
		{"maxDuration 36001 s", "maxDuration", start(page, &RenderOptions{MaxDuration: 36001 * time.Second})},
		{"maxDuration negative", "maxDuration", start(page, &RenderOptions{MaxDuration: -time.Minute})},
		{"maxDuration fractional", "maxDuration", start(page, &RenderOptions{MaxDuration: 90*time.Second + 500*time.Millisecond})},
		{"bad resolution", "resolution", start(page, &RenderOptions{Resolution: "800x600"})},
		{"empty properties name", "properties.name", start(page, &RenderOptions{Properties: &RenderProperties{}})},
		{"properties name 201 characters", "properties.name", start(page, &RenderOptions{Properties: &RenderProperties{Name: strings.Repeat("é", 201)}})},
		{"properties name not UTF-8", "properties.name", start(page, &RenderOptions{Properties: &RenderProperties{Name: "\xff"}})},
		{"ftp status callback", "statusCallbackUrl", start(page, &RenderOptions{StatusCallbackURL: "ftp://example.com/cb"})},
		{"relative status callback", "statusCallbackUrl", start(page, &RenderOptions{StatusCallbackURL: "/callbacks/render"})},
		{"GetRender empty ID", "renderId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.GetRender(ctx, "")
			return err
		}},
		{"StopRender empty ID", "renderId", func(ctx context.Context, ot *OpenTok) error {
			return ot.StopRender(ctx, "")
		}},
		{"ListRenders negative offset", "offset", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListRenders(ctx, &ListRendersOptions{Offset: -1})
			return err
		}},
		{"ListRenders count 1001", "count", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListRenders(ctx, &ListRendersOptions{Count: 1001})
			return err
		}},
		{"AllRenders count 1001", "count", func(ctx context.Context, ot *OpenTok) error {
			return firstErr(ot.AllRenders(ctx, &ListRendersOptions{Count: 1001}))
		}},
	})
}

func TestAllRenders(t *testing.T) {
	runIteratorTests(t, iterTest[*Render]{
		item: func(id string) string { return `{"id":"` + id + `","status":"started","createdAt":1437676551000}` },
		id:   func(r *Render) string { return r.ID },
		all: func(ot *OpenTok, offset, count int, _ string) iter.Seq2[*Render, error] {
			return func(yield func(*Render, error) bool) {
				for r, err := range ot.AllRenders(context.Background(), &ListRendersOptions{Offset: offset, Count: count}) {
					if err == nil && r.Status != RenderStarted {
						err = errors.New("item not decoded")
					}
					if !yield(r, err) {
						return
					}
				}
			}
		},
		path: "/render",
	})
}

func TestGetRenderWithoutIDIsABadResponse(t *testing.T) {
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 200, `{}`) })
	ot := credKinds()[0].client(t, ts.baseURL())
	r, err := ot.GetRender(context.Background(), "R")
	assert.Nil(t, r)
	assert.ErrorIs(t, err, ErrBadResponse)
}
