package opentoktest

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Default fake credentials. They are made up and only valid against a fake.
const (
	DefaultAPIKey        = "47000000"
	DefaultAPISecret     = "fake0000secret0000for0000opentoktest00"
	DefaultApplicationID = "00000000-0000-4000-8000-00000000f4ce"
)

// Option configures a fake server.
type Option func(*config) error

type config struct {
	apiKey, apiSecret         string
	accountKey, accountSecret string
	vonage                    bool
	appID                     string
	privateKey                *rsa.PrivateKey
	webhooks                  Webhooks
	archiveDelay              time.Duration
	rtmpDelay                 time.Duration
	control                   bool
	baseURL                   string
	// Memory bounds: the request log's, and the state's (per kind).
	logSize, logBodyLimit, logBytes int
	stateLimit                      int
	// The client side (OpenTok.js): its bounds and the log of its sockets.
	clients ClientLimits
	logger  *slog.Logger
}

// setLimitDefaults sets the memory bounds to their defaults.
func (c *config) setLimitDefaults() {
	c.logSize, c.logBodyLimit, c.logBytes = DefaultRequestLogSize, DefaultRequestLogBodyLimit, DefaultRequestLogBytes
	c.stateLimit = DefaultStateLimit
	c.clients = ClientLimits{}.withDefaults()
}

// WithCredentials sets the OpenTok API key and secret the fake accepts
// (default DefaultAPIKey and DefaultAPISecret).
func WithCredentials(apiKey, apiSecret string) Option {
	return func(c *config) error {
		if apiKey == "" || apiSecret == "" || strings.ContainsAny(apiKey, "/~ ") {
			return errors.New("opentoktest: API key and secret must be non-empty (and the key free of '/', '~' and spaces)")
		}
		c.apiKey, c.apiSecret = apiKey, apiSecret
		return nil
	}
}

// WithVonage makes the fake a Vonage application server: requests must carry
// an "Authorization: Bearer" RS256 JWT signed with the application's private
// key, failures answer 401, and client tokens are RS256 JWTs. The key pair is
// generated (2048 bits) unless WithApplicationKey gives one.
func WithVonage() Option {
	return func(c *config) error {
		c.vonage = true
		return nil
	}
}

// WithApplicationKey sets the application ID and RSA private key of a Vonage
// fake (implies WithVonage).
func WithApplicationKey(applicationID string, key *rsa.PrivateKey) Option {
	return func(c *config) error {
		if applicationID == "" || key == nil {
			return errors.New("opentoktest: application ID and key are required")
		}
		c.vonage = true
		c.appID = applicationID
		c.privateKey = key
		return nil
	}
}

// WithArchiveDelay sets how long (on the fake's clock) a stopped archive
// stays "stopped" before it becomes "available" (default 5 s). Advance the
// clock or call CompleteArchive to get there in a test.
func WithArchiveDelay(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("opentoktest: archive delay must not be negative")
		}
		c.archiveDelay = d
		return nil
	}
}

// WithWebhooks makes the fake POST callback events to the given URLs (or
// deliver them to Webhooks.Handler) as its state changes. To set them once
// the server runs, for example to a receiver built from Server.Client, use
// [Server.SetWebhooks].
func WithWebhooks(w Webhooks) Option {
	return func(c *config) error {
		c.webhooks = w
		return nil
	}
}

// WithControlAPI serves the control API under /_emulator/ (used by the
// emulator command; Go tests call the Server's methods instead).
func WithControlAPI() Option {
	return func(c *config) error {
		c.control = true
		return nil
	}
}

// WithBaseURL sets the URL the fake reports for itself (archive download and
// HLS URLs) when it is served by something other than NewServer.
func WithBaseURL(u string) Option {
	return func(c *config) error {
		c.baseURL = strings.TrimRight(u, "/")
		return nil
	}
}

// WithRequestLogSize sets how many requests the request log (Requests,
// GET /_emulator/requests) keeps: the most recent n, older ones being
// dropped and counted (DroppedRequests). The default is
// DefaultRequestLogSize (10,000); n must be at least 1.
func WithRequestLogSize(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errors.New("opentoktest: the request log size must be at least 1")
		}
		c.logSize = n
		return nil
	}
}

// WithRequestLogBodyLimit sets how many bytes of each request body the
// request log keeps (RequestRecord.BodyTruncated says when a body was cut).
// The default is DefaultRequestLogBodyLimit (64 KiB); n must be between 0
// (keep no bodies) and 1 MiB, the largest body the fake accepts.
func WithRequestLogBodyLimit(n int) Option {
	return func(c *config) error {
		if n < 0 || n > maxBodyBytes {
			return fmt.Errorf("opentoktest: the request log's body limit must be between 0 and %d bytes", maxBodyBytes)
		}
		c.logBodyLimit = n
		return nil
	}
}

// WithRequestLogBytes sets how many bytes of paths, queries, headers and
// bodies the request log keeps in all (see RequestLogBytes): past that,
// the oldest requests are dropped as past its size. The default is
// DefaultRequestLogBytes (32 MiB); n must not be negative (0 keeps the
// requests' operation, method, status and time only).
func WithRequestLogBytes(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return errors.New("opentoktest: the request log's byte limit must not be negative")
		}
		c.logBytes = n
		return nil
	}
}

// WithStateLimit bounds the fake's state: it keeps at most n of each kind
// of thing (sessions, connections, archives, broadcasts, renders, captions,
// SIP calls), evicting the oldest finished ones past that — a session
// without connections or running archives, broadcasts or captions, an
// ended connection, an available, failed or deleted archive, a stopped
// broadcast, render or captions, an ended SIP call. Live ones are never
// evicted, so a kind can hold more than n while more than n are live.
// Streams and Audio Connector connections leave the state when they end.
// A connection keeps its n most recent signals, a session and a SIP call
// their n most recent DTMF digit strings, and WebhookDeliveries the n most
// recent deliveries. What is never evicted is refused past n with an
// error: pending faults (InjectFault, which also bounds their bodies to
// 16 MiB in all), registered callbacks (400; group and event at most 128
// bytes, the URL 2,048) and projects (400; names at most 255 characters,
// upload target configurations 4 KiB). The default is DefaultStateLimit
// (10,000); n must be at least 1.
func WithStateLimit(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return errors.New("opentoktest: the state limit must be at least 1")
		}
		c.stateLimit = n
		return nil
	}
}

// ClientLimits bound what real clients (OpenTok.js over the signalling
// WebSocket, see WithClientLimits) can make the fake hold or do. A zero
// field takes its default.
type ClientLimits struct {
	// Connections is how many signalling sockets may be open at once
	// (default 2,000); past it a new socket is refused with 503.
	Connections int
	// SessionConnections is how many connections (of any kind) a session
	// may have when a client joins it (default 500); past it the client's
	// connect fails with the platform's connectionLimitExceeded.
	SessionConnections int
	// FrameBytes is the largest signalling frame a client may send
	// (default 64 KiB; an SDP offer is a few KiB); a larger one closes its
	// socket (1009).
	FrameBytes int
	// MessagesPerSecond is how many frames a client may send in a second
	// (default 200); past it its socket is closed (1008).
	MessagesPerSecond int
	// QueueBytes bounds the frames waiting to be written to one client
	// (default 4 MiB): a client that stops reading is disconnected
	// (networkDisconnected) instead of holding memory or delaying others.
	QueueBytes int
	// IdleTimeout closes a socket that sent nothing for this long (default
	// 60 s; OpenTok.js pings every 2 s when idle).
	IdleTimeout time.Duration
	// WriteTimeout bounds the writing of one frame (default 10 s); a socket
	// that takes longer is closed.
	WriteTimeout time.Duration
}

// withDefaults fills the zero fields with their defaults.
func (l ClientLimits) withDefaults() ClientLimits {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.Connections, 2000)
	def(&l.SessionConnections, 500)
	def(&l.FrameBytes, 64<<10)
	def(&l.MessagesPerSecond, 200)
	def(&l.QueueBytes, 4<<20)
	if l.IdleTimeout == 0 {
		l.IdleTimeout = 60 * time.Second
	}
	if l.WriteTimeout == 0 {
		l.WriteTimeout = 10 * time.Second
	}
	return l
}

// WithClientLimits sets the bounds of the client side: the signalling
// sockets of real clients (OpenTok.js). Zero fields keep their defaults;
// negative ones are an error.
func WithClientLimits(l ClientLimits) Option {
	return func(c *config) error {
		if l.Connections < 0 || l.SessionConnections < 0 || l.FrameBytes < 0 || l.MessagesPerSecond < 0 ||
			l.QueueBytes < 0 || l.IdleTimeout < 0 || l.WriteTimeout < 0 {
			return errors.New("opentoktest: client limits must not be negative")
		}
		c.clients = l.withDefaults()
		return nil
	}
}

// WithLogger sets where the fake logs what concerns its operator rather
// than a test's assertions: a client socket closed for a malformed frame,
// a rate or size limit, a stalled reader. The default is slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("opentoktest: WithLogger: the logger is nil")
		}
		c.logger = l
		return nil
	}
}
