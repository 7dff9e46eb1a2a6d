package opentok

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConnectionRequests(t *testing.T) {
	runOpCases(t, credKinds(), []opCase{
		{
			name: "ListConnections minimal",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ListConnections(ctx, testSessionID, nil)
				return err
			},
			method: http.MethodGet, path: sessionPath + "/connection",
			answer: fixture(t, "responses/connection_list_response.json"),
		},
		{
			name: "ListConnections zero options",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ListConnections(ctx, testSessionID, &ListConnectionsOptions{})
				return err
			},
			method: http.MethodGet, path: sessionPath + "/connection",
			answer: fixture(t, "responses/connection_list_response.json"),
		},
		{
			name: "ListConnections full",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ListConnections(ctx, testSessionID, &ListConnectionsOptions{Offset: 5, Count: 10})
				return err
			},
			method: http.MethodGet, path: sessionPath + "/connection", query: "count=10&offset=5",
			answer: fixture(t, "responses/connection_list_response.json"),
		},
		{
			name: "ForceDisconnect",
			call: func(ctx context.Context, ot *OpenTok) error {
				return ot.ForceDisconnect(ctx, testSessionID, "CONNECTIONID")
			},
			method: http.MethodDelete, path: sessionPath + "/connection/CONNECTIONID", status: http.StatusNoContent,
		},
	})
}

func TestConnectionFixtures(t *testing.T) {
	for _, kind := range credKinds() {
		t.Run(kind.name, func(t *testing.T) {
			var answer string
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 200, answer) })
			ot := kind.client(t, ts.baseURL())

			// The OpenAPI document's example (createdAt as a number).
			answer = fixture(t, "responses/connection_list_response.json")
			l, err := ot.ListConnections(context.Background(), testSessionID, nil)
			require.NoError(t, err)
			assert.Equal(t, 3, l.Total)
			require.Len(t, l.Items, 3)
			assert.Equal(t, &Connection{ID: "8b732909-0a06-46a2-8ea8-074e64d43422", State: ConnectionConnected,
				CreatedAt: time.UnixMilli(1384221730000)}, l.Items[0])
			assert.True(t, l.Items[1].CreatedAt.Equal(time.UnixMilli(1384221730555)))
			assert.Equal(t, ConnectionConnecting, l.Items[2].State)

			// OpenTok flavour: projectId as a number, count and createdAt as
			// strings (the OpenAPI document types createdAt as a string), an
			// unknown state, a null time.
			answer = fixture(t, "responses/connection_list_response_opentok.json")
			l, err = ot.ListConnections(context.Background(), testSessionID, nil)
			require.NoError(t, err)
			assert.Equal(t, 2, l.Total)
			require.Len(t, l.Items, 2)
			assert.Equal(t, ConnectionDisconnected, l.Items[0].State)
			assert.True(t, l.Items[0].CreatedAt.Equal(time.UnixMilli(1384221730000)))
			assert.Equal(t, ConnectionState("Reconnecting"), l.Items[1].State)
			assert.True(t, l.Items[1].CreatedAt.IsZero())

			answer = `{"count":0}`
			l, err = ot.ListConnections(context.Background(), testSessionID, nil)
			require.NoError(t, err)
			assert.NotNil(t, l.Items)
			assert.Empty(t, l.Items)
		})
	}
}

func TestConnectionValidation(t *testing.T) {
	runBadCases(t, credKinds(), []badCase{
		{"ListConnections empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListConnections(ctx, "", nil)
			return err
		}},
		{"ListConnections negative offset", "offset", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListConnections(ctx, testSessionID, &ListConnectionsOptions{Offset: -1})
			return err
		}},
		{"ListConnections count too big", "count", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListConnections(ctx, testSessionID, &ListConnectionsOptions{Count: 1001})
			return err
		}},
		{"ListConnections negative count", "count", func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ListConnections(ctx, testSessionID, &ListConnectionsOptions{Count: -1})
			return err
		}},
		{"AllConnections empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			return firstErr(ot.AllConnections(ctx, "", nil))
		}},
		{"AllConnections count too big", "count", func(ctx context.Context, ot *OpenTok) error {
			return firstErr(ot.AllConnections(ctx, testSessionID, &ListConnectionsOptions{Count: 5000}))
		}},
		{"ForceDisconnect empty session", "sessionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.ForceDisconnect(ctx, "", "C")
		}},
		{"ForceDisconnect empty connection never hits the session URL", "connectionId", func(ctx context.Context, ot *OpenTok) error {
			return ot.ForceDisconnect(ctx, testSessionID, "")
		}},
	})
}

// firstErr ranges over seq and returns the first error (nil if none).
func firstErr[T any](seq iter.Seq2[T, error]) error {
	for _, err := range seq {
		if err != nil {
			return err
		}
	}
	return nil
}

func TestAllConnections(t *testing.T) {
	runIteratorTests(t, iterTest[*Connection]{
		item: func(id string) string {
			return `{"connectionId":"` + id + `","connectionState":"Connected","createdAt":1384221730000}`
		},
		page: func(total int, items string) string {
			return `{"count":` + strconv.Itoa(total) + `,"applicationId":"app","sessionId":"s","items":[` + items + `]}`
		},
		id: func(c *Connection) string { return c.ID },
		all: func(ot *OpenTok, offset, count int, _ string) iter.Seq2[*Connection, error] {
			return func(yield func(*Connection, error) bool) {
				for c, err := range ot.AllConnections(context.Background(), testSessionID, &ListConnectionsOptions{Offset: offset, Count: count}) {
					if err == nil && c.State != ConnectionConnected {
						err = errors.New("item not decoded")
					}
					if !yield(c, err) {
						return
					}
				}
			}
		},
		path: sessionPath + "/connection",
	})
}

func TestAllConnectionsPlatformIgnoringPaging(t *testing.T) {
	// A platform that ignores offset/count and reports no count serves the
	// same full list again: the iterator ends with a *PagingError instead
	// of asking forever.
	item := func(id string) string { return `{"connectionId":"` + id + `"}` }
	f := &fakePages{ids: pageIDs(3), ignorePaging: true, item: item,
		page: func(_ int, items string) string { return `{"items":[` + items + `]}` }}
	ts := newTestServer(t, f.serve)
	ot := credKinds()[0].client(t, ts.baseURL())
	got, errs := drainSeq(ot.AllConnections(context.Background(), testSessionID, &ListConnectionsOptions{Count: 3}),
		func(c *Connection) string { return c.ID }, 0)
	require.Len(t, errs, 1)
	var pe *PagingError
	assert.ErrorAs(t, errs[0], &pe)
	assert.Equal(t, pageIDs(3), got)
	assert.Equal(t, []url.Values{pageQuery(0, 3, ""), pageQuery(3, 3, "")}, f.asked())

	// With a count, the platform's whole list in one page ends the loop.
	f = &fakePages{ids: pageIDs(5), ignorePaging: true, item: item}
	ts = newTestServer(t, f.serve)
	ot = credKinds()[0].client(t, ts.baseURL())
	got, errs = drainSeq(ot.AllConnections(context.Background(), testSessionID, &ListConnectionsOptions{Count: 2}),
		func(c *Connection) string { return c.ID }, 0)
	assert.Empty(t, errs)
	assert.Equal(t, pageIDs(5), got)
	assert.Equal(t, []url.Values{pageQuery(0, 2, "")}, f.asked())
}
