package redisreplay

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// The tests that need Redis read its address from REDIS_ADDR (host:port of
// a disposable redis-server: .ci/run starts one) and skip without it,
// unless REDISREPLAY_REQUIRE_REDIS is set, as CI sets it, which makes them
// fail instead. The restart test starts a redis-server of its own
// (REDIS_SERVER, else redis-server on PATH).
const (
	envAddr    = "REDIS_ADDR"
	envRequire = "REDISREPLAY_REQUIRE_REDIS"
	envServer  = "REDIS_SERVER"
)

const testSecret = "made-up-signature-secret"

// quiet drops go-redis's own log lines (its pool's dial failures while the
// tests keep Redis down on purpose).
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func init() { redis.SetLogger(quiet{}) }

// needRedis returns the address of the Redis to test against, or skips.
func needRedis(t *testing.T) string {
	t.Helper()
	addr := os.Getenv(envAddr)
	if addr == "" {
		if os.Getenv(envRequire) != "" {
			t.Fatalf("%s is set but %s is not: the Redis tests must run", envRequire, envAddr)
		}
		t.Skipf("set %s to the host:port of a disposable redis-server to run this test", envAddr)
	}
	return addr
}

// newClient returns a client of the Redis at addr, closed after the test,
// once it answers PING.
func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, rdb.Ping(ctx).Err(), "Redis at %s", addr)
	return rdb
}

// testPrefix is a key prefix of the test's own, so that runs sharing a
// Redis never see each other's jtis.
func testPrefix(t *testing.T) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "redisreplay-test:" + t.Name() + ":" + hex.EncodeToString(b[:]) + ":"
}

// archiveCallback returns an archive callback body with its own archive ID
// and its Authorization header, signed with jti.
func archiveCallback(t *testing.T, archiveID, jti string) ([]byte, string) {
	t.Helper()
	body := []byte(`{"id":"` + archiveID + `","event":"archive","createdAt":1384221380000,"duration":328,` +
		`"name":"Foo","partnerId":123456,"reason":"","resolution":"640x480","sessionId":"2_MX40fn4",` +
		`"size":18023312,"status":"available","url":"https://example.com/archive.mp4"}`)
	tok, err := opentok.SignCallback(body, testSecret, &opentok.SignCallbackOptions{ID: jti})
	require.NoError(t, err)
	return body, "Bearer " + tok
}

// instance is one instance of a service receiving callbacks: a handler
// over HTTP that counts the events fn processed, by archive ID, and logs
// what it refuses.
type instance struct {
	url  string
	mu   sync.Mutex
	seen map[string]int
	log  *bytes.Buffer
}

// newInstance serves a callback handler with the store and fn (nil: record
// the event); its error handler logs through slog into inst.log.
func newInstance(t *testing.T, store opentok.ReplayStore, fn func(*instance, *opentok.ArchiveEvent) error) *instance {
	t.Helper()
	inst := &instance{seen: map[string]int{}, log: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(logWriter{inst}, nil))
	h := opentok.NewCallbackHandler(func(_ context.Context, ev opentok.Event) error {
		e := ev.(*opentok.ArchiveEvent)
		if fn != nil {
			if err := fn(inst, e); err != nil {
				return err
			}
		}
		inst.mu.Lock()
		inst.seen[e.ID]++
		inst.mu.Unlock()
		return nil
	}, opentok.WithCallbackSecret(testSecret), opentok.WithCallbackReplayStore(store),
		opentok.WithCallbackErrorHandler(func(r *http.Request, err error) {
			logger.Error("callback refused", "path", r.URL.Path, "error", err)
		}))
	ts := httptest.NewUnstartedServer(h)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the panics fn makes on purpose
	ts.Start()
	t.Cleanup(ts.Close)
	inst.url = ts.URL
	return inst
}

// logWriter appends to the instance's log.
type logWriter struct{ i *instance }

func (w logWriter) Write(p []byte) (int, error) {
	w.i.mu.Lock()
	defer w.i.mu.Unlock()
	return w.i.log.Write(p)
}

// count returns how many times fn processed the archive's event.
func (i *instance) count(archiveID string) int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.seen[archiveID]
}

// logged returns the instance's log so far.
func (i *instance) logged() string {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.log.String()
}

// deliver POSTs a signed callback and returns the status (0 when no answer
// came, as when fn panicked).
func deliver(t *testing.T, url string, body []byte, auth string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	return resp.StatusCode
}

// freePort returns a loopback port nothing listens on (now).
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	require.NoError(t, ln.Close())
	return port
}

// redisServer is a redis-server process of the test's own, without
// persistence.
type redisServer struct {
	t    *testing.T
	bin  string
	port string
	dir  string
	cmd  *exec.Cmd
}

// startRedisServer starts a redis-server of its own, or skips (fails when
// the Redis tests are required) when there is none.
func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	needRedis(t)
	bin := os.Getenv(envServer)
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("redis-server"); err != nil {
			if os.Getenv(envRequire) != "" {
				t.Fatalf("no redis-server on PATH (or %s) and %s is set", envServer, envRequire)
			}
			t.Skip("no redis-server on PATH: set " + envServer)
		}
	}
	s := &redisServer{t: t, bin: bin, port: freePort(t), dir: t.TempDir()}
	s.start()
	t.Cleanup(s.stop)
	return s
}

func (s *redisServer) addr() string { return "127.0.0.1:" + s.port }

func (s *redisServer) start() {
	s.t.Helper()
	s.cmd = exec.Command(s.bin, "--port", s.port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", s.dir)
	require.NoError(s.t, s.cmd.Start())
	rdb := redis.NewClient(&redis.Options{Addr: s.addr(), MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(context.Background()).Err() != nil {
		require.True(s.t, time.Now().Before(deadline), "redis-server did not answer on %s", s.addr())
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server (no shutdown, no save) and waits for it.
func (s *redisServer) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}
