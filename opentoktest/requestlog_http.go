package opentoktest

import (
	"bufio"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// Paging of GET /_emulator/requests: the items of one answer by default,
// and at most.
const (
	defaultRequestPage = 1000
	maxRequestPage     = 10_000
)

// serveRequestLog answers GET /_emulator/requests: one page of the request
// log, oldest first, optionally only the requests of one operation:
//
//	?offset=0&limit=1000&op=StartArchive
//	{"total":N,"offset":0,"limit":1000,"dropped":D,"bytes":B,"items":[{"op","method","path","query",
//	  "urlTruncated","body","bodySize","bodyTruncated","status","time"}, ...]}
//
// total counts the requests in the log (of op, when given); dropped the
// requests the log no longer holds (see DroppedRequests); bytes what the
// whole log holds (see RequestLogBytes). The page is
// copied under the lock (the records, not their bodies) and written item
// by item, so the answer is never held whole in memory and a slow reader
// does not hold up the fake.
func (s *Server) serveRequestLog(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, okOffset := intParam(q.Get("offset"), 0)
	limit, okLimit := intParam(q.Get("limit"), defaultRequestPage)
	op := q.Get("op")
	switch {
	case !okOffset:
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "offset must be a non-negative integer"})
		return
	case !okLimit || limit < 1 || limit > maxRequestPage:
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "limit must be an integer between 1 and " + strconv.Itoa(maxRequestPage)})
		return
	case op != "" && !s.ops[op]:
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "unknown operation " + strconv.Quote(op) + " (use an SDK method name such as \"StartArchive\")"})
		return
	}

	s.mu.Lock()
	total := 0
	var page []RequestRecord
	for _, rec := range s.log.held() {
		if op != "" && rec.Op != op {
			continue
		}
		if total >= offset && len(page) < limit {
			page = append(page, rec)
		}
		total++
	}
	dropped, bytes := s.log.dropped, s.log.bytes
	s.mu.Unlock()

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, 32<<10)
	b := make([]byte, 0, 4<<10)
	b = append(b, `{"total":`...)
	b = strconv.AppendInt(b, int64(total), 10)
	b = append(b, `,"offset":`...)
	b = strconv.AppendInt(b, int64(offset), 10)
	b = append(b, `,"limit":`...)
	b = strconv.AppendInt(b, int64(limit), 10)
	b = append(b, `,"dropped":`...)
	b = strconv.AppendInt(b, dropped, 10)
	b = append(b, `,"bytes":`...)
	b = strconv.AppendInt(b, int64(bytes), 10)
	b = append(b, `,"items":[`...)
	for i := range page {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendRecordJSON(b, &page[i])
		if _, err := bw.Write(b); err != nil {
			return // the reader went away
		}
		b = b[:0]
		page[i] = RequestRecord{} // the body may go before the answer ends
	}
	b = append(b, "]}\n"...)
	_, _ = bw.Write(b)
	_ = bw.Flush()
}

// intParam parses an optional non-negative integer query parameter.
func intParam(v string, def int) (int, bool) {
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

// appendRecordJSON appends one item of the request log's answer.
func appendRecordJSON(b []byte, rec *RequestRecord) []byte {
	b = append(b, `{"op":`...)
	b = appendJSONString(b, rec.Op)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, rec.Method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, rec.Path)
	b = append(b, `,"query":`...)
	b = appendJSONString(b, rec.Query)
	b = append(b, `,"urlTruncated":`...)
	b = strconv.AppendBool(b, rec.URLTruncated)
	b = append(b, `,"body":`...)
	b = appendJSONString(b, rec.Body)
	b = append(b, `,"bodySize":`...)
	b = strconv.AppendInt(b, rec.BodySize, 10)
	b = append(b, `,"bodyTruncated":`...)
	b = strconv.AppendBool(b, rec.BodyTruncated)
	b = append(b, `,"status":`...)
	b = strconv.AppendInt(b, int64(rec.Status), 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, ms(rec.Time), 10)
	return append(b, '}')
}

// appendJSONString appends s as a JSON string, as encoding/json writes it
// without HTML escaping: invalid UTF-8 becomes U+FFFD, and U+2028 and
// U+2029 are escaped (JavaScript does not allow them raw in strings).
func appendJSONString[T string | []byte](b []byte, s T) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0 // s[start:i] is still to be copied as is
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
