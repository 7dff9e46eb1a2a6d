package opentok

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"math"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"
)

// Wire helpers shared by the resource files: tolerant decoding of the
// platform's JSON (numbers that arrive as strings, booleans that arrive as
// strings, millisecond timestamps) and the lazy offset/count pager behind
// the All* iterators.

// msTime decodes epoch milliseconds given as a JSON number or string (null,
// "" and 0 decode to the zero time).
type msTime time.Time

func (t *msTime) UnmarshalJSON(b []byte) error {
	n, ok := lenientNumber(b)
	if !ok || n == 0 {
		*t = msTime{}
		return nil
	}
	*t = msTime(time.UnixMilli(int64(n)))
	return nil
}

// Time returns the decoded time (zero when absent).
func (t msTime) Time() time.Time { return time.Time(t) }

// seconds decodes a duration in seconds given as a JSON number or string.
type seconds time.Duration

func (s *seconds) UnmarshalJSON(b []byte) error {
	n, ok := lenientNumber(b)
	if !ok {
		*s = 0
		return nil
	}
	*s = seconds(time.Duration(n * float64(time.Second)))
	return nil
}

// Duration returns the decoded duration.
func (s seconds) Duration() time.Duration { return time.Duration(s) }

// flexInt decodes an integer given as a JSON number or string (anything else
// decodes to 0).
type flexInt int64

func (i *flexInt) UnmarshalJSON(b []byte) error {
	n, ok := lenientNumber(b)
	if !ok {
		*i = 0
		return nil
	}
	*i = flexInt(n)
	return nil
}

// flexBool decodes a boolean given as true/false or "true"/"false" (the
// platform sends strings in some streams[] arrays); anything else is false.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch string(b) {
	case "true", `"true"`, `"TRUE"`, `"True"`, "1", `"1"`:
		*f = true
	default:
		*f = false
	}
	return nil
}

// flexString decodes a JSON string, or the text of a JSON number (the
// platform sends projectId both ways); null and other values give "".
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	*s = flexString(rawString(b))
	return nil
}

// lenientNumber reads a JSON number or a string holding one.
func lenientNumber(b []byte) (float64, bool) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		return 0, false
	}
	if b[0] == '"' {
		var s string
		if json.Unmarshal(b, &s) != nil {
			return 0, false
		}
		b = []byte(s)
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f > 1e17 || f < -1e17 {
		return 0, false
	}
	return f, true
}

// MaxListCount is the largest page the platform serves (the count query
// parameter).
const MaxListCount = 1000

// defaultPageSize is the page size the All* iterators ask for when the
// options give none.
const defaultPageSize = 100

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

// pageFunc fetches one page at offset with the given count; it returns the
// page's items and the total the platform reported.
type pageFunc[T any] func(ctx context.Context, offset, count int) (items []T, total int, err error)

// PagingError is the error an All* iterator yields, and stops on, when a
// page brings no item it has not yielded already: the server ignores the
// offset (or a proxy dropped the query string), so asking for further
// pages would only repeat them, as often as the reported total allows. It
// also ends a list that shifted by a whole page between two requests,
// which looks the same; start the iteration again to read it anew. It
// matches [ErrBadResponse] with [errors.Is].
type PagingError struct {
	// Offset is the offset of the page that brought nothing new.
	Offset int
	// Total is the total the server reported for it (0 when none).
	Total int
}

// Error describes the stalled paging.
func (e *PagingError) Error() string {
	return "opentok: the server is not paging: the page at offset " + strconv.Itoa(e.Offset) +
		" (of a reported " + strconv.Itoa(e.Total) + ") brought nothing new"
}

// Is reports whether target is [ErrBadResponse].
func (e *PagingError) Is(target error) bool { return target == ErrBadResponse }

// paginate returns a lazy iterator over every item from offset on, fetching
// pages of count items (defaultPageSize when 0). It stops after yielding an
// error and is safe to break out of. It drops an item whose ID was on the
// previous page: offset paging over a newest-first list shifts when items are
// added between two requests, so the next page starts with items already
// seen. Only one page of IDs is remembered, so memory stays bounded by the
// page size however long the list is. A page after the first that holds
// nothing but repeats ends the iteration with a *PagingError, whatever the
// reported total: the server is not advancing.
func paginate[T any](ctx context.Context, offset, count int, id func(T) string, fetch pageFunc[T]) iter.Seq2[T, error] {
	if count == 0 {
		count = defaultPageSize
	}
	return func(yield func(T, error) bool) {
		prev := make(map[string]struct{}, count)
		cur := make(map[string]struct{}, count)
		for page := 0; ; page++ {
			items, total, err := fetch(ctx, offset, count)
			if err != nil {
				var zero T
				yield(zero, err)
				return
			}
			clear(cur)
			fresh := 0
			for _, it := range items {
				k := id(it)
				if k != "" {
					_, dupPrev := prev[k]
					_, dupCur := cur[k]
					cur[k] = struct{}{}
					if dupPrev || dupCur {
						continue
					}
				}
				fresh++
				if !yield(it, nil) {
					return
				}
			}
			if page > 0 && len(items) > 0 && fresh == 0 {
				var zero T
				yield(zero, &PagingError{Offset: offset, Total: total})
				return
			}
			prev, cur = cur, prev
			offset += len(items)
			if len(items) == 0 || len(items) < count || (total > 0 && offset >= total) {
				return
			}
		}
	}
}

// rawString returns a JSON string's value or a JSON number's text (null and
// other values give "").
func rawString(raw json.RawMessage) string {
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && bytes.IndexByte(raw[1:n-1], '\\') < 0 &&
		bytes.IndexByte(raw[1:n-1], '"') < 0 && utf8.Valid(raw[1:n-1]) {
		return string(raw[1 : n-1]) // the common case: no escapes to undo
	}
	switch {
	case len(raw) == 0:
		return ""
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		return string(raw)
	case raw[0] != '"':
		return ""
	}
	var s string
	_ = json.Unmarshal(raw, &s) // a string with escapes
	return s
}

// reportedOwner picks the owner ID the platform reported: applicationId (Vonage),
// else projectId, else partnerId (OpenTok).
func reportedOwner(app, project, partner flexString) string {
	switch {
	case app != "":
		return string(app)
	case project != "":
		return string(project)
	}
	return string(partner)
}

// dupBool returns a copy of an optional boolean, so that the request does
// not alias the caller's options.
func dupBool(p *bool) *bool {
	if p == nil {
		return nil
	}
	v := *p
	return &v
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
