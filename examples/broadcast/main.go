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

type app struct {
	site      *exampleapp.Site
	ot        *opentok.OpenTok
	sessionID string
}

func newHandler(ctx context.Context, p *exampleapp.Platform) (http.Handler, error) {
	site, err := exampleapp.NewSite(p, "broadcast", templates,
		exampleapp.NavLink{Path: "/", Label: "Host"},
		exampleapp.NavLink{Path: "/viewer", Label: "Viewer"})
	if err != nil {
		return nil, err
	}
	site.OfflineNote = "A simulated participant is connected and publishing, so that a broadcast can start " +
		"without a camera. The fake's HLS playlists are empty and its RTMP targets go live 2 s after the start."
	// Broadcasting needs the Media Router: a routed session.
	s, err := p.Client.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
	if err != nil {
		return nil, err
	}
	if err := p.SimulateParticipant(s.ID, "Simulated participant"); err != nil {
		return nil, err
	}
	a := &app{site: site, ot: p.Client, sessionID: s.ID}

	mux := site.NewMux()
	mux.HandleFunc("GET /{$}", a.host)
	mux.HandleFunc("GET /viewer", a.viewer)
	mux.HandleFunc("POST /start", a.start)
	mux.HandleFunc("POST /stop/{id}", a.stop)
	mux.HandleFunc("POST /layout/{id}", a.layout)
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
	list, err := a.ot.ListBroadcasts(ctx, &opentok.ListBroadcastsOptions{SessionID: a.sessionID})
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
	page.Title, page.SessionID, page.Publish = "Host", a.sessionID, true
	var errs [2]error
	page.Token, errs[0] = a.ot.GenerateToken(a.sessionID, &opentok.TokenOptions{Role: opentok.RoleModerator, Data: "name=Host"})
	page.Data, errs[1] = a.live(r.Context())
	a.site.Respond(w, r, "host", page, cmp.Or(actionErr, errs[0], errs[1]))
}

func (a *app) host(w http.ResponseWriter, r *http.Request) {
	a.renderHost(w, r, &exampleapp.Page{}, nil)
}

// viewer shows the HLS URL of the running broadcast: what an audience
// watches, with no token and no OpenTok client library.
func (a *app) viewer(w http.ResponseWriter, r *http.Request) {
	data, err := a.live(r.Context())
	page := &exampleapp.Page{Title: "Viewer", SessionID: a.sessionID, Data: data}
	if len(data.Live) == 0 {
		page.Refresh = viewerRefresh
	}
	a.site.Respond(w, r, "viewer", page, err)
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
	b, err := a.ot.StartBroadcast(r.Context(), a.sessionID, opts)
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
	b, err := a.ot.StopBroadcast(r.Context(), id)
	if err != nil {
		a.renderHost(w, r, page, fmt.Errorf("stop broadcast %s: %w", id, err))
		return
	}
	page.Notice = fmt.Sprintf("Broadcast %s stopped.", b.ID)
	page.Result = view(b)
	a.renderHost(w, r, page, nil)
}

// layout changes the layout of the broadcast while it runs.
func (a *app) layout(w http.ResponseWriter, r *http.Request) {
	id, typ := r.PathValue("id"), opentok.LayoutType(r.FormValue("type"))
	page := &exampleapp.Page{}
	if err := a.ot.SetBroadcastLayout(r.Context(), id, opentok.Layout{Type: typ}); err != nil {
		a.renderHost(w, r, page, fmt.Errorf("change the layout of broadcast %s: %w", id, err))
		return
	}
	page.Notice = fmt.Sprintf("Broadcast %s now uses the %s layout.", id, typ)
	page.Result = map[string]string{"id": id, "layout": string(typ)}
	a.renderHost(w, r, page, nil)
}
