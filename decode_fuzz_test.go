package opentok

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"
	"time"
)

// FuzzDecodeResponses feeds arbitrary bytes as the 2xx body of every
// operation of the operation table, through an in-memory http.RoundTripper (no network): no body
// may make a decoder panic, and every call must return either its value or
// a *ResponseError (calls that ignore the body return nil). The list
// iterators must stop within a bounded number of pages.

// memTransport answers every request with status and body, and counts the
// requests.
type memTransport struct {
	status int
	body   []byte
	n      atomic.Int64
}

func (m *memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	m.n.Add(1)
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	return &http.Response{
		StatusCode:    m.status,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(m.body)),
		ContentLength: int64(len(m.body)),
		Request:       r,
	}, nil
}

const maxFuzzPages = 20

// checkDecode runs every operation with body as the 2xx answer and fails
// on anything but a value or a *ResponseError.
func checkDecode(t *testing.T, status int, body []byte) {
	t.Helper()
	mt := &memTransport{status: status, body: body}
	ot, err := New(testAPIKey, testAPISecret, WithBaseURL("https://api.example.test"),
		WithHTTPClient(&http.Client{Transport: mt}), WithRetry(RetryPolicy{MaxRetries: 0}))
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range Operations() {
		if op.Local() {
			continue
		}
		m, _ := op.method()
		valued := m.Type.NumOut() == 2 // (*T, error): a value when it succeeds
		// The deadline ends an iterator that never stops, so that the check
		// below reports it instead of the fuzzer hanging.
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		before := mt.n.Load()
		v, err := op.Call(ctx, ot, constantArgs())
		cancel()
		if n := mt.n.Load() - before; n > maxFuzzPages {
			t.Fatalf("%s: %d requests for one call: the pagination does not stop", op.Name, n)
		}
		if err != nil {
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("%s: the error is %T, not a *ResponseError: %v", op.Name, err, err)
			}
			if valued && !isNilValue(v) {
				t.Fatalf("%s: a value together with the error %v", op.Name, err)
			}
			continue
		}
		if valued && isNilValue(v) {
			t.Fatalf("%s: neither a value nor an error", op.Name)
		}
	}
}

// isNilValue reports whether v is nil or holds a nil pointer or slice.
func isNilValue(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return rv.IsNil()
	}
	return false
}

func FuzzDecodeResponses(f *testing.F) {
	// The recorded platform answers, plus edge cases; more seeds are in
	// testdata/fuzz/FuzzDecodeResponses.
	files, err := filepath.Glob(filepath.Join("testdata", "responses", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed bodies: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{``, `null`, `[]`, `{}`, `[null]`, `"x"`, `1e400`, `{"id":null}`,
		`[{"session_id":""}]`, `{"count":"NaN","items":[null,{}]}`, `{"items":{}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkDecode(t, http.StatusOK, body)
	})
}

// TestDecodeResponsesSeeds runs the fuzz check for 200 and 201 answers on
// the seeds even when the fuzzer does not run (go test runs the seeds of
// FuzzDecodeResponses too, for 200 only).
func TestDecodeResponsesSeeds(t *testing.T) {
	for _, body := range []string{`{"id":"x","status":"started"}`, `[{"session_id":"S"}]`, `{"count":1,"items":[{"id":"a"}]}`} {
		checkDecode(t, http.StatusCreated, []byte(body))
	}
}
