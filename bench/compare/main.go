// Command compare is the Go half of bench/compare.sh: "serve" runs the
// loopback server both SDKs call, "run" measures this SDK's token and REST
// operations against it and prints JSON (wall and CPU nanoseconds per
// operation), in the same shape as bench/node/bench.js.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/opentok-go/opentok"
)

// Made-up credentials; the session ID decodes to the API key.
const (
	apiKey    = "123456"
	apiSecret = "1234567890abcdef1234567890abcdef1234567890"
	sessionID = "1_MX4xMjM0NTZ-flNhdCBNYXIgMTUgMTQ6NDI6MjMgUERUIDIwMTR-MC40OTAxMzAyNX4"

	sessionAnswer = `[{"session_id":"` + sessionID + `","project_id":"123456","partner_id":"123456","create_dt":"Fri Nov 18 15:50:36 PST 2016","media_server_url":""}]`
	archiveAnswer = `{"id":"e85741ce-d280-4efa-a3ba-93379a68be06","status":"started","name":"bench","reason":"","sessionId":"` + sessionID + `","projectId":"123456","createdAt":1480749999326,"size":0,"duration":0,"outputMode":"composed","hasAudio":true,"hasVideo":true,"sha256sum":"","password":"","updatedAt":1480749999476,"url":null,"partnerId":"123456","resolution":"1280x720","streamMode":"auto"}`
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compare serve | run -url URL [-n N]")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		serve()
	case "run":
		fs := flag.NewFlagSet("run", flag.ExitOnError)
		url := fs.String("url", "", "base URL of the loopback server")
		n := fs.Int("n", 2000, "REST calls per operation")
		tokens := fs.Int("tokens", 200000, "tokens per token operation")
		_ = fs.Parse(os.Args[2:])
		if err := run(*url, *n, *tokens); err != nil {
			fmt.Fprintln(os.Stderr, "compare:", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "compare: unknown command", os.Args[1])
		os.Exit(2)
	}
}

func serve() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("http://%s\n", ln.Addr())
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/session/create") {
			_, _ = io.WriteString(w, sessionAnswer)
			return
		}
		_, _ = io.WriteString(w, archiveAnswer)
	}))
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type result struct {
	NsPerOp    float64 `json:"nsPerOp"`
	CPUNsPerOp float64 `json:"cpuNsPerOp"`
	Ops        int     `json:"ops"`
}

func measure(n int, op func() error) (result, error) {
	for i := 0; i < n/10+1; i++ { // warm up
		if err := op(); err != nil {
			return result{}, err
		}
	}
	c0, t0 := cpuNow(), time.Now()
	for i := 0; i < n; i++ {
		if err := op(); err != nil {
			return result{}, err
		}
	}
	wall, cpu := time.Since(t0), cpuNow()-c0
	return result{NsPerOp: float64(wall) / float64(n), CPUNsPerOp: float64(cpu) / float64(n), Ops: n}, nil
}

func run(url string, n, tokens int) error {
	ot, err := opentok.New(apiKey, apiSecret, opentok.WithBaseURL(url))
	if err != nil {
		return err
	}
	ctx := context.Background()
	out := map[string]result{}
	ops := []struct {
		name  string
		count int
		op    func() error
	}{
		{"tokenJWT", tokens, func() error {
			_, err := ot.GenerateToken(sessionID, &opentok.TokenOptions{Role: opentok.RoleModerator})
			return err
		}},
		{"tokenT1", tokens, func() error {
			_, err := ot.GenerateToken(sessionID, &opentok.TokenOptions{Role: opentok.RoleModerator, Format: opentok.TokenT1})
			return err
		}},
		{"createSession", n, func() error {
			_, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
			return err
		}},
		{"startArchive", n, func() error {
			_, err := ot.StartArchive(ctx, sessionID, &opentok.ArchiveOptions{Name: "bench", Resolution: opentok.Resolution1280x720})
			return err
		}},
	}
	for _, o := range ops {
		r, err := measure(o.count, o.op)
		if err != nil {
			return fmt.Errorf("%s: %w", o.name, err)
		}
		out[o.name] = r
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
