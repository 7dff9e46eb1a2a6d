package opentok

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

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
