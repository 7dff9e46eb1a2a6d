package opentok_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// The capture half of the OpenAPI conformance check (.ci/conformance): the
// SDK's requests and the fake's answers, recorded here because the
// operation table lives in this package's tests, and validated there because
// the validator (kin-openapi) must stay out of this module's go.mod.

// captureEnv names the file TestCaptureExchanges writes the exchanges to,
// one JSON object a line; unset, nothing is written.
const captureEnv = "OPENTOK_CONFORMANCE_CAPTURE"

// exchange is one HTTP request and its answer as the client saw them. Auth
// header values are replaced by "<redacted>".
type exchange struct {
	Kind            string      `json:"kind"` // "opentok" or "vonage"
	Op              string      `json:"op"`   // the fake's name for the operation
	Method          string      `json:"method"`
	URL             string      `json:"url"`
	RequestHeaders  http.Header `json:"requestHeaders"`
	RequestBody     string      `json:"requestBody"`
	Status          int         `json:"status"`
	ResponseHeaders http.Header `json:"responseHeaders"`
	ResponseBody    string      `json:"responseBody"`
}

// recorder is an http.RoundTripper that records every exchange.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	log  []exchange
}

func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var reqBody []byte
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		reqBody = b
		req = req.Clone(req.Context())
		req.Body = io.NopCloser(bytes.NewReader(b))
	}
	resp, err := rec.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	h := req.Header.Clone()
	for _, k := range []string{"Authorization", "X-Opentok-Auth"} {
		if h.Get(k) != "" {
			h.Set(k, "<redacted>")
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.log = append(rec.log, exchange{Method: req.Method, URL: req.URL.String(), RequestHeaders: h,
		RequestBody: string(reqBody), Status: resp.StatusCode, ResponseHeaders: resp.Header.Clone(), ResponseBody: string(respBody)})
	return resp, nil
}

// TestCaptureExchanges runs the whole operation table against the fake, for
// both credential kinds, then a few more calls (captureMore), among them
// calls the platform refuses, so that error bodies are validated too. With
// OPENTOK_CONFORMANCE_CAPTURE set, it writes every exchange, tagged with the
// kind and the operation, to that file.
func TestCaptureExchanges(t *testing.T) {
	var all []exchange
	for _, kind := range []string{"opentok", "vonage"} {
		t.Run(kind, func(t *testing.T) {
			var opts []opentoktest.Option
			if kind == "vonage" {
				opts = append(opts, opentoktest.WithVonage())
			}
			srv := opentoktest.NewServer(t, opts...)
			rec := &recorder{next: http.DefaultTransport}
			ot := srv.Client(opentok.WithHTTPClient(&http.Client{Transport: rec}))
			var acct *opentok.OpenTok
			if kind == "opentok" {
				a, err := srv.AccountClient(opentok.WithHTTPClient(&http.Client{Transport: rec}))
				require.NoError(t, err)
				acct = opentok.AccountRequestPath(a)
			}
			tr := prepareTable(t, srv, ot)
			tr.run(t, ot, acct, true)
			captureMore(t, srv, ot, tr.args)

			// The fake logs each request under its operation name, in the
			// order the client sent them.
			reqs := srv.Requests()
			require.Len(t, rec.log, len(reqs), "every exchange reached the fake")
			for i := range rec.log {
				x := &rec.log[i]
				require.Equal(t, reqs[i].Method, x.Method)
				require.Contains(t, x.URL, reqs[i].Path)
				x.Kind, x.Op = kind, reqs[i].Op
			}
			all = append(all, rec.log...)
		})
	}
	if path := os.Getenv(captureEnv); path != "" && !t.Failed() {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for _, x := range all {
			require.NoError(t, enc.Encode(x))
		}
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o600))
	}
}

// captureMore makes the calls whose answers the table does not produce:
// an archive and a broadcast listing a stream (the table removes its
// stream before it reads them), and the platform's error answers, 404 for
// unknown resources and clients, 409 and 404 for state conflicts. It runs
// after the table, whose last row disconnects its client.
func captureMore(t *testing.T, srv *opentoktest.Server, ot *opentok.OpenTok, a *opentok.OpArgs) {
	t.Helper()
	ctx := context.Background()
	const unknown = "00000000-0000-4000-8000-000000000000"
	conn, err := srv.Connect(a.SessionID, a.Token)
	require.NoError(t, err)
	stream, err := conn.Publish(opentoktest.PublishOptions{Name: "cam"})
	require.NoError(t, err)
	manual := &opentok.ArchiveOptions{StreamMode: opentok.StreamModeManual}

	ar, err := ot.StartArchive(ctx, a.SessionID, manual)
	require.NoError(t, err)
	require.NoError(t, ot.AddArchiveStream(ctx, ar.ID, stream, nil))
	ar, err = ot.GetArchive(ctx, ar.ID)
	require.NoError(t, err)
	require.Len(t, ar.Streams, 1)
	_, err = ot.StopArchive(ctx, ar.ID)
	require.NoError(t, err)
	_, err = ot.StopArchive(ctx, ar.ID)
	assert.ErrorIs(t, err, opentok.ErrConflict, "stopping a stopped archive")

	b, err := ot.StartBroadcast(ctx, a.SessionID, &opentok.BroadcastOptions{
		Outputs: opentok.BroadcastOutputs{HLS: &opentok.HLSOutput{}}, StreamMode: opentok.StreamModeManual})
	require.NoError(t, err)
	require.NoError(t, ot.AddBroadcastStream(ctx, b.ID, stream, nil))
	b, err = ot.GetBroadcast(ctx, b.ID)
	require.NoError(t, err)
	require.Len(t, b.Streams, 1)
	_, err = ot.StopBroadcast(ctx, b.ID)
	require.NoError(t, err)
	_, err = ot.StopBroadcast(ctx, b.ID)
	assert.ErrorIs(t, err, opentok.ErrNotFound, "stopping a stopped broadcast")

	_, err = ot.StopArchive(ctx, unknown)
	assert.ErrorIs(t, err, opentok.ErrNotFound, "stopping an unknown archive")
	_, err = ot.GetRender(ctx, unknown)
	assert.ErrorIs(t, err, opentok.ErrNotFound, "an unknown render")
	err = ot.SignalConnection(ctx, a.SessionID, a.ConnectionID, opentok.SignalPayload{Type: "chat", Data: "hi"})
	assert.ErrorIs(t, err, opentok.ErrNotFound, "a signal to a disconnected client")
	err = ot.ForceDisconnect(ctx, a.SessionID, a.ConnectionID)
	assert.ErrorIs(t, err, opentok.ErrNotFound, "disconnecting a disconnected client")

	relayed, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRelayed})
	require.NoError(t, err)
	tok, err := ot.GenerateToken(relayed.ID, nil)
	require.NoError(t, err)
	_, err = srv.Connect(relayed.ID, tok)
	require.NoError(t, err)
	_, err = ot.StartArchive(ctx, relayed.ID, nil)
	assert.ErrorIs(t, err, opentok.ErrConflict, "archiving a relayed session")
}
