package opentok

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateSessionRequestAndAnswer(t *testing.T) {
	cases := []struct {
		name     string
		opts     *SessionOptions
		wantForm url.Values
		want     Session
	}{
		{
			name:     "defaults",
			opts:     nil,
			wantForm: url.Values{"p2p.preference": {"enabled"}, "archiveMode": {"manual"}},
			want:     Session{MediaMode: MediaRelayed, ArchiveMode: ArchiveManual},
		},
		{
			name:     "routed",
			opts:     &SessionOptions{MediaMode: MediaRouted},
			wantForm: url.Values{"p2p.preference": {"disabled"}, "archiveMode": {"manual"}},
			want:     Session{MediaMode: MediaRouted, ArchiveMode: ArchiveManual},
		},
		{
			name: "every option",
			opts: &SessionOptions{MediaMode: MediaRouted, ArchiveMode: ArchiveAlways, Location: "12.34.56.78",
				E2EE: true, ArchiveName: "Daily stand-up", ArchiveResolution: Resolution1280x720},
			wantForm: url.Values{"p2p.preference": {"disabled"}, "archiveMode": {"always"}, "location": {"12.34.56.78"},
				"e2ee": {"true"}, "archiveName": {"Daily stand-up"}, "archiveResolution": {"1280x720"}},
			want: Session{MediaMode: MediaRouted, ArchiveMode: ArchiveAlways, Location: "12.34.56.78",
				E2EE: true, ArchiveName: "Daily stand-up", ArchiveResolution: Resolution1280x720},
		},
	}
	for _, kind := range credKinds() {
		for _, tc := range cases {
			t.Run(kind.name+"/"+tc.name, func(t *testing.T) {
				answer := fixture(t, "responses/session_create_response.json")
				wantOwner := "123456"
				if kind.name == "vonage" {
					answer = `[{"session_id":"SESSIONID","application_id":"` + testAppID + `","create_dt":"Fri Nov 18 15:50:36 PST 2016","media_server_url":""}]`
					wantOwner = testAppID
				}
				ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
					serveJSON(w, 200, answer)
				})
				ot := kind.client(t, ts.baseURL())
				var opts SessionOptions
				if tc.opts != nil {
					opts = *tc.opts
				}
				s, err := ot.CreateSession(context.Background(), tc.opts)
				require.NoError(t, err)
				if tc.opts != nil {
					assert.Equal(t, opts, *tc.opts, "options not modified")
				}

				r := ts.only(t)
				assert.Equal(t, http.MethodPost, r.Method)
				assert.Equal(t, "/session/create", r.Path)
				assert.Empty(t, r.RawQuery)
				assert.Equal(t, "application/x-www-form-urlencoded", r.Header.Get("Content-Type"))
				assert.Equal(t, "application/json", r.Header.Get("Accept"))
				assert.Equal(t, "opentok-go/"+Version, r.Header.Get("User-Agent"))
				kind.checkAuth(t, r.Header)
				form, err := url.ParseQuery(string(r.Body))
				require.NoError(t, err)
				assert.Equal(t, tc.wantForm, form)
				assert.Equal(t, tc.wantForm.Encode(), string(r.Body), "fields in sorted order")

				want := tc.want
				want.ID = "SESSIONID"
				want.ProjectID = wantOwner
				assert.Equal(t, want, *s)
			})
		}
	}
}

func TestCreateSessionDecodesFixtures(t *testing.T) {
	for _, f := range []struct{ file, id, owner string }{
		{"session_create_response.json", "SESSIONID", "123456"},
		{"session_create_response_real_id.json", testSessionID, "123456"},
		{"session_create_response_vonage_shim.json", "SESSIONID", ""},
	} {
		t.Run(f.file, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				serveJSON(w, 200, fixture(t, "responses/"+f.file))
			})
			ot := credKinds()[0].client(t, ts.baseURL())
			s, err := ot.CreateSession(context.Background(), &SessionOptions{MediaMode: MediaRouted})
			require.NoError(t, err)
			assert.Equal(t, f.id, s.ID)
			assert.Equal(t, f.owner, s.ProjectID)
		})
	}
}

func TestCreateSessionValidation(t *testing.T) {
	cases := []struct {
		name  string
		opts  SessionOptions
		field string
	}{
		{"bad media mode", SessionOptions{MediaMode: "p2p"}, "mediaMode"},
		{"bad archive mode", SessionOptions{ArchiveMode: "sometimes"}, "archiveMode"},
		{"always with relayed", SessionOptions{ArchiveMode: ArchiveAlways}, "archiveMode"},
		{"always with explicit relayed", SessionOptions{MediaMode: MediaRelayed, ArchiveMode: ArchiveAlways}, "archiveMode"},
		{"ipv6 location", SessionOptions{Location: "::1"}, "location"},
		{"hostname location", SessionOptions{Location: "example.com"}, "location"},
		{"e2ee relayed", SessionOptions{E2EE: true}, "e2ee"},
		{"archive name too long", SessionOptions{MediaMode: MediaRouted, ArchiveMode: ArchiveAlways, ArchiveName: strings.Repeat("n", 81)}, "archiveName"},
		{"bad archive resolution", SessionOptions{ArchiveResolution: "800x600"}, "archiveResolution"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, nil)
			ot := credKinds()[0].client(t, ts.baseURL())
			s, err := ot.CreateSession(context.Background(), &tc.opts)
			assert.Nil(t, s)
			var ve *ValidationError
			require.True(t, errors.As(err, &ve), "got %v", err)
			assert.Equal(t, tc.field, ve.Field)
			assert.Empty(t, ts.requests(), "nothing sent")
		})
	}
}

func TestCreateSessionErrors(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		check   func(t *testing.T, err error)
		retries int
	}{
		{"403 bad credentials", 403, fixture(t, "responses/error_auth_403.json"), func(t *testing.T, err error) {
			var ae *APIError
			require.True(t, errors.As(err, &ae))
			assert.Equal(t, 403, ae.StatusCode)
			assert.Equal(t, -1, ae.Code)
			assert.Equal(t, "No suitable authentication found", ae.Message)
			assert.ErrorIs(t, err, ErrForbidden)
			assert.Contains(t, err.Error(), "clock")
			assert.Contains(t, err.Error(), "credentials")
		}, 0},
		{"401", 401, `{"code":401,"message":"Invalid token"}`, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrUnauthorized)
			assert.Contains(t, err.Error(), "clock")
		}, 0},
		{"500 not retried for POST", 500, fixture(t, "responses/error_generic_500.json"), func(t *testing.T, err error) {
			var ae *APIError
			require.True(t, errors.As(err, &ae))
			assert.Equal(t, "Some error.", ae.Message)
			assert.Equal(t, 1, ae.Attempts)
			assert.ErrorIs(t, err, ErrServer)
		}, 0},
		{"answer not an array", 200, `{"session_id":"x"}`, func(t *testing.T, err error) {
			var re *ResponseError
			require.True(t, errors.As(err, &re), "got %T", err)
			assert.ErrorIs(t, err, ErrBadResponse)
		}, 0},
		{"empty array", 200, `[]`, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrBadResponse)
			assert.Contains(t, err.Error(), "session_id")
		}, 0},
		{"xml answer", 200, `<sessions><Session><session_id>x</session_id></Session></sessions>`, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrBadResponse)
		}, 0},
		{"empty body", 200, ``, func(t *testing.T, err error) {
			assert.ErrorIs(t, err, ErrBadResponse)
		}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
				serveJSON(w, tc.status, tc.body)
			})
			ot := credKinds()[0].client(t, ts.baseURL())
			s, err := ot.CreateSession(context.Background(), nil)
			require.Error(t, err)
			assert.Nil(t, s)
			tc.check(t, err)
			assert.Len(t, ts.requests(), 1)
			assert.NotContains(t, err.Error(), testAPISecret)
		})
	}
}
