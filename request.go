package opentok

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/opentok-go/opentok/internal/transport"
)

// The request path of the resource files: a request describes one REST
// call, do sends it through internal/transport and turns the outcome into
// the SDK's errors, and the error-body parsing lives here too.

// request describes one REST call.
type request struct {
	method string
	path   string     // escaped path below the base URL
	query  url.Values // optional
	form   url.Values // an application/x-www-form-urlencoded body, or nil
	body   any        // a value encoded as JSON, or nil
	out    any        // decode target for a 2xx body, or nil to ignore it
	// idField names the resource ID a 2xx answer must carry (such as "id"
	// or "captionsId"); out then implements identified. Empty: no ID is
	// required.
	idField string
	// removal marks an idempotent removal (a DELETE, a removeStream): a 404
	// on a retry after an attempt whose answer was lost means that attempt
	// did it, and is success.
	removal bool
}

// secretBody is a request body that carries secrets the caller gave (cloud
// storage keys, a SIP password, RTMP stream keys): a platform or a proxy
// that echoes the request in its error answer must not bring them into an
// APIError, so do takes them out of its message.
type secretBody interface {
	sentSecrets() []string
}

// identified is a decoded answer that carries the ID of a resource.
type identified interface {
	resourceID() string
}

// escapeSegment escapes one path segment so that no ID can change the path:
// '/', '?', '#', '%' and spaces are percent-encoded, and the segments "." and
// ".." are encoded as %2E.
func escapeSegment(s string) string {
	switch s {
	case ".":
		return "%2E"
	case "..":
		return "%2E%2E"
	}
	return url.PathEscape(s)
}

// projectPath returns the escaped path /v2/project/{owner}/{segs...}.
func (ot *OpenTok) projectPath(segs ...string) string {
	var b strings.Builder
	b.WriteString("/v2/project/")
	b.WriteString(escapeSegment(ot.ownerID))
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(escapeSegment(s))
	}
	return b.String()
}

// encodeJSON encodes v without HTML escaping, as the platform documentation
// shows its bodies.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// do sends the request and decodes the answer into r.out. It returns
// *APIError for non-2xx answers, *ResponseError for unusable 2xx bodies
// (including one without the resource ID r.idField names), *SigningError
// when the auth JWT could not be signed, and *TransportError when no answer
// came.
func (ot *OpenTok) do(ctx context.Context, r *request) error {
	if ctx == nil {
		return invalid("ctx", "must not be nil")
	}
	u := ot.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	treq := &transport.Request{Method: r.method, URL: u, Path: r.path, Header: ot.header}
	switch {
	case r.form != nil:
		treq.Body = []byte(r.form.Encode())
		treq.Header = ot.formHeader
	case r.body != nil:
		enc, err := encodeJSON(r.body)
		if err != nil {
			return invalid("body", "cannot be encoded as JSON: %v", err)
		}
		treq.Body = enc
		treq.Header = ot.jsonHeader
	}

	resp, err := ot.tr.Do(ctx, treq)
	if err != nil && resp == nil {
		var ae *transport.AuthError
		if errors.As(err, &ae) {
			return &SigningError{Method: r.method, Path: r.path, Err: ae.Err}
		}
		te := &TransportError{Method: r.method, Path: r.path, Err: err}
		var terr *transport.Error
		if errors.As(err, &terr) {
			te.Attempts = terr.Attempts
			te.Err = terr.Err
			te.MaybeApplied = terr.Sent && r.method != http.MethodGet && r.method != http.MethodHead
		}
		return te
	}
	if r.removal && resp.StatusCode == http.StatusNotFound && resp.AfterLostAnswer {
		return nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		var secrets []string
		if sb, ok := r.body.(secretBody); ok {
			secrets = sb.sentSecrets()
		}
		return newAPIError(r.method, r.path, resp, secrets)
	}
	if r.out == nil {
		// The body is not used, so any 2xx is success, even one whose body
		// was over the limit (the delete or stop did happen).
		return nil
	}
	bad := func(err error) error {
		return &ResponseError{StatusCode: resp.StatusCode, Method: r.method, Path: r.path,
			ContentType: resp.Header.Get("Content-Type"), Err: err}
	}
	if err != nil { // 2xx body too large
		return bad(err)
	}
	body := bytes.TrimSpace(resp.Body)
	if len(body) == 0 {
		return bad(errors.New("empty body where JSON was expected"))
	}
	if err := json.Unmarshal(body, r.out); err != nil {
		return bad(err)
	}
	if r.idField != "" {
		if id, ok := r.out.(identified); !ok || id.resourceID() == "" {
			return bad(errors.New("the answer holds no " + r.idField))
		}
	}
	return nil
}

// callOne sends a request whose answer is one resource with its ID in
// "id", decoded into a W and converted by conv.
func callOne[W, T any](ctx context.Context, ot *OpenTok, method, path string, body any, conv func(*W) *T) (*T, error) {
	var w W
	if err := ot.do(ctx, &request{method: method, path: path, body: body, out: &w, idField: "id"}); err != nil {
		return nil, err
	}
	return conv(&w), nil
}

// deref returns a copy of *opts, or the zero options when opts is nil: the
// methods take options by pointer and never modify them.
func deref[T any](opts *T) T {
	var o T
	if opts != nil {
		o = *opts
	}
	return o
}

// errorBody is the platform's error shape, decoded leniently.
type errorBody struct {
	Code        json.RawMessage `json:"code"`
	Message     *string         `json:"message"`
	Description string          `json:"description"`
	Error       string          `json:"error"`
}

// newAPIError describes a non-2xx answer; secrets are the ones the request
// carried, taken out of the platform's message.
func newAPIError(method, path string, resp *transport.Response, secrets []string) *APIError {
	e := &APIError{
		StatusCode: resp.StatusCode,
		Method:     method,
		Path:       path,
		RequestID:  cleanText(resp.Header.Get("X-Request-Id"), 128),
		RetryAfter: resp.RetryAfter,
		Attempts:   resp.Attempts,
	}
	e.Code, e.Message = parseErrorBody(resp.Body, secrets...)
	return e
}

// parseErrorBody extracts the code and message of an error body: JSON
// {"code","message"} (or "description"/"error"), or a short plain-text line.
// HTML pages and long bodies give no message. The secrets given are taken
// out of the message (see cleanMessage).
func parseErrorBody(body []byte, secrets ...string) (code int, msg string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return 0, ""
	}
	if body[0] == '{' {
		var eb errorBody
		if json.Unmarshal(body, &eb) != nil {
			return 0, ""
		}
		code = parseLenientInt(eb.Code)
		switch {
		case eb.Message != nil && *eb.Message != "":
			msg = *eb.Message
		case eb.Description != "":
			msg = eb.Description
		case eb.Error != "":
			msg = eb.Error
		}
		if eb.Description != "" && msg != eb.Description {
			msg += " (" + eb.Description + ")"
		}
		return code, cleanMessage(msg, secrets)
	}
	if body[0] == '<' || len(body) > 200 || bytes.ContainsAny(body, "\r\n") {
		return 0, ""
	}
	return 0, cleanMessage(string(body), secrets)
}

// cleanMessage bounds a server message for errors and logs, and takes out
// what must not reach them: the secrets the request carried (a platform or
// proxy that echoes the request body would put them into err.Error()), as
// they are and as they look in the JSON body, and JWT-shaped and "T1=="
// strings (a proxy that echoes request headers would put the live auth JWT
// there). Secrets go before the message is cut to its bound, so that no
// prefix of one survives.
func cleanMessage(s string, secrets []string) string {
	s = scrubSecrets(s, secrets)
	s = credentialShaped.ReplaceAllString(s, redactedText)
	return cleanText(s, 500)
}

// scrubSecrets replaces in s every non-empty secret, in the forms a body
// carries it (as it is, JSON-escaped with and without HTML escaping, and
// query-escaped), with "REDACTED"; longer forms first, so that a secret
// inside another is not left half replaced.
func scrubSecrets(s string, secrets []string) string {
	if len(secrets) == 0 || s == "" {
		return s
	}
	var forms []string
	for _, sec := range secrets {
		if sec == "" {
			continue
		}
		forms = append(forms, sec, url.QueryEscape(sec))
		if enc, err := encodeJSON(sec); err == nil {
			forms = append(forms, string(enc[1:len(enc)-1]))
		}
		if enc, err := json.Marshal(sec); err == nil {
			forms = append(forms, string(enc[1:len(enc)-1]))
		}
	}
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	for _, f := range slices.Compact(forms) {
		if f != "" {
			s = strings.ReplaceAll(s, f, redactedText)
		}
	}
	return s
}

// credentialShaped matches JWTs (a base64url header starting {" , two
// dots) and T1 tokens.
var credentialShaped = regexp.MustCompile(`eyJ[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*\.[A-Za-z0-9_=-]*|T1==[A-Za-z0-9+/=_-]*`)

// cleanText bounds s to max bytes of valid UTF-8 and replaces with a space
// every character that could rewrite a terminal line or a log record:
// control characters (C0, DEL, C1), the Unicode line and paragraph
// separators, and the bidirectional formatting characters.
func cleanText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > max {
		s = s[:max]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.Map(func(r rune) rune {
		if isLineBreaking(r) || unicode.Is(unicode.Bidi_Control, r) {
			return ' '
		}
		return r
	}, s)
}

// parseLenientInt reads a JSON number or numeric string; anything else is 0.
func parseLenientInt(raw json.RawMessage) int {
	if len(raw) == 0 {
		return 0
	}
	s := string(raw)
	if s[0] == '"' {
		if u, err := strconv.Unquote(s); err == nil {
			s = u
		}
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -1e9 && f <= 1e9 {
		return int(f)
	}
	return 0
}
