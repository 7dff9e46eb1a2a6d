package exampleapp

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/opentok-go/opentok"
)

//go:embed assets
var assets embed.FS

// LayoutTypes are the layouts the examples offer for a composed archive or
// a broadcast (a custom layout would also need a stylesheet).
var LayoutTypes = []opentok.LayoutType{
	opentok.LayoutBestFit, opentok.LayoutPIP,
	opentok.LayoutVerticalPresentation, opentok.LayoutHorizontalPresentation,
}

// NavLink is one link of a Site's navigation bar.
type NavLink struct {
	Path, Label string
}

// Site renders an example's pages inside the shared layout: the title and
// navigation, the offline banner, a notice or error message, and the
// example's own content. It embeds the Platform, so templates can use
// .Site.Offline, .Site.OwnerLabel, .Site.OwnerID, .Site.ClientLibraryURL
// and .Site.Describe.
type Site struct {
	*Platform
	// Name is the example's name, shown in every page's header.
	Name string
	// Nav are the links of the navigation bar.
	Nav []NavLink
	// OfflineNote, shown under the banner when offline, says what the
	// example simulates in place of people or the platform.
	OfflineNote string

	pages map[string]*template.Template
}

// Page is what one page shows. The page's template reads it as ".".
type Page struct {
	// Title is the page's heading.
	Title string
	// SessionID and Token are the session the page is about and, for pages
	// that join it, the client token; the "ids" and "video" templates show
	// and use them.
	SessionID, Token string
	// Publish makes the "video" template publish the camera after joining
	// (otherwise it only subscribes).
	Publish bool
	// Notice reports an action that worked; Error one that did not.
	Notice, Error string
	// Refresh, when positive, makes the browser reload the page after that
	// many seconds (for state that changes on its own, like a broadcast).
	Refresh int
	// Data is the example's own content for its template.
	Data any
	// Result is what a JSON client gets (see WantsJSON); Data when nil.
	Result any
	// Site is set by Render.
	Site *Site
}

// NewSite parses an example's page templates: every templates/*.html file
// in pages, each defining a "content" template, rendered by name (the file
// name without .html) inside the shared layout. Files whose name starts
// with "_" hold templates shared by the example's pages instead (embed them
// with //go:embed templates/*.html: a directory embed leaves them out). Pages may
// use the shared templates "ids" (API key or application ID, session ID and
// token), "video" (joins the session with OpenTok.js) and "layout-form"
// (a form that posts a layout type, given the form's action URL), and the
// functions "banner" (the offline Banner), "when" (a time for people, ""
// when zero) and "layoutTypes" (LayoutTypes).
func NewSite(p *Platform, name string, pages fs.FS, nav ...NavLink) (*Site, error) {
	base, err := template.New("layout").Funcs(template.FuncMap{
		"banner":      func() string { return Banner },
		"when":        when,
		"layoutTypes": func() []opentok.LayoutType { return LayoutTypes },
	}).ParseFS(assets, "assets/*.tmpl")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(pages, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var partials, names []string
	for _, f := range files {
		if strings.HasPrefix(path.Base(f), "_") {
			partials = append(partials, f)
		} else {
			names = append(names, f)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("exampleapp: no templates/*.html pages for %s", name)
	}
	if len(partials) > 0 {
		if base, err = base.ParseFS(pages, partials...); err != nil {
			return nil, err
		}
	}
	s := &Site{Platform: p, Name: name, Nav: nav, pages: map[string]*template.Template{}}
	for _, f := range names {
		t, err := base.Clone()
		if err == nil {
			t, err = t.ParseFS(pages, f)
		}
		if err != nil {
			return nil, err
		}
		s.pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return s, nil
}

// when formats a time for a page: local time to the second, "" for the
// zero time.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05")
}

// NewMux returns a ServeMux that already serves the shared stylesheet and
// script under /static/, and the local copy of OpenTok.js that OPENTOK_JS
// names at ClientLibraryPath.
func (s *Site) NewMux() *http.ServeMux {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets/static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	if file := s.ClientLibraryFile(); file != "" {
		mux.HandleFunc("GET "+ClientLibraryPath, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			http.ServeFile(w, r, file)
		})
	}
	return mux
}

// Render writes a page with the given status: the HTML page called name,
// or, for a client that asked for JSON, page.Result (or page.Data), or
// {"error": ...} when page.Error is set.
func (s *Site) Render(w http.ResponseWriter, r *http.Request, status int, name string, page *Page) {
	if WantsJSON(r) {
		switch {
		case page.Error != "":
			WriteJSON(w, status, errorBody{page.Error})
		case page.Result != nil:
			WriteJSON(w, status, page.Result)
		default:
			WriteJSON(w, status, page.Data)
		}
		return
	}
	t, ok := s.pages[name]
	if !ok {
		log.Printf("%s: no page template %q", s.Name, name)
		http.Error(w, "internal error: no such page", http.StatusInternalServerError)
		return
	}
	page.Site = s
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", page); err != nil {
		log.Printf("%s: rendering %s: %v", s.Name, name, err)
		http.Error(w, "internal error: the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// Fail renders a page that reports err to the person using it: the message
// of ErrorMessage, with the status of ErrorStatus.
func (s *Site) Fail(w http.ResponseWriter, r *http.Request, name string, page *Page, err error) {
	page.Error = ErrorMessage(err)
	s.Render(w, r, ErrorStatus(err), name, page)
}

// Respond renders the page with status 200, or, when err is not nil,
// reports err on it as Fail does.
func (s *Site) Respond(w http.ResponseWriter, r *http.Request, name string, page *Page, err error) {
	if err != nil {
		s.Fail(w, r, name, page, err)
		return
	}
	s.Render(w, r, http.StatusOK, name, page)
}

// WantsJSON reports whether the request asked for JSON (Accept:
// application/json) rather than a page.
func WantsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// WriteJSON writes v as indented JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// errorBody is the JSON of a failure: {"error": "what went wrong"}.
type errorBody struct {
	Error string `json:"error"`
}

// WriteJSONError writes {"error": ErrorMessage(err)} with the status of
// ErrorStatus, for the JSON endpoints of an example.
func WriteJSONError(w http.ResponseWriter, err error) {
	WriteJSON(w, ErrorStatus(err), errorBody{ErrorMessage(err)})
}
