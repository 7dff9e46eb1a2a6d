package opentok

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Wire helpers shared by the resource files: tolerant decoding of the
// platform's JSON (numbers that arrive as strings, booleans that arrive as
// strings, millisecond timestamps). Lists and paging are in list.go.

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
