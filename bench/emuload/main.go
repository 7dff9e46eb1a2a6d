// Command emuload puts the emulator (opentok emulator) under the loads the
// fake must survive in bounded memory, and reports throughput, latency and
// the emulator process's memory:
//
//  1. many clients: -clients goroutines call the REST API (create a
//     session, list archives, read an unknown archive) for -duration;
//  2. big bodies: -bodies POSTs of a 1 MiB body each;
//  3. big queries: -queries unauthenticated GETs with a 900 KiB query
//     each (refused 403, and logged).
//
// After each load it reads the whole request log (GET /_emulator/requests,
// a page of 10,000 at a time; an emulator without paging answers it all at
// once) and reports the time the answers took to arrive and their size,
// and the bytes the log holds ("bytes" of the answer; "-" when the
// emulator does not report it). Memory is the emulator's resident set from
// /proc (VmRSS now, VmHWM the peak). Usage:
//
//	go build -o /tmp/opentok ./cmd/opentok
//	go run ./bench/emuload -bin /tmp/opentok -clients 50 -duration 10s -bodies 150 -queries 400 \
//	    [-max-peak-mib 200] [-max-log-bytes 33554432]
//
// With -max-peak-mib it exits non-zero when the peak resident set exceeds
// that many MiB, when it cannot be read, or when a request failed; with
// -max-log-bytes, when the log held more bytes than that after a load, or
// did not say (the CI load check).
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
	queries := flag.Int("queries", 400, "unauthenticated requests with a 900 KiB query in the third load")
	maxPeak := flag.Int("max-peak-mib", 0, "fail when the emulator's peak resident set exceeds this (0: report only)")
	maxLog := flag.Int64("max-log-bytes", 0, "fail when the request log holds more bytes than this after a load (0: report only)")
	extra := flag.String("emulator-flags", "", "extra flags for the emulator, space-separated")
	flag.Parse()
	if *bin == "" {
		flag.Usage()
		os.Exit(2)
	}
	l := loads{clients: *clients, duration: *duration, bodies: *bodies, queries: *queries, maxPeak: *maxPeak, maxLog: *maxLog}
	if err := run(*bin, strings.Fields(*extra), l); err != nil {
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

// loads are the sizes of the loads and the limits checked.
type loads struct {
	clients          int
	duration         time.Duration
	bodies, queries  int
	maxPeak          int
	maxLog           int64
	logOver, logMiss int // loads after which the log held more than maxLog, or did not say
}

func run(bin string, extra []string, l loads) error {
	clients, duration, bodies, maxPeak := l.clients, l.duration, l.bodies, l.maxPeak
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
	fmt.Println("| load | requests | throughput | p50 | p99 | errors | RSS after | peak RSS | log read | log size | log bytes |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")

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
	report(e, &l, fmt.Sprintf("%d clients, %s", clients, duration), n.Load(), failed.Load(), lat, duration, url)

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
	report(e, &l, fmt.Sprintf("%d bodies of 1 MiB", bodies), int64(bodies), errs, lat, time.Since(t0), url)

	// 3. Big queries, unauthenticated: the request log counts (and cuts)
	// paths and queries too.
	if l.queries > 0 {
		query := "pad=" + strings.Repeat("q", 900<<10)
		lat = lat[:0]
		t0 = time.Now()
		for range l.queries {
			s := time.Now()
			resp, err := http.Get(url + "/v2/project/" + e.env["OPENTOK_API_KEY"] + "/archive?" + query)
			if err != nil {
				errs++
			} else {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			lat = append(lat, time.Since(s))
		}
		report(e, &l, fmt.Sprintf("%d queries of 900 KiB", l.queries), int64(l.queries), errs, lat, time.Since(t0), url)
	}

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
	switch {
	case l.maxLog <= 0:
	case l.logMiss > 0:
		return errors.New("the emulator did not report the bytes its request log holds")
	case l.logOver > 0:
		return fmt.Errorf("the request log held more than %d bytes after %d of the loads", l.maxLog, l.logOver)
	}
	return nil
}

// report prints one row: the load's figures, then the memory, the time
// and size of one read of the request log, and the bytes the log holds.
func report(e *emulator, l *loads, name string, n, failed int64, lat []time.Duration, d time.Duration, url string) {
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	read, size, held := readLog(url)
	rss, peak := e.memory()
	heldText := "-"
	switch {
	case held < 0:
		l.logMiss++
	case l.maxLog > 0 && held > l.maxLog:
		l.logOver++
		fallthrough
	default:
		heldText = fmt.Sprintf("%.1f MiB", float64(held)/(1<<20))
	}
	fmt.Printf("| %s | %d | %.0f/s | %s | %s | %d | %.0f MiB | %.0f MiB | %s | %.1f MiB | %s |\n", name, n, float64(n)/d.Seconds(),
		q(0.5).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), failed, rss, peak,
		read.Round(time.Millisecond), float64(size)/(1<<20), heldText)
}

// readLog reads the whole request log, page after page, and returns the
// time the answers took to arrive (parsing them is not counted), their
// size in bytes, and the bytes the log holds (-1 when the emulator does
// not say).
func readLog(url string) (took time.Duration, size, held int64) {
	held = -1
	for offset := 0; ; {
		t0 := time.Now()
		resp, err := http.Get(fmt.Sprintf("%s/_emulator/requests?offset=%d&limit=10000", url, offset))
		if err != nil {
			return took, size, held
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		took += time.Since(t0)
		size += int64(len(b))
		var page struct {
			Total *int              `json:"total"`
			Bytes *int64            `json:"bytes"`
			Items []json.RawMessage `json:"items"`
		}
		if err != nil || resp.StatusCode != http.StatusOK || json.Unmarshal(b, &page) != nil {
			return took, size, held
		}
		if page.Bytes != nil {
			held = *page.Bytes
		}
		offset += len(page.Items)
		if page.Total == nil || len(page.Items) == 0 || offset >= *page.Total {
			return took, size, held
		}
	}
}
