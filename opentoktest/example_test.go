package opentoktest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// In a test, use opentoktest.NewServer(t), which closes the server when the
// test ends; Start is for code outside tests.
func ExampleStart() {
	srv, err := opentoktest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ot := srv.Client() // an *opentok.OpenTok with the fake's credentials and URL

	s, err := ot.CreateSession(context.Background(), &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	if err != nil {
		log.Fatal(err)
	}
	got, _ := srv.Session(s.ID)
	fmt.Println(got.MediaMode)
	// Output: routed
}

func ExampleServer_Connect() {
	srv, err := opentoktest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ot := srv.Client()
	s, _ := ot.CreateSession(context.Background(), &opentok.SessionOptions{MediaMode: opentok.MediaRouted})

	tok, _ := ot.GenerateToken(s.ID, &opentok.TokenOptions{Role: opentok.RoleSubscriber, TTL: time.Minute})
	conn, err := srv.Connect(s.ID, tok) // verified as the platform would
	if err != nil {
		log.Fatal(err)
	}
	_, err = conn.Publish(opentoktest.PublishOptions{Name: "camera"})
	fmt.Println(errors.Is(err, opentoktest.ErrNotPermitted)) // subscribers cannot publish

	srv.Advance(2 * time.Minute)
	_, err = srv.Connect(s.ID, tok)
	fmt.Println(errors.Is(err, opentoktest.ErrTokenExpired))
	// Output:
	// true
	// true
}

func ExampleServer_InjectFault() {
	srv, err := opentoktest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	retry := opentok.DefaultRetryPolicy
	retry.MinBackoff, retry.MaxBackoff = time.Millisecond, 10*time.Millisecond
	ot := srv.Client(opentok.WithRetry(retry))

	// The next two GetArchive requests answer 503: the SDK retries and the
	// third attempt gets the real answer (404 for an unknown archive).
	if err := srv.InjectFault("GetArchive", opentoktest.Fault{Status: 503, Times: 2}); err != nil {
		log.Fatal(err)
	}
	_, err = ot.GetArchive(context.Background(), "no-such-archive")
	var apiErr *opentok.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Attempts)
	}
	for _, r := range srv.RequestsFor("GetArchive") {
		fmt.Println(r.Status)
	}
	// Output:
	// 404 3
	// 503
	// 503
	// 404
}

// The code under test is built from the fake's client first; the fake's
// callbacks are then pointed at it, here in this process through its
// http.Handler (a network URL works too).
func ExampleServer_SetWebhooks() {
	srv, err := opentoktest.Start()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	ot := srv.Client()

	// Your app: its routes, among them the archive callback.
	mux := http.NewServeMux()
	mux.Handle("POST /callbacks/archive", opentok.NewCallbackHandler(func(ctx context.Context, ev opentok.Event) error {
		if e, ok := ev.(*opentok.ArchiveEvent); ok {
			fmt.Println("archive", e.Status)
		}
		return nil
	}, opentok.WithCallbackSecret("made-up-signature-secret")))

	srv.SetWebhooks(opentoktest.Webhooks{Handler: mux, ArchiveURL: "/callbacks/archive", Secret: "made-up-signature-secret"})

	ctx := context.Background()
	s, _ := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	tok, _ := ot.GenerateToken(s.ID, nil)
	if _, err := srv.Connect(s.ID, tok); err != nil {
		log.Fatal(err)
	}
	a, err := ot.StartArchive(ctx, s.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	srv.FlushWebhooks()
	_, _ = ot.StopArchive(ctx, a.ID)
	srv.FlushWebhooks()
	// Output:
	// archive started
	// archive stopped
}
