package opentok

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"sync"
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
			assert.Equal(t, "e9f8c166-6c67-440d-994a-04fb6dfed007", l.ProjectID)
			assert.Equal(t, "b40ef09b-3811-4726-b508-e41a0f96c68f", l.SessionID)
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
			assert.Equal(t, "123456", l.ProjectID)
			assert.Equal(t, testSessionID, l.SessionID)
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

func TestConnectionFailureSweep(t *testing.T) {
	runFailureSweep(t, []sweepOp{
		{
			name: "ListConnections",
			call: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ListConnections(ctx, testSessionID, nil)
				return err
			},
			emptyID: func(ctx context.Context, ot *OpenTok) error {
				_, err := ot.ListConnections(ctx, "", nil)
				return err
			},
		},
		{
			name: "AllConnections",
			call: func(ctx context.Context, ot *OpenTok) error {
				return firstErr(ot.AllConnections(ctx, testSessionID, nil))
			},
			emptyID: func(ctx context.Context, ot *OpenTok) error { return firstErr(ot.AllConnections(ctx, "", nil)) },
		},
		{
			name:    "ForceDisconnect",
			call:    func(ctx context.Context, ot *OpenTok) error { return ot.ForceDisconnect(ctx, testSessionID, "C") },
			emptyID: func(ctx context.Context, ot *OpenTok) error { return ot.ForceDisconnect(ctx, testSessionID, "") },
		},
	})
}

// pagedList is a fake list endpoint: it serves ids with offset/count paging
// (platform defaults 0 and 50), records each raw query, and lets a test
// change the list or fail a request before it is served.
type pagedList struct {
	mu      sync.Mutex
	ids     []string
	queries []string
	// before runs before request n (1-based); a non-zero status fails it.
	before func(n int, p *pagedList) int
	// item renders one item; page wraps the items with the total.
	item func(id string) string
	page func(total int, items string) string
	// ignorePaging serves the whole list whatever the query.
	ignorePaging bool
}

func (p *pagedList) handle(w http.ResponseWriter, r *http.Request, _ []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queries = append(p.queries, r.URL.RawQuery)
	if p.before != nil {
		if status := p.before(len(p.queries), p); status != 0 {
			serveJSON(w, status, `{"code":`+strconv.Itoa(status)+`,"message":"failed on purpose"}`)
			return
		}
	}
	offset, count := 0, 50
	if v := r.URL.Query().Get("offset"); v != "" {
		offset, _ = strconv.Atoi(v)
	}
	if v := r.URL.Query().Get("count"); v != "" {
		count, _ = strconv.Atoi(v)
	}
	ids := p.ids
	if !p.ignorePaging {
		ids = ids[min(offset, len(ids)):min(offset+count, len(ids))]
	}
	items := make([]string, len(ids))
	for i, id := range ids {
		items[i] = p.item(id)
	}
	serveJSON(w, 200, p.page(len(p.ids), strings.Join(items, ",")))
}

func (p *pagedList) recorded() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.queries...)
}

func prefixedIDs(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%02d", prefix, i+1)
	}
	return out
}

// iterCase drives the iterator tests of AllConnections and AllRenders.
type iterCase struct {
	// list makes the fake endpoint; all ranges the iterator under test.
	list func() *pagedList
	all  func(ot *OpenTok, offset, count int) iter.Seq2[string, error]
	path string
}

func runPagedIteratorTests(t *testing.T, ic iterCase) {
	for _, kind := range credKinds() {
		setup := func(t *testing.T, ids []string) (*OpenTok, *pagedList) {
			p := ic.list()
			p.ids = ids
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				assert.Equal(t, "/v2/project/"+kind.owner+ic.path, strings.TrimPrefix(r.URL.EscapedPath(), testPrefix))
				assert.Equal(t, http.MethodGet, r.Method)
				p.handle(w, r, body)
			})
			return kind.client(t, ts.baseURL()), p
		}
		collectAll := func(seq iter.Seq2[string, error]) ([]string, []error) {
			var got []string
			var errs []error
			for id, err := range seq {
				if err != nil {
					errs = append(errs, err)
					continue // the iterator must stop by itself
				}
				got = append(got, id)
			}
			return got, errs
		}
		t.Run(kind.name+"/several pages", func(t *testing.T) {
			ot, p := setup(t, prefixedIDs("x", 7))
			got, errs := collectAll(ic.all(ot, 0, 3))
			assert.Empty(t, errs)
			assert.Equal(t, prefixedIDs("x", 7), got)
			assert.Equal(t, []string{"count=3", "count=3&offset=3", "count=3&offset=6"}, p.recorded())
		})
		t.Run(kind.name+"/stops at the total", func(t *testing.T) {
			ot, p := setup(t, prefixedIDs("x", 6))
			got, errs := collectAll(ic.all(ot, 0, 3))
			assert.Empty(t, errs)
			assert.Equal(t, prefixedIDs("x", 6), got)
			assert.Equal(t, []string{"count=3", "count=3&offset=3"}, p.recorded())
		})
		t.Run(kind.name+"/default page size and start offset", func(t *testing.T) {
			ot, p := setup(t, prefixedIDs("x", 5))
			got, errs := collectAll(ic.all(ot, 0, 0))
			assert.Empty(t, errs)
			assert.Equal(t, prefixedIDs("x", 5), got)
			assert.Equal(t, []string{"count=100"}, p.recorded())

			ot, p = setup(t, prefixedIDs("x", 5))
			got, errs = collectAll(ic.all(ot, 2, 2))
			assert.Empty(t, errs)
			assert.Equal(t, prefixedIDs("x", 5)[2:], got)
			assert.Equal(t, []string{"count=2&offset=2", "count=2&offset=4"}, p.recorded())
		})
		t.Run(kind.name+"/lazy and early break", func(t *testing.T) {
			ot, p := setup(t, prefixedIDs("x", 10))
			seq := ic.all(ot, 0, 3)
			assert.Empty(t, p.recorded(), "nothing fetched before ranging")
			var got []string
			for id, err := range seq {
				require.NoError(t, err)
				got = append(got, id)
				if len(got) == 4 {
					break
				}
			}
			assert.Equal(t, prefixedIDs("x", 10)[:4], got)
			assert.Equal(t, []string{"count=3", "count=3&offset=3"}, p.recorded(), "no page after the break")
		})
		t.Run(kind.name+"/error on page 2", func(t *testing.T) {
			ot, p := setup(t, prefixedIDs("x", 10))
			p.before = func(n int, _ *pagedList) int {
				if n == 2 {
					return http.StatusNotFound
				}
				return 0
			}
			got, errs := collectAll(ic.all(ot, 0, 3))
			assert.Equal(t, prefixedIDs("x", 10)[:3], got)
			require.Len(t, errs, 1, "one error, then the end")
			assert.ErrorIs(t, errs[0], ErrNotFound)
			assert.Equal(t, []string{"count=3", "count=3&offset=3"}, p.recorded())
		})
		t.Run(kind.name+"/shifted page", func(t *testing.T) {
			ot, p := setup(t, prefixedIDs("x", 6))
			p.before = func(n int, p *pagedList) int {
				if n == 2 { // an item appears at the head between two pages
					p.ids = append([]string{"x-new"}, p.ids...)
				}
				return 0
			}
			got, errs := collectAll(ic.all(ot, 0, 3))
			assert.Empty(t, errs)
			assert.Equal(t, prefixedIDs("x", 6), got, "every item once; the one pushed onto page 2 is not repeated")
		})
	}
}

func TestAllConnections(t *testing.T) {
	runPagedIteratorTests(t, iterCase{
		list: func() *pagedList {
			return &pagedList{
				item: func(id string) string {
					return `{"connectionId":"` + id + `","connectionState":"Connected","createdAt":1384221730000}`
				},
				page: func(total int, items string) string {
					return `{"count":` + strconv.Itoa(total) + `,"applicationId":"app","sessionId":"s","items":[` + items + `]}`
				},
			}
		},
		all: func(ot *OpenTok, offset, count int) iter.Seq2[string, error] {
			return func(yield func(string, error) bool) {
				for c, err := range ot.AllConnections(context.Background(), testSessionID, &ListConnectionsOptions{Offset: offset, Count: count}) {
					id := ""
					if c != nil {
						id = c.ID
						assert.Equal(t, ConnectionConnected, c.State)
					}
					if !yield(id, err) {
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
	// same full list again: the iterator ends instead of asking forever.
	p := &pagedList{
		ids:          prefixedIDs("c", 3),
		ignorePaging: true,
		item:         func(id string) string { return `{"connectionId":"` + id + `"}` },
		page:         func(_ int, items string) string { return `{"items":[` + items + `]}` },
	}
	ts := newTestServer(t, p.handle)
	ot := credKinds()[0].client(t, ts.baseURL())
	var got []string
	for c, err := range ot.AllConnections(context.Background(), testSessionID, &ListConnectionsOptions{Count: 3}) {
		require.NoError(t, err)
		got = append(got, c.ID)
	}
	assert.Equal(t, prefixedIDs("c", 3), got)
	assert.Equal(t, []string{"count=3", "count=3&offset=3"}, p.recorded())

	// With a count, the platform's whole list in one page ends the loop.
	p = &pagedList{
		ids:          prefixedIDs("c", 5),
		ignorePaging: true,
		item:         func(id string) string { return `{"connectionId":"` + id + `"}` },
		page: func(total int, items string) string {
			return `{"count":` + strconv.Itoa(total) + `,"items":[` + items + `]}`
		},
	}
	ts = newTestServer(t, p.handle)
	ot = credKinds()[0].client(t, ts.baseURL())
	got = nil
	for c, err := range ot.AllConnections(context.Background(), testSessionID, &ListConnectionsOptions{Count: 2}) {
		require.NoError(t, err)
		got = append(got, c.ID)
	}
	assert.Equal(t, prefixedIDs("c", 5), got)
	assert.Equal(t, []string{"count=2"}, p.recorded())
}
