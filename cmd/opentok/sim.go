package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/opentok-go/opentok"
)

// The sim commands drive the emulator's control API (/_emulator/, see
// opentoktest/control.go): simulated clients join, publish, signal and
// leave; archives complete or fail; the clock moves; faults are injected.
// They refuse any server that is not the emulator, and any that is not on
// this machine (see sim).

func (a *app) simCmd() *cobra.Command {
	return group("sim", "drive the emulator: simulated clients, archives, clock, faults (emulator only)",
		a.simConnectCmd(),
		a.simVerb("publish <connection-id> [--name N] [--screen]", "publish a stream from a simulated client and print its ID",
			"opentok sim publish \"$cid\" --name cam", []string{"<connection-id>"}, func(f *cmdFlags) simAction {
				name := f.fs.String("name", "", "stream name")
				screen := f.fs.Bool("screen", false, "a screen-sharing stream instead of a camera")
				noAudio := f.fs.Bool("no-audio", false, "publish without audio")
				return func(ctx context.Context, c *simClient, pos []string) error {
					body := map[string]any{"name": *name, "noAudio": *noAudio}
					if *screen {
						body["videoType"] = "screen"
					}
					var out struct{ StreamID string }
					if err := c.call(ctx, "POST", "/connections/"+url.PathEscape(pos[0])+"/publish", body, &out); err != nil {
						return err
					}
					return f.print(map[string]any{"streamId": out.StreamID}, func(w io.Writer) { fmt.Fprintln(w, printable(out.StreamID)) })
				}
			}),
		a.simVerb("unpublish <connection-id> <stream-id>", "stop a simulated client's stream",
			"opentok sim unpublish \"$cid\" \"$stream\"", []string{"<connection-id>", "<stream-id>"}, simDone("unpublished stream %[2]s",
				func(pos []string) (string, string) {
					return "DELETE", "/connections/" + url.PathEscape(pos[0]) + "/streams/" + url.PathEscape(pos[1])
				})),
		a.simVerb("signal <connection-id> [--to C] --type T --data D", "send a signal from a simulated client",
			"opentok sim signal \"$cid\" --type chat --data hello", []string{"<connection-id>"}, func(f *cmdFlags) simAction {
				to := f.fs.String("to", "", "connection ID of the one recipient (default: everyone)")
				typ := f.fs.String("type", "", "signal type")
				data := f.fs.String("data", "", "signal data")
				return func(ctx context.Context, c *simClient, pos []string) error {
					if err := c.call(ctx, "POST", "/connections/"+url.PathEscape(pos[0])+"/signal", map[string]any{"to": *to, "type": *typ, "data": *data}, nil); err != nil {
						return err
					}
					return f.done(map[string]any{"connectionId": pos[0], "sent": true}, "signal sent")
				}
			}),
		a.simVerb("signals <connection-id>", "list the signals a simulated client received",
			"opentok sim signals \"$cid\" --json", []string{"<connection-id>"}, func(f *cmdFlags) simAction {
				return func(ctx context.Context, c *simClient, pos []string) error {
					var out struct {
						Items []struct{ Type, Data, From string } `json:"items"`
					}
					if err := c.call(ctx, "GET", "/connections/"+url.PathEscape(pos[0])+"/signals", nil, &out); err != nil {
						return err
					}
					items := []map[string]any{}
					for _, s := range out.Items {
						items = append(items, map[string]any{"type": s.Type, "data": s.Data, "from": s.From})
					}
					return f.print(map[string]any{"items": items}, func(w io.Writer) {
						tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
						fmt.Fprintln(tw, "TYPE\tFROM\tDATA")
						for _, s := range out.Items {
							fmt.Fprintf(tw, "%s\t%s\t%s\n", printable(s.Type), printable(s.From), printable(s.Data))
						}
						_ = tw.Flush()
					})
				}
			}),
		a.simVerb("leave <connection-id>", "disconnect a simulated client", "opentok sim leave \"$cid\"", []string{"<connection-id>"},
			simDone("connection %[1]s left", func(pos []string) (string, string) { return "DELETE", "/connections/" + url.PathEscape(pos[0]) })),
		group("archive", "complete or fail an archive",
			a.simVerb("complete <archive-id>", "make a stopped archive available now", "opentok sim archive complete \"$aid\"", []string{"<archive-id>"},
				simDone("archive %[1]s is available", func(pos []string) (string, string) {
					return "POST", "/archives/" + url.PathEscape(pos[0]) + "/complete"
				})),
			a.simVerb("fail <archive-id>", "make an archive fail", "opentok sim archive fail \"$aid\"", []string{"<archive-id>"},
				simDone("archive %[1]s failed", func(pos []string) (string, string) {
					return "POST", "/archives/" + url.PathEscape(pos[0]) + "/fail"
				}))),
		group("clock", "move the emulator's clock",
			a.simVerb("advance <duration>", "move the emulator's clock forward", "opentok sim clock advance 10s", []string{"<duration>"}, func(f *cmdFlags) simAction {
				return func(ctx context.Context, c *simClient, pos []string) error {
					d, err := time.ParseDuration(pos[0])
					if err != nil || d < 0 {
						return usagef("want a duration such as 10s or 5m, got %q", printable(pos[0]))
					}
					var out struct{ Now int64 }
					if err := c.call(ctx, "POST", "/clock/advance", map[string]any{"seconds": d.Seconds()}, &out); err != nil {
						return err
					}
					now := time.UnixMilli(out.Now).UTC()
					return f.print(map[string]any{"now": now.Format(time.RFC3339Nano)}, func(w io.Writer) { fmt.Fprintf(w, "emulator time %s\n", now.Format(time.RFC3339)) })
				}
			}),
			a.simVerb("skew <duration>", "check auth JWTs as a clock that far off would (0 ends it)",
				"opentok sim clock skew 2m\n  opentok sim clock skew -- -90s   # a clock running behind", []string{"<duration>"}, func(f *cmdFlags) simAction {
					return func(ctx context.Context, c *simClient, pos []string) error {
						d, err := time.ParseDuration(pos[0])
						if err != nil {
							return usagef("want a duration such as 2m or -90s, got %q", printable(pos[0]))
						}
						if err := c.call(ctx, "POST", "/clock/auth-skew", map[string]any{"seconds": d.Seconds()}, nil); err != nil {
							return err
						}
						return f.done(map[string]any{"authSkew": d.String()}, "auth clock skew "+d.String())
					}
				})),
		group("faults", "inject faults into the emulator's answers",
			a.simFaultsAddCmd(),
			a.simVerb("clear", "remove every injected fault", "opentok sim faults clear", nil,
				simDone("faults cleared", func([]string) (string, string) { return "DELETE", "/faults" }))),
		a.simVerb("webhooks", "list the webhook deliveries so far (and how many events still wait)", "opentok sim webhooks --json", nil, func(f *cmdFlags) simAction {
			return func(ctx context.Context, c *simClient, _ []string) error {
				var out struct {
					Items []struct {
						URL    string          `json:"url"`
						Body   json.RawMessage `json:"body"`
						Status int             `json:"status"`
						Error  string          `json:"error"`
					} `json:"items"`
					Waiting int `json:"waiting"`
				}
				if err := c.call(ctx, "GET", "/webhooks", nil, &out); err != nil {
					return err
				}
				return f.print(map[string]any{"items": out.Items, "waiting": out.Waiting}, func(w io.Writer) {
					for _, d := range out.Items {
						fmt.Fprintf(w, "%s %d %s %s\n", printable(d.URL), d.Status, printable(d.Error), printable(string(d.Body)))
					}
					fmt.Fprintf(w, "%d deliveries", len(out.Items))
					if out.Waiting > 0 {
						fmt.Fprintf(w, ", %d events still waiting (a receiver is slow or hangs)", out.Waiting)
					}
					fmt.Fprintln(w)
				})
			}
		}),
		a.simRequestsCmd(),
	)
}

// simAction is what a sim command does with the control API.
type simAction func(ctx context.Context, c *simClient, pos []string) error

// simVerb makes a sim command: setup adds its flags and returns its action.
func (a *app) simVerb(use, short, example string, names []string, setup func(f *cmdFlags) simAction) *cobra.Command {
	f := a.leaf(use, short, "Drives the emulator's control API (opentok emulator): refused against anything else.\n"+
		"The emulator's URL comes from --api-url or $OPENTOK_API_URL, and must be on this machine\n"+
		"(127.0.0.1, [::1] or localhost).", projectCreds, example)
	act := setup(f)
	return f.run(names, func(ctx context.Context, pos []string) error {
		c, err := f.sim(ctx)
		if err != nil {
			return err
		}
		return act(ctx, c, pos)
	})
}

// simDone is an action without a result: a request, then a message built
// from the positional arguments.
func simDone(msg string, req func(pos []string) (method, path string)) func(f *cmdFlags) simAction {
	return func(f *cmdFlags) simAction {
		return func(ctx context.Context, c *simClient, pos []string) error {
			method, path := req(pos)
			if err := c.call(ctx, method, path, nil, nil); err != nil {
				return err
			}
			args := make([]any, len(pos))
			for i, p := range pos {
				args[i] = p
			}
			return f.done(map[string]any{"ok": true, "args": pos}, fmt.Sprintf(msg, args...))
		}
	}
}

func (a *app) simConnectCmd() *cobra.Command {
	f := a.leaf("connect <session-id> [--role R] [--data D]", "connect a simulated client and print its connection ID",
		"Connects a simulated client to a session of the emulator with a token signed here with the\nconfigured credentials, and prints its connection ID.", projectCreds,
		"cid=$(opentok sim connect \"$sid\" --role moderator --data name=Ann)")
	role := f.enum("role", "publisher", "publisher, subscriber, moderator or publisheronly", roleNames...)
	data := f.fs.String("data", "", "connection data")
	return f.run([]string{"<session-id>"}, func(ctx context.Context, pos []string) error {
		c, err := f.sim(ctx)
		if err != nil {
			return err
		}
		ot, err := f.client()
		if err != nil {
			return err
		}
		tok, err := ot.GenerateToken(pos[0], &opentok.TokenOptions{Role: opentok.Role(*role), Data: *data})
		if err != nil {
			return err
		}
		var out struct{ ConnectionID, Role, Data string }
		if err := c.call(ctx, "POST", "/connect", map[string]any{"sessionId": pos[0], "token": tok}, &out); err != nil {
			return err
		}
		return f.print(map[string]any{"connectionId": out.ConnectionID, "role": out.Role, "data": out.Data}, func(w io.Writer) {
			fmt.Fprintln(w, printable(out.ConnectionID))
		})
	})
}

func (a *app) simFaultsAddCmd() *cobra.Command {
	return a.simVerb("add <operation> [--status 503] [--retry-after 2] [--delay 1s] [--drop] [--times N]",
		"make the emulator fail an operation", "opentok sim faults add StartArchive --status 503 --retry-after 1 --times 2",
		[]string{"<operation>"}, func(f *cmdFlags) simAction {
			status := f.fs.Int("status", 0, "HTTP status to answer with")
			body := f.fs.String("body", "", "answer body")
			retryAfter := f.fs.String("retry-after", "", "Retry-After header value")
			delay := f.duration("delay", 0, 0, 0, "delay before answering")
			drop := f.fs.Bool("drop", false, "drop the connection instead of answering")
			malformed := f.fs.Bool("malformed", false, "answer with a malformed body")
			times := f.fs.Int("times", 1, "how many requests fail, as opentoktest.Fault.Times (0 is 1 too; -1: every one until sim faults clear)")
			return func(ctx context.Context, c *simClient, pos []string) error {
				req := map[string]any{"op": pos[0], "status": *status, "body": *body, "retryAfter": *retryAfter,
					"delayMs": delay.Milliseconds(), "dropConnection": *drop, "malformed": *malformed, "times": *times}
				if err := c.call(ctx, "POST", "/faults", req, nil); err != nil {
					return err
				}
				return f.done(map[string]any{"op": pos[0], "added": true}, "fault added to "+pos[0])
			}
		})
}

// simClient calls the emulator's control API.
type simClient struct {
	base string
	http *http.Client
}

// sim probes the server at the base URL and returns a control API client
// if it is the emulator. The emulator's control API needs no credentials,
// so sim talks only to one on this machine: the URL must be http(s) on a
// loopback host (127.0.0.0/8, [::1], localhost) without user info, a
// redirect to another origin is refused, and --timeout must be positive
// (the client would wait forever on 0).
func (f *cmdFlags) sim(ctx context.Context) (*simClient, error) {
	base := strings.TrimRight(f.baseURL(), "/")
	if base == "" {
		return nil, usagef("sim commands drive the emulator: set OPENTOK_API_URL (or --api-url) to the URL 'opentok emulator' printed")
	}
	u, err := url.Parse(base)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, usagef("sim commands drive the emulator: OPENTOK_API_URL (or --api-url) must be its http URL, such as http://127.0.0.1:4010")
	case u.User != nil:
		return nil, usagef("sim commands drive the emulator: its URL (OPENTOK_API_URL or --api-url) must not hold user info")
	case !isLoopbackHost(u.Hostname()):
		return nil, usagef("sim commands only drive an emulator on this machine: the host of OPENTOK_API_URL (or --api-url) must be a loopback address (127.0.0.1, [::1] or localhost), not %s", printable(u.Hostname()))
	case f.timeout <= 0:
		return nil, usagef("--timeout must be positive for sim commands (default 20s)")
	}
	origin := u.Scheme + "://" + u.Host
	c := &simClient{base: base, http: &http.Client{Timeout: f.timeout, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme+"://"+req.URL.Host != origin {
			return errors.New("the emulator redirected to another origin: not followed")
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}}}
	var info struct {
		URL    *string `json:"url"`
		Vonage *bool   `json:"vonage"`
	}
	notEmulator := fmt.Errorf("opentok: %s is not the opentok emulator (no control API at /_emulator/): sim commands only drive 'opentok emulator'", printable(origin))
	if err := c.call(ctx, "GET", "/", nil, &info); err != nil || info.URL == nil || info.Vonage == nil {
		return nil, notEmulator
	}
	return c, nil
}

// isLoopbackHost reports whether host (without its port) names this
// machine: localhost, or an IP address of 127.0.0.0/8 or ::1.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// call sends a control request; out receives the JSON answer.
func (c *simClient) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/_emulator"+path, rd)
	if err != nil {
		return usagef("the emulator URL is not valid")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("opentok: emulator: %v", pathlessURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("opentok: emulator: %v", err)
	}
	if resp.StatusCode >= 300 {
		var e struct{ Message string }
		_ = json.Unmarshal(data, &e)
		return fmt.Errorf("opentok: emulator: %s %s: %d %s", method, path, resp.StatusCode, printable(e.Message))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("opentok: emulator: unexpected answer to %s %s", method, path)
		}
	}
	return nil
}

// simRequestsCmd is "opentok sim requests": a page of the emulator's
// request log, oldest first.
func (a *app) simRequestsCmd() *cobra.Command {
	return a.simVerb("requests [--op OP] [--offset N] [--limit N]", "list the requests the emulator received, oldest first",
		"opentok sim requests --op StartArchive --json", nil, func(f *cmdFlags) simAction {
			op := f.fs.String("op", "", "only the requests of this operation (an SDK method name such as StartArchive)")
			offset := f.fs.Int("offset", 0, "skip this many requests")
			limit := f.fs.Int("limit", 100, "at most this many requests (1 to 10000)")
			return func(ctx context.Context, c *simClient, _ []string) error {
				q := url.Values{"offset": {strconv.Itoa(*offset)}, "limit": {strconv.Itoa(*limit)}}
				if *op != "" {
					q.Set("op", *op)
				}
				var out struct {
					Total   int               `json:"total"`
					Dropped int64             `json:"dropped"`
					Items   []json.RawMessage `json:"items"`
				}
				if err := c.call(ctx, "GET", "/requests?"+q.Encode(), nil, &out); err != nil {
					return err
				}
				return f.print(map[string]any{"total": out.Total, "dropped": out.Dropped, "items": out.Items}, func(w io.Writer) {
					tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "OP\tMETHOD\tPATH\tSTATUS")
					for _, raw := range out.Items {
						var r struct {
							Op, Method, Path string
							Status           int
						}
						_ = json.Unmarshal(raw, &r)
						fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", printable(r.Op), printable(r.Method), printable(r.Path), r.Status)
					}
					tw.Flush()
					fmt.Fprintf(w, "%d of %d requests (%d dropped from the log)\n", len(out.Items), out.Total, out.Dropped)
				})
			}
		})
}
