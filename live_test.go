//go:build live

package opentok_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// The live smoke suite: the main flows of the SDK against whatever platform
// the environment names, run with
//
//	go test -tags live -v -run '^TestLive' ./...
//
// It reads the credentials the examples read (OPENTOK_API_KEY and
// OPENTOK_API_SECRET, or VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY_PATH)
// and OPENTOK_API_URL (empty: the platform's URL). Optional:
//
//	OPENTOK_LIVE_SESSION_ID    a routed session a client publishes to (a browser on
//	                           go run ./examples/helloworld): archives, broadcasts and
//	                           stream moderation need one; against the emulator the
//	                           suite makes its own through the control API
//	OPENTOK_LIVE_SIP_URI       a SIP URI to dial (the SIP steps are skipped without)
//	OPENTOK_LIVE_CALLBACK_URL  a URL to register a callback for (skipped without)
//	OPENTOK_LIVE_WAIT          how long to wait for a stopped archive (default 3m)
//	OPENTOK_LIVE_REQUIRE_ALL=1 every step must run: a skip fails (CI sets it)
//
// Everything it creates it removes again in t.Cleanup, also when a step
// fails: archives are stopped and deleted, broadcasts stopped, SIP calls
// and its simulated clients disconnected, callbacks unregistered. It logs
// each step (-v shows them). Against a real platform it costs what the
// README says: a few seconds of an archive, of a broadcast and of a SIP
// call.

// live is the suite's environment.
type live struct {
	t   *testing.T
	ot  *opentok.OpenTok
	ctx context.Context
	// emu is the emulator's control API URL, "" against a real platform.
	emu string
	// created is a routed session the suite made; session is routed and
	// has a publishing client (empty when there is none); stream is one of
	// its streams, conn our simulated client's connection (emulator only).
	created, session, stream, conn string
	sipURI, callbackURL            string
	wait                           time.Duration
	requireAll                     bool
}

func TestLive(t *testing.T) {
	lv := newLive(t)
	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"session and tokens", lv.sessionAndTokens},
		{"a publishing client", lv.publishingClient},
		{"archive", lv.archive},
		{"broadcast", lv.broadcast},
		{"signal", lv.signal},
		{"moderation", lv.moderation},
		{"SIP", lv.sip},
		{"callbacks", lv.callbacks},
	}
	for _, s := range steps {
		t.Run(s.name, s.run)
	}
}

func newLive(t *testing.T) *live {
	lv := &live{t: t, ctx: context.Background(), requireAll: os.Getenv("OPENTOK_LIVE_REQUIRE_ALL") == "1",
		sipURI: os.Getenv("OPENTOK_LIVE_SIP_URI"), callbackURL: os.Getenv("OPENTOK_LIVE_CALLBACK_URL"), wait: 3 * time.Minute}
	if w := os.Getenv("OPENTOK_LIVE_WAIT"); w != "" {
		d, err := time.ParseDuration(w)
		require.NoError(t, err, "OPENTOK_LIVE_WAIT is a duration such as 3m")
		lv.wait = d
	}
	base := os.Getenv("OPENTOK_API_URL")
	opts := []opentok.Option{opentok.WithBaseURL(base), opentok.WithUserAgent("live-smoke-suite")}
	var err error
	switch key, app := os.Getenv("OPENTOK_API_KEY"), os.Getenv("VONAGE_APPLICATION_ID"); {
	case key != "":
		lv.ot, err = opentok.New(key, os.Getenv("OPENTOK_API_SECRET"), opts...)
	case app != "":
		pemKey := []byte(os.Getenv("VONAGE_PRIVATE_KEY_PATH"))
		if !bytes.Contains(pemKey, []byte("-----BEGIN")) {
			pemKey, err = os.ReadFile(string(pemKey))
			require.NoError(t, err, "VONAGE_PRIVATE_KEY_PATH names the private key's file")
		}
		lv.ot, err = opentok.NewVonage(app, pemKey, opts...)
	default:
		t.Fatal("the live suite needs credentials: OPENTOK_API_KEY and OPENTOK_API_SECRET, or VONAGE_APPLICATION_ID and " +
			"VONAGE_PRIVATE_KEY_PATH (and OPENTOK_API_URL for the emulator: eval what `opentok emulator` prints)")
	}
	require.NoError(t, err)
	t.Logf("platform %s, owner %s", lv.ot.BaseURL(), lv.ot.OwnerID())
	lv.emu = emulatorControl(lv.ot.BaseURL())
	if lv.emu != "" {
		t.Logf("the platform is an opentok emulator: its control API makes a publishing client")
	}
	lv.session = os.Getenv("OPENTOK_LIVE_SESSION_ID")
	return lv
}

// emulatorControl returns the control API URL of an emulator at base, or
// "" when base is not one (only a loopback host can be).
func emulatorControl(base string) string {
	u, err := url.Parse(base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		return ""
	}
	ctl := strings.TrimRight(base, "/") + "/_emulator"
	var info struct{ URL string }
	if err := controlCall(context.Background(), http.MethodGet, ctl+"/", nil, &info); err != nil || info.URL == "" {
		return ""
	}
	return ctl
}

// controlCall calls the emulator's control API.
func controlCall(ctx context.Context, method, u string, in, out any) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return &controlErr{status: resp.StatusCode, msg: fmt.Sprintf("%s %s: %d %s", method, u, resp.StatusCode, bytes.TrimSpace(b))}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// controlErr is a control API answer that is not 2xx.
type controlErr struct {
	status int
	msg    string
}

func (e *controlErr) Error() string { return e.msg }

// gone reports whether err says the thing is not there (any more).
func gone(err error) bool {
	var ce *controlErr
	return errors.Is(err, opentok.ErrNotFound) || errors.As(err, &ce) && ce.status == http.StatusNotFound
}

// skip skips the step, or fails it when every step must run.
func (lv *live) skip(t *testing.T, why string) {
	t.Helper()
	if lv.requireAll {
		t.Fatalf("skipped, but OPENTOK_LIVE_REQUIRE_ALL=1: %s", why)
	}
	t.Skip(why)
}

// cleanup runs f when the suite ends (also after a failed step), with a
// context of its own, and logs what it did.
func (lv *live) cleanup(what string, f func(ctx context.Context) error) {
	lv.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		switch err := f(ctx); {
		case gone(err):
			lv.t.Logf("cleanup: %s (it was gone already)", what)
		case err != nil:
			lv.t.Errorf("cleanup: %s: %v", what, err)
		default:
			lv.t.Logf("cleanup: %s", what)
		}
	})
}

func (lv *live) sessionAndTokens(t *testing.T) {
	s, err := lv.ot.CreateSession(lv.ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	require.NotEmpty(t, s.ID)
	t.Logf("created routed session %s", s.ID)
	relayed, err := lv.ot.CreateSession(lv.ctx, nil)
	require.NoError(t, err)
	t.Logf("created relayed session %s", relayed.ID)
	lv.created = s.ID
	if lv.emu != "" {
		lv.session = s.ID // the emulator's client joins it
	}
	for _, role := range []opentok.Role{opentok.RolePublisher, opentok.RoleModerator, opentok.RoleSubscriber} {
		tok, err := lv.ot.GenerateToken(s.ID, &opentok.TokenOptions{Role: role, TTL: time.Hour, Data: "live=smoke"})
		require.NoError(t, err)
		require.NotEmpty(t, tok)
		t.Logf("signed a %s token (%d bytes)", role, len(tok))
	}
	if !lv.ot.IsVonage() {
		tok, err := lv.ot.GenerateToken(s.ID, &opentok.TokenOptions{Format: opentok.TokenT1})
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(tok, "T1=="))
		t.Logf("signed a T1 token")
	}
}

// publishingClient makes a client connect to the session and publish:
// through the emulator's control API, or the one OPENTOK_LIVE_SESSION_ID
// says is there.
func (lv *live) publishingClient(t *testing.T) {
	require.NotEmpty(t, lv.created, "the session step made a session")
	if lv.emu == "" {
		if lv.session == "" {
			lv.skip(t, "a real platform needs a client that publishes, which this suite cannot be: set OPENTOK_LIVE_SESSION_ID "+
				"to a routed session a browser publishes to (go run ./examples/helloworld) to run the archive, broadcast and "+
				"stream steps")
		}
		streams, err := lv.ot.ListStreams(lv.ctx, lv.session)
		require.NoError(t, err)
		require.NotEmpty(t, streams.Items, "OPENTOK_LIVE_SESSION_ID has a published stream")
		lv.stream = streams.Items[0].ID
		t.Logf("session %s has %d streams; using %s", lv.session, streams.Total, lv.stream)
		return
	}
	tok, err := lv.ot.GenerateToken(lv.session, &opentok.TokenOptions{Data: "name=live-smoke"})
	require.NoError(t, err)
	var joined struct{ ConnectionID string }
	require.NoError(t, controlCall(lv.ctx, http.MethodPost, lv.emu+"/connect", map[string]string{"sessionId": lv.session, "token": tok}, &joined))
	lv.conn = joined.ConnectionID
	lv.cleanup("the simulated client "+lv.conn+" left", func(ctx context.Context) error {
		return controlCall(ctx, http.MethodDelete, lv.emu+"/connections/"+lv.conn, nil, nil)
	})
	var pub struct{ StreamID string }
	require.NoError(t, controlCall(lv.ctx, http.MethodPost, lv.emu+"/connections/"+lv.conn+"/publish", map[string]string{"name": "live-smoke"}, &pub))
	lv.stream = pub.StreamID
	t.Logf("a simulated client %s joined %s and publishes %s", lv.conn, lv.session, lv.stream)
}

func (lv *live) needClient(t *testing.T) {
	t.Helper()
	if lv.session == "" || lv.stream == "" {
		lv.skip(t, "no session with a publishing client (see the step before)")
	}
}

func (lv *live) archive(t *testing.T) {
	lv.needClient(t)
	a, err := lv.ot.StartArchive(lv.ctx, lv.session, &opentok.ArchiveOptions{Name: "live smoke", MultiArchiveTag: "live-smoke"})
	require.NoError(t, err)
	t.Logf("started archive %s", a.ID)
	lv.cleanup("archive "+a.ID+" stopped and deleted", func(ctx context.Context) error {
		if _, err := lv.ot.StopArchive(ctx, a.ID); err != nil && !errors.Is(err, opentok.ErrConflict) && !errors.Is(err, opentok.ErrNotFound) {
			return err
		}
		if _, err := lv.waitArchive(ctx, a.ID); err != nil {
			return err
		}
		return lv.ot.DeleteArchive(ctx, a.ID)
	})
	got, err := lv.ot.GetArchive(lv.ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, a.ID, got.ID)
	t.Logf("archive %s is %s", got.ID, got.Status)

	found := false
	for item, err := range lv.ot.AllArchives(lv.ctx, &opentok.ListArchivesOptions{SessionID: lv.session}) {
		require.NoError(t, err)
		found = found || item.ID == a.ID
	}
	assert.True(t, found, "AllArchives lists the archive")
	page, err := lv.ot.ListArchives(lv.ctx, &opentok.ListArchivesOptions{Count: 5})
	require.NoError(t, err)
	t.Logf("listed archives: %d on the first page of %d", len(page.Items), page.Total)

	time.Sleep(2 * time.Second) // a few seconds of recording
	stopped, err := lv.ot.StopArchive(lv.ctx, a.ID)
	require.NoError(t, err)
	t.Logf("stopped archive %s: %s", a.ID, stopped.Status)
	done, err := lv.waitArchive(lv.ctx, a.ID)
	require.NoError(t, err)
	t.Logf("archive %s is %s (%d bytes)", done.ID, done.Status, done.Size)
	require.NoError(t, lv.ot.DeleteArchive(lv.ctx, a.ID))
	t.Logf("deleted archive %s", a.ID)
}

// waitArchive waits until a stopped archive is available, uploaded or
// failed: the emulator is told to complete it; the platform is asked every
// few seconds, up to OPENTOK_LIVE_WAIT.
func (lv *live) waitArchive(ctx context.Context, id string) (*opentok.Archive, error) {
	if lv.emu != "" {
		a, err := lv.ot.GetArchive(ctx, id)
		if err == nil && a.Status == opentok.ArchiveStopped {
			err = controlCall(ctx, http.MethodPost, lv.emu+"/archives/"+id+"/complete", nil, nil)
		}
		if err != nil {
			return nil, err
		}
	}
	deadline := time.Now().Add(lv.wait)
	for {
		a, err := lv.ot.GetArchive(ctx, id)
		if err != nil {
			return nil, err
		}
		switch a.Status {
		case opentok.ArchiveAvailable, opentok.ArchiveUploaded, opentok.ArchiveFailed, opentok.ArchiveExpired, opentok.ArchiveDeleted:
			return a, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("archive %s still %s after %s (OPENTOK_LIVE_WAIT)", id, a.Status, lv.wait)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}

func (lv *live) broadcast(t *testing.T) {
	lv.needClient(t)
	b, err := lv.ot.StartBroadcast(lv.ctx, lv.session, &opentok.BroadcastOptions{
		Outputs:           opentok.BroadcastOutputs{HLS: &opentok.HLSOutput{}},
		MaxDuration:       opentok.MinBroadcastDuration * 5,
		MultiBroadcastTag: "live-smoke",
	})
	require.NoError(t, err)
	t.Logf("started broadcast %s", b.ID)
	lv.cleanup("broadcast "+b.ID+" stopped", func(ctx context.Context) error {
		_, err := lv.ot.StopBroadcast(ctx, b.ID)
		return err
	})
	got, err := lv.ot.GetBroadcast(lv.ctx, b.ID)
	require.NoError(t, err)
	t.Logf("broadcast %s is %s, HLS %s", got.ID, got.Status, got.HLSURL)
	require.NoError(t, lv.ot.SetBroadcastLayout(lv.ctx, b.ID, opentok.Layout{Type: opentok.LayoutVerticalPresentation}))
	t.Logf("set broadcast %s's layout to verticalPresentation", b.ID)
	page, err := lv.ot.ListBroadcasts(lv.ctx, &opentok.ListBroadcastsOptions{SessionID: lv.session})
	require.NoError(t, err)
	t.Logf("listed broadcasts of the session: %d", page.Total)
	stopped, err := lv.ot.StopBroadcast(lv.ctx, b.ID)
	require.NoError(t, err)
	assert.Equal(t, opentok.BroadcastStopped, stopped.Status)
	t.Logf("stopped broadcast %s", b.ID)
}

func (lv *live) signal(t *testing.T) {
	sid := lv.session
	if sid == "" {
		sid = lv.created // nobody is connected: the platform accepts it all the same
	}
	require.NotEmpty(t, sid, "the session step made a session")
	require.NoError(t, lv.ot.Signal(lv.ctx, sid, opentok.SignalPayload{Type: "live-smoke", Data: "to everyone"}))
	t.Logf("signalled session %s", sid)
	if lv.conn == "" {
		t.Logf("no connection of our own to signal alone (emulator only)")
		return
	}
	require.NoError(t, lv.ot.SignalConnection(lv.ctx, lv.session, lv.conn, opentok.SignalPayload{Type: "live-smoke", Data: "to you"}))
	var got struct{ Items []struct{ Type, Data string } }
	require.NoError(t, controlCall(lv.ctx, http.MethodGet, lv.emu+"/connections/"+lv.conn+"/signals", nil, &got))
	require.Len(t, got.Items, 2, "the client received both signals")
	assert.Equal(t, "to you", got.Items[1].Data)
	t.Logf("signalled connection %s; it received %d signals", lv.conn, len(got.Items))
}

func (lv *live) moderation(t *testing.T) {
	lv.needClient(t)
	conns, err := lv.ot.ListConnections(lv.ctx, lv.session, nil)
	require.NoError(t, err)
	t.Logf("session %s has %d connections", lv.session, conns.Total)
	require.NoError(t, lv.ot.ForceMuteAll(lv.ctx, lv.session, nil))
	require.NoError(t, lv.ot.DisableForceMute(lv.ctx, lv.session))
	t.Logf("muted every stream of %s, then ended the mute state", lv.session)
	streams, err := lv.ot.ListStreams(lv.ctx, lv.session)
	require.NoError(t, err)
	t.Logf("session %s has %d streams", lv.session, streams.Total)
	require.NoError(t, lv.ot.ForceMuteStream(lv.ctx, lv.session, lv.stream))
	t.Logf("muted stream %s", lv.stream)
	if lv.conn != "" {
		require.NoError(t, lv.ot.ForceDisconnect(lv.ctx, lv.session, lv.conn))
		t.Logf("disconnected our client %s", lv.conn)
	}
}

func (lv *live) sip(t *testing.T) {
	if lv.sipURI == "" {
		lv.skip(t, "set OPENTOK_LIVE_SIP_URI to a SIP address to dial")
	}
	s, err := lv.ot.CreateSession(lv.ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	require.NoError(t, err)
	tok, err := lv.ot.GenerateToken(s.ID, &opentok.TokenOptions{Data: "sip=live-smoke"})
	require.NoError(t, err)
	call, err := lv.ot.Dial(lv.ctx, s.ID, tok, lv.sipURI, &opentok.DialOptions{Headers: map[string]string{"X-Live-Smoke": "1"}})
	require.NoError(t, err)
	t.Logf("dialled %s into %s: call %s, connection %s", lv.sipURI, s.ID, call.ID, call.ConnectionID)
	lv.cleanup("SIP call "+call.ID+" hung up", func(ctx context.Context) error {
		return lv.ot.ForceDisconnect(ctx, s.ID, call.ConnectionID)
	})
	require.NoError(t, lv.ot.PlayDTMF(lv.ctx, s.ID, "1"))
	require.NoError(t, lv.ot.PlayDTMFToConnection(lv.ctx, s.ID, call.ConnectionID, "2#"))
	t.Logf("played DTMF to the session and to the call")
	require.NoError(t, lv.ot.ForceDisconnect(lv.ctx, s.ID, call.ConnectionID))
	t.Logf("hung up call %s", call.ID)
}

func (lv *live) callbacks(t *testing.T) {
	if lv.callbackURL == "" {
		lv.skip(t, "set OPENTOK_LIVE_CALLBACK_URL to register a callback for it")
	}
	if lv.ot.IsVonage() {
		t.Skip("Vonage applications configure callbacks in the dashboard: the registration API is OpenTok's")
	}
	cb, err := lv.ot.RegisterCallback(lv.ctx, opentok.CallbackRegistration{Group: "connection", Event: "created", URL: lv.callbackURL})
	require.NoError(t, err)
	t.Logf("registered callback %s for %s", cb.ID, lv.callbackURL)
	lv.cleanup("callback "+cb.ID+" unregistered", func(ctx context.Context) error { return lv.ot.UnregisterCallback(ctx, cb.ID) })
	list, err := lv.ot.ListCallbacks(lv.ctx)
	require.NoError(t, err)
	found := false
	for _, c := range list.Items {
		found = found || c.ID == cb.ID
	}
	assert.True(t, found, "ListCallbacks has it")
	require.NoError(t, lv.ot.UnregisterCallback(lv.ctx, cb.ID))
	t.Logf("unregistered callback %s", cb.ID)
}
