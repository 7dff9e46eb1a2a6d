package exampleapp

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"

	"github.com/opentok-go/opentok"
)

// Room is what every example keeps while it runs: its pages and the one
// session it created at start, which everyone who opens the pages joins.
// It embeds the Site (and so the Platform: a.Client is the SDK client).
type Room struct {
	*Site
	// SessionID is the session the example created at start.
	SessionID string
}

// RoomOptions describe an example's Room.
type RoomOptions struct {
	// Name is the example's name, shown in every page's header.
	Name string
	// Pages holds the example's templates/*.html (see NewSite).
	Pages fs.FS
	// Nav are the links of the navigation bar.
	Nav []NavLink
	// OfflineNote says, under the offline banner, what the example simulates.
	OfflineNote string
	// Session are the options of the session created at start; nil creates
	// a relayed session. Archives, broadcasts and SIP calls need
	// opentok.MediaRouted.
	Session *opentok.SessionOptions
	// Participant, when set, names the simulated participant that connects
	// and publishes when offline (see Platform.SimulateParticipant), for
	// features that need someone publishing.
	Participant string
}

// OpenRoom parses the example's pages and creates its session with
// OpenTok.CreateSession; offline, it then connects the simulated participant
// the options name.
func OpenRoom(ctx context.Context, p *Platform, opts RoomOptions) (*Room, error) {
	site, err := NewSite(p, opts.Name, opts.Pages, opts.Nav...)
	if err != nil {
		return nil, err
	}
	site.OfflineNote = opts.OfflineNote
	s, err := p.Client.CreateSession(ctx, opts.Session)
	if err != nil {
		return nil, err
	}
	if opts.Participant != "" {
		if err := p.SimulateParticipant(s.ID, opts.Participant); err != nil {
			return nil, err
		}
	}
	return &Room{Site: site, SessionID: s.ID}, nil
}

// Join fills in what a page needs to join the room's session and publish
// the camera: the session ID and a fresh client token with the role and the
// connection data "name=<name>" (OpenTok.GenerateToken, signed locally).
func (rm *Room) Join(page *Page, role opentok.Role, name string) error {
	page.SessionID, page.Publish = rm.SessionID, true
	var err error
	page.Token, err = rm.Client.GenerateToken(rm.SessionID, &opentok.TokenOptions{Role: role, Data: "name=" + name})
	return err
}

// ShowFunc renders an example's page after an action: the page carries the
// action's notice and result, err its failure. It is also the handler that
// shows the page on its own (a GET).
type ShowFunc func(w http.ResponseWriter, r *http.Request, page *Page, err error)

// ServeHTTP shows the page with no action behind it.
func (f ShowFunc) ServeHTTP(w http.ResponseWriter, r *http.Request) { f(w, r, &Page{}, nil) }

// LayoutHandler handles the "layout-form" of a composed archive or a
// broadcast (what names it): it sets the layout type from the form on the
// archive or broadcast whose ID is the {id} path value, with set (such as
// OpenTok.SetArchiveLayout), and shows the outcome with show.
func LayoutHandler(what string, set func(ctx context.Context, id string, layout opentok.Layout) error, show ShowFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, typ := r.PathValue("id"), opentok.LayoutType(r.FormValue("type"))
		page := &Page{}
		if err := set(r.Context(), id, opentok.Layout{Type: typ}); err != nil {
			show(w, r, page, fmt.Errorf("change the layout of %s %s: %w", what, id, err))
			return
		}
		page.Notice = fmt.Sprintf("The layout of %s %s is now %s.", what, id, typ)
		page.Result = map[string]string{"id": id, "layout": string(typ)}
		show(w, r, page, nil)
	}
}
