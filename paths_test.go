package opentok

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestIDsCannotChangePath checks that IDs holding "/", "..", spaces, "?",
// "#" or "%" are escaped into one path segment for every operation that
// puts an ID in the path.
func TestIDsCannotChangePath(t *testing.T) {
	weird := []struct{ id, esc string }{
		{"a/b", "a%2Fb"},
		{"..", "%2E%2E"},
		{".", "%2E"},
		{"../../archive", "..%2F..%2Farchive"},
		{"a b", "a%20b"},
		{"x?y=1#z", "x%3Fy=1%23z"},
		{"50%", "50%25"},
	}
	for _, kind := range credKinds() {
		for _, w := range weird {
			ops := []struct {
				name string
				call func(ctx context.Context, ot *OpenTok) error
				path string
			}{
				{"GetStream", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.GetStream(ctx, testSessionID, w.id)
					return err
				}, sessionPath + "/stream/" + w.esc},
				{"ListStreams session", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.ListStreams(ctx, w.id)
					return err
				}, "/session/" + w.esc + "/stream"},
				{"ForceMuteStream", func(ctx context.Context, ot *OpenTok) error {
					return ot.ForceMuteStream(ctx, testSessionID, w.id)
				}, sessionPath + "/stream/" + w.esc + "/mute"},
				{"ForceDisconnect", func(ctx context.Context, ot *OpenTok) error {
					return ot.ForceDisconnect(ctx, testSessionID, w.id)
				}, sessionPath + "/connection/" + w.esc},
				{"SignalConnection", func(ctx context.Context, ot *OpenTok) error {
					return ot.SignalConnection(ctx, testSessionID, w.id, SignalPayload{Type: "t"})
				}, sessionPath + "/connection/" + w.esc + "/signal"},
				{"PlayDTMFToConnection", func(ctx context.Context, ot *OpenTok) error {
					return ot.PlayDTMFToConnection(ctx, testSessionID, w.id, "1")
				}, sessionPath + "/connection/" + w.esc + "/play-dtmf"},
				{"MigrateSession", func(ctx context.Context, ot *OpenTok) error {
					return ot.MigrateSession(ctx, w.id)
				}, "/session/" + w.esc + "/migrate"},
				{"GetRender", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.GetRender(ctx, w.id)
					return err
				}, "/render/" + w.esc},
				{"StopRender", func(ctx context.Context, ot *OpenTok) error {
					return ot.StopRender(ctx, w.id)
				}, "/render/" + w.esc},
				{"StopCaptions", func(ctx context.Context, ot *OpenTok) error {
					return ot.StopCaptions(ctx, w.id)
				}, "/captions/" + w.esc + "/stop"},
				{"GetArchive", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.GetArchive(ctx, w.id)
					return err
				}, "/archive/" + w.esc},
				{"StopArchive", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.StopArchive(ctx, w.id)
					return err
				}, "/archive/" + w.esc + "/stop"},
				{"DeleteArchive", func(ctx context.Context, ot *OpenTok) error {
					return ot.DeleteArchive(ctx, w.id)
				}, "/archive/" + w.esc},
				{"SetArchiveLayout", func(ctx context.Context, ot *OpenTok) error {
					return ot.SetArchiveLayout(ctx, w.id, Layout{Type: LayoutPIP})
				}, "/archive/" + w.esc + "/layout"},
				{"AddArchiveStream", func(ctx context.Context, ot *OpenTok) error {
					return ot.AddArchiveStream(ctx, w.id, "s", nil)
				}, "/archive/" + w.esc + "/streams"},
				{"RemoveArchiveStream", func(ctx context.Context, ot *OpenTok) error {
					return ot.RemoveArchiveStream(ctx, w.id, "s")
				}, "/archive/" + w.esc + "/streams"},
				{"GetBroadcast", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.GetBroadcast(ctx, w.id)
					return err
				}, "/broadcast/" + w.esc},
				{"StopBroadcast", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.StopBroadcast(ctx, w.id)
					return err
				}, "/broadcast/" + w.esc + "/stop"},
				{"SetBroadcastLayout", func(ctx context.Context, ot *OpenTok) error {
					return ot.SetBroadcastLayout(ctx, w.id, Layout{Type: LayoutPIP})
				}, "/broadcast/" + w.esc + "/layout"},
				{"AddBroadcastStream", func(ctx context.Context, ot *OpenTok) error {
					return ot.AddBroadcastStream(ctx, w.id, "s", nil)
				}, "/broadcast/" + w.esc + "/streams"},
				{"RemoveBroadcastStream", func(ctx context.Context, ot *OpenTok) error {
					return ot.RemoveBroadcastStream(ctx, w.id, "s")
				}, "/broadcast/" + w.esc + "/streams"},
			}
			if kind.name == "opentok" {
				ops = append(ops, struct {
					name string
					call func(ctx context.Context, ot *OpenTok) error
					path string
				}{"UnregisterCallback", func(ctx context.Context, ot *OpenTok) error {
					return ot.UnregisterCallback(ctx, w.id)
				}, "/callback/" + w.esc})
			}
			for _, op := range ops {
				t.Run(kind.name+"/"+op.name+"/"+w.id, func(t *testing.T) {
					ts := newTestServer(t, func(rw http.ResponseWriter, r *http.Request, _ []byte) {
						serveJSON(rw, 200, `{"id":"x"}`)
					})
					ot := kind.client(t, ts.baseURL())
					err := op.call(context.Background(), ot)
					if w.id == "." || w.id == ".." {
						// Encoded or not, a dot segment may be resolved by a
						// proxy that normalises paths: refused outright.
						assert.ErrorIs(t, err, ErrInvalidArgument)
						assert.Empty(t, ts.requests(), "nothing sent")
						return
					}
					require.NoError(t, err)
					r := ts.only(t)
					assert.Equal(t, "/v2/project/"+kind.owner+op.path, r.Path)
					assert.Empty(t, r.RawQuery, "no query smuggled in")
				})
			}
		}
	}
}
