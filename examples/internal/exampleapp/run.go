package exampleapp

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// BuildFunc makes an example's HTTP handler once its Platform is open. It
// typically creates the session the example uses, so ctx bounds that
// start-up work.
type BuildFunc func(ctx context.Context, p *Platform) (http.Handler, error)

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

// Main is the whole main function of an example: it runs Run with the
// process's arguments and environment until Ctrl-C or SIGTERM, then exits
// with status 0, or prints the error in one line on stderr and exits with
// status 1 (2 for a command-line mistake).
func Main(name string, build BuildFunc) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, name, build, os.Args[1:], os.Getenv, os.Stdout)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Run serves an example until ctx ends, then shuts it down, waiting up to
// 5 s for requests in flight. It reads -addr from args (see ListenAddr) and
// the credentials from getenv (see Open), starts the built-in fake platform
// when there are none, builds the handler, and prints to stdout where to
// point the browser, with the offline Banner when it applies.
func Run(ctx context.Context, name string, build BuildFunc, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stdout)
	addrFlag := fs.String("addr", "", "`host:port` to listen on (default "+DefaultAddr+", or localhost:$"+EnvPort+")")
	fs.Usage = func() {
		fmt.Fprintf(stdout, "Usage: go run ./examples/%s [-addr host:port]\n\n", name)
		fmt.Fprintf(stdout, "Credentials come from %s and %s, or %s and %s (%s sets the REST URL);\n",
			EnvAPIKey, EnvAPISecret, EnvApplicationID, EnvPrivateKeyPath, EnvAPIURL)
		fmt.Fprintln(stdout, "with none set, the example runs offline against a built-in fake platform.")
		fmt.Fprintln(stdout)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (see -help)", errUsage, fs.Arg(0))
	}
	addr, err := ListenAddr(*addrFlag, getenv)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}

	// Listen first: a busy port is reported before any session is created.
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", addr, err)
	}
	defer ln.Close()
	p, err := Open(ConfigFromEnv(getenv))
	if err != nil {
		return err
	}
	defer p.Close()
	h, err := build(ctx, p)
	if err != nil {
		return err
	}

	if p.Offline() {
		fmt.Fprintf(stdout, "%s: %s\n", name, Banner)
	}
	fmt.Fprintf(stdout, "%s: using %s\n", name, p.Describe())
	fmt.Fprintf(stdout, "%s: open %s in a browser (Ctrl-C stops it)\n", name, browserURL(addr, ln.Addr()))

	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = hs.Shutdown(sctx)
	<-done
	fmt.Fprintf(stdout, "%s: stopped\n", name)
	return err
}
