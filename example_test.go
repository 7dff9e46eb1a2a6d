package opentok_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"
	"time"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// The examples run against opentoktest, the SDK's in-memory fake of the
// platform; in your code, make the client with New or NewVonage instead of
// srv.Client().

// startFake starts the fake platform for an example.
func startFake() *opentoktest.Server {
	srv, err := opentoktest.Start()
	if err != nil {
		log.Fatal(err)
	}
	return srv
}

// joined creates a routed session with one publishing participant, as most
// server-side features need.
func joined(ctx context.Context, srv *opentoktest.Server, ot *opentok.OpenTok) (string, *opentoktest.Conn) {
	s, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	if err != nil {
		log.Fatal(err)
	}
	tok, err := ot.GenerateToken(s.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	conn, err := srv.Connect(s.ID, tok)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := conn.Publish(opentoktest.PublishOptions{Name: "camera"}); err != nil {
		log.Fatal(err)
	}
	return s.ID, conn
}

func ExampleNew() {
	ot, err := opentok.New(os.Getenv("OPENTOK_API_KEY"), os.Getenv("OPENTOK_API_SECRET"))
	if err != nil {
		// The key or the secret is empty: set OPENTOK_API_KEY and OPENTOK_API_SECRET.
		fmt.Println(errors.Is(err, opentok.ErrInvalidArgument))
		return
	}
	fmt.Println(ot.BaseURL())
}

func ExampleNewVonage() {
	key, err := os.ReadFile(os.Getenv("VONAGE_PRIVATE_KEY_PATH"))
	if err != nil {
		fmt.Println("no private key:", os.Getenv("VONAGE_PRIVATE_KEY_PATH") == "")
		return
	}
	ot, err := opentok.NewVonage(os.Getenv("VONAGE_APPLICATION_ID"), key)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ot.BaseURL())
}

func ExampleOpenTok_CreateSession() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()

	s, err := ot.CreateSession(context.Background(), &opentok.SessionOptions{
		MediaMode:   opentok.MediaRouted, // archives, broadcasts and SIP need routed media
		ArchiveMode: opentok.ArchiveManual,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.MediaMode, s.ArchiveMode, strings.HasPrefix(s.ID, "2_"))
	// Output: routed manual true
}

func ExampleOpenTok_GenerateToken() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()
	s, err := ot.CreateSession(context.Background(), nil)
	if err != nil {
		log.Fatal(err)
	}

	tok, err := ot.GenerateToken(s.ID, &opentok.TokenOptions{
		Role: opentok.RoleModerator,
		TTL:  2 * time.Hour,
		Data: "name=Ann",
	})
	if err != nil {
		log.Fatal(err)
	}
	// A client joins with the token; the fake verifies it as the platform does.
	conn, err := srv.Connect(s.ID, tok)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(conn.Role(), conn.Data())

	_, err = ot.GenerateToken(s.ID, &opentok.TokenOptions{TTL: 40 * 24 * time.Hour})
	var ve *opentok.ValidationError
	fmt.Println(errors.As(err, &ve), ve.Field)
	// Output:
	// moderator name=Ann
	// true ttl
}

func ExampleOpenTok_StartArchive() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()
	ctx := context.Background()
	sessionID, _ := joined(ctx, srv, ot)

	a, err := ot.StartArchive(ctx, sessionID, &opentok.ArchiveOptions{
		Name:       "stand-up",
		Resolution: opentok.Resolution1280x720,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Status, a.Name, a.Resolution)

	// Only one archive at a time without a MultiArchiveTag.
	_, err = ot.StartArchive(ctx, sessionID, nil)
	fmt.Println(errors.Is(err, opentok.ErrConflict))

	a, err = ot.StopArchive(ctx, a.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Status)

	srv.Advance(10 * time.Second) // the platform finishes processing the file
	a, err = ot.GetArchive(ctx, a.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Status, a.URL != "")
	// Output:
	// started stand-up 1280x720
	// true
	// stopped
	// available true
}

func ExampleOpenTok_AllArchives() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()
	ctx := context.Background()
	sessionID, _ := joined(ctx, srv, ot)
	for i := range 3 {
		a, err := ot.StartArchive(ctx, sessionID, &opentok.ArchiveOptions{Name: fmt.Sprint("take ", i+1)})
		if err != nil {
			log.Fatal(err)
		}
		if _, err := ot.StopArchive(ctx, a.ID); err != nil {
			log.Fatal(err)
		}
	}

	// Every archive, newest first, fetched lazily two at a time.
	for a, err := range ot.AllArchives(ctx, &opentok.ListArchivesOptions{Count: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(a.Name, a.Status)
	}
	// Output:
	// take 3 stopped
	// take 2 stopped
	// take 1 stopped
}

func ExampleOpenTok_StartBroadcast() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()
	ctx := context.Background()
	sessionID, _ := joined(ctx, srv, ot)

	b, err := ot.StartBroadcast(ctx, sessionID, &opentok.BroadcastOptions{
		Outputs: opentok.BroadcastOutputs{
			HLS:  &opentok.HLSOutput{LowLatency: true},
			RTMP: []opentok.RTMPOutput{{ID: "cdn", ServerURL: "rtmps://live.example.com/app", StreamName: "key"}},
		},
		MaxDuration: time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.Status, b.HLSURL != "", b.RTMP[0].ID, b.RTMP[0].Status, b.MaxDuration)

	srv.Advance(5 * time.Second)
	b, err = ot.GetBroadcast(ctx, b.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.RTMP[0].Status)

	b, err = ot.StopBroadcast(ctx, b.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(b.Status)
	// Output:
	// started true cdn connecting 1h0m0s
	// live
	// stopped
}

func ExampleOpenTok_Signal() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()
	ctx := context.Background()
	sessionID, conn := joined(ctx, srv, ot)

	err := ot.Signal(ctx, sessionID, opentok.SignalPayload{Type: "chat", Data: "Hello, everyone"})
	if err != nil {
		log.Fatal(err)
	}
	err = ot.SignalConnection(ctx, sessionID, conn.ID(), opentok.SignalPayload{Type: "dm", Data: "Hello, you"})
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range conn.Signals() {
		fmt.Printf("%s: %s\n", s.Type, s.Data)
	}
	// Output:
	// chat: Hello, everyone
	// dm: Hello, you
}

func ExampleOpenTok_ForceMuteAll() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()
	ctx := context.Background()
	sessionID, _ := joined(ctx, srv, ot)
	streams, err := ot.ListStreams(ctx, sessionID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(streams.Items), streams.Items[0].Name)

	// Mute everyone (and everyone who publishes later) but the host.
	if err := ot.ForceMuteAll(ctx, sessionID, &opentok.ForceMuteAllOptions{ExcludedStreamIDs: []string{"host-stream"}}); err != nil {
		log.Fatal(err)
	}
	st, _ := srv.Stream(streams.Items[0].ID)
	fmt.Println(st.AudioMuted)

	if err := ot.DisableForceMute(ctx, sessionID); err != nil {
		log.Fatal(err)
	}
	s, _ := srv.Session(sessionID)
	fmt.Println(s.MuteActive)
	// Output:
	// 1 camera
	// true
	// false
}

func ExampleOpenTok_Dial() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()
	ctx := context.Background()
	sessionID, _ := joined(ctx, srv, ot)

	tok, err := ot.GenerateToken(sessionID, &opentok.TokenOptions{Data: "phone participant"})
	if err != nil {
		log.Fatal(err)
	}
	call, err := ot.Dial(ctx, sessionID, tok, "sip:conference@sip.example.com;transport=tls", &opentok.DialOptions{
		From:    "support@example.com",
		Headers: map[string]string{"X-Room": "42"},
		Auth:    &opentok.SIPAuth{Username: "user", Password: "made-up-password"},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := ot.PlayDTMF(ctx, sessionID, "1234#"); err != nil {
		log.Fatal(err)
	}
	c, _ := srv.SIPCall(call.ID)
	fmt.Println(c.URI, c.DTMF)

	// Hang up: force the SIP connection to leave.
	if err := ot.ForceDisconnect(ctx, sessionID, call.ConnectionID); err != nil {
		log.Fatal(err)
	}
	c, _ = srv.SIPCall(call.ID)
	fmt.Println(c.Ended)
	// Output:
	// sip:conference@sip.example.com;transport=tls [1234#]
	// true
}

func ExampleOpenTok_ForceDisconnect() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()
	ctx := context.Background()
	sessionID, conn := joined(ctx, srv, ot)

	if err := ot.ForceDisconnect(ctx, sessionID, conn.ID()); err != nil {
		log.Fatal(err)
	}
	fmt.Println(conn.Connected())

	err := ot.ForceDisconnect(ctx, sessionID, conn.ID())
	fmt.Println(errors.Is(err, opentok.ErrNotFound))
	// Output:
	// false
	// true
}

func ExampleAPIError() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()

	_, err := ot.GetArchive(context.Background(), "no-such-archive")
	var apiErr *opentok.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, errors.Is(err, opentok.ErrNotFound))
	}
	// Output: 404 true
}

// A session nobody has joined yet cannot be archived: the error matches
// ErrNoClients, which an unknown session does not, so the caller can wait
// for a client without reading the message.
func ExampleErrNoClients() {
	srv := startFake()
	defer srv.Close()
	ot := srv.Client()
	ctx := context.Background()

	s, err := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	if err != nil {
		log.Fatal(err)
	}
	_, err = ot.StartArchive(ctx, s.ID, nil)
	fmt.Println(errors.Is(err, opentok.ErrNoClients))

	tok, _ := ot.GenerateToken(s.ID, nil)
	if _, err := srv.Connect(s.ID, tok); err != nil { // in real life: a browser joins
		log.Fatal(err)
	}
	a, err := ot.StartArchive(ctx, s.ID, nil)
	fmt.Println(err == nil && a.Status == opentok.ArchiveStarted)
	// Output:
	// true
	// true
}
