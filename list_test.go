package opentok

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckPaging(t *testing.T) {
	assert.NoError(t, checkPaging(0, 0))
	assert.NoError(t, checkPaging(10, 1000))
	assert.ErrorIs(t, checkPaging(-1, 0), ErrInvalidArgument)
	assert.ErrorIs(t, checkPaging(0, 1001), ErrInvalidArgument)
	assert.ErrorIs(t, checkPaging(0, -5), ErrInvalidArgument)
}

// fakeList serves a newest-first list of IDs with offset paging and records
// the pages asked for.
type fakeList struct {
	items []string
	calls [][2]int
	// before runs before each page is served (to add items or fail).
	before func(call int) error
}

func (f *fakeList) fetch(_ context.Context, offset, count int) (*Page[string], error) {
	f.calls = append(f.calls, [2]int{offset, count})
	if f.before != nil {
		if err := f.before(len(f.calls)); err != nil {
			return nil, err
		}
	}
	p := &Page[string]{Total: len(f.items)}
	for i := offset; i < min(offset+count, len(f.items)); i++ {
		p.Items = append(p.Items, &f.items[i])
	}
	return p, nil
}

func strID(s *string) string { return *s }

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("id-%02d", n-i)
	}
	return out
}

func collect(t *testing.T, f *fakeList, offset, count int) ([]string, error) {
	t.Helper()
	var got []string
	for id, err := range paginate(context.Background(), nil, offset, count, strID, f.fetch) {
		if err != nil {
			return got, err
		}
		got = append(got, *id)
	}
	return got, nil
}

func TestPaginateSeveralPages(t *testing.T) {
	f := &fakeList{items: ids(7)}
	got, err := collect(t, f, 0, 3)
	require.NoError(t, err)
	assert.Equal(t, ids(7), got)
	assert.Equal(t, [][2]int{{0, 3}, {3, 3}, {6, 3}}, f.calls, "stops after the short page")
}

func TestPaginateStopsAtTotal(t *testing.T) {
	f := &fakeList{items: ids(6)}
	_, err := collect(t, f, 0, 3)
	require.NoError(t, err)
	assert.Equal(t, [][2]int{{0, 3}, {3, 3}}, f.calls, "no request past the reported total")
}

func TestPaginateIsLazyAndBreakable(t *testing.T) {
	f := &fakeList{items: ids(10)}
	seq := paginate(context.Background(), nil, 0, 3, strID, f.fetch)
	assert.Empty(t, f.calls, "nothing fetched before ranging")
	var got []string
	for id, err := range seq {
		require.NoError(t, err)
		got = append(got, *id)
		if len(got) == 4 {
			break
		}
	}
	assert.Equal(t, ids(10)[:4], got)
	assert.Len(t, f.calls, 2, "no page fetched after break")
}

func TestPaginateErrorOnPage2(t *testing.T) {
	boom := errors.New("boom")
	f := &fakeList{items: ids(10), before: func(call int) error {
		if call == 2 {
			return boom
		}
		return nil
	}}
	var got []string
	var errs []error
	for id, err := range paginate(context.Background(), nil, 0, 3, strID, f.fetch) {
		if err != nil {
			errs = append(errs, err)
			continue // the iterator must stop by itself
		}
		got = append(got, *id)
	}
	assert.Equal(t, ids(10)[:3], got)
	assert.Equal(t, []error{boom}, errs, "one error, then the end")
	assert.Len(t, f.calls, 2)
}

func TestPaginateDropsItemsShiftedByAnInsert(t *testing.T) {
	f := &fakeList{items: ids(6)}
	f.before = func(call int) error {
		if call == 2 { // a new archive appears at the head between pages
			f.items = append([]string{"id-new"}, f.items...)
		}
		return nil
	}
	got, err := collect(t, f, 0, 3)
	require.NoError(t, err)
	assert.Equal(t, ids(6), got, "every item once, the shifted one not repeated")
}

func TestPaginateDefaultPageSize(t *testing.T) {
	f := &fakeList{items: ids(3)}
	_, err := collect(t, f, 0, 0)
	require.NoError(t, err)
	assert.Equal(t, [][2]int{{0, defaultPageSize}}, f.calls)
}

// A list that shifts by a whole page between two requests cannot be told
// from a server that ignores the offset: the iteration ends with a
// *PagingError rather than loses items silently.
func TestPaginateReportsAShiftOfAWholePage(t *testing.T) {
	f := &fakeList{items: ids(4)}
	f.before = func(call int) error {
		if call == 2 { // a new archive appears: page 2 repeats page 1
			f.items = append([]string{"id-new"}, f.items...)
		}
		return nil
	}
	got, err := collect(t, f, 0, 1)
	assert.Equal(t, ids(4)[:1], got)
	var pe *PagingError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 1, pe.Offset)
	assert.Equal(t, 5, pe.Total)
	assert.ErrorIs(t, err, ErrBadResponse)
}

// A server that ignores the offset and sends the same full page made the
// All* iterators ask for the next page forever without yielding anything
// (seen: 7,000 requests in 3 s; a count of 1e9 meant 10 million requests).
// A page that brings nothing new now ends the iteration with a
// *PagingError, with or without a total.
func TestPaginationStopsWhenTheServerDoesNotAdvance(t *testing.T) {
	var items []string
	for i := range defaultPageSize {
		items = append(items, fmt.Sprintf(`{"id":"a%d","sessionId":"s","status":"available","createdAt":1}`, i))
	}
	for _, count := range []string{``, `"count":1000000000,`} {
		t.Run("count "+count, func(t *testing.T) {
			page := `{` + count + `"items":[` + strings.Join(items, ",") + `]}`
			ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, 200, page) })
			ot := credKinds()[0].client(t, ts.baseURL())
			n := 0
			var last error
			for a, err := range ot.AllArchives(context.Background(), nil) {
				if err != nil {
					last = err
					continue
				}
				require.NotNil(t, a)
				n++
			}
			assert.Equal(t, defaultPageSize, n, "every item once")
			var pe *PagingError
			require.ErrorAs(t, last, &pe, "the iteration ends with a typed error")
			assert.Equal(t, defaultPageSize, pe.Offset)
			assert.Len(t, ts.requests(), 2, "the second page showed the server was not advancing")
		})
	}
}

// An invalid option is the only thing the iterator yields, and nothing is
// fetched.
func TestPaginateYieldsTheValidationErrorAlone(t *testing.T) {
	f := &fakeList{items: ids(3)}
	bad := invalid("count", "too large")
	var errs []error
	for id, err := range paginate(context.Background(), bad, 0, 3, strID, f.fetch) {
		require.Nil(t, id)
		errs = append(errs, err)
	}
	assert.Equal(t, []error{bad}, errs)
	assert.Empty(t, f.calls)
}

// pagesServer is a server that ignores the offset: call n (from 0) gets
// pages[n % len(pages)] with the total total(n). It refuses to serve more
// than 1,000 pages, so that an iterator that would ask forever fails the
// test instead of hanging it.
type pagesServer struct {
	pages [][]string
	total func(call int) int
	calls int
}

var errAskedForever = errors.New("the iterator kept asking")

func (s *pagesServer) fetch(_ context.Context, _, _ int) (*Page[string], error) {
	if s.calls >= 1000 {
		return nil, errAskedForever
	}
	n := s.calls
	s.calls++
	p := &Page[string]{Total: s.total(n)}
	for _, id := range s.pages[n%len(s.pages)] {
		p.Items = append(p.Items, &id)
	}
	return p, nil
}

func page(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}

func constTotal(n int) func(int) int { return func(int) int { return n } }

// Two alternating pages, items without IDs, or a total that moves ahead of
// the offset, from a server that ignores the offset, kept the All*
// iterators asking until the caller's deadline (the guard caught only a
// page repeating the previous one). They now stop with a *PagingError:
// after the page that brings nothing new, or after the pages the first
// page's total allows, plus one.
func TestPaginationStopsOnServersThatIgnoreTheOffset(t *testing.T) {
	for _, tc := range []struct {
		name      string
		srv       *pagesServer
		wantItems int
		wantCalls int
		tooMany   bool
	}{
		{"two alternating pages, a huge total", &pagesServer{pages: [][]string{page("a", 3), page("b", 3)}, total: constTotal(1e9)}, 6, 3, false},
		{"two alternating pages, no total", &pagesServer{pages: [][]string{page("a", 3), page("b", 3)}, total: constTotal(0)}, 6, 2, true},
		{"items without IDs, a huge total", &pagesServer{pages: [][]string{{"", "", ""}}, total: constTotal(1e9)}, 3, 2, false},
		{"items without IDs, no total", &pagesServer{pages: [][]string{{"", "", ""}}, total: constTotal(0)}, 3, 2, false},
		{"new IDs every time, a total that keeps ahead", &pagesServer{
			pages: [][]string{page("a", 3), page("b", 3), page("c", 3), page("d", 3), page("e", 3), page("f", 3), page("g", 3)},
			total: func(call int) int { return 3*call + 7 }}, 12, 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			var last error
			for id, err := range paginate(context.Background(), nil, 0, 3, strID, tc.srv.fetch) {
				if err != nil {
					last = err
					continue // the iterator must stop by itself
				}
				got = append(got, *id)
			}
			require.NotErrorIs(t, last, errAskedForever)
			var pe *PagingError
			require.ErrorAs(t, last, &pe, "the iteration ends with a typed error")
			assert.ErrorIs(t, last, ErrBadResponse)
			assert.Len(t, got, tc.wantItems, "each item once: %v", got)
			assert.Equal(t, tc.wantCalls, tc.srv.calls, "requests")
			assert.Equal(t, tc.tooMany, pe.TooMany)
			assert.Equal(t, tc.wantCalls, pe.Pages)
			assert.Contains(t, pe.Error(), "the server is not paging")
		})
	}
}

// The pages the first total allows include one more for items added while
// iterating; a list that grows by more than a page while it is read ends
// with a *PagingError (TooMany) after every item read so far, once each.
// (Growth by exactly a page repeats the first page: a *PagingError too, see
// TestPaginateReportsAShiftOfAWholePage.)
func TestPaginateAllowsOnePageOfGrowth(t *testing.T) {
	grow := func(by int) *fakeList {
		f := &fakeList{items: ids(6)}
		f.before = func(call int) error {
			if call == 2 {
				f.items = append(ids(by + 10)[:by], f.items...) // new items at the head
			}
			return nil
		}
		return f
	}
	f := grow(2)
	got, err := collect(t, f, 0, 3)
	require.NoError(t, err, "grown by less than a page")
	assert.Equal(t, ids(6), got)

	f = grow(4)
	got, err = collect(t, f, 0, 3)
	var pe *PagingError
	require.ErrorAs(t, err, &pe, "grown by more than a page")
	assert.True(t, pe.TooMany)
	assert.Equal(t, 6, pe.Total, "the first page's total")
	assert.Len(t, f.calls, 3, "the two pages of the first total, and one more")
	assert.Equal(t, []string{"id-06", "id-05", "id-04", "id-11", "id-03", "id-02"}, got)
	seen := map[string]bool{}
	for _, id := range got {
		assert.False(t, seen[id], "%s twice", id)
		seen[id] = true
	}
}

// The same through the REST path: AllArchives against a server that
// alternates two pages and reports a total of a billion.
func TestAllArchivesStopsOnAlternatingPages(t *testing.T) {
	pageOf := func(prefix string) string {
		var items []string
		for i := range defaultPageSize {
			items = append(items, fmt.Sprintf(`{"id":"%s%d","sessionId":"s","status":"available","createdAt":1}`, prefix, i))
		}
		return `{"count":1000000000,"items":[` + strings.Join(items, ",") + `]}`
	}
	pages := []string{pageOf("a"), pageOf("b")}
	var n atomic.Int32
	ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		serveJSON(w, 200, pages[(n.Add(1)-1)%2])
	})
	ot := credKinds()[0].client(t, ts.baseURL())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := 0
	var last error
	for _, err := range ot.AllArchives(ctx, nil) {
		if err != nil {
			last = err
			continue
		}
		got++
	}
	var pe *PagingError
	require.ErrorAs(t, last, &pe)
	assert.Equal(t, 2*defaultPageSize, got)
	assert.Len(t, ts.requests(), 3)
}
