package opentok

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Lists: the one page type every List* method returns, the one pager every
// All* iterator is built on, and the offset/count query they share.

// MaxListCount is the largest page the platform serves (the count query
// parameter).
const MaxListCount = 1000

// defaultPageSize is the page size the All* iterators ask for when the
// options give none.
const defaultPageSize = 100

// Page is one page of a list, as every List* method returns it:
// [OpenTok.ListArchives] returns a *Page[Archive], [OpenTok.ListStreams] a
// *Page[Stream], and so on. The All* methods go through every page.
type Page[T any] struct {
	// Items are the page's items, in the list's order; empty (not nil)
	// when there are none.
	Items []*T
	// Total is the number of items in the whole list (the platform's
	// "count"), not the length of Items; for the lists the platform sends
	// in one piece, it is len(Items) when the platform reports none.
	Total int
}

// LogValue logs the page with its items as their own Format methods print
// them, so that the secrets some items hold (the RTMP stream names of
// broadcasts, the secrets of projects) are redacted in slog's JSON handler
// too.
func (p Page[T]) LogValue() slog.Value {
	var b strings.Builder
	b.WriteString("{Items:[")
	for i, it := range p.Items {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%+v", it)
	}
	b.WriteString("] Total:" + strconv.Itoa(p.Total) + "}")
	return slog.StringValue(b.String())
}

// listWire is the platform's list answer, {"count","items"}.
type listWire[W any] struct {
	Count flexInt `json:"count"`
	Items []W     `json:"items"`
}

// listPage sends GET path?query and returns the answer's items, each
// converted by conv, as a page.
func listPage[W, T any](ctx context.Context, ot *OpenTok, path string, query url.Values, conv func(*W) *T) (*Page[T], error) {
	var w listWire[W]
	if err := ot.do(ctx, &request{method: http.MethodGet, path: path, query: query, out: &w}); err != nil {
		return nil, err
	}
	p := &Page[T]{Items: make([]*T, 0, len(w.Items)), Total: int(w.Count)}
	for i := range w.Items {
		p.Items = append(p.Items, conv(&w.Items[i]))
	}
	return p, nil
}

// listArray sends GET path and returns the answer, a JSON array, as one
// page holding every item.
func listArray[W, T any](ctx context.Context, ot *OpenTok, path string, conv func(*W) *T) (*Page[T], error) {
	var w []W
	if err := ot.do(ctx, &request{method: http.MethodGet, path: path, out: &w}); err != nil {
		return nil, err
	}
	p := &Page[T]{Items: make([]*T, 0, len(w)), Total: len(w)}
	for i := range w {
		p.Items = append(p.Items, conv(&w[i]))
	}
	return p, nil
}

// checkPaging validates offset/count list options.
func checkPaging(offset, count int) error {
	if offset < 0 {
		return invalid("offset", "must not be negative")
	}
	if count < 0 || count > MaxListCount {
		return invalid("count", "must be between 0 (platform default, 50) and 1000")
	}
	return nil
}

// pagingQuery validates list options and builds the offset/count/sessionId
// query, holding only what is set.
func (ot *OpenTok) pagingQuery(offset, count int, sessionID string) (url.Values, error) {
	if err := checkPaging(offset, count); err != nil {
		return nil, err
	}
	q := listQuery(offset, count)
	if sessionID != "" {
		if err := ot.checkSessionID("sessionId", sessionID); err != nil {
			return nil, err
		}
		q.Set("sessionId", sessionID)
	}
	return q, nil
}

// listQuery returns the offset/count query of a list call; zero values are
// left out (platform defaults: offset 0, count 50).
func listQuery(offset, count int) url.Values {
	q := url.Values{}
	if offset > 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	if count > 0 {
		q.Set("count", strconv.Itoa(count))
	}
	return q
}

// PagingError is the error an All* iterator yields, and stops on, when the
// server does not page as offset paging should: a server that ignores the
// offset (or a proxy that dropped the query string) sends the same pages
// again, and asking for more would repeat them for as long as the server
// likes. The iterator stops at the first of:
//
//   - a page after the first that brings no item with an ID it has not
//     yielded already: nothing new (items without an ID cannot be told
//     from repeats, so they do not count as new); this also ends a list
//     that shifted by a whole page between two requests, which looks the
//     same;
//   - a full page past the pages the total reported with the first page
//     allows, plus one for items added while iterating (TooMany).
//
// Start the iteration again to read the list anew. It matches
// [ErrBadResponse] with [errors.Is].
type PagingError struct {
	// Offset is the offset of the last page read.
	Offset int
	// Total is the total the server reported: for that page, or, with
	// TooMany, for the first page (0 when none).
	Total int
	// Pages is the number of pages the iteration read.
	Pages int
	// TooMany is set when the iteration stopped because the server kept
	// sending full pages past what its reported total allows, rather than
	// a page with nothing new.
	TooMany bool
}

// Error describes the stalled paging.
func (e *PagingError) Error() string {
	if e.TooMany {
		return "opentok: the server is not paging: after " + strconv.Itoa(e.Pages) +
			" pages (the last at offset " + strconv.Itoa(e.Offset) + ") it still sends full pages, more than its reported total of " +
			strconv.Itoa(e.Total) + " allows"
	}
	return "opentok: the server is not paging: the page at offset " + strconv.Itoa(e.Offset) +
		" (of a reported " + strconv.Itoa(e.Total) + ") brought nothing new"
}

// Is reports whether target is [ErrBadResponse].
func (e *PagingError) Is(target error) bool { return target == ErrBadResponse }

// lister fetches the page of count items at offset: a List* method with
// the options of the iteration.
type lister[T any] func(ctx context.Context, offset, count int) (*Page[T], error)

// paginate is every All* iterator: a lazy iterator over every item from
// offset on, fetching pages of count items (defaultPageSize when 0) with
// list. When invalid (the options' validation error) is not nil it yields
// that error and nothing else. It stops after yielding an error and is safe
// to break out of. It drops an item whose ID (as id returns it) was on the
// first page or the previous one: offset paging over a list that changes
// shifts when items are added between two requests, so the next page
// starts with items already seen. Only two pages of IDs are remembered, so
// memory stays bounded by the page size however long the list is. It ends
// with a *PagingError when the server does not page (see PagingError): a
// page that brings nothing new, or more full pages than the first page's
// total allows; so a server that ignores the offset costs at most that
// many requests, and two when it repeats the first page.
func paginate[T any](ctx context.Context, invalid error, offset, count int, id func(*T) string, list lister[T]) iter.Seq2[*T, error] {
	if count == 0 {
		count = defaultPageSize
	}
	return func(yield func(*T, error) bool) {
		if invalid != nil {
			yield(nil, invalid)
			return
		}
		first := make(map[string]struct{}, count)
		prev := make(map[string]struct{}, count)
		cur := make(map[string]struct{}, count)
		keep := make([]*T, 0, count)
		start, maxPages, firstTotal := offset, 0, 0
		for page := 0; ; page++ {
			p, err := list(ctx, offset, count)
			if err != nil {
				yield(nil, err)
				return
			}
			n := len(p.Items)
			if page == 0 {
				// The pages the reported total allows, plus one for items
				// added while iterating; a total under what came is taken
				// as what came.
				firstTotal = p.Total
				expect := max(p.Total, start+n) - start
				maxPages = (expect+count-1)/count + 1
			}
			clear(cur)
			keep, fresh := keep[:0], 0
			for _, it := range p.Items {
				k := id(it)
				if k != "" {
					_, dupFirst := first[k]
					_, dupPrev := prev[k]
					_, dupCur := cur[k]
					cur[k] = struct{}{}
					if dupFirst || dupPrev || dupCur {
						continue
					}
					fresh++
				}
				keep = append(keep, it)
			}
			if page > 0 && n > 0 && fresh == 0 {
				yield(nil, &PagingError{Offset: offset, Total: p.Total, Pages: page + 1})
				return
			}
			for _, it := range keep {
				if !yield(it, nil) {
					return
				}
			}
			if page == 0 {
				maps.Copy(first, cur)
			}
			prev, cur = cur, prev
			if n == 0 || n < count || (p.Total > 0 && offset+n >= p.Total) {
				return
			}
			if page+1 >= maxPages {
				yield(nil, &PagingError{Offset: offset, Total: firstTotal, Pages: page + 1, TooMany: true})
				return
			}
			offset += n
		}
	}
}
