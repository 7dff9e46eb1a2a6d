package opentok

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Redaction where the SDK's values are printed or logged. The secrets users
// pass in and the platform returns (RTMP stream keys, SIP passwords, cloud
// storage keys, project secrets) are plain strings in the SDK's types, and
// their JSON carries the real values. What prints them is redacted: every
// type that holds one, directly or in a field, has a Format method, which
// prints a copy of the value without methods, with each secret it holds
// itself replaced by "REDACTED" (the fields' own Format methods redact
// theirs). Every verb goes through Format, so fmt's fallback for a verb a
// value does not support, which prints fields raw, only ever reaches
// values that hold no secret. The same types have a LogValue method, so
// that slog's JSON handler, which encodes values with encoding/json, logs
// the redacted text too.

// redactedText is what a set secret prints as.
const redactedText = "REDACTED"

// redact returns what secret prints as: "REDACTED", or "" when it is unset.
func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return redactedText
}

// formatRedacted prints v, a copy without methods of a value whose secrets
// were redacted, with the verb and flags of f. %#v names its type name
// instead of the copy's type.
func formatRedacted(f fmt.State, verb rune, v any, name string) {
	s := fmt.Sprintf(fmt.FormatString(f, verb), v)
	if verb == 'v' && f.Flag('#') {
		if i := strings.IndexByte(s, '{'); i >= 0 {
			s = name + s[i:]
		}
	}
	_, _ = io.WriteString(f, s)
}

// logRedacted is the LogValue of a value that holds a secret: its %+v text,
// in which the Format methods have redacted every secret.
func logRedacted(v any) slog.Value { return slog.StringValue(fmt.Sprintf("%+v", v)) }

// redactUserInfo returns the URL raw with the user info of its authority
// (user:password@) replaced by "REDACTED", for printing: everything before
// the last '@' that comes before the path is hidden, also in a URL that
// does not parse.
func redactUserInfo(raw string) string {
	start := 0
	if i := strings.Index(raw, "://"); i >= 0 {
		start = i + 3
	} else if strings.HasPrefix(raw, "//") {
		start = 2
	}
	end := len(raw)
	if j := strings.IndexAny(raw[start:], "/?#"); j >= 0 {
		end = start + j
	}
	at := strings.LastIndexByte(raw[start:end], '@')
	if at < 0 {
		return raw
	}
	return raw[:start] + redactedText + raw[start+at:]
}
