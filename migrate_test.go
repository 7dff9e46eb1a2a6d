package opentok

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMigrateRequests(t *testing.T) {
	runOpCases(t, credKinds(), []opCase{
		{
			name:   "MigrateSession",
			call:   func(ctx context.Context, ot *OpenTok) error { return ot.MigrateSession(ctx, testSessionID) },
			method: http.MethodPost, path: sessionPath + "/migrate", status: http.StatusAccepted,
			answer: fixture(t, "responses/migrate_response.json"),
		},
		{
			name:   "MigrateSession empty 202",
			call:   func(ctx context.Context, ot *OpenTok) error { return ot.MigrateSession(ctx, testSessionID) },
			method: http.MethodPost, path: sessionPath + "/migrate", status: http.StatusAccepted,
		},
	})
}

func TestMigrateConflicts(t *testing.T) {
	cases := []struct {
		file     string
		status   int
		code     int
		sentinel error
	}{
		{"error_migrate_409_in_progress.json", 409, CodeMigrationInProgress, ErrConflict},
		{"error_migrate_409_too_soon.json", 409, CodeMigrationTooSoon, ErrConflict},
	}
	for _, kind := range credKinds() {
		for _, tc := range cases {
			t.Run(kind.name+"/"+tc.file, func(t *testing.T) {
				ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
					serveJSON(w, tc.status, fixture(t, "responses/"+tc.file))
				})
				ot := kind.client(t, ts.baseURL())
				err := ot.MigrateSession(context.Background(), testSessionID)
				assert.ErrorIs(t, err, tc.sentinel)
				var ae *APIError
				require.True(t, errors.As(err, &ae))
				assert.Equal(t, tc.code, ae.Code)
				assert.Contains(t, err.Error(), "code "+strconv.Itoa(tc.code))
				assert.Len(t, ts.requests(), 1, "a POST answered 409 is not retried")
			})
		}
	}
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 404, `{"message":"Not found. No clients are actively connected to the OpenTok session."}`)
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	assert.ErrorIs(t, ot.MigrateSession(context.Background(), testSessionID), ErrNotFound)
}

func TestMigrateValidation(t *testing.T) {
	runBadCases(t, credKinds(), []badCase{
		{"empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error { return ot.MigrateSession(ctx, "") }},
		{"session not UTF-8", "sessionId", func(ctx context.Context, ot *OpenTok) error { return ot.MigrateSession(ctx, "1_\xff") }},
	})
}
