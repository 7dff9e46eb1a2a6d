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
