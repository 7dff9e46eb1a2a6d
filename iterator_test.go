package opentok

import (
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The iterator tests shared by AllArchives, AllBroadcasts, AllConnections
// and AllRenders.

// fakePages serves a newest-first list with offset/count paging, the way
// the platform does (defaults 0 and 50), and records the queries it was
// asked.
type fakePages struct {
	mu      sync.Mutex
	ids     []string
	item    func(id string) string
	queries []url.Values
	// page wraps the items with the total (default {"count","items"}).
	page func(total int, items string) string
	// ignorePaging serves the whole list whatever the query.
	ignorePaging bool
	// before runs before page n (1-based) is served; a non-zero status
	// fails the page.
	before func(n int, f *fakePages) int
}

func (f *fakePages) serve(w http.ResponseWriter, r *http.Request, _ []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q := r.URL.Query()
	f.queries = append(f.queries, q)
	if f.before != nil {
		if st := f.before(len(f.queries), f); st != 0 {
			serveJSON(w, st, `{"code":`+strconv.Itoa(st)+`,"message":"page failed"}`)
			return
		}
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	count := 50
	if c := q.Get("count"); c != "" {
		count, _ = strconv.Atoi(c)
	}
	ids := f.ids
	if !f.ignorePaging {
		ids = ids[min(offset, len(ids)):min(offset+count, len(ids))]
	}
	items := make([]string, len(ids))
	for i, id := range ids {
		items[i] = f.item(id)
	}
	page := f.page
	if page == nil {
		page = func(total int, items string) string { return fmt.Sprintf(`{"count":%d,"items":[%s]}`, total, items) }
	}
	serveJSON(w, 200, page(len(f.ids), strings.Join(items, ",")))
}

func (f *fakePages) asked() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.queries...)
}

// pageIDs returns n IDs, newest (highest) first.
func pageIDs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("id-%02d", n-i)
	}
	return out
}

// drainSeq ranges over seq, stopping after stopAfter items when positive, and
// returns the IDs and errors yielded. It keeps ranging after an error to
// prove that the iterator ends by itself.
func drainSeq[T any](seq iter.Seq2[T, error], id func(T) string, stopAfter int) (ids []string, errs []error) {
	for v, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, id(v))
		if stopAfter > 0 && len(ids) == stopAfter {
			break
		}
	}
	return ids, errs
}

func pageQuery(offset, count int, sessionID string) url.Values {
	q := url.Values{"count": {strconv.Itoa(count)}}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	if sessionID != "" {
		q.Set("sessionId", sessionID)
	}
	return q
}

// iterTest describes one All* iterator for runIteratorTests.
type iterTest[T any] struct {
	// item renders one list item with the given ID; page, when set, wraps
	// the items (default {"count","items"}).
	item func(id string) string
	page func(total int, items string) string
	// id returns an item's ID.
	id func(T) string
	// all runs the iterator; sessionID is "" unless sessionFilter.
	all func(ot *OpenTok, offset, count int, sessionID string) iter.Seq2[T, error]
	// sessionFilter says the list takes a sessionId filter.
	sessionFilter bool
	// path is the list's path below /v2/project/{owner}.
	path string
}

// runIteratorTests checks an All* iterator against fakePages for both
// credential types: several pages, stopping at the total, an early break,
// an error on page 2, a list that shifts by one between pages, the default
// page size, and invalid options (nothing sent).
func runIteratorTests[T any](t *testing.T, it iterTest[T]) {
	t.Helper()
	for _, kind := range credKinds() {
		setup := func(t *testing.T, f *fakePages) *OpenTok {
			f.item, f.page = it.item, it.page
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
				assert.Equal(t, http.MethodGet, r.Method)
				assert.Equal(t, testPrefix+"/v2/project/"+kind.owner+it.path, r.URL.EscapedPath())
				f.serve(w, r, body)
			})
			return kind.client(t, ts.baseURL())
		}
		sid := ""
		if it.sessionFilter {
			sid = testSessionID
		}
		t.Run(kind.name+"/several pages", func(t *testing.T) {
			f := &fakePages{ids: pageIDs(7)}
			ot := setup(t, f)
			seq := it.all(ot, 0, 3, sid)
			assert.Empty(t, f.asked(), "lazy: nothing sent before ranging")
			got, errs := drainSeq(seq, it.id, 0)
			assert.Empty(t, errs)
			assert.Equal(t, pageIDs(7), got)
			assert.Equal(t, []url.Values{pageQuery(0, 3, sid), pageQuery(3, 3, sid), pageQuery(6, 3, sid)}, f.asked())
		})
		t.Run(kind.name+"/stops at the total", func(t *testing.T) {
			f := &fakePages{ids: pageIDs(4)}
			ot := setup(t, f)
			got, errs := drainSeq(it.all(ot, 2, 2, ""), it.id, 0)
			assert.Empty(t, errs)
			assert.Equal(t, pageIDs(4)[2:], got, "from the offset on")
			assert.Equal(t, []url.Values{pageQuery(2, 2, "")}, f.asked(), "no request past the total")
		})
		t.Run(kind.name+"/early break", func(t *testing.T) {
			f := &fakePages{ids: pageIDs(10)}
			ot := setup(t, f)
			got, errs := drainSeq(it.all(ot, 0, 3, ""), it.id, 4)
			assert.Empty(t, errs)
			assert.Equal(t, pageIDs(10)[:4], got)
			assert.Equal(t, []url.Values{pageQuery(0, 3, ""), pageQuery(3, 3, "")}, f.asked(), "no page after the break")
		})
		t.Run(kind.name+"/error on page 2", func(t *testing.T) {
			f := &fakePages{ids: pageIDs(10), before: func(n int, _ *fakePages) int {
				if n == 2 {
					return http.StatusNotFound
				}
				return 0
			}}
			ot := setup(t, f)
			got, errs := drainSeq(it.all(ot, 0, 3, ""), it.id, 0)
			assert.Equal(t, pageIDs(10)[:3], got)
			require.Len(t, errs, 1, "one error, then the end")
			assert.ErrorIs(t, errs[0], ErrNotFound)
			assert.Len(t, f.asked(), 2)
		})
		t.Run(kind.name+"/list shifts between pages", func(t *testing.T) {
			f := &fakePages{ids: pageIDs(6), before: func(n int, f *fakePages) int {
				if n == 2 { // a new one starts: everything moves down by one
					f.ids = append([]string{"id-new"}, f.ids...)
				}
				return 0
			}}
			ot := setup(t, f)
			got, errs := drainSeq(it.all(ot, 0, 3, ""), it.id, 0)
			assert.Empty(t, errs)
			assert.Equal(t, pageIDs(6), got, "each once, none repeated")
			assert.Equal(t, []url.Values{pageQuery(0, 3, ""), pageQuery(3, 3, ""), pageQuery(6, 3, "")}, f.asked())
		})
		t.Run(kind.name+"/default page size", func(t *testing.T) {
			f := &fakePages{ids: pageIDs(2)}
			ot := setup(t, f)
			got, errs := drainSeq(it.all(ot, 0, 0, ""), it.id, 0)
			assert.Empty(t, errs)
			assert.Len(t, got, 2)
			assert.Equal(t, []url.Values{pageQuery(0, defaultPageSize, "")}, f.asked())
		})
		t.Run(kind.name+"/invalid options", func(t *testing.T) {
			f := &fakePages{ids: pageIDs(2)}
			ot := setup(t, f)
			for _, bad := range [][2]int{{-1, 0}, {0, 1001}, {0, -1}} {
				got, errs := drainSeq(it.all(ot, bad[0], bad[1], ""), it.id, 0)
				assert.Empty(t, got)
				require.Len(t, errs, 1)
				assert.ErrorIs(t, errs[0], ErrInvalidArgument)
			}
			assert.Empty(t, f.asked(), "nothing sent")
		})
	}
}
