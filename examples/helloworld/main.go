// Command helloworld is the smallest OpenTok web app: it creates one session
// when it starts and serves a page that joins it with OpenTok.js, publishing
// the camera and subscribing to everyone else's streams. Open the page in two
// browser tabs to see both.
//
//	go run ./examples/helloworld [-addr host:port]
//
// Credentials come from OPENTOK_API_KEY and OPENTOK_API_SECRET, or
// VONAGE_APPLICATION_ID and VONAGE_PRIVATE_KEY_PATH; with none it runs
// offline against a built-in fake platform. GET /session returns the same
// values as JSON.
package main

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"sync/atomic"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/examples/internal/exampleapp"
)

//go:embed templates/*.html
var templates embed.FS

func main() { exampleapp.Main("helloworld", newHandler) }

// app is the example's state: one session, shared by everyone who opens the
// page, and how many visitors it had (to name them).
type app struct {
	*exampleapp.Room
	visitors atomic.Int64
}

// sessionInfo is what a browser needs to join the session.
type sessionInfo struct {
	// APIKey is the API key or application ID: the first argument of
	// OT.initSession, whichever credentials the server uses.
	APIKey    string `json:"apiKey"`
	SessionID string `json:"sessionId"`
	Token     string `json:"token"`
}

func newHandler(ctx context.Context, p *exampleapp.Platform) (http.Handler, error) {
	// Relayed media (Session: nil, the default) is enough to publish and
	// subscribe; the other examples need routed media.
	room, err := exampleapp.OpenRoom(ctx, p, exampleapp.RoomOptions{
		Name: "helloworld", Pages: templates, Nav: []exampleapp.NavLink{{Path: "/", Label: "Video chat"}},
	})
	if err != nil {
		return nil, err
	}
	a := &app{Room: room}
	mux := a.NewMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /session", a.session)
	return mux, nil
}

// info makes a fresh token for each visitor, with a name in its connection
// data ("name=Visitor 2") that the other pages show: tokens are signed
// locally, without a request to the platform.
func (a *app) info() (sessionInfo, error) {
	name := fmt.Sprintf("name=Visitor %d", a.visitors.Add(1))
	token, err := a.Client.GenerateToken(a.SessionID, &opentok.TokenOptions{Role: opentok.RolePublisher, Data: name})
	return sessionInfo{APIKey: a.OwnerID(), SessionID: a.SessionID, Token: token}, err
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	page := &exampleapp.Page{Title: "Hello, world", SessionID: a.SessionID, Publish: true}
	info, err := a.info()
	page.Token, page.Result = info.Token, info
	a.Respond(w, r, "home", page, err)
}

func (a *app) session(w http.ResponseWriter, r *http.Request) {
	info, err := a.info()
	if err != nil {
		exampleapp.WriteJSONError(w, err)
		return
	}
	exampleapp.WriteJSON(w, http.StatusOK, info)
}
