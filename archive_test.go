package opentok

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	abArchiveID = "e85741ce-d280-4efa-a3ba-93379a68be06"
	abStreamID  = "12312312-3811-4726-b508-e41a0f96c68f"
)

// ---- helpers shared by the archive and broadcast tests ----------------------

// statusCase is an error answer and what it must map to.
type statusCase struct {
	name    string
	call    func(ctx context.Context, ot *OpenTok) error
	status  int
	answer  string
	is      error // sentinel, or nil
	message string
}

func runStatusCases(t *testing.T, cases []statusCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				serveJSON(w, tc.status, tc.answer)
			})
			ot := credKinds()[1].client(t, ts.baseURL(), WithRetry(RetryPolicy{MaxRetries: 0}))
			err := tc.call(context.Background(), ot)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tc.status, ae.StatusCode)
			assert.Equal(t, tc.message, ae.Message)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			for _, s := range []error{ErrConflict, ErrNotFound, ErrBadRequest} {
				if s != tc.is {
					assert.NotErrorIs(t, err, s)
				}
			}
			assert.Len(t, ts.requests(), 1)
		})
	}
}

// ---- archive requests ---------------------------------------------------------

func fullArchiveOptions() *ArchiveOptions {
	return &ArchiveOptions{
		Name:       "Daily stand-up",
		HasAudio:   Ptr(true),
		HasVideo:   Ptr(false),
		OutputMode: OutputComposed,
		Resolution: Resolution1280x720,
		Layout: &Layout{Type: LayoutCustom,
			Stylesheet: "stream.instructor {position: absolute; width: 100%; height: 50%;}"},
		StreamMode:              StreamModeManual,
		MultiArchiveTag:         "tag-1",
		MaxBitrate:              2_000_000,
		HasTranscription:        true,
		TranscriptionProperties: &TranscriptionProperties{PrimaryLanguageCode: "ja-JP", HasSummary: true},
	}
}

func TestArchiveRequests(t *testing.T) {
	cases := []opCase{
		{
			name: "start every option", status: 200, answer: fixture(t, "responses/archive_start_response.json"),
			call: func(ctx context.Context, ot *OpenTok) error {
				opts := fullArchiveOptions()
				_, err := ot.StartArchive(ctx, testSessionID, opts)
				assert.Equal(t, fullArchiveOptions(), opts, "options not modified")
				return err
			},
			method: "POST", path: "/archive", golden: "archive_start_full",
		},
		{
			name: "start quantization parameter", status: 200, answer: fixture(t, "responses/archive_start_response.json"),
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartArchive(ctx, testSessionID, &ArchiveOptions{QuantizationParameter: 25, HasAudio: Ptr(false),
					Layout: &Layout{Type: LayoutBestFit, ScreenshareType: LayoutPIP}})
				return err
			},
			method: "POST", path: "/archive", golden: "archive_start_quantization",
		},
		{
			name: "start individual", status: 200, answer: fixture(t, "responses/archive_start_individual_response.json"),
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartArchive(ctx, testSessionID, &ArchiveOptions{OutputMode: OutputIndividual,
					StreamMode: StreamModeAuto, Name: "<raw & unescaped>"})
				return err
			},
			method: "POST", path: "/archive", golden: "archive_start_individual",
		},
		{
			name: "start minimal", status: 200, answer: fixture(t, "responses/archive_start_response.json"),
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartArchive(ctx, testSessionID, nil)
				return err
			},
			method: "POST", path: "/archive", golden: "archive_start_minimal",
		},
		{
			name: "start zero options", status: 200, answer: fixture(t, "responses/archive_start_response.json"),
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.StartArchive(ctx, testSessionID, &ArchiveOptions{})
				return err
			},
			method: "POST", path: "/archive", golden: "archive_start_minimal",
		},
		{
			name: "delete, 204 without body", status: 204,
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.DeleteArchive(ctx, abArchiveID)
			},
			method: "DELETE", path: "/archive/" + abArchiveID,
		},
		{
			name: "delete, 200 with a body", status: 200, answer: `{"status":"deleted"}`,
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.DeleteArchive(ctx, abArchiveID)
			},
			method: "DELETE", path: "/archive/" + abArchiveID,
		},
		{
			name: "layout screenshare, 204", status: 204,
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.SetArchiveLayout(ctx, abArchiveID, Layout{Type: LayoutBestFit, ScreenshareType: LayoutHorizontalPresentation})
			},
			method: "PUT", path: "/archive/" + abArchiveID + "/layout", golden: "archive_layout_screenshare",
		},
		{
			name: "layout minimal, 200 with {}", status: 200, answer: `{}`,
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.SetArchiveLayout(ctx, abArchiveID, Layout{Type: LayoutPIP})
			},
			method: "PUT", path: "/archive/" + abArchiveID + "/layout", golden: "archive_layout_minimal",
		},
		{
			name: "add stream with true flags, 200 with the archive", status: 200,
			answer: fixture(t, "responses/archive_patch_streams_response_flags_false.json"),
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.AddArchiveStream(ctx, abArchiveID, abStreamID, &StreamMediaOptions{HasAudio: Ptr(true), HasVideo: Ptr(true)})
			},
			method: "PATCH", path: "/archive/" + abArchiveID + "/streams", golden: "archive_add_stream_flags_true",
		},
	}
	runOpCases(t, credKinds(), cases)
}

// ---- archive answers ----------------------------------------------------------

// clientsServing starts a server per credential type that answers every
// request with status and body, and returns a client of each, by kind name.
func clientsServing(t *testing.T, status int, body string) map[string]*OpenTok {
	t.Helper()
	out := map[string]*OpenTok{}
	for _, kind := range credKinds() {
		ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			serveJSON(w, status, body)
		})
		out[kind.name] = kind.client(t, ts.baseURL())
	}
	return out
}

const abFixtureSessionID = "1_MX4xMDB-MTI3LjAuMC4xflR1ZSBKYW4gMjggMTU6NDg6NDAgUFNUIDIwMTR-MC43NjAyOTYyfg"

func TestArchiveDecodesStartStopGet(t *testing.T) {
	ctx := context.Background()
	base := Archive{
		ID: abArchiveID, SessionID: abFixtureSessionID, ProjectID: "APIKEY", Name: "test_archive_name",
		CreatedAt: time.UnixMilli(1480749999326), UpdatedAt: time.UnixMilli(1480749999476),
		OutputMode: OutputComposed, HasAudio: true, HasVideo: true,
	}
	cases := []struct {
		file string
		call func(ot *OpenTok) (*Archive, error)
		edit func(a *Archive)
	}{
		{"archive_start_response.json", func(ot *OpenTok) (*Archive, error) { return ot.StartArchive(ctx, testSessionID, nil) },
			func(a *Archive) { a.Status = ArchiveStarted }},
		{"archive_stop_response.json", func(ot *OpenTok) (*Archive, error) { return ot.StopArchive(ctx, abArchiveID) },
			func(a *Archive) {
				a.Status, a.Reason, a.Size, a.Duration = ArchiveStopped, "user initiated", 347533, 27*time.Second
			}},
		{"archive_get_available_response.json", func(ot *OpenTok) (*Archive, error) { return ot.GetArchive(ctx, abArchiveID) },
			func(a *Archive) {
				a.Status, a.Reason, a.Size, a.Duration = ArchiveAvailable, "user initiated", 347533, 27*time.Second
				a.URL = "http://tokbox.com.archive2.s3.amazonaws.com/123456/09141e29-8770-439b-b180-337d7e637545/archive.mp4"
			}},
		{"archive_get_paused_response.json", func(ot *OpenTok) (*Archive, error) { return ot.GetArchive(ctx, abArchiveID) },
			func(a *Archive) {
				a.Status, a.Reason, a.Size, a.Duration = ArchivePaused, "user initiated", 347533, 27*time.Second
				a.URL = "http://tokbox.com.archive2.s3.amazonaws.com/123456/09141e29-8770-439b-b180-337d7e637545/archive.mp4"
			}},
		{"archive_get_expired_response.json", func(ot *OpenTok) (*Archive, error) { return ot.GetArchive(ctx, abArchiveID) },
			func(a *Archive) {
				a.Status, a.Reason, a.Size, a.Duration = ArchiveExpired, "user initiated", 347533, 27*time.Second
				a.URL = "http://tokbox.com.archive2.s3.amazonaws.com/123456/09141e29-8770-439b-b180-337d7e637545/archive.mp4"
			}},
	}
	for _, tc := range cases {
		for kind, ot := range clientsServing(t, 200, fixture(t, "responses/"+tc.file)) {
			t.Run(kind+"/"+tc.file, func(t *testing.T) {
				a, err := tc.call(ot)
				require.NoError(t, err)
				want := base
				tc.edit(&want)
				assertArchive(t, &want, a)
			})
		}
	}
}

// assertArchive compares archives, times with time.Time.Equal.
func assertArchive(t *testing.T, want, got *Archive) {
	t.Helper()
	require.NotNil(t, got)
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "CreatedAt %v, want %v", got.CreatedAt, want.CreatedAt)
	assert.True(t, want.UpdatedAt.Equal(got.UpdatedAt), "UpdatedAt %v, want %v", got.UpdatedAt, want.UpdatedAt)
	w, g := *want, *got
	w.CreatedAt, w.UpdatedAt, g.CreatedAt, g.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	assert.Equal(t, w, g)
}

func TestArchiveDecodesStartVariants(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		file  string
		check func(t *testing.T, a *Archive)
	}{
		{"archive_start_hasvideo_false_response.json", func(t *testing.T, a *Archive) {
			assert.True(t, a.HasAudio)
			assert.False(t, a.HasVideo)
			assert.Equal(t, OutputMode(""), a.OutputMode, "not reported")
		}},
		{"archive_start_maxbitrate_response.json", func(t *testing.T, a *Archive) {
			assert.Equal(t, 300000, a.MaxBitrate)
			assert.Equal(t, 0, a.QuantizationParameter)
		}},
		{"archive_start_composed_response.json", func(t *testing.T, a *Archive) {
			assert.Equal(t, OutputComposed, a.OutputMode)
		}},
		{"archive_start_individual_response.json", func(t *testing.T, a *Archive) {
			assert.Equal(t, OutputIndividual, a.OutputMode)
		}},
	}
	for _, tc := range cases {
		for kind, ot := range clientsServing(t, 200, fixture(t, "responses/"+tc.file)) {
			t.Run(kind+"/"+tc.file, func(t *testing.T) {
				a, err := ot.StartArchive(ctx, testSessionID, nil)
				require.NoError(t, err)
				assert.Equal(t, "4072fe0f-d499-4f2f-8237-64f5a9d936f5", a.ID)
				assert.Equal(t, ArchiveStarted, a.Status)
				assert.Equal(t, "APIKEY", a.ProjectID, "from partnerId")
				assert.Equal(t, "", a.Name, "name: null")
				assert.Equal(t, "", a.URL, "url: null")
				assert.True(t, a.CreatedAt.Equal(time.UnixMilli(1391149936527)))
				assert.True(t, a.UpdatedAt.IsZero(), "not reported")
				assert.Zero(t, a.Duration)
				tc.check(t, a)
			})
		}
	}
}

func TestArchiveDecodesUnknownPropertyAndNulls(t *testing.T) {
	for kind, ot := range clientsServing(t, 200, fixture(t, "responses/archive_get_unknown_property_response.json")) {
		t.Run(kind, func(t *testing.T) {
			a, err := ot.GetArchive(context.Background(), "d4c27726-d965-4456-8b07-0cca1a4f4802")
			require.NoError(t, err)
			assertArchive(t, &Archive{
				ID: "d4c27726-d965-4456-8b07-0cca1a4f4802", SessionID: "1_MX4xMDB-fkZyaSBKYW4gMTcgMTE6MTQ6NTAgUFNUIDIwMTR-MC4xNTM4NDExNH4",
				ProjectID: "APIKEY", Name: "Bob", Status: ArchiveExpired, CreatedAt: time.UnixMilli(1389986091000),
				Duration: 300 * time.Second, Size: 331266,
			}, a)
		})
	}
}

func TestArchiveDecodesEveryField(t *testing.T) {
	for kind, ot := range clientsServing(t, 200, fixture(t, "responses/archive_get_manual_streams_response.json")) {
		t.Run(kind, func(t *testing.T) {
			a, err := ot.GetArchive(context.Background(), "b40ef09b-3811-4726-b508-e41a0f96c68f")
			require.NoError(t, err)
			assertArchive(t, &Archive{
				ID:                    "b40ef09b-3811-4726-b508-e41a0f96c68f",
				SessionID:             "2_MX40NTMyODc3Mn5-fg",
				ProjectID:             "93e36bb9-b72c-45b6-a9ea-5c37dbc49906",
				Name:                  "Foo",
				Status:                ArchiveStarted,
				CreatedAt:             time.UnixMilli(1384221730000),
				UpdatedAt:             time.UnixMilli(1384221731000),
				HasAudio:              true,
				HasVideo:              false,
				OutputMode:            OutputComposed,
				StreamMode:            StreamModeManual,
				Resolution:            Resolution1280x720,
				MultiArchiveTag:       "my-multi-archive",
				QuantizationParameter: 25,
				HasTranscription:      true,
				Transcription:         &ArchiveTranscription{Status: "requested", PrimaryLanguageCode: "ja-JP", HasSummary: true},
				Streams: []ArchiveStream{
					{StreamID: abStreamID, HasAudio: true, HasVideo: false},
					{StreamID: "5fd0b1c8-3c8b-4bd0-8f5e-4c5f0a1e6a77", HasAudio: false, HasVideo: true},
				},
				Sha256Sum: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			}, a)
		})
	}
}

func TestArchiveDecodesUnknownEnumsAndOwners(t *testing.T) {
	cases := []struct {
		body  string
		owner string
	}{
		{`{"id":"a","status":"processing","outputMode":"hybrid","streamMode":"smart","resolution":"3840x2160","projectId":1234,"partnerId":99}`, "1234"},
		{`{"id":"a","status":"processing","outputMode":"hybrid","streamMode":"smart","resolution":"3840x2160","partnerId":99}`, "99"},
		{`{"id":"a","status":"processing","outputMode":"hybrid","streamMode":"smart","resolution":"3840x2160","applicationId":"app","projectId":"p"}`, "app"},
	}
	for _, tc := range cases {
		ot := clientsServing(t, 200, tc.body)["opentok"]
		a, err := ot.GetArchive(context.Background(), "a")
		require.NoError(t, err)
		assert.Equal(t, ArchiveStatus("processing"), a.Status)
		assert.Equal(t, OutputMode("hybrid"), a.OutputMode)
		assert.Equal(t, StreamMode("smart"), a.StreamMode)
		assert.Equal(t, Resolution("3840x2160"), a.Resolution)
		assert.Equal(t, tc.owner, a.ProjectID)
	}
}

func TestArchiveDecodesList(t *testing.T) {
	for kind, ot := range clientsServing(t, 200, fixture(t, "responses/archive_list_response.json")) {
		t.Run(kind, func(t *testing.T) {
			l, err := ot.ListArchives(context.Background(), &ListArchivesOptions{Count: 5})
			require.NoError(t, err)
			assert.Equal(t, 149, l.Total)
			require.Len(t, l.Items, 5)
			ids := []string{"e85741ce-d280-4efa-a3ba-93379a68be06", "0931d1d7-4198-4db2-bf8a-097924421eb2",
				"e7198f93-d8fa-448d-b134-ac3355ce2eb7", "ae531f74-218c-4abd-bbe4-1f6bd92e9449", "cf2fd890-7ea0-4f43-a6a7-432ea9dc4c51"}
			durations := []time.Duration{3 * time.Second, 0, 9 * time.Second, 17 * time.Second, 73 * time.Second}
			for i, a := range l.Items {
				assert.Equal(t, ids[i], a.ID)
				assert.Equal(t, durations[i], a.Duration)
				assert.Equal(t, ArchiveAvailable, a.Status)
				assert.Equal(t, "SESSION_ID", a.SessionID)
				assert.Equal(t, "APIKEY", a.ProjectID)
				assert.Equal(t, "http://some/video"+strconv.Itoa(i+1)+".mp4", a.URL)
			}
			assert.True(t, l.Items[0].CreatedAt.Equal(time.UnixMilli(1391457926000)))
			assert.Equal(t, int64(6590), l.Items[0].Size)
			assert.Equal(t, "Archive 3", l.Items[1].Name)
			assert.Equal(t, "", l.Items[3].Name, "name: null")
		})
	}
}

// ---- validation, errors, escaping, iteration --------------------------------

func TestArchiveValidation(t *testing.T) {
	start := func(opts *ArchiveOptions) func(ctx context.Context, ot *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error {
			a, err := ot.StartArchive(ctx, testSessionID, opts)
			assert.Nil(t, a)
			return err
		}
	}
	goodLayout := Layout{Type: LayoutBestFit}
	cases := []vcase{
		{"start without session", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartArchive(ctx, "", nil)
			return err
		}, "sessionId"},
		{"start with a session ID too long", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartArchive(ctx, strings.Repeat("x", 1025), nil)
			return err
		}, "sessionId"},
		{"audio and video both false", start(&ArchiveOptions{HasAudio: Ptr(false), HasVideo: Ptr(false)}), "hasAudio"},
		{"unknown output mode", start(&ArchiveOptions{OutputMode: "hybrid"}), "outputMode"},
		{"unknown resolution", start(&ArchiveOptions{Resolution: "800x600"}), "resolution"},
		{"layout without type", start(&ArchiveOptions{Layout: &Layout{}}), "layout.type"},
		{"custom layout without stylesheet", start(&ArchiveOptions{Layout: &Layout{Type: LayoutCustom}}), "layout.stylesheet"},
		{"screenshare type without bestFit", start(&ArchiveOptions{Layout: &Layout{Type: LayoutPIP, ScreenshareType: LayoutPIP}}), "layout.screenshareType"},
		{"unknown stream mode", start(&ArchiveOptions{StreamMode: "sometimes"}), "streamMode"},
		{"maxBitrate too low", start(&ArchiveOptions{MaxBitrate: 99_999}), "maxBitrate"},
		{"maxBitrate too high", start(&ArchiveOptions{MaxBitrate: 6_000_001}), "maxBitrate"},
		{"maxBitrate negative", start(&ArchiveOptions{MaxBitrate: -1}), "maxBitrate"},
		{"quantization too low", start(&ArchiveOptions{QuantizationParameter: 14}), "quantizationParameter"},
		{"quantization too high", start(&ArchiveOptions{QuantizationParameter: 41}), "quantizationParameter"},
		{"maxBitrate and quantization", start(&ArchiveOptions{MaxBitrate: 100_000, QuantizationParameter: 40}), "quantizationParameter"},
		{"individual with resolution", start(&ArchiveOptions{OutputMode: OutputIndividual, Resolution: Resolution640x480}), "resolution"},
		{"individual with layout", start(&ArchiveOptions{OutputMode: OutputIndividual, Layout: &goodLayout}), "layout"},
		{"individual with maxBitrate", start(&ArchiveOptions{OutputMode: OutputIndividual, MaxBitrate: 6_000_000}), "maxBitrate"},
		{"individual with quantization", start(&ArchiveOptions{OutputMode: OutputIndividual, QuantizationParameter: 15}), "quantizationParameter"},
		{"stop without ID", func(ctx context.Context, ot *OpenTok) error { _, err := ot.StopArchive(ctx, ""); return err }, "archiveId"},
		{"get without ID", func(ctx context.Context, ot *OpenTok) error { _, err := ot.GetArchive(ctx, ""); return err }, "archiveId"},
		{"delete without ID", func(ctx context.Context, ot *OpenTok) error { return ot.DeleteArchive(ctx, "") }, "archiveId"},
		{"layout without ID", func(ctx context.Context, ot *OpenTok) error {
			return ot.SetArchiveLayout(ctx, "", goodLayout)
		}, "archiveId"},
		{"layout without type", func(ctx context.Context, ot *OpenTok) error {
			return ot.SetArchiveLayout(ctx, abArchiveID, Layout{})
		}, "layout.type"},
		{"layout unknown type", func(ctx context.Context, ot *OpenTok) error {
			return ot.SetArchiveLayout(ctx, abArchiveID, Layout{Type: "focus"})
		}, "layout.type"},
		{"layout stylesheet without custom", func(ctx context.Context, ot *OpenTok) error {
			return ot.SetArchiveLayout(ctx, abArchiveID, Layout{Type: LayoutBestFit, Stylesheet: "x {}"})
		}, "layout.stylesheet"},
		{"add stream without archive", func(ctx context.Context, ot *OpenTok) error {
			return ot.AddArchiveStream(ctx, "", abStreamID, nil)
		}, "archiveId"},
		{"add stream without stream", func(ctx context.Context, ot *OpenTok) error {
			return ot.AddArchiveStream(ctx, abArchiveID, "", &StreamMediaOptions{HasAudio: Ptr(false)})
		}, "streamId"},
		{"remove stream without archive", func(ctx context.Context, ot *OpenTok) error {
			return ot.RemoveArchiveStream(ctx, "", abStreamID)
		}, "archiveId"},
		{"remove stream without stream", func(ctx context.Context, ot *OpenTok) error {
			return ot.RemoveArchiveStream(ctx, abArchiveID, "")
		}, "streamId"},
		{"list negative offset", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListArchives(ctx, &ListArchivesOptions{Offset: -1})
			return err
		}, "offset"},
		{"list count above 1000", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListArchives(ctx, &ListArchivesOptions{Count: 1001})
			return err
		}, "count"},
		{"list negative count", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListArchives(ctx, &ListArchivesOptions{Count: -1})
			return err
		}, "count"},
		{"list invalid session", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListArchives(ctx, &ListArchivesOptions{SessionID: "\xff\xfe"})
			return err
		}, "sessionId"},
		{"all with count above 1000", func(ctx context.Context, ot *OpenTok) error {
			for _, err := range ot.AllArchives(ctx, &ListArchivesOptions{Count: 1001}) {
				return err
			}
			return nil
		}, "count"},
	}
	runBadCases(t, credKinds(), badCases(cases))
}

func TestArchiveStatusMapping(t *testing.T) {
	start := func(ctx context.Context, ot *OpenTok) error {
		_, err := ot.StartArchive(ctx, testSessionID, nil)
		return err
	}
	stop := func(ctx context.Context, ot *OpenTok) error { _, err := ot.StopArchive(ctx, abArchiveID); return err }
	get := func(ctx context.Context, ot *OpenTok) error { _, err := ot.GetArchive(ctx, abArchiveID); return err }
	del := func(ctx context.Context, ot *OpenTok) error { return ot.DeleteArchive(ctx, abArchiveID) }
	add := func(ctx context.Context, ot *OpenTok) error {
		return ot.AddArchiveStream(ctx, abArchiveID, abStreamID, nil)
	}
	cases := []statusCase{
		{"second archive without a tag", start, 409,
			`{"code":409,"message":"You attempt to start a simultaneous archive for a session without setting a unique multiArchiveTag"}`,
			ErrConflict, "You attempt to start a simultaneous archive for a session without setting a unique multiArchiveTag"},
		{"session already composed", start, 409, `{"code":15001,"message":"session is already composed"}`,
			ErrConflict, "session is already composed"},
		{"start: session not found", start, 404, fixture(t, "responses/error_archive_start_404.json"), ErrNotFound, "responseString"},
		{"stop: not recording", stop, 409, fixture(t, "responses/error_archive_not_recording_409_stop.json"),
			ErrConflict, "Conflict. You are trying to stop an archive that is not recording."},
		{"stop: not found", stop, 404, fixture(t, "responses/error_archive_not_found_404_stop.json"),
			ErrNotFound, "Not found. You passed in an invalid archive ID."},
		{"delete: recording in progress", del, 409, `{"code":409,"message":"Status of the archive is not uploaded, available or deleted"}`,
			ErrConflict, "Status of the archive is not uploaded, available or deleted"},
		{"delete: not found", del, 404, fixture(t, "responses/error_archive_not_found_404_delete.json"),
			ErrNotFound, "Not found. You passed in an invalid archive ID."},
		{"get: not found", get, 404, fixture(t, "responses/error_archive_get_404.json"), ErrNotFound, "null"}, // the platform's message is the text null
		{"add stream: auto stream mode", add, 400, `{"code":400,"message":"Invalid request"}`, ErrBadRequest, "Invalid request"},
		{"add stream: unsupported stream mode", add, 405, `{"code":405,"message":"Unsupported Stream Mode"}`, nil, "Unsupported Stream Mode"},
		{"add stream: not found", add, 404, `{"code":404,"message":"Archive or stream not found"}`, ErrNotFound, "Archive or stream not found"},
	}
	runStatusCases(t, cases)
}

func TestAllArchives(t *testing.T) {
	item := func(id string) string { return `{"id":"` + id + `","status":"available","duration":"1"}` }
	runIteratorTests(t, iterTest[*Archive]{item: item, id: func(a *Archive) string { return a.ID },
		sessionFilter: true, path: "/archive",
		all: func(ot *OpenTok, offset, count int, sessionID string) iter.Seq2[*Archive, error] {
			opts := &ListArchivesOptions{Offset: offset, Count: count, SessionID: sessionID}
			seq := ot.AllArchives(context.Background(), opts)
			return func(yield func(*Archive, error) bool) {
				for a, err := range seq {
					if err == nil && (a.Status != ArchiveAvailable || a.Duration != time.Second) {
						err = errors.New("item not decoded")
					}
					if !yield(a, err) {
						break
					}
				}
				if *opts != (ListArchivesOptions{Offset: offset, Count: count, SessionID: sessionID}) {
					yield(nil, errors.New("options modified"))
				}
			}
		}})
	t.Run("nil options", func(t *testing.T) {
		f := &fakePages{ids: pageIDs(3), item: item}
		ts := newTestServer(t, f.serve)
		ot := credKinds()[0].client(t, ts.baseURL())
		got, errs := drainSeq(ot.AllArchives(context.Background(), nil), func(a *Archive) string { return a.ID }, 0)
		assert.Empty(t, errs)
		assert.Equal(t, pageIDs(3), got)
	})
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
