package opentok

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// REST-call benchmarks: the SDK against a loopback server that answers a
// canned body, compared in the same run with a bare net/http client that
// sends the identical request (same method, URL, headers and body, a
// precomputed auth header, keep-alive) and reads the answer. The difference
// is the SDK's own cost: building the request, signing the auth JWT
// (HS256 per request; the RS256 application JWT is reused), the retry and
// timeout machinery, and decoding the answer.

const (
	benchSessionAnswer = `[{"session_id":"1_MX4xMjM0NTZ-flNhdCBNYXIgMTUgMTQ6NDI6MjMgUERUIDIwMTR-MC40OTAxMzAyNX4","project_id":"123456","partner_id":"123456","create_dt":"Fri Nov 18 15:50:36 PST 2016","media_server_url":""}]`
	benchArchiveAnswer = `{"id":"e85741ce-d280-4efa-a3ba-93379a68be06","status":"started","name":"bench","reason":"","sessionId":"1_MX4xMjM0NTZ-flNhdCBNYXIgMTUgMTQ6NDI6MjMgUERUIDIwMTR-MC40OTAxMzAyNX4","projectId":"123456","createdAt":1480749999326,"size":0,"duration":0,"outputMode":"composed","hasAudio":true,"hasVideo":true,"sha256sum":"","password":"","updatedAt":1480749999476,"url":null,"partnerId":"123456","resolution":"1280x720","streamMode":"auto"}`
)

// benchServer answers every request with body and records nothing.
func benchServer(b *testing.B, body string) *httptest.Server {
	b.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}))
	b.Cleanup(ts.Close)
	return ts
}

// benchHTTPClient is the client both sides use: one keep-alive transport.
func benchHTTPClient(b *testing.B) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	b.Cleanup(t.CloseIdleConnections)
	return &http.Client{Transport: t}
}

func benchSDKClient(b *testing.B, vonage bool, base string, hc *http.Client) *OpenTok {
	b.Helper()
	var ot *OpenTok
	var err error
	if vonage {
		_, pemKey := testRSAKey(b)
		ot, err = NewVonage(testAppID, pemKey, WithBaseURL(base), WithHTTPClient(hc))
	} else {
		ot, err = New(testAPIKey, testAPISecret, WithBaseURL(base), WithHTTPClient(hc))
	}
	if err != nil {
		b.Fatal(err)
	}
	return ot
}

// bareRequest sends what the SDK sends, with a fixed auth header, and reads
// the answer.
func bareRequest(b *testing.B, hc *http.Client, method, url string, header http.Header, body []byte) {
	req, err := http.NewRequestWithContext(context.Background(), method, url, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header = header
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// capture returns the method, URL, headers and body the SDK sends for call.
func capture(b *testing.B, vonage bool, answer string, call func(ot *OpenTok) error) (string, string, http.Header, []byte) {
	b.Helper()
	var method, path string
	var header http.Header
	var body []byte
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, path, header = r.Method, r.URL.RequestURI(), r.Header.Clone()
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer)
	}))
	defer ts.Close()
	if err := call(benchSDKClient(b, vonage, ts.URL, http.DefaultClient)); err != nil {
		b.Fatal(err)
	}
	header.Del("Accept-Encoding") // added by the transport itself
	header.Del("Content-Length")
	return method, path, header, body
}

func benchREST(b *testing.B, answer string, call func(ctx context.Context, ot *OpenTok) error) {
	for _, kind := range []struct {
		name   string
		vonage bool
	}{{"opentok", false}, {"vonage", true}} {
		b.Run("cred="+kind.name+"/impl=baseline", func(b *testing.B) {
			method, path, header, body := capture(b, kind.vonage, answer, func(ot *OpenTok) error { return call(context.Background(), ot) })
			ts := benchServer(b, answer)
			hc := benchHTTPClient(b)
			url := ts.URL + path
			b.ReportAllocs()
			for b.Loop() {
				bareRequest(b, hc, method, url, header, body)
			}
		})
		b.Run("cred="+kind.name+"/impl=sdk", func(b *testing.B) {
			ts := benchServer(b, answer)
			ot := benchSDKClient(b, kind.vonage, ts.URL, benchHTTPClient(b))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := call(ctx, ot); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCreateSession(b *testing.B) {
	benchREST(b, benchSessionAnswer, func(ctx context.Context, ot *OpenTok) error {
		_, err := ot.CreateSession(ctx, &SessionOptions{MediaMode: MediaRouted})
		return err
	})
}

func BenchmarkStartArchive(b *testing.B) {
	benchREST(b, benchArchiveAnswer, func(ctx context.Context, ot *OpenTok) error {
		sid := testSessionID
		if ot.IsVonage() {
			sid = "2_opaque-session"
		}
		a, err := ot.StartArchive(ctx, sid, &ArchiveOptions{Name: "bench", Resolution: Resolution1280x720})
		if err == nil && !strings.HasPrefix(a.ID, "e857") {
			b.Fatal("bad decode")
		}
		return err
	})
}
