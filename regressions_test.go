package opentok

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

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
