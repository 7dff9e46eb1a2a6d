package opentok_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// TestConcurrentMixedOperations shares one client between 64 goroutines,
// each running its own mix of POST, GET and DELETE operations (sessions,
// tokens, streams, signals, archives, connections) against the fake while
// 429s and 503s are injected, so many calls are retried while others run.
// Every result is checked against what that goroutine asked for, and every
// injected fault must have been met. Run it with -race.
func TestConcurrentMixedOperations(t *testing.T) {
	const workers = 64
	// Each fault hits at most Times requests of its operation, so even a
	// call that meets all of them succeeds within MaxRetries+1 attempts.
	const faultsPerOp = 10
	faults := map[string]opentoktest.Fault{
		"CreateSession":   {Status: 429, RetryAfter: "0", Times: faultsPerOp},
		"StartArchive":    {Status: 429, Times: faultsPerOp},
		"Signal":          {Status: 429, Times: faultsPerOp},
		"GetStream":       {Status: 503, Times: faultsPerOp},
		"ListStreams":     {Status: 429, Times: faultsPerOp},
		"GetArchive":      {Status: 503, Times: faultsPerOp},
		"ListConnections": {Status: 502, Times: faultsPerOp},
		"ForceDisconnect": {Status: 503, Times: faultsPerOp},
	}
	for _, kind := range []string{"opentok", "vonage"} {
		t.Run(kind, func(t *testing.T) {
			var opts []opentoktest.Option
			if kind == "vonage" {
				opts = append(opts, opentoktest.WithVonage())
			}
			srv := opentoktest.NewServer(t, opts...)
			ot := srv.Client(opentok.WithRetry(opentok.RetryPolicy{
				MaxRetries: faultsPerOp, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}))
			for op, f := range faults {
				require.NoError(t, srv.InjectFault(op, f))
			}

			var wg sync.WaitGroup
			archives := make([]string, workers)
			for i := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					archives[i] = runWorker(ctx, t, srv, ot, i)
				}()
			}
			wg.Wait()

			// Every worker's archive exists with its name, and nothing else.
			all := srv.Archives()
			assert.Len(t, all, workers)
			for i, id := range archives {
				a, ok := srv.Archive(id)
				if assert.True(t, ok, "worker %d's archive", i) {
					assert.Equal(t, fmt.Sprintf("arch-%d", i), a.Name)
					assert.Equal(t, opentok.ArchiveStopped, a.Status)
				}
			}
			// Every injected fault was met, so retries did happen.
			met := map[string]int{}
			for _, r := range srv.Requests() {
				if r.Status == 429 || r.Status == 502 || r.Status == 503 {
					met[r.Op]++
				}
			}
			for op := range faults {
				assert.Equal(t, faultsPerOp, met[op], "faults met by %s", op)
			}
		})
	}
}

// runWorker runs one goroutine's operations and checks each result; it
// returns the ID of the archive it made.
func runWorker(ctx context.Context, t *testing.T, srv *opentoktest.Server, ot *opentok.OpenTok, i int) string {
	name := fmt.Sprintf("cam-%d", i)
	fail := func(step string, err error) bool {
		if err != nil {
			t.Errorf("worker %d: %s: %v", i, step, err)
			return true
		}
		return false
	}

	s, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	if fail("CreateSession", err) {
		return ""
	}
	if ss, ok := srv.Session(s.ID); !assert.True(t, ok, "worker %d: the fake knows the session", i) || ss.MediaMode != "routed" {
		t.Errorf("worker %d: session %+v", i, ss)
		return ""
	}
	tok, err := ot.GenerateToken(s.ID, &opentok.TokenOptions{Data: fmt.Sprintf("worker=%d", i)})
	if fail("GenerateToken", err) {
		return ""
	}
	conn, err := srv.Connect(s.ID, tok)
	if fail("Connect", err) {
		return ""
	}
	assert.Equal(t, fmt.Sprintf("worker=%d", i), conn.Data(), "worker %d: connection data from its token", i)
	streamID, err := conn.Publish(opentoktest.PublishOptions{Name: name})
	if fail("Publish", err) {
		return ""
	}

	st, err := ot.GetStream(ctx, s.ID, streamID)
	if fail("GetStream", err) {
		return ""
	}
	assert.Equal(t, streamID, st.ID, "worker %d", i)
	assert.Equal(t, name, st.Name, "worker %d", i)
	sl, err := ot.ListStreams(ctx, s.ID)
	if fail("ListStreams", err) {
		return ""
	}
	if assert.Len(t, sl.Items, 1, "worker %d: its session's streams", i) {
		assert.Equal(t, streamID, sl.Items[0].ID)
	}

	payload := fmt.Sprintf("hello from %d", i)
	if fail("Signal", ot.Signal(ctx, s.ID, opentok.SignalPayload{Type: "w", Data: payload})) {
		return ""
	}
	assert.Contains(t, conn.Signals(), opentoktest.Signal{Type: "w", Data: payload}, "worker %d", i)

	a, err := ot.StartArchive(ctx, s.ID, &opentok.ArchiveOptions{Name: fmt.Sprintf("arch-%d", i)})
	if fail("StartArchive", err) {
		return ""
	}
	assert.Equal(t, s.ID, a.SessionID, "worker %d", i)
	assert.Equal(t, opentok.ArchiveStarted, a.Status, "worker %d", i)
	stopped, err := ot.StopArchive(ctx, a.ID)
	if fail("StopArchive", err) {
		return ""
	}
	assert.Equal(t, opentok.ArchiveStopped, stopped.Status, "worker %d", i)
	got, err := ot.GetArchive(ctx, a.ID)
	if fail("GetArchive", err) {
		return ""
	}
	assert.Equal(t, a.ID, got.ID, "worker %d", i)
	assert.Equal(t, fmt.Sprintf("arch-%d", i), got.Name, "worker %d", i)
	assert.Equal(t, s.ID, got.SessionID, "worker %d", i)

	other, err := srv.Connect(s.ID, tok)
	if fail("Connect second", err) {
		return a.ID
	}
	if fail("ForceDisconnect", ot.ForceDisconnect(ctx, s.ID, other.ID())) {
		return a.ID
	}
	assert.False(t, other.Connected(), "worker %d: the second connection was ended", i)
	cl, err := ot.ListConnections(ctx, s.ID, nil)
	if fail("ListConnections", err) {
		return a.ID
	}
	var ids []string
	for _, c := range cl.Items {
		ids = append(ids, c.ID)
	}
	assert.True(t, slices.Contains(ids, conn.ID()), "worker %d: its client is listed", i)
	assert.False(t, slices.Contains(ids, other.ID()), "worker %d: the ended connection is not", i)
	return a.ID
}
