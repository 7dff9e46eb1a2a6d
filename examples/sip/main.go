// Command sip dials phones and SIP endpoints into an OpenTok session. Its
// page joins the session with the camera, dials a SIP URI (with optional
// custom headers and digest authentication), lists the calls it dialled,
// plays DTMF digits to one call or to all of them, and hangs up.
//
//	go run ./examples/sip [-addr host:port]
//
// SIP needs a routed session and a SIP endpoint that answers: a PBX, a SIP
// trunk to the phone network, or a softphone account. Offline (no
// credentials set) the built-in fake platform "connects" every call. Every
// form also answers JSON when asked with Accept: application/json.
package main

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/examples/internal/exampleapp"
)

//go:embed templates/*.html
var templates embed.FS

func main() { exampleapp.Main("sip", newHandler) }

// call is a SIP call this example dialled and has not hung up.
type call struct {
	ID           string    `json:"id"`
	ConnectionID string    `json:"connectionId"`
	StreamID     string    `json:"streamId"`
	URI          string    `json:"uri"`
	From         string    `json:"from,omitempty"`
	StartedAt    time.Time `json:"startedAt"`
}

// app is the example: its pages, the session calls are dialled into, and
// the calls it dialled (the platform has no request that lists them).
type app struct {
	*exampleapp.Room

	mu    sync.Mutex
	calls []call // oldest first
}

func newHandler(ctx context.Context, p *exampleapp.Platform) (http.Handler, error) {
	room, err := exampleapp.OpenRoom(ctx, p, exampleapp.RoomOptions{
		Name: "sip", Pages: templates, Nav: []exampleapp.NavLink{{Path: "/", Label: "Calls"}},
		OfflineNote: "The fake platform answers every SIP URI at once and carries no audio: " +
			"dial anything that starts with sip:, then play digits and hang up.",
		// SIP calls need the Media Router.
		Session: &opentok.SessionOptions{MediaMode: opentok.MediaRouted},
	})
	if err != nil {
		return nil, err
	}
	a := &app{Room: room}
	mux := a.NewMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("POST /dial", a.dial)
	mux.HandleFunc("POST /dtmf", a.dtmf)
	mux.HandleFunc("POST /dtmf/{id}", a.dtmf)
	mux.HandleFunc("POST /hangup/{id}", a.hangup)
	return mux, nil
}

// homeData is the page's content.
type homeData struct {
	Calls []call `json:"calls"`
	// Form holds what was typed into the dial form, to show it again after
	// an error (never the password).
	Form dialForm `json:"-"`
}

type dialForm struct {
	URI, From, Headers, Username string
	Secure, Video                bool
}

// render shows the page with the current calls and the notice (or error) of
// the action that led there.
func (a *app) render(w http.ResponseWriter, r *http.Request, page *exampleapp.Page, form dialForm, actionErr error) {
	page.Title = "SIP calls"
	err := a.Join(page, opentok.RoleModerator, "Host")
	a.mu.Lock()
	page.Data = &homeData{Calls: slices.Clone(a.calls), Form: form}
	a.mu.Unlock()
	a.Respond(w, r, "home", page, cmp.Or(actionErr, err))
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	a.render(w, r, &exampleapp.Page{}, dialForm{Secure: true}, nil)
}

// dial calls the SIP URI into the session. The call joins as a connection of
// its own, with a token whose data says it is a SIP call; other clients see
// its audio as a stream.
func (a *app) dial(w http.ResponseWriter, r *http.Request) {
	form := dialForm{URI: strings.TrimSpace(r.FormValue("uri")), From: strings.TrimSpace(r.FormValue("from")),
		Headers: r.FormValue("headers"), Username: r.FormValue("username"),
		Secure: r.FormValue("secure") != "", Video: r.FormValue("video") != ""}
	page := &exampleapp.Page{}
	opts := &opentok.DialOptions{From: form.From, Secure: form.Secure, Video: form.Video}
	var err error
	if opts.Headers, err = parseHeaders(form.Headers); err != nil {
		a.render(w, r, page, form, err)
		return
	}
	if password := r.FormValue("password"); form.Username != "" || password != "" {
		opts.Auth = &opentok.SIPAuth{Username: form.Username, Password: password}
	}
	token, err := a.Client.GenerateToken(a.SessionID, &opentok.TokenOptions{Data: "sip=true"})
	if err != nil {
		a.render(w, r, page, form, err)
		return
	}
	sc, err := a.Client.Dial(r.Context(), a.SessionID, token, form.URI, opts)
	if err != nil {
		a.render(w, r, page, form, fmt.Errorf("dial %s: %w", form.URI, err))
		return
	}
	c := call{ID: sc.ID, ConnectionID: sc.ConnectionID, StreamID: sc.StreamID, URI: form.URI, From: form.From,
		StartedAt: time.Now()}
	a.mu.Lock()
	a.calls = append(a.calls, c)
	a.mu.Unlock()
	page.Notice = fmt.Sprintf("Dialled %s: call %s, connection %s.", c.URI, c.ID, c.ConnectionID)
	page.Result = c
	a.render(w, r, page, dialForm{Secure: form.Secure}, nil)
}

// parseHeaders reads custom SIP headers, one "X-Name: value" a line. The
// SDK checks the names (they must start with X-) and values.
func parseHeaders(text string) (map[string]string, error) {
	var headers map[string]string
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, exampleapp.Errorf(http.StatusBadRequest, "Header line %d, %q, is not \"X-Name: value\".", i+1, line)
		}
		if headers == nil {
			headers = map[string]string{}
		}
		headers[strings.TrimSpace(name)] = strings.TrimSpace(value)
	}
	return headers, nil
}

// find returns the current call with the given ID.
func (a *app) find(id string) (call, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	i := slices.IndexFunc(a.calls, func(c call) bool { return c.ID == id })
	if i < 0 {
		return call{}, false
	}
	return a.calls[i], true
}

// forget removes a call from the current calls.
func (a *app) forget(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = slices.DeleteFunc(a.calls, func(c call) bool { return c.ID == id })
}

// dtmf plays digits (0-9, *, #, and p for a 500 ms pause) to one call, or
// to every SIP call of the session.
func (a *app) dtmf(w http.ResponseWriter, r *http.Request) {
	digits, id := r.FormValue("digits"), r.PathValue("id")
	page := &exampleapp.Page{Result: map[string]string{"digits": digits, "call": id}}
	var err error
	c, found := a.find(id)
	switch {
	case id == "":
		err = a.Client.PlayDTMF(r.Context(), a.SessionID, digits)
		page.Notice = fmt.Sprintf("Played %q to every call.", digits)
	case !found:
		err = exampleapp.Errorf(http.StatusNotFound, "There is no current call %s.", id)
	default:
		err = a.Client.PlayDTMFToConnection(r.Context(), a.SessionID, c.ConnectionID, digits)
		page.Notice = fmt.Sprintf("Played %q to call %s.", digits, id)
	}
	if err != nil {
		page.Notice = ""
		err = fmt.Errorf("play DTMF: %w", err)
	}
	a.render(w, r, page, dialForm{Secure: true}, err)
}

// hangup ends a call: a SIP call is a connection of the session, so
// ForceDisconnect on its connection ID hangs it up.
func (a *app) hangup(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	page := &exampleapp.Page{}
	c, ok := a.find(id)
	if !ok {
		a.render(w, r, page, dialForm{Secure: true}, exampleapp.Errorf(http.StatusNotFound, "There is no current call %s.", id))
		return
	}
	err := a.Client.ForceDisconnect(r.Context(), a.SessionID, c.ConnectionID)
	switch {
	case errors.Is(err, opentok.ErrNotFound):
		// The far end hung up, or the platform ended the call.
		a.forget(id)
		page.Notice = fmt.Sprintf("Call %s had already ended.", id)
	case err != nil:
		a.render(w, r, page, dialForm{Secure: true}, fmt.Errorf("hang up call %s: %w", id, err))
		return
	default:
		a.forget(id)
		page.Notice = fmt.Sprintf("Hung up call %s.", id)
	}
	page.Result = map[string]string{"id": id, "status": "ended"}
	a.render(w, r, page, dialForm{Secure: true}, nil)
}
