package opentoktest

import (
	"net/http"
	"strconv"
)

// paging reads offset and count as the platform does (count default 50,
// max 1000).
func paging(r *http.Request) (offset, count int, aerr *apiError) {
	q := r.URL.Query()
	offset, count = 0, 50
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, 0, errf(http.StatusBadRequest, "offset must be a non-negative integer")
		}
		offset = n
	}
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			return 0, 0, errf(http.StatusBadRequest, "count must be between 0 and 1000")
		}
		if n > 0 {
			count = n
		}
	}
	return offset, count, nil
}

// page returns the items of one page (empty past the end).
func page[T any](items []T, offset, count int) []T {
	if offset >= len(items) {
		return []T{}
	}
	end := min(offset+count, len(items))
	return items[offset:end]
}

// listReply answers a list request: the items kept by keep (all when nil),
// paged with the request's offset and count, as {"count","items"}.
func listReply[T any](r *http.Request, all []T, keep func(T) bool, render func(T) map[string]any) (reply, *apiError) {
	offset, count, aerr := paging(r)
	if aerr != nil {
		return reply{}, aerr
	}
	kept := all
	if keep != nil {
		kept = nil
		for _, it := range all {
			if keep(it) {
				kept = append(kept, it)
			}
		}
	}
	items := []map[string]any{}
	for _, it := range page(kept, offset, count) {
		items = append(items, render(it))
	}
	return ok(map[string]any{"count": len(kept), "items": items}), nil
}
