package opentok_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/opentok-go/opentok"
)

// A server that receives archive and session monitoring callbacks, with
// signature verification. The example plays the platform with httptest so
// that it runs offline; in production the mux is served with
// http.ListenAndServe and the secrets come from the dashboard.
func ExampleNewCallbackHandler() {
	const archiveSecret = "made-up-archive-signature-secret" // dashboard: archive callback signature secret

	onEvent := func(ctx context.Context, ev opentok.Event) error {
		switch e := ev.(type) {
		case *opentok.ArchiveEvent:
			// When e.Status is opentok.ArchiveAvailable, download e.URL within 10 minutes.
			fmt.Printf("archive %s of session %s is %s (%s, %d bytes)\n", e.Name, e.SessionID, e.Status, e.Duration, e.Size)
		case *opentok.StreamDestroyedEvent:
			fmt.Printf("stream %s ended: %s\n", e.Stream.ID, e.Reason)
		default:
			fmt.Printf("ignoring %q\n", ev.EventType())
		}
		return nil // a non-nil error answers 500 and the platform retries
	}

	mux := http.NewServeMux()
	mux.Handle("/opentok/archive", opentok.NewCallbackHandler(onEvent, opentok.WithCallbackSecret(archiveSecret)))
	mux.Handle("/opentok/monitoring", opentok.NewCallbackHandler(onEvent))
	// http.ListenAndServe(":8080", mux)

	post := func(path, body, authorization string) {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		text, _ := io.ReadAll(rec.Body)
		fmt.Println(strings.TrimSpace(fmt.Sprintf("-> %d %s", rec.Code, text)))
	}

	archive := `{"id":"b40ef09b-3811-4726-b508-e41a0f96c68f","event":"archive","createdAt":1384221380000,
		"duration":328,"name":"Foo","partnerId":123456,"reason":"","resolution":"640x480","sessionId":"2_MX40fn4",
		"size":18023312,"status":"available","url":"https://example.com/archive.mp4"}`
	jwt, err := opentok.SignCallback([]byte(archive), archiveSecret, nil) // what the platform does
	if err != nil {
		fmt.Println(err)
		return
	}
	post("/opentok/archive", archive, "Bearer "+jwt)
	post("/opentok/archive", archive, "") // unsigned: refused

	post("/opentok/monitoring", `{"sessionId":"2_MX40fn4","projectId":"123456","event":"streamDestroyed",
		"reason":"mediaStopped","timestamp":1470258896953,"stream":{"id":"63245362","createdAt":1470258845416}}`, "")
	post("/opentok/monitoring", `{"sessionId":"2_MX40fn4","event":"somethingNew"}`, "")
	post("/opentok/monitoring", `not JSON`, "")
	// Output:
	// archive Foo of session 2_MX40fn4 is available (5m28s, 18023312 bytes)
	// -> 200
	// -> 401 callback signature not valid
	// stream 63245362 ended: mediaStopped
	// -> 200
	// ignoring "somethingNew"
	// -> 200
	// -> 400 malformed callback
}

// Verifying and parsing a signed callback without the handler, for servers
// built on another framework.
func ExampleVerifyCallbackSignature() {
	const secret = "made-up-sip-signature-secret"
	body := []byte(`{"sessionId":"2_MX40fn4","projectId":"123456","event":"callDestroyed",
		"reason_code":"704","reason_message":"Media Timeout","timestamp":1470257688309,
		"call":{"id":"conf-1","connectionId":"conn-1","createdAt":1470257688143}}`)
	jwt, _ := opentok.SignCallback(body, secret, &opentok.SignCallbackOptions{APIKey: "123456"})
	authorization := "Bearer " + jwt // r.Header.Get("Authorization")

	claims, err := opentok.VerifyCallbackSignature(authorization, body, secret, nil)
	if err != nil {
		fmt.Println("reject with 401:", err)
		return
	}
	fmt.Println("signed for API key", claims.APIKey)
	ev, err := opentok.ParseCallback(body)
	if err != nil {
		fmt.Println("reject with 400:", err)
		return
	}
	if e, ok := ev.(*opentok.SIPCallDestroyedEvent); ok {
		fmt.Printf("call %s ended: %s %s\n", e.Call.ID, e.ReasonCode, e.ReasonMessage)
	}

	_, err = opentok.VerifyCallbackSignature(authorization, []byte(`{"tampered":true}`), secret, nil)
	fmt.Println(err)
	// Output:
	// signed for API key 123456
	// call conf-1 ended: 704 Media Timeout
	// opentok: callback signature not valid: payload_hash does not match the body
}

// Services with several instances behind a load balancer share one replay
// store, so that a callback replayed to another instance is refused too.
// Here two handlers in one process share a memory store; instances in
// separate processes share Redis through the module
// github.com/opentok-go/opentok/contrib/redisreplay:
//
//	store, err := redisreplay.New(redis.NewClient(&redis.Options{Addr: addr}), nil)
func ExampleWithCallbackReplayStore() {
	store := opentok.NewMemoryReplayStore(0)
	onEvent := func(ctx context.Context, ev opentok.Event) error { return nil }
	instanceA := opentok.NewCallbackHandler(onEvent,
		opentok.WithCallbackSecret("made-up-signature-secret"), opentok.WithCallbackReplayStore(store))
	instanceB := opentok.NewCallbackHandler(onEvent,
		opentok.WithCallbackSecret("made-up-signature-secret"), opentok.WithCallbackReplayStore(store))

	body := []byte(`{"event":"archive","id":"a1","sessionId":"s1","status":"available"}`)
	jwt, _ := opentok.SignCallback(body, "made-up-signature-secret", nil)
	for _, h := range []http.Handler{instanceA, instanceB} {
		req := httptest.NewRequest(http.MethodPost, "/opentok/archive", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+jwt)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code)
	}
	// Output:
	// 200
	// 401
}
