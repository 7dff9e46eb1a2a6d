// Command emuload puts the emulator (opentok emulator) under the two loads
// the fake must survive in bounded memory, and reports throughput, latency
// and the emulator process's memory:
//
//  1. many clients: -clients goroutines call the REST API (create a
//     session, list archives, read an unknown archive) for -duration;
//  2. big bodies: -bodies POSTs of a 1 MiB body each.
//
// After each load it reads the whole request log (GET /_emulator/requests,
// a page of 10,000 at a time; an emulator without paging answers it all at
// once) and reports the time the answers took to arrive and their size. Memory is the emulator's resident set from /proc (VmRSS now,
// VmHWM the peak). Usage:
//
//	go build -o /tmp/opentok ./cmd/opentok
//	go run ./bench/emuload -bin /tmp/opentok -clients 50 -duration 10s -bodies 150 [-max-peak-mib 200]
//
// With -max-peak-mib it exits non-zero when the peak resident set exceeds
// that many MiB, when it cannot be read, or when a request failed (the CI
// load check).
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opentok-go/opentok"
)

func main() {
	bin := flag.String("bin", "", "path of the opentok binary (required)")
	clients := flag.Int("clients", 50, "concurrent clients of the first load")
	duration := flag.Duration("duration", 10*time.Second, "length of the first load")
	bodies := flag.Int("bodies", 150, "requests with a 1 MiB body in the second load")
	maxPeak := flag.Int("max-peak-mib", 0, "fail when the emulator's peak resident set exceeds this (0: report only)")
	extra := flag.String("emulator-flags", "", "extra flags for the emulator, space-separated")
	flag.Parse()
	if *bin == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*bin, strings.Fields(*extra), *clients, *duration, *bodies, *maxPeak); err != nil {
		fmt.Fprintln(os.Stderr, "emuload:", err)
		os.Exit(1)
	}
}

// emulator is a running emulator process.
type emulator struct {
	cmd *exec.Cmd
	env map[string]string
}

func start(bin string, extra []string) (*emulator, error) {
	cmd := exec.Command(bin, append([]string{"emulator", "--addr", "127.0.0.1:0"}, extra...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	e := &emulator{cmd: cmd, env: map[string]string{}}
	sc := bufio.NewScanner(out)
	for len(e.env) < 3 && sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			e.env[k] = v
		}
	}
	if len(e.env) < 3 {
		_ = cmd.Process.Kill()
		return nil, errors.New("the emulator printed no credentials")
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	return e, nil
}

func (e *emulator) stop() { _ = e.cmd.Process.Kill(); _ = e.cmd.Wait() }

// memory returns the emulator's resident set now and at its peak, in MiB.
func (e *emulator) memory() (rss, peak float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", e.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			peak = kb / 1024
		}
	}
	return rss, peak
}

func run(bin string, extra []string, clients int, duration time.Duration, bodies, maxPeak int) error {
	e, err := start(bin, extra)
	if err != nil {
		return err
	}
	defer e.stop()
	url := e.env["OPENTOK_API_URL"]
	ot, err := opentok.New(e.env["OPENTOK_API_KEY"], e.env["OPENTOK_API_SECRET"], opentok.WithBaseURL(url),
		opentok.WithRetry(opentok.RetryPolicy{MaxRetries: 0}), opentok.WithHTTPClient(&http.Client{
			Transport: &http.Transport{MaxIdleConnsPerHost: clients + 8}}))
	if err != nil {
		return err
	}
	rss, _ := e.memory()
	fmt.Printf("emulator started: %.1f MiB resident\n\n", rss)
	fmt.Println("| load | requests | throughput | p50 | p99 | errors | RSS after | peak RSS | log read | log size |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")

	// 1. Many clients.
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	var mu sync.Mutex
	var lat []time.Duration
	var n, failed atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				var err error
				switch i % 3 {
				case 0:
					_, err = ot.CreateSession(context.Background(), nil)
				case 1:
					_, err = ot.ListArchives(context.Background(), &opentok.ListArchivesOptions{Count: 10})
				case 2:
					_, err = ot.GetArchive(context.Background(), "no-such-archive")
					if errors.Is(err, opentok.ErrNotFound) {
						err = nil
					}
				}
				mine = append(mine, time.Since(t0))
				n.Add(1)
				if err != nil {
					failed.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	cancel()
	report(e, fmt.Sprintf("%d clients, %s", clients, duration), n.Load(), failed.Load(), lat, duration, url)

	// 2. Big bodies.
	body := bytes.Repeat([]byte("x"), 1<<20-64)
	payload := []byte(`{"type":"chat","data":"` + string(body) + `"}`)
	lat = lat[:0]
	var errs int64
	t0 := time.Now()
	for range bodies {
		s := time.Now()
		req, _ := http.NewRequest(http.MethodPost, url+"/v2/project/"+e.env["OPENTOK_API_KEY"]+"/session/nosession/signal", bytes.NewReader(payload))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			errs++
		} else {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		lat = append(lat, time.Since(s))
	}
	report(e, fmt.Sprintf("%d bodies of 1 MiB", bodies), int64(bodies), errs, lat, time.Since(t0), url)

	_, peak := e.memory()
	switch {
	case maxPeak <= 0:
	case peak == 0:
		return errors.New("the emulator's memory could not be read (has it exited?)")
	case peak > float64(maxPeak):
		return fmt.Errorf("the emulator's peak resident set was %.1f MiB, over the limit of %d MiB", peak, maxPeak)
	case failed.Load()+errs > 0:
		return fmt.Errorf("%d requests failed", failed.Load()+errs)
	}
	return nil
}

// report prints one row: the load's figures, then the memory and the time
// and size of one read of the request log.
func report(e *emulator, name string, n, failed int64, lat []time.Duration, d time.Duration, url string) {
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	read, size := readLog(url)
	rss, peak := e.memory()
	fmt.Printf("| %s | %d | %.0f/s | %s | %s | %d | %.0f MiB | %.0f MiB | %s | %.1f MiB |\n", name, n, float64(n)/d.Seconds(),
		q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), failed, rss, peak,
		read.Round(time.Millisecond), float64(size)/(1<<20))
}

// readLog reads the whole request log, page after page, and returns the
// time the answers took to arrive (parsing them is not counted) and their
// size in bytes.
func readLog(url string) (time.Duration, int64) {
	var took time.Duration
	var size int64
	for offset := 0; ; {
		t0 := time.Now()
		resp, err := http.Get(fmt.Sprintf("%s/_emulator/requests?offset=%d&limit=10000", url, offset))
		if err != nil {
			return took, size
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		took += time.Since(t0)
		size += int64(len(b))
		var page struct {
			Total *int              `json:"total"`
			Items []json.RawMessage `json:"items"`
		}
		if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(b, &page) != nil {
			return took, size
		}
		offset += len(page.Items)
		if page.Total == nil || len(page.Items) == 0 || offset >= *page.Total {
			return took, size
		}
	}
}
