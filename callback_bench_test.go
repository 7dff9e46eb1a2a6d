package opentok

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Callback handler benchmarks: NewCallbackHandler against a minimal
// baseline handler in the same run. The baseline does only the work no
// handler can skip: read the body, check the JWT's HMAC-SHA256 with a keyed
// hash made once and reused, and one json.Unmarshal of the body into a
// struct of the event's fields. The SDK's handler also parses the JWT's
// header and claims, checks iss, iat and the payload hash, records the jti
// in the replay store and picks the event's kind. Target (BENCHMARKS.md
// section 7): the signed handler at most 2x the signed baseline.
//
//	go test -run '^$' -bench CallbackHandler -benchmem -count 10 -cpu 1 .

const benchCallbackSecret = "bench-callback-signature-secret"

// benchArchiveEventWire holds the fields of an archive callback, as the
// baseline decodes them.
type benchArchiveEventWire struct {
	ID         string  `json:"id"`
	Event      string  `json:"event"`
	SessionID  string  `json:"sessionId"`
	PartnerID  flexInt `json:"partnerId"`
	Name       string  `json:"name"`
	Status     string  `json:"status"`
	Reason     string  `json:"reason"`
	Resolution string  `json:"resolution"`
	Size       flexInt `json:"size"`
	Duration   seconds `json:"duration"`
	CreatedAt  msTime  `json:"createdAt"`
	URL        string  `json:"url"`
}

// benchBaseline is the minimal handler: keyed HMAC plus one json.Unmarshal.
type benchBaseline struct {
	signed bool
	mac    interface {
		io.Writer
		Sum([]byte) []byte
		Reset()
	}
	sum [sha256.Size]byte
	sig [sha256.Size]byte
	fn  func(*benchArchiveEventWire)
}

func (h *benchBaseline) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	if h.signed {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		dot := strings.LastIndexByte(tok, '.')
		n, err := base64.RawURLEncoding.Decode(h.sig[:], []byte(tok[dot+1:]))
		h.mac.Reset()
		_, _ = io.WriteString(h.mac, tok[:dot])
		if err != nil || !hmac.Equal(h.mac.Sum(h.sum[:0]), h.sig[:n]) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	var ev benchArchiveEventWire
	if err := json.Unmarshal(body, &ev); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	h.fn(&ev)
	w.WriteHeader(http.StatusOK)
}

// benchWriter is a ResponseWriter that keeps only the status.
type benchWriter struct {
	h    http.Header
	code int
}

func (w *benchWriter) Header() http.Header         { return w.h }
func (w *benchWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *benchWriter) WriteHeader(code int)        { w.code = code }

// forgettingStore is the handler's memory replay store, made to forget each
// jti right after recording it, so that the benchmark can send its
// pre-signed requests round and round: each iteration still pays for
// recording a jti.
type forgettingStore struct{ m *MemoryReplayStore }

func (s forgettingStore) Seen(ctx context.Context, jti string, until time.Time) (bool, error) {
	seen, err := s.m.Seen(ctx, jti, until)
	_ = s.m.Forget(ctx, jti)
	return seen, err
}

func BenchmarkCallbackHandler(b *testing.B) {
	body := callbackFixture(b, "archive.status.json")
	// Distinct JWTs (a jti each), signed now, used in turn.
	auths := make([]string, 1024)
	for i := range auths {
		tok, err := SignCallback(body, benchCallbackSecret, &SignCallbackOptions{APIKey: "123456"})
		if err != nil {
			b.Fatal(err)
		}
		auths[i] = "Bearer " + tok
	}
	var sink string
	fnSDK := func(_ context.Context, ev Event) error {
		sink = ev.(*ArchiveEvent).URL
		return nil
	}
	fnBase := func(ev *benchArchiveEventWire) { sink = ev.URL }

	run := func(b *testing.B, h http.Handler, signed bool) {
		req, err := http.NewRequest(http.MethodPost, "/callbacks", nil)
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		w := &benchWriter{h: http.Header{}}
		rd := bytes.NewReader(body)
		rc := io.NopCloser(rd)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			rd.Reset(body)
			req.Body = rc
			req.ContentLength = int64(len(body))
			if signed {
				req.Header["Authorization"] = []string{auths[i%len(auths)]}
				i++
			}
			w.code = 0
			h.ServeHTTP(w, req)
			if w.code != http.StatusOK {
				b.Fatalf("status %d", w.code)
			}
		}
	}
	for _, signed := range []bool{true, false} {
		name := "unsigned"
		if signed {
			name = "signed"
		}
		b.Run(name+"/impl=baseline", func(b *testing.B) {
			run(b, &benchBaseline{signed: signed, mac: hmac.New(sha256.New, []byte(benchCallbackSecret)), fn: fnBase}, signed)
		})
		b.Run(name+"/impl=sdk", func(b *testing.B) {
			opts := []CallbackHandlerOption{}
			if signed {
				opts = append(opts, WithCallbackSecret(benchCallbackSecret),
					WithCallbackReplayStore(forgettingStore{NewMemoryReplayStore(0)}))
			}
			run(b, NewCallbackHandler(fnSDK, opts...), signed)
		})
	}
	_ = strconv.Itoa(len(sink))
}
