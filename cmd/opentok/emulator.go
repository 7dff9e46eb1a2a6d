package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok/opentoktest"
)

func (a *app) emulatorCmd() *cobra.Command {
	f := a.leaf("emulator [--addr 127.0.0.1:4010] [--api-key K --api-secret S] [--vonage]", "serve a fake OpenTok platform on loopback for development and tests",
		"Serves the opentoktest fake platform over HTTP until interrupted, with the control API under\n"+
			"/_emulator/ (see the README; opentok sim drives it). It prints the base URL and credentials\n"+
			"as shell lines to eval or copy into your environment.", noCreds,
		"opentok emulator --addr 127.0.0.1:4010 > emulator.env &", "sleep 1; set -a; . ./emulator.env; set +a   # its URL and credentials, once printed")
	addr := f.fs.String("addr", "127.0.0.1:4010", "loopback address to listen on (port 0 picks a free one)")
	key := f.fs.String("api-key", opentoktest.DefaultAPIKey, "API key the emulator accepts")
	secret := f.fs.String("api-secret", opentoktest.DefaultAPISecret, "API secret the emulator accepts")
	accountKey := f.fs.String("account-key", opentoktest.DefaultAccountKey, "account-level key the emulator accepts for account management (project create, list, ...)")
	accountSecret := f.fs.String("account-secret", opentoktest.DefaultAccountSecret, "account-level secret the emulator accepts")
	vonage := f.fs.Bool("vonage", false, "emulate a Vonage application (RS256 application JWTs) instead of an OpenTok project")
	archiveDelay := f.duration("archive-delay", 5*time.Second, 0, 0, "how long a stopped archive takes to become available")
	logSize := f.fs.Int("request-log-size", opentoktest.DefaultRequestLogSize, "requests the request log keeps (the most recent)")
	logBodyLimit := f.fs.Int("request-log-body-limit", opentoktest.DefaultRequestLogBodyLimit, "bytes of each request body the request log keeps (0 to 1048576)")
	logBytes := f.fs.Int("request-log-bytes", opentoktest.DefaultRequestLogBytes, "bytes of paths, queries, headers and bodies the request log keeps in all")
	stateLimit := f.fs.Int("state-limit", opentoktest.DefaultStateLimit,
		"sessions, connections, archives, ... kept of each kind: past it the oldest finished ones are evicted (pending faults, registered callbacks and projects are refused)")
	var hooks opentoktest.Webhooks
	f.fs.StringVar(&hooks.SessionMonitoringURL, "session-monitoring-url", "", "URL that receives session monitoring events")
	f.fs.StringVar(&hooks.ArchiveURL, "archive-url", "", "URL that receives archive status events")
	f.fs.StringVar(&hooks.BroadcastURL, "broadcast-url", "", "URL that receives broadcast status events")
	f.fs.StringVar(&hooks.SIPURL, "sip-url", "", "URL that receives SIP call events")
	f.fs.StringVar(&hooks.RenderURL, "render-url", "", "URL that receives Experience Composer events")
	f.fs.StringVar(&hooks.Secret, "callback-secret", "", "signature secret for the events (signed when set)")
	return f.run(nil, func(ctx context.Context, _ []string) error {
		return serveEmulator(ctx, a, emulatorConfig{*addr, *key, *secret, *accountKey, *accountSecret, *vonage, *archiveDelay,
			*logSize, *logBodyLimit, *logBytes, *stateLimit, hooks})
	})
}

// emulatorConfig holds the emulator's flags.
type emulatorConfig struct {
	addr, key, secret, accountKey, accountSecret string
	vonage                                       bool
	archiveDelay                                 time.Duration
	logSize, logBodyLimit, logBytes, stateLimit  int
	hooks                                        opentoktest.Webhooks
}

func serveEmulator(ctx context.Context, a *app, c emulatorConfig) error {
	addr, key, secret, accountKey, accountSecret, vonage := &c.addr, &c.key, &c.secret, &c.accountKey, &c.accountSecret, &c.vonage
	archiveDelay, logSize, logBodyLimit, logBytes, stateLimit, hooks := &c.archiveDelay, &c.logSize, &c.logBodyLimit, &c.logBytes, &c.stateLimit, c.hooks
	switch {
	case *logSize < 1:
		return usagef("--request-log-size must be at least 1")
	case *logBodyLimit < 0 || *logBodyLimit > 1<<20:
		return usagef("--request-log-body-limit must be between 0 and 1048576")
	case *logBytes < 0:
		return usagef("--request-log-bytes must not be negative")
	case *stateLimit < 1:
		return usagef("--state-limit must be at least 1")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return usagef("--addr must be host:port: %v", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usagef("--addr must be a loopback address: the emulator's control API has no authentication")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("opentok: emulator cannot listen on %s: %v", *addr, err)
	}
	base := "http://" + ln.Addr().String()
	opts := []opentoktest.Option{opentoktest.WithControlAPI(), opentoktest.WithBaseURL(base),
		opentoktest.WithArchiveDelay(*archiveDelay), opentoktest.WithWebhooks(hooks),
		opentoktest.WithRequestLogSize(*logSize), opentoktest.WithRequestLogBodyLimit(*logBodyLimit),
		opentoktest.WithRequestLogBytes(*logBytes), opentoktest.WithStateLimit(*stateLimit),
		// What concerns the operator (a client socket closed for a
		// malformed frame, a limit) goes to stderr, like the banner.
		opentoktest.WithLogger(slog.New(slog.NewTextHandler(a.stderr, nil)))}
	if *vonage {
		opts = append(opts, opentoktest.WithVonage())
	} else {
		opts = append(opts, opentoktest.WithCredentials(*key, *secret),
			opentoktest.WithAccountCredentials(*accountKey, *accountSecret))
	}
	srv, err := opentoktest.New(opts...)
	if err != nil {
		ln.Close()
		return err
	}
	defer srv.Close()

	fmt.Fprintf(a.stdout, "OPENTOK_API_URL=%s\n", base)
	if *vonage {
		dir, err := os.MkdirTemp("", "opentok-emulator-")
		if err != nil {
			ln.Close()
			return err
		}
		defer os.RemoveAll(dir)
		keyPath := filepath.Join(dir, "private.key")
		if err := os.WriteFile(keyPath, srv.PrivateKeyPEM, 0o600); err != nil {
			ln.Close()
			return err
		}
		fmt.Fprintf(a.stdout, "VONAGE_APPLICATION_ID=%s\nVONAGE_PRIVATE_KEY_PATH=%s\n", srv.ApplicationID, keyPath)
	} else {
		fmt.Fprintf(a.stdout, "OPENTOK_API_KEY=%s\nOPENTOK_API_SECRET=%s\nOPENTOK_ACCOUNT_KEY=%s\nOPENTOK_ACCOUNT_SECRET=%s\n",
			srv.APIKey, srv.APISecret, srv.AccountKey, srv.AccountSecret)
	}
	fmt.Fprintf(a.stderr, "opentok emulator: serving a fake platform at %s (control API at %s/_emulator/); Ctrl-C stops it\n", base, base)

	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		// A client that stalls while sending its request is cut off (the
		// fake answers 400) instead of holding a connection forever; the
		// answer itself is not bounded, so injected delays still work.
		ReadTimeout: 10 * time.Second,
		// Idle keep-alive connections are closed after two minutes.
		IdleTimeout: 2 * time.Minute,
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
		<-done
		return nil
	case err := <-done:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	}
}
