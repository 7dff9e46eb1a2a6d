// Package exampletest holds the helpers the example apps' tests share: a
// Platform on an opentoktest fake, and requests to a handler that return
// the status and body to assert on.
package exampletest

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/opentok-go/opentok/examples/internal/exampleapp"
	"github.com/opentok-go/opentok/opentoktest"
	"github.com/stretchr/testify/require"
)

// Offline returns a fake platform and an offline Platform on it, as when an
// example runs with no credentials set.
func Offline(t testing.TB, opts ...opentoktest.Option) (*opentoktest.Server, *exampleapp.Platform) {
	t.Helper()
	fake := opentoktest.NewServer(t, opts...)
	p, err := exampleapp.FakePlatform(fake)
	require.NoError(t, err)
	return fake, p
}

// Online returns a fake platform and a Platform that uses it as if it were
// the real one: no banner, no simulated participants, archives that become
// available only when the test says so.
func Online(t testing.TB, opts ...opentoktest.Option) (*opentoktest.Server, *exampleapp.Platform) {
	t.Helper()
	fake, p := Offline(t, opts...)
	p.Fake = nil
	return fake, p
}

// Response is a handler's answer.
type Response struct {
	Code   int
	Header http.Header
	Body   string
}

// Do sends a request to h; with form non-nil it is a form POST. accept, when
// set, is the Accept header.
func Do(t testing.TB, h http.Handler, method, path string, form url.Values, accept string) Response {
	t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, path, nil)
	}
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return Response{Code: w.Code, Header: w.Header(), Body: w.Body.String()}
}

// Get fetches a page.
func Get(t testing.TB, h http.Handler, path string) Response {
	t.Helper()
	return Do(t, h, http.MethodGet, path, nil, "")
}

// Post submits a form, as the pages' buttons do.
func Post(t testing.TB, h http.Handler, path string, form url.Values) Response {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return Do(t, h, http.MethodPost, path, form, "")
}

// PostJSON submits a form asking for a JSON answer and decodes it into v.
func PostJSON(t testing.TB, h http.Handler, path string, form url.Values, v any) Response {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return decode(t, Do(t, h, http.MethodPost, path, form, "application/json"), v)
}

// PostOK is PostJSON for an action that must succeed (status 200).
func PostOK(t testing.TB, h http.Handler, path string, form url.Values, v any) {
	t.Helper()
	resp := PostJSON(t, h, path, form, v)
	require.Equal(t, http.StatusOK, resp.Code, resp.Body)
}

// GetJSON fetches a page as JSON and decodes it into v.
func GetJSON(t testing.TB, h http.Handler, path string, v any) Response {
	t.Helper()
	return decode(t, Do(t, h, http.MethodGet, path, nil, "application/json"), v)
}

func decode(t testing.TB, resp Response, v any) Response {
	t.Helper()
	require.Equal(t, "application/json; charset=utf-8", resp.Header.Get("Content-Type"), resp.Body)
	require.NoError(t, json.Unmarshal([]byte(resp.Body), v), resp.Body)
	return resp
}

// Between returns the text of s between the first start and the next end,
// failing the test when either is missing.
func Between(t testing.TB, s, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, start)
	require.True(t, ok, "%q not found in:\n%s", start, s)
	v, _, ok := strings.Cut(rest, end)
	require.True(t, ok, "%q not found after %q", end, start)
	return v
}

// Start builds an example's handler on p, checks that its home page renders,
// and returns the handler with the session ID the page shows.
func Start(t testing.TB, build exampleapp.BuildFunc, p *exampleapp.Platform) (http.Handler, string) {
	t.Helper()
	h, err := build(context.Background(), p)
	require.NoError(t, err)
	page := Get(t, h, "/")
	require.Equal(t, http.StatusOK, page.Code, page.Body)
	return h, Between(t, page.Body, `<code id="session-id">`, `</code>`)
}

// ErrorMessage returns the error message a page shows, as text.
func ErrorMessage(t testing.TB, body string) string {
	t.Helper()
	return html.UnescapeString(Between(t, body, `<p class="error" id="error" role="alert">`, `</p>`))
}
