package opentoktest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// concretePath turns a route pattern into a request path: the project
// segment is the fake's owner, other wildcards "x".
func concretePath(srv *Server, pattern string) (method, path string) {
	method, path, _ = strings.Cut(pattern, " ")
	path = strings.ReplaceAll(path, "{pid}", srv.OwnerID())
	return method, regexp.MustCompile(`\{[a-zA-Z]+\}`).ReplaceAllString(path, "x")
}

func TestEveryRouteTakesATrailingSlash(t *testing.T) {
	for _, vonage := range []bool{false, true} {
		var opts []Option
		if vonage {
			opts = append(opts, WithVonage())
		}
		srv := NewServer(t, opts...)
		require.NotEmpty(t, srv.patterns)
		unsigned := &raw{t: t, srv: srv} // no auth header: the route answers the platform's auth error
		for _, pattern := range srv.patterns {
			method, path := concretePath(srv, pattern)
			for _, p := range []string{path, path + "/"} {
				status, _, body := unsigned.send(method, p, "", nil)
				want := 403
				if vonage {
					want = 401
				}
				assert.Equal(t, want, status, "%s %s: %s", method, p, body)
				assert.Contains(t, string(body), "No suitable authentication found", "%s %s", method, p)
			}
		}
		assert.Len(t, srv.RequestsFor("StartArchive"), 2, "both forms are logged as the operation")
	}
}

func TestBroadcastPathsWithTrailingSlashWork(t *testing.T) {
	srv := NewServer(t, WithVonage())
	ot := srv.Client()
	r := newRaw(t, srv)
	sid := routedSession(t, ot)
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)

	// What @vonage/video sends for startBroadcast and searchBroadcasts.
	status, b := r.do("POST", r.project()+"/broadcast/", map[string]any{"sessionId": sid, "outputs": map[string]any{"hls": map[string]any{}}})
	require.Equal(t, 200, status)
	assert.Equal(t, "started", b["status"])
	status, list := r.do("GET", r.project()+"/broadcast/?sessionId="+sid, nil)
	require.Equal(t, 200, status)
	assert.Equal(t, float64(1), list["count"])
	status, got := r.do("GET", r.project()+"/broadcast/"+b["id"].(string)+"/", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, b["id"], got["id"])
	rec := srv.RequestsFor("ListBroadcasts")
	require.Len(t, rec, 1)
	assert.Equal(t, r.project()+"/broadcast/", rec[0].Path, "the log keeps the path as sent")
}

func TestWrongMethodIs405WithAllow(t *testing.T) {
	srv := NewServer(t, WithControlAPI())
	r := newRaw(t, srv)
	cases := []struct{ method, path, allow string }{
		{"PUT", r.project() + "/archive", "GET, HEAD, POST"},
		{"DELETE", r.project() + "/archive/", "GET, HEAD, POST"},
		{"GET", "/session/create", "POST"},
		{"POST", r.project() + "/archive/x", "GET, HEAD, DELETE"},
		{"GET", r.project() + "/session/x/mute", "POST"},
		{"PATCH", r.project() + "/session/x/stream", "GET, HEAD, PUT"},
		{"POST", "/_emulator/clock", "GET, HEAD"},
	}
	for _, c := range cases {
		status, h, body := r.send(c.method, c.path, "", nil)
		assert.Equal(t, 405, status, "%s %s", c.method, c.path)
		assert.Equal(t, c.allow, h.Get("Allow"), "%s %s", c.method, c.path)
		assert.JSONEq(t, `{"code":405,"message":"Method Not Allowed: `+c.method+" "+c.path+`"}`, string(body))
	}
	status, h, body := r.send("GET", r.project()+"/nothing", "", nil)
	assert.Equal(t, 404, status)
	assert.Empty(t, h.Get("Allow"))
	assert.JSONEq(t, `{"code":404,"message":"Not Found: GET `+r.project()+`/nothing"}`, string(body))
}

func TestBodiesOverTheLimitAre413(t *testing.T) {
	srv := NewServer(t)
	r := newRaw(t, srv)
	big := append([]byte(`{"sessionId":"`), bytes.Repeat([]byte("a"), maxBodyBytes)...)
	big = append(big, `"}`...)
	status, _, body := r.send("POST", r.project()+"/archive", "application/json", big)
	assert.Equal(t, 413, status)
	assert.JSONEq(t, `{"code":413,"message":"the request body exceeds 1048576 bytes"}`, string(body))

	form := []byte("archiveName=" + strings.Repeat("n", maxBodyBytes))
	status, _, _ = r.send("POST", "/session/create", "application/x-www-form-urlencoded", form)
	assert.Equal(t, 413, status, "a form is not truncated and accepted")
	assert.Empty(t, srv.st.sessions)

	// Without a Content-Length (a reader of unknown length is sent chunked),
	// the limit applies as the body is read.
	req, err := http.NewRequest("POST", srv.URL+r.project()+"/archive", io.MultiReader(bytes.NewReader(big)))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	name, value := r.auth()
	req.Header.Set(name, value)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 413, resp.StatusCode)

	rec := srv.RequestsFor("StartArchive")
	require.Len(t, rec, 2)
	assert.Equal(t, 413, rec[0].Status)
	assert.Equal(t, 413, rec[1].Status)

	// Exactly at the limit is read in full (and then judged on its content).
	atLimit := bytes.Repeat([]byte(" "), maxBodyBytes-2)
	atLimit = append([]byte("{"), append(atLimit, '}')...)
	status, _, body = r.send("POST", r.project()+"/archive", "application/json", atLimit)
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"code":400,"message":"sessionId is required"}`, string(body))
}

// failingBody is a request body whose read fails midway.
type failingBody struct{ sent bool }

func (f *failingBody) Read(p []byte) (int, error) {
	if !f.sent {
		f.sent = true
		return copy(p, `{"sessionId":`), nil
	}
	return 0, errors.New("connection reset")
}

func (f *failingBody) Close() error { return nil }

func TestUnreadableBodyIs400(t *testing.T) {
	srv := NewServer(t)
	req := httptest.NewRequest("POST", srv.URL+"/v2/project/"+srv.OwnerID()+"/archive", nil)
	req.Body = &failingBody{}
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, req)
	assert.Equal(t, 400, w.Code)
	assert.JSONEq(t, `{"code":400,"message":"the request body could not be read"}`, w.Body.String())
	rec := srv.RequestsFor("StartArchive")
	require.Len(t, rec, 1)
	assert.Equal(t, 400, rec[0].Status)
	assert.Equal(t, `{"sessionId":`, string(rec[0].Body), "the log keeps what arrived")
}

func TestBodiesInAnotherFormatAre415(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	sid := routedSession(t, ot)
	_, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	signal := r.project() + "/session/" + sid + "/signal"
	payload := []byte(`{"type":"chat","data":"hi"}`)

	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "not a media type;;"} {
		status, _, body := r.send("POST", signal, ct, payload)
		assert.Equal(t, 415, status, ct)
		assert.JSONEq(t, `{"code":415,"message":"Unsupported Media Type: the body must be application/json"}`, string(body), ct)
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json", ""} {
		status, _, body := r.send("POST", signal, ct, payload)
		assert.Equal(t, 204, status, "%q: %s", ct, body)
	}
	status, _, _ := r.send("GET", r.project()+"/archive", "text/plain", nil)
	assert.Equal(t, 200, status, "a request without a body has no format to refuse")

	for _, ct := range []string{"application/json", "text/plain", ""} {
		status, _, body := r.send("POST", "/session/create", ct, []byte("p2p.preference=disabled"))
		assert.Equal(t, 415, status, ct)
		assert.JSONEq(t, `{"code":415,"message":"Unsupported Media Type: the body must be application/x-www-form-urlencoded"}`, string(body), ct)
	}
	status, _, body := r.send("POST", "/session/create", "application/x-www-form-urlencoded; charset=utf-8", []byte("p2p.preference=disabled"))
	assert.Equal(t, 200, status, "%s", body)
	status, _, body = r.send("POST", "/session/create", "", nil)
	assert.Equal(t, 200, status, "an empty form takes the defaults: %s", body)

	unsigned := &raw{t: t, srv: srv}
	status, _, _ = unsigned.send("POST", signal, "text/plain", payload)
	assert.Equal(t, 403, status, "authentication comes first")
}

func TestJSONBodiesMustBeObjects(t *testing.T) {
	srv := NewServer(t)
	ot := srv.Client()
	r := newRaw(t, srv)
	sid := routedSession(t, ot)
	c, err := srv.Connect(sid, token(t, ot, sid, nil))
	require.NoError(t, err)
	for _, path := range []string{"/session/" + sid + "/signal", "/session/" + sid + "/connection/" + c.ID() + "/signal"} {
		for body, msg := range map[string]string{
			`null`:                     "the request body must be a JSON object",
			` null `:                   "the request body must be a JSON object",
			`[]`:                       "the request body must be a JSON object",
			`"chat"`:                   "the request body must be a JSON object",
			`{}`:                       "type and data are required",
			`{"type":"chat"}`:          "type and data are required",
			`{"data":"hi"}`:            "type and data are required",
			`{"type":null,"data":"x"}`: "type and data are required",
			``:                         "the request body is missing",
		} {
			status, _, got := r.send("POST", r.project()+path, "application/json", []byte(body))
			assert.Equal(t, 400, status, "%s %q", path, body)
			assert.JSONEq(t, `{"code":400,"message":"`+msg+`"}`, string(got), "%s %q", path, body)
		}
	}
	assert.Empty(t, c.Signals())
	status, _, _ := r.send("POST", r.project()+"/session/"+sid+"/signal", "application/json", []byte(`{"type":"","data":""}`))
	assert.Equal(t, 204, status, "present but empty strings are valid")
	status, _, _ = r.send("POST", r.project()+"/archive", "application/json", []byte(`null`))
	assert.Equal(t, 400, status, "every JSON body must be an object")
}

// TestSlowAnswerOutlivesReadTimeout serves the fake from a server with a
// short ReadTimeout (as the emulator has): the timeout bounds reading the
// request, not the answer, so an injected delay longer than it still gets
// its answer.
func TestSlowAnswerOutlivesReadTimeout(t *testing.T) {
	srv, err := New()
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	hs := &http.Server{Handler: srv, ReadTimeout: 200 * time.Millisecond}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close(); srv.Close() })
	srv.URL = "http://" + ln.Addr().String()

	require.NoError(t, srv.InjectFault("CreateSession", Fault{Delay: 600 * time.Millisecond}))
	ot := srv.Client()
	start := time.Now()
	s, err := ot.CreateSession(context.Background(), nil)
	require.NoError(t, err)
	assert.NotEmpty(t, s.ID)
	assert.GreaterOrEqual(t, time.Since(start), 600*time.Millisecond)
	rec := srv.RequestsFor("CreateSession")
	require.Len(t, rec, 1)
	assert.Equal(t, 200, rec[0].Status)
}

func TestControlAPIBodiesOverTheLimitAre413(t *testing.T) {
	srv := NewServer(t, WithControlAPI())
	r := &raw{t: t, srv: srv}
	big := []byte(`{"seconds":1,"pad":"` + strings.Repeat("x", maxBodyBytes) + `"}`)
	status, _, body := r.send("POST", "/_emulator/clock/advance", "application/json", big)
	assert.Equal(t, 413, status)
	assert.JSONEq(t, `{"message":"the request body exceeds 1048576 bytes"}`, string(body))
	status, _, body = r.send("POST", "/_emulator/clock/advance", "application/json", []byte(`{"seconds":`))
	assert.Equal(t, 400, status)
	assert.JSONEq(t, `{"message":"invalid JSON body"}`, string(body))
	before := srv.Now()
	status, _, _ = r.send("POST", "/_emulator/clock/advance", "application/json", []byte(`{"seconds":60}`))
	assert.Equal(t, 200, status)
	assert.WithinDuration(t, before.Add(time.Minute), srv.Now(), 5*time.Second)
}
