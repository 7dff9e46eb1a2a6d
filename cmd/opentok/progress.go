package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

// isTerminal reports whether f is a terminal (a character device): progress
// is shown there, and not when the output is piped or redirected.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progress reports a long-running command's state on one line of stderr,
// rewritten in place; it writes nothing unless stderr is a terminal.
type progress struct {
	w     io.Writer // nil: quiet
	label string
	last  string
	shown bool
}

func (a *app) newProgress(label string) *progress {
	p := &progress{label: printable(label)}
	if a.progress {
		p.w = a.stderr
	}
	return p
}

// status shows a new state (a repeated state is not rewritten).
func (p *progress) status(format string, args ...any) {
	msg := printable(fmt.Sprintf(format, args...))
	if p.w == nil || msg == p.last {
		return
	}
	p.last, p.shown = msg, true
	fmt.Fprintf(p.w, "\r\x1b[K%s: %s", p.label, msg)
}

// end finishes the progress line.
func (p *progress) end() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}

// waitOpts are the --wait flags of a command.
type waitOpts struct {
	on       bool
	timeout  time.Duration
	interval time.Duration
}

func waitFlags(f *cmdFlags, help string) *waitOpts {
	w := &waitOpts{}
	f.fs.BoolVar(&w.on, "wait", false, help)
	f.fs.DurationVar(&w.timeout, "wait-timeout", 10*time.Minute, "how long --wait waits at most")
	f.fs.DurationVar(&w.interval, "wait-interval", time.Second, "how often --wait asks")
	return w
}

// poll calls check until it reports done, fails, or the wait times out.
func (w *waitOpts) poll(ctx context.Context, check func() (bool, error)) error {
	if w.interval <= 0 || w.timeout <= 0 {
		return usagef("--wait-interval and --wait-timeout must be positive")
	}
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	for {
		done, err := check()
		if done || err != nil {
			if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("opentok: gave up waiting after %s (--wait-timeout)", w.timeout)
			}
			return err
		}
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return fmt.Errorf("opentok: gave up waiting after %s (--wait-timeout)", w.timeout)
			}
			return ctx.Err()
		case <-time.After(w.interval):
		}
	}
}

func (a *app) archiveDownloadCmd() *cobra.Command {
	f := a.leaf("download <archive-id> [--output FILE]", "download an available archive's file",
		"Downloads the file of an available archive (an MP4, or a ZIP for an individual archive) to\n"+
			"--output (default <archive-id>.mp4 or .zip in the current directory; - for stdout). With\n"+
			"--wait it first waits until the archive is available. Progress is shown on stderr when it\n"+
			"is a terminal. The download fails when no data arrives for --timeout. The file is written\n"+
			"to a temporary file next to it, readable by you only, and renamed when complete: a failed\n"+
			"download leaves an existing file as it was.", projectCreds,
		"opentok archive download \"$aid\" --output demo.mp4", "opentok archive download \"$aid\" --wait --output - | ffprobe -")
	output := f.fs.StringP("output", "o", "", "file to write (- for stdout)")
	wait := waitFlags(f, "wait until the archive is available")
	return f.run([]string{"<archive-id>"}, func(ctx context.Context, pos []string) error {
		ot, err := f.client()
		if err != nil {
			return err
		}
		ar, err := ot.GetArchive(ctx, pos[0])
		if err != nil {
			return err
		}
		if wait.on {
			if ar, err = waitArchive(ctx, f, wait, ot, ar, "available", opentok.ArchiveAvailable); err != nil {
				return err
			}
		}
		if ar.Status != opentok.ArchiveAvailable || ar.URL == "" {
			return fmt.Errorf("opentok: archive %s is %s, not available for download (try --wait)", printable(ar.ID), printable(string(ar.Status)))
		}
		path := *output
		if path == "" {
			path = ar.ID + ".mp4"
			if ar.OutputMode == opentok.OutputIndividual {
				path = ar.ID + ".zip"
			}
			path = filepath.Base(path)
		}
		n, err := a.download(ctx, ar.URL, path, "archive "+ar.ID, f.timeout)
		if err != nil {
			return err
		}
		if path == "-" {
			return nil
		}
		return f.print(map[string]any{"id": ar.ID, "file": path, "size": n}, func(w io.Writer) {
			fmt.Fprintf(w, "%s (%d bytes)\n", printable(path), n)
		})
	})
}

// defaultIdleTimeout is download's idle timeout when --timeout is 0.
const defaultIdleTimeout = 20 * time.Second

// download writes the body of url to path ("-": stdout) with progress. It
// fails when no data arrives for idle (defaultIdleTimeout when 0), the
// answer's headers included. A file is written to a temporary file in the
// same directory (mode 0600) and renamed to path once complete, so a
// failure never truncates or replaces an existing file. Errors name neither
// the URL (it may be signed) nor a response body.
func (a *app) download(ctx context.Context, url, path, label string, idle time.Duration) (int64, error) {
	if idle <= 0 {
		idle = defaultIdleTimeout
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	errIdle := fmt.Errorf("no data for %s (--timeout)", idle)
	timer := time.AfterFunc(idle, func() { cancel(errIdle) })
	defer timer.Stop()
	failed := func(n int64, err error) (int64, error) {
		if errors.Is(context.Cause(ctx), errIdle) {
			err = errIdle
		}
		if n == 0 {
			return 0, fmt.Errorf("opentok: downloading the archive failed: %v", pathlessURLError(err))
		}
		return n, fmt.Errorf("opentok: downloading the archive failed after %d bytes: %v", n, pathlessURLError(err))
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, errors.New("opentok: the archive's download URL is not valid")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return failed(0, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("opentok: downloading the archive failed: HTTP %d", resp.StatusCode)
	}
	body := &idleReader{r: resp.Body, timer: timer, idle: idle}
	p := a.newProgress(label)
	defer p.end()
	if path == "-" {
		n, err := io.Copy(&countingWriter{w: a.stdout, total: resp.ContentLength, p: p}, body)
		if err != nil {
			return failed(n, err)
		}
		return n, nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.part")
	if err != nil {
		return 0, fmt.Errorf("opentok: cannot write the archive: %v", err)
	}
	n, err := io.Copy(&countingWriter{w: tmp, total: resp.ContentLength, p: p}, body)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("cannot write the archive: %w", cerr)
	}
	if err == nil {
		if err = os.Rename(tmp.Name(), path); err != nil {
			err = fmt.Errorf("cannot write the archive: %w", err)
		}
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return failed(n, err)
	}
	return n, nil
}

// idleReader resets timer to idle whenever data arrives.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (r *idleReader) Read(b []byte) (int, error) {
	n, err := r.r.Read(b)
	if n > 0 {
		r.timer.Reset(r.idle)
	}
	return n, err
}

// pathlessURLError drops the URL from an HTTP client error.
func pathlessURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// countingWriter counts the bytes written and shows them as progress.
type countingWriter struct {
	w     io.Writer
	n     int64
	total int64
	p     *progress
	at    time.Time
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	if now := time.Now(); now.Sub(c.at) > 100*time.Millisecond || c.n == c.total {
		c.at = now
		if c.total > 0 {
			c.p.status("%d of %d bytes (%d%%)", c.n, c.total, c.n*100/c.total)
		} else {
			c.p.status("%d bytes", c.n)
		}
	}
	return n, err
}
