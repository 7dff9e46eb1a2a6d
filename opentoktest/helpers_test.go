package opentoktest

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/internal/auth"
)

// raw sends hand-made REST requests to the fake, signed like the SDK signs
// them, so rules can be tested independently of the SDK's validation.
type raw struct {
	t   *testing.T
	srv *Server
	// auth overrides the auth header value (X-OPENTOK-AUTH or Authorization).
	auth func() (string, string)
}

func newRaw(t *testing.T, srv *Server) *raw {
	r := &raw{t: t, srv: srv}
	if srv.IsVonage() {
		key := mustKey(t, srv.PrivateKeyPEM)
		app := auth.NewApp(srv.ApplicationID, key)
		r.auth = func() (string, string) {
			tok, err := app.RESTToken(time.Now())
			require.NoError(t, err)
			return "Authorization", "Bearer " + tok
		}
	} else {
		p := auth.NewProject(srv.APIKey, []byte(srv.APISecret))
		r.auth = func() (string, string) {
			tok, err := p.RESTToken(time.Now())
			require.NoError(t, err)
			return "X-OPENTOK-AUTH", tok
		}
	}
	return r
}

// do sends a request and returns the status and decoded JSON body.
func (r *raw) do(method, path string, body any) (int, map[string]any) {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(r.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.srv.URL+path, rd)
	require.NoError(r.t, err)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if r.auth != nil {
		name, value := r.auth()
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(bytes.TrimSpace(b)) > 0 && b[0] == '{' {
		require.NoError(r.t, json.Unmarshal(b, &out), "%s", b)
	}
	return resp.StatusCode, out
}

// send sends a request with a raw body and Content-Type (none when ct is
// empty) and returns the status, the answer's headers and its body.
func (r *raw) send(method, path, ct string, body []byte) (int, http.Header, []byte) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.srv.URL+path, bytes.NewReader(body))
	require.NoError(r.t, err)
	req.Header.Set("Accept", "application/json")
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if r.auth != nil {
		name, value := r.auth()
		req.Header.Set(name, value)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(r.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(r.t, err)
	return resp.StatusCode, resp.Header, b
}

func (r *raw) project() string { return "/v2/project/" + r.srv.OwnerID() }

// routedSession creates a routed session through the SDK.
func routedSession(t *testing.T, ot *opentok.OpenTok) string {
	t.Helper()
	s, err := ot.CreateSession(context.Background(), &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	return s.ID
}

func token(t *testing.T, ot *opentok.OpenTok, sid string, opts *opentok.TokenOptions) string {
	t.Helper()
	tok, err := ot.GenerateToken(sid, opts)
	require.NoError(t, err)
	return tok
}

func mustKey(t *testing.T, pemBytes []byte) *rsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode(pemBytes)
	require.NotNil(t, block)
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	return k.(*rsa.PrivateKey)
}
