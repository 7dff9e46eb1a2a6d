package opentoktest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/opentok-go/opentok"
)

// The client side's costs, each next to a baseline doing only the
// unavoidable work with the same WebSocket library (BENCHMARKS.md):
//
//	go test -run '^$' -bench 'Client' -benchmem -count 10 ./opentoktest

// benchClient is a lean client for the benchmarks: it joins (for the fake)
// and then only counts the binary messages it receives, so that both
// columns pay the same client-side cost.
type benchClient struct {
	ws   *websocket.Conn
	got  atomic.Int64
	want atomic.Int64
	hit  chan struct{}
	done chan struct{}
}

func dialBench(b *testing.B, url string) *benchClient {
	b.Helper()
	ws, _, err := websocket.Dial(context.Background(), url, nil)
	if err != nil {
		b.Fatal(err)
	}
	return &benchClient{ws: ws, hit: make(chan struct{}, 1), done: make(chan struct{})}
}

// read counts messages until the socket ends; it signals hit when the
// count reaches want.
func (c *benchClient) read() {
	defer close(c.done)
	for {
		if _, _, err := c.ws.Read(context.Background()); err != nil {
			return
		}
		if n := c.got.Add(1); n >= c.want.Load() {
			select {
			case c.hit <- struct{}{}:
			default:
			}
		}
	}
}

func (c *benchClient) close() {
	_ = c.ws.CloseNow()
	<-c.done
}

// joinBench joins a fake's session the way OpenTok.js does and waits for
// the answer and its own connection.
func joinBench(b *testing.B, srv *Server, sid, token string) *benchClient {
	b.Helper()
	c := dialBench(b, "ws"+strings.TrimPrefix(srv.URL, "http")+"/"+messagingHost+"/rumorsvc")
	id := uuid.NewString()
	body := `{"method":"create","uri":"/v2/partner/` + srv.ownerOf(sid) + `/session/` + sid + `/connection/` + id + `","content":{}}`
	data, _ := (&frame{typ: frameMessage, to: []string{symphonyAddress}, headers: []header{
		{"TRANSACTION-ID", "1"}, {"X-TB-FROM-ADDRESS", id}, {"X-TB-TOKEN-AUTH", token}}, body: []byte(body)}).encode()
	if err := c.ws.Write(context.Background(), websocket.MessageBinary, data); err != nil {
		b.Fatal(err)
	}
	for range 2 { // the STATUS, then its own connectionCreated
		if _, _, err := c.ws.Read(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	go c.read()
	return c
}

// bareServer is the baseline: a WebSocket server that keeps the sockets it
// accepts and, on POST /send, writes one frame to each of them.
type bareServer struct {
	mu      sync.Mutex
	sockets []*websocket.Conn
	frame   []byte
}

func (s *bareServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		_, _ = io.Copy(io.Discard, r.Body)
		s.mu.Lock()
		for _, ws := range s.sockets {
			_ = ws.Write(r.Context(), websocket.MessageBinary, s.frame)
		}
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.sockets = append(s.sockets, ws)
	s.mu.Unlock()
	// Read until the client goes, as the fake does.
	for {
		if _, _, err := ws.Read(context.Background()); err != nil {
			return
		}
	}
}

// BenchmarkClientSignalFanout100 times one signal from the REST API to 100
// connected clients, until the last one has it.
func BenchmarkClientSignalFanout100(b *testing.B) {
	const n = 100
	// wait waits until every client has its base count plus round
	// messages.
	wait := func(b *testing.B, clients []*benchClient, base []int64, round int64) {
		for i, c := range clients {
			c.want.Store(base[i] + round)
		}
		for i, c := range clients {
			for c.got.Load() < base[i]+round {
				select {
				case <-c.hit:
				case <-time.After(10 * time.Second):
					b.Fatalf("a client did not get signal %d", round)
				}
			}
		}
	}
	b.Run("impl=bare-websocket", func(b *testing.B) {
		bare := &bareServer{frame: []byte(strings.Repeat("f", 300))}
		hs := httptest.NewServer(bare)
		defer hs.Close()
		var clients []*benchClient
		for range n {
			c := dialBench(b, "ws"+strings.TrimPrefix(hs.URL, "http"))
			go c.read()
			clients = append(clients, c)
		}
		defer func() {
			for _, c := range clients {
				c.close()
			}
		}()
		for len(bare.sockets) < n {
			time.Sleep(time.Millisecond)
		}
		b.ResetTimer()
		for i := range b.N {
			resp, err := http.Post(hs.URL, "application/json", strings.NewReader(`{"type":"chat","data":"hello"}`))
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			wait(b, clients, make([]int64, n), int64(i+1))
		}
	})
	b.Run("impl=opentoktest", func(b *testing.B) {
		srv, ot, sid, tok := benchSession(b)
		var clients []*benchClient
		for range n {
			clients = append(clients, joinBench(b, srv, sid, tok))
		}
		defer func() {
			for _, c := range clients {
				c.close()
			}
		}()
		// Let the connectionCreated messages of later joiners arrive.
		time.Sleep(200 * time.Millisecond)
		base := make([]int64, n)
		for i, c := range clients {
			base[i] = c.got.Load()
		}
		b.ResetTimer()
		for i := range b.N {
			if err := ot.Signal(context.Background(), sid, opentok.SignalPayload{Type: "chat", Data: "hello"}); err != nil {
				b.Fatal(err)
			}
			wait(b, clients, base, int64(i+1))
		}
	})
}

// BenchmarkClientIdleMemory reports what an idle connected client costs
// (B/conn: heap and goroutine stacks of both ends, in this process), for
// 200 clients.
func BenchmarkClientIdleMemory(b *testing.B) {
	const n = 200
	measure := func(b *testing.B, open func() []*benchClient) {
		var total float64
		for range b.N {
			before := inUse()
			clients := open()
			after := inUse()
			total += float64(after-before) / n
			b.StopTimer()
			for _, c := range clients {
				c.close()
			}
			b.StartTimer()
		}
		b.ReportMetric(total/float64(b.N), "B/conn")
	}
	b.Run("impl=bare-websocket", func(b *testing.B) {
		bare := &bareServer{}
		hs := httptest.NewServer(bare)
		defer hs.Close()
		measure(b, func() []*benchClient {
			var clients []*benchClient
			for range n {
				c := dialBench(b, "ws"+strings.TrimPrefix(hs.URL, "http"))
				go c.read()
				clients = append(clients, c)
			}
			return clients
		})
	})
	b.Run("impl=opentoktest", func(b *testing.B) {
		srv, _, sid, tok := benchSession(b, WithClientLimits(ClientLimits{SessionConnections: 10 * n}))
		measure(b, func() []*benchClient {
			var clients []*benchClient
			for range n {
				clients = append(clients, joinBench(b, srv, sid, tok))
			}
			return clients
		})
	})
}

// inUse is the heap and the goroutine stacks in use, after a collection.
func inUse() uint64 {
	var m runtime.MemStats
	for range 2 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// benchSession starts a fake with a session and a publisher token for it.
func benchSession(b *testing.B, opts ...Option) (*Server, *opentok.OpenTok, string, string) {
	b.Helper()
	srv := NewServer(b, opts...)
	ot := srv.Client()
	s, err := ot.CreateSession(context.Background(), nil)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := ot.GenerateToken(s.ID, nil)
	if err != nil {
		b.Fatal(err)
	}
	return srv, ot, s.ID, tok
}
