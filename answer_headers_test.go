package opentok_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// headerServer answers every request on a loopback listener with headers
// of about size bytes (one long X-Pad line, under net/http's 10 MiB
// default) and an empty JSON object. The answer is written from one shared
// buffer, so the server side allocates nothing per request and the heap
// the test measures is the client's.
func headerServer(t *testing.T, size int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	answer := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + strings.Repeat("a", size) +
		"\r\nContent-Length: 2\r\n\r\n{}")
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					if _, err := conn.Write(answer); err != nil {
						return // the client gave up reading
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// Answers with about 10 MB of headers: on the default transport, 64
// concurrent calls peaked at several hundred MiB of heap, as net/http reads
// up to 10 MiB of headers per answer; the default transport now stops at
// MaxResponseHeaderBytes (64 KiB) and the call fails with a
// *TransportError.
func TestAnswerHeadersAreBounded(t *testing.T) {
	const calls = 64
	url := headerServer(t, 9_800_000)
	// No WithHTTPClient: the default transport is what is checked.
	ot, err := opentok.New("123456", "made-up-secret", opentok.WithBaseURL(url),
		opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}))
	require.NoError(t, err)
	defer ot.CloseIdleConnections()
	errs := make(chan error, calls)
	peak := memoryPeak(t, func() {
		var wg sync.WaitGroup
		for range calls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := ot.GetArchive(context.Background(), "A")
				errs <- err
			}()
		}
		wg.Wait()
	})
	close(errs)
	t.Logf("peak heap for %d answers with 9.8 MB of headers: %.1f MiB", calls, float64(peak)/(1<<20))
	for err := range errs {
		var te *opentok.TransportError
		if assert.True(t, errors.As(err, &te), "%v", err) {
			assert.Contains(t, err.Error(), "header")
		}
	}
	assert.Less(t, peak, int64(48<<20), "headers are read up to MaxResponseHeaderBytes per answer")

	// Headers under the limit still work.
	small := headerServer(t, 30_000)
	ot2, err := opentok.New("123456", "made-up-secret", opentok.WithBaseURL(small))
	require.NoError(t, err)
	defer ot2.CloseIdleConnections()
	_, err = ot2.GetArchive(context.Background(), "A")
	var re *opentok.ResponseError
	assert.True(t, errors.As(err, &re), "the answer was read (and lacks an ID): %v", err)
}
