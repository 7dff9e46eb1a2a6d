package opentok_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// Secrets planted in the options of the operation table's calls, besides
// the credentials, auth JWTs and client tokens.
const (
	plantedSIPPassword = "sip-pa55word-Zq8Xv"
	plantedStreamKey   = "rtmp-stream-key-Ty7Wk2"
)

// secretNeedles returns what must never be printed: the credentials (the
// secret, or the PEM and each of its base64 lines), the auth JWTs the fake
// received (and their signatures), the client tokens, and the planted
// password and stream key.
func secretNeedles(srv *opentoktest.Server, otherPEM []byte, tokens []string) []string {
	needles := []string{plantedSIPPassword, plantedStreamKey}
	if srv.APISecret != "" {
		needles = append(needles, srv.APISecret, "wrong-"+srv.APISecret, srv.AccountSecret, "wrong-"+srv.AccountSecret)
	}
	for _, p := range [][]byte{srv.PrivateKeyPEM, otherPEM} {
		if len(p) == 0 {
			continue
		}
		needles = append(needles, string(p))
		for _, line := range strings.Split(string(p), "\n") {
			if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
				needles = append(needles, line)
			}
		}
	}
	addJWT := func(tok string) {
		if tok == "" {
			return
		}
		needles = append(needles, tok)
		if i := strings.LastIndexByte(tok, '.'); i > 0 && len(tok)-i > 16 {
			needles = append(needles, tok[i+1:])
		}
	}
	for _, r := range srv.Requests() {
		addJWT(r.Header.Get("X-Opentok-Auth"))
		addJWT(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}
	for _, tok := range tokens {
		addJWT(tok)
	}
	return needles
}

// assertNoSecret fails when text contains secret, showing where without
// printing the whole text or the secret itself.
func assertNoSecret(t *testing.T, what, text, secret string) {
	t.Helper()
	i := strings.Index(text, secret)
	if i < 0 {
		return
	}
	lo, hi := max(0, i-300), min(len(text), i+len(secret)+100)
	ctx := strings.ReplaceAll(text[lo:hi], secret, "<SECRET>")
	short := secret
	if len(short) > 12 {
		short = short[:12] + "…"
	}
	t.Errorf("%s contains the secret %q:\n…%s…", what, short, ctx)
}

// lockedBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// teeHandler sends every record to several handlers (slog.NewMultiHandler
// needs Go 1.26; the module supports 1.25).
type teeHandler []slog.Handler

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, x := range h {
		if x.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, x := range h {
		if x.Enabled(ctx, r.Level) {
			if err := x.Handle(ctx, r.Clone()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (h teeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make(teeHandler, len(h))
	for i, x := range h {
		out[i] = x.WithAttrs(attrs)
	}
	return out
}

func (h teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(h))
	for i, x := range h {
		out[i] = x.WithGroup(name)
	}
	return out
}

// TestSecretsNeverLeak runs every operation against the fake with a debug
// logger (JSON and text handlers) attached: once succeeding, then failing
// with rejected credentials (403/401), with 500s, with dropped connections
// and with unusable bodies. Neither the log, nor any error string, nor any
// fmt verb or slog record of the client, the options, the results and the
// errors may contain a secret, the private key, an auth JWT, a client token,
// the SIP password or the RTMP stream key.
func TestSecretsNeverLeak(t *testing.T) {
	for _, kind := range []string{"opentok", "vonage"} {
		t.Run(kind, func(t *testing.T) {
			var opts []opentoktest.Option
			if kind == "vonage" {
				opts = append(opts, opentoktest.WithVonage())
			}
			srv := opentoktest.NewServer(t, opts...)
			var logs lockedBuffer
			logger := slog.New(teeHandler{
				slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
				slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
			})
			fast := opentok.RetryPolicy{MaxRetries: 1, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
			ot := srv.Client(opentok.WithLogger(logger), opentok.WithRetry(fast), opentok.WithTimeout(2*time.Second))
			tr := prepareTable(t, srv, ot)

			// The same credentials' owner with a wrong secret or key; the
			// account client (OpenTok), and one with a wrong secret.
			var acct, badAcct *opentok.OpenTok
			if kind == "opentok" {
				a, err := srv.AccountClient(opentok.WithLogger(logger), opentok.WithRetry(fast), opentok.WithTimeout(2*time.Second))
				require.NoError(t, err)
				acct = opentok.AccountRequestPath(a)
				a, err = opentok.NewAccount(srv.AccountKey, "wrong-"+srv.AccountSecret, opentok.WithBaseURL(srv.URL),
					opentok.WithLogger(logger), opentok.WithRetry(fast))
				require.NoError(t, err)
				badAcct = opentok.AccountRequestPath(a)
			}
			var bad *opentok.OpenTok
			var otherPEM []byte
			var err error
			if kind == "vonage" {
				k, kerr := rsa.GenerateKey(rand.Reader, 2048)
				require.NoError(t, kerr)
				der, _ := x509.MarshalPKCS8PrivateKey(k)
				otherPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
				bad, err = opentok.NewVonage(srv.ApplicationID, otherPEM, opentok.WithBaseURL(srv.URL),
					opentok.WithLogger(logger), opentok.WithRetry(fast))
			} else {
				bad, err = opentok.New(srv.APIKey, "wrong-"+srv.APISecret, opentok.WithBaseURL(srv.URL),
					opentok.WithLogger(logger), opentok.WithRetry(fast))
			}
			require.NoError(t, err)

			results := tr.run(t, ot, acct, true)
			// Every secret of a project the account calls returned (the
			// refreshed one replaces the first).
			var projectSecrets []string
			for _, r := range results {
				if p, isProject := r.value.(*opentok.Project); isProject {
					projectSecrets = append(projectSecrets, p.Secret)
				}
			}
			if kind == "opentok" {
				require.Len(t, projectSecrets, 4, "CreateProject, GetProject, SetProjectStatus, RefreshProjectSecret")
			}
			passes := []struct {
				name         string
				client, acct *opentok.OpenTok
				fault        *opentoktest.Fault
				is           error
			}{
				{"rejected credentials", bad, badAcct, nil, nil},
				{"500", ot, acct, &opentoktest.Fault{Status: 500, Body: `{"code":500,"message":"System error"}`, Times: -1}, opentok.ErrServer},
				{"dropped connection", ot, acct, &opentoktest.Fault{DropConnection: true, Times: -1}, nil},
				{"unusable body", ot, acct, &opentoktest.Fault{Status: 200, Body: `{"id":`, Times: -1}, nil},
			}
			for _, p := range passes {
				srv.ClearFaults()
				if p.fault != nil {
					require.NoError(t, srv.InjectFault("*", *p.fault))
				}
				failed := tr.run(t, p.client, p.acct, false)
				for _, r := range failed {
					if r.local {
						continue
					}
					if p.name == "unusable body" && r.value == nil {
						continue // calls that ignore the body succeed
					}
					assert.Error(t, r.err, "%s: %s", p.name, r.name)
					if p.name == "rejected credentials" {
						if kind == "vonage" {
							assert.ErrorIs(t, r.err, opentok.ErrUnauthorized, r.name)
						} else {
							assert.ErrorIs(t, r.err, opentok.ErrForbidden, r.name)
						}
					}
					if p.is != nil {
						assert.ErrorIs(t, r.err, p.is, "%s: %s", p.name, r.name)
					}
				}
				results = append(results, failed...)
			}
			srv.ClearFaults()

			// Every value: the clients, the options, the results, the errors.
			values := []any{ot, bad, *ot, fast, acct, badAcct}
			values = append(values, tr.args.Options...)
			for _, r := range results {
				if r.value != nil {
					values = append(values, r.value)
				}
				if r.err != nil {
					values = append(values, r.err)
				}
			}
			var printed strings.Builder
			for _, v := range values {
				for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
					printed.WriteString(fmt.Sprintf(verb, v))
					printed.WriteByte('\n')
				}
				if err, isErr := v.(error); isErr {
					printed.WriteString(err.Error())
					printed.WriteByte('\n')
				}
				// The SDK's types log redacted; a slice of them (what
				// collectAll returns for the All* iterators) is the
				// caller's own value, which slog's JSON handler encodes
				// with encoding/json, carrying the real values: its
				// elements are logged one by one.
				for _, e := range logged(v) {
					logger.Debug("value", "v", e)
					logger.Debug("value", slog.Any("v", e))
				}
			}

			needles := append(secretNeedles(srv, otherPEM, tr.tokens), projectSecrets...)
			require.GreaterOrEqual(t, len(needles), 20, "secrets to look for")
			logText := logs.String()
			require.Contains(t, logText, `"msg":"opentok request"`, "the JSON handler logged the requests")
			require.Contains(t, logText, `msg="opentok request"`, "the text handler logged the requests")
			for _, n := range needles {
				assertNoSecret(t, "the log", logText, n)
				assertNoSecret(t, "a printed value", printed.String(), n)
			}
			t.Logf("%d operations run, %d values printed, %d secrets looked for, %d bytes of log",
				len(results), len(values), len(needles), len(logText))
		})
	}
}

// logged returns the values to log for v: its elements when it is a slice,
// else v itself.
func logged(v any) []any {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return []any{v}
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out
}
