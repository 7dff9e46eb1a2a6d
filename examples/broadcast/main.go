// Command broadcast live-streams an OpenTok session. The host page publishes
// the camera, starts an HLS broadcast (optionally also to an RTMP server such
// as YouTube Live), changes its layout, shows the HLS URL and the RTMP
// targets' status, and stops it; the viewer page shows the HLS URL to watch.
//
//	go run ./examples/broadcast [-addr host:port]
//
// Broadcasts need a routed session with someone publishing. Offline (no
// credentials set) a simulated participant publishes in the built-in fake
// platform, whose HLS playlists are empty. Every form also answers JSON when
// asked with Accept: application/json.
package main

import (
	"cmp"
	"context"
	"embed"
	"fmt"
	"net/http"
	"time"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/examples/internal/exampleapp"
)

//go:embed templates/*.html
var templates embed.FS

func main() { exampleapp.Main("broadcast", newHandler) }

// viewerRefresh is how often the viewer page reloads while nothing is live.
const viewerRefresh = 10

// app is the example: its pages and the session it broadcasts. What is
// live is read from the platform on every page load, not kept here.
type app struct{ *exampleapp.Room }

func newHandler(ctx context.Context, p *exampleapp.Platform) (http.Handler, error) {
	room, err := exampleapp.OpenRoom(ctx, p, exampleapp.RoomOptions{
		Name: "broadcast", Pages: templates,
		Nav: []exampleapp.NavLink{{Path: "/", Label: "Host"}, {Path: "/viewer", Label: "Viewer"}},
		OfflineNote: "A simulated participant is connected and publishing, so that a broadcast can start without a " +
			"camera. The fake's HLS playlists are empty and its RTMP targets go live 2 s after the start.",
		// Broadcasting needs the Media Router, and someone publishing.
		Session:     &opentok.SessionOptions{MediaMode: opentok.MediaRouted},
		Participant: "Simulated participant",
	})
	if err != nil {
		return nil, err
	}
	a := &app{room}
	mux := a.NewMux()
	mux.Handle("GET /{$}", exampleapp.ShowFunc(a.renderHost))
	mux.HandleFunc("GET /viewer", a.viewer)
	mux.HandleFunc("POST /start", a.start)
	mux.HandleFunc("POST /stop/{id}", a.stop)
	mux.HandleFunc("POST /layout/{id}", exampleapp.LayoutHandler("broadcast", a.Client.SetBroadcastLayout, a.renderHost))
	return mux, nil
}

// broadcastView is a broadcast as the pages and JSON answers show it. The
// RTMP stream names are left out: they are the targets' stream keys.
type broadcastView struct {
	ID        string                  `json:"id"`
	SessionID string                  `json:"sessionId"`
	Status    opentok.BroadcastStatus `json:"status"`
	CreatedAt time.Time               `json:"createdAt"`
	HLSURL    string                  `json:"hlsUrl,omitempty"`
	HLSStatus string                  `json:"hlsStatus,omitempty"`
	RTMP      []rtmpView              `json:"rtmp,omitempty"`
}

type rtmpView struct {
	ID        string             `json:"id,omitempty"`
	ServerURL string             `json:"serverUrl"`
	Status    opentok.RTMPStatus `json:"status"`
}

func view(b *opentok.Broadcast) broadcastView {
	v := broadcastView{ID: b.ID, SessionID: b.SessionID, Status: b.Status, CreatedAt: b.CreatedAt,
		HLSURL: b.HLSURL, HLSStatus: b.HLSStatus}
	for _, t := range b.RTMP {
		v.RTMP = append(v.RTMP, rtmpView{ID: t.ID, ServerURL: t.ServerURL, Status: t.Status})
	}
	return v
}

// liveData is the content of both pages: this session's running broadcasts.
type liveData struct {
	Live []broadcastView `json:"live"`
}

// live lists the session's broadcasts that are running.
func (a *app) live(ctx context.Context) (*liveData, error) {
	data := &liveData{}
	list, err := a.Client.ListBroadcasts(ctx, &opentok.ListBroadcastsOptions{SessionID: a.SessionID})
	if err != nil {
		return data, fmt.Errorf("list this session's broadcasts: %w", err)
	}
	for _, b := range list.Items {
		if b.Status == opentok.BroadcastStarted {
			data.Live = append(data.Live, view(b))
		}
	}
	return data, nil
}

// renderHost shows the host page with the session's running broadcasts and
// the notice (or error) of the action that led there.
func (a *app) renderHost(w http.ResponseWriter, r *http.Request, page *exampleapp.Page, actionErr error) {
	page.Title = "Host"
	joinErr := a.Join(page, opentok.RoleModerator, "Host")
	var listErr error
	page.Data, listErr = a.live(r.Context())
	a.Respond(w, r, "host", page, cmp.Or(actionErr, joinErr, listErr))
}

// viewer shows the HLS URL of the running broadcast: what an audience
// watches, with no token and no OpenTok client library.
func (a *app) viewer(w http.ResponseWriter, r *http.Request) {
	data, err := a.live(r.Context())
	page := &exampleapp.Page{Title: "Viewer", SessionID: a.SessionID, Data: data}
	if len(data.Live) == 0 {
		page.Refresh = viewerRefresh
	}
	a.Respond(w, r, "viewer", page, err)
}

// start starts a broadcast to HLS (standard, low-latency or DVR) and, when
// its server URL and stream name are given, one RTMP target.
func (a *app) start(w http.ResponseWriter, r *http.Request) {
	opts := &opentok.BroadcastOptions{Layout: &opentok.Layout{Type: opentok.LayoutBestFit}}
	switch r.FormValue("hls") {
	case "", "standard":
		opts.Outputs.HLS = &opentok.HLSOutput{}
	case "lowLatency":
		opts.Outputs.HLS = &opentok.HLSOutput{LowLatency: true}
	case "dvr":
		opts.Outputs.HLS = &opentok.HLSOutput{DVR: true}
	}
	if server, name := r.FormValue("rtmpServerUrl"), r.FormValue("rtmpStreamName"); server != "" || name != "" {
		opts.Outputs.RTMP = []opentok.RTMPOutput{{ID: r.FormValue("rtmpId"), ServerURL: server, StreamName: name}}
	}
	page := &exampleapp.Page{}
	b, err := a.Client.StartBroadcast(r.Context(), a.SessionID, opts)
	if err != nil {
		a.renderHost(w, r, page, exampleapp.StartError("a broadcast", err))
		return
	}
	page.Notice = fmt.Sprintf("Broadcast %s started.", b.ID)
	if b.HLSURL != "" {
		page.Notice += " Give the HLS stream 15–20 seconds before playing it."
	}
	page.Result = view(b)
	a.renderHost(w, r, page, nil)
}

func (a *app) stop(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	page := &exampleapp.Page{}
	b, err := a.Client.StopBroadcast(r.Context(), id)
	if err != nil {
		a.renderHost(w, r, page, fmt.Errorf("stop broadcast %s: %w", id, err))
		return
	}
	page.Notice = fmt.Sprintf("Broadcast %s stopped.", b.ID)
	page.Result = view(b)
	a.renderHost(w, r, page, nil)
}
