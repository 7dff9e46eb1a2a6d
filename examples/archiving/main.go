// Command archiving records an OpenTok session. The host page publishes the
// camera and starts and stops archives (recordings) and changes their layout;
// the participant page joins the same session; the history page lists the
// project's archives with their status and duration, and downloads or
// deletes them.
//
//	go run ./examples/archiving [-addr host:port]
//
// Archives need a routed session with someone publishing. Offline (no
// credentials set) a simulated participant publishes in the built-in fake
// platform, and a stopped archive becomes available at once. Every form
// also answers JSON when asked with Accept: application/json.
package main

import (
	"cmp"
	"context"
	"embed"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/examples/internal/exampleapp"
)

//go:embed templates/*.html
var templates embed.FS

func main() { exampleapp.Main("archiving", newHandler) }

// historyPageSize is how many archives the history page shows at a time.
const historyPageSize = 20

// app is the example: its pages and the session it records. What is
// recorded is read from the platform on every page load, not kept here.
type app struct{ *exampleapp.Room }

func newHandler(ctx context.Context, p *exampleapp.Platform) (http.Handler, error) {
	room, err := exampleapp.OpenRoom(ctx, p, exampleapp.RoomOptions{
		Name: "archiving", Pages: templates,
		Nav: []exampleapp.NavLink{{Path: "/", Label: "Host"}, {Path: "/participant", Label: "Participant"},
			{Path: "/history", Label: "History"}},
		OfflineNote: "A simulated participant is connected and publishing, so that archives can start " +
			"without a camera; a stopped archive becomes available at once instead of after its upload.",
		// Archiving needs the Media Router, and someone publishing.
		Session:     &opentok.SessionOptions{MediaMode: opentok.MediaRouted},
		Participant: "Simulated participant",
	})
	if err != nil {
		return nil, err
	}
	a := &app{room}
	mux := a.NewMux()
	mux.Handle("GET /{$}", exampleapp.ShowFunc(a.renderHost))
	mux.HandleFunc("GET /participant", a.participant)
	mux.Handle("GET /history", exampleapp.ShowFunc(a.renderHistory))
	mux.HandleFunc("POST /start", a.start)
	mux.HandleFunc("POST /stop/{id}", a.stop)
	mux.HandleFunc("POST /layout/{id}", exampleapp.LayoutHandler("archive", a.Client.SetArchiveLayout, a.renderHost))
	mux.HandleFunc("GET /download/{id}", a.download)
	mux.HandleFunc("POST /delete/{id}", a.delete)
	return mux, nil
}

// archiveView is an archive as the pages and JSON answers show it. It leaves
// out the download URL: that pre-signed link is a secret for a few minutes,
// handed out only by /download/{id}.
type archiveView struct {
	ID          string                `json:"id"`
	SessionID   string                `json:"sessionId"`
	Name        string                `json:"name,omitempty"`
	Status      opentok.ArchiveStatus `json:"status"`
	OutputMode  opentok.OutputMode    `json:"outputMode,omitempty"`
	CreatedAt   time.Time             `json:"createdAt"`
	Duration    time.Duration         `json:"-"`
	Seconds     int64                 `json:"durationSeconds"`
	Size        int64                 `json:"size"`
	Reason      string                `json:"reason,omitempty"`
	DownloadURL string                `json:"downloadUrl,omitempty"`
	ThisSession bool                  `json:"thisSession"`
}

func (a *app) view(ar *opentok.Archive) archiveView {
	v := archiveView{ID: ar.ID, SessionID: ar.SessionID, Name: ar.Name, Status: ar.Status, OutputMode: ar.OutputMode,
		CreatedAt: ar.CreatedAt, Duration: ar.Duration, Seconds: int64(ar.Duration / time.Second), Size: ar.Size,
		Reason: ar.Reason, ThisSession: ar.SessionID == a.SessionID}
	if ar.Status == opentok.ArchiveAvailable {
		v.DownloadURL = "/download/" + ar.ID
	}
	return v
}

// Recording reports whether the archive is still being recorded.
func (v archiveView) Recording() bool {
	return v.Status == opentok.ArchiveStarted || v.Status == opentok.ArchivePaused
}

// Deletable reports whether the platform lets the archive be deleted.
func (v archiveView) Deletable() bool {
	return v.Status == opentok.ArchiveAvailable || v.Status == opentok.ArchiveUploaded
}

// hostData is the host page's content.
type hostData struct {
	// Recording are this session's archives still being recorded.
	Recording []archiveView `json:"recording"`
}

// historyData is the history page's content.
type historyData struct {
	Archives   []archiveView `json:"archives"`
	Total      int           `json:"total"`
	Page       int           `json:"page"`
	Prev, Next int           `json:"-"` // page numbers, 0 for none
}

// renderHost shows the host page with the session's current recordings and
// the notice (or error) of the action that led there.
func (a *app) renderHost(w http.ResponseWriter, r *http.Request, page *exampleapp.Page, actionErr error) {
	page.Title = "Host"
	joinErr := a.Join(page, opentok.RoleModerator, "Host")
	var listErr error
	page.Data, listErr = a.recording(r.Context())
	a.Respond(w, r, "host", page, cmp.Or(actionErr, joinErr, listErr))
}

// recording lists the session's archives that are still recording.
func (a *app) recording(ctx context.Context) (*hostData, error) {
	data := &hostData{}
	list, err := a.Client.ListArchives(ctx, &opentok.ListArchivesOptions{SessionID: a.SessionID})
	if err != nil {
		return data, fmt.Errorf("list this session's archives: %w", err)
	}
	for _, ar := range list.Items {
		if v := a.view(ar); v.Recording() {
			data.Recording = append(data.Recording, v)
		}
	}
	return data, nil
}

func (a *app) participant(w http.ResponseWriter, r *http.Request) {
	page := &exampleapp.Page{Title: "Participant"}
	err := a.Join(page, opentok.RolePublisher, "Participant")
	a.Respond(w, r, "participant", page, err)
}

// start starts an archive of the session: composed (one MP4 of everyone,
// in the layout) or individual (one file per stream), with audio, video or
// both.
func (a *app) start(w http.ResponseWriter, r *http.Request) {
	opts := &opentok.ArchiveOptions{
		Name:       r.FormValue("name"),
		OutputMode: opentok.OutputMode(r.FormValue("outputMode")),
	}
	switch r.FormValue("media") {
	case "audio":
		opts.HasVideo = opentok.Ptr(false)
	case "video":
		opts.HasAudio = opentok.Ptr(false)
	}
	page := &exampleapp.Page{}
	ar, err := a.Client.StartArchive(r.Context(), a.SessionID, opts)
	if err != nil {
		a.renderHost(w, r, page, exampleapp.StartError("an archive", err))
		return
	}
	page.Notice = fmt.Sprintf("Archive %s started: recording.", ar.ID)
	page.Result = a.view(ar)
	a.renderHost(w, r, page, nil)
}

// stop stops an archive. The platform then uploads the file; the archive
// becomes "available" (and a callback says so) a little later.
func (a *app) stop(w http.ResponseWriter, r *http.Request) {
	page := &exampleapp.Page{}
	ar, err := a.Client.StopArchive(r.Context(), r.PathValue("id"))
	if err != nil {
		a.renderHost(w, r, page, fmt.Errorf("stop archive %s: %w", r.PathValue("id"), err))
		return
	}
	page.Notice = fmt.Sprintf("Archive %s stopped after %s; it is available for download once the platform has stored it (see History).",
		ar.ID, ar.Duration)
	if a.FinishArchive(ar.ID) {
		page.Notice = fmt.Sprintf("Archive %s stopped after %s. Offline demo: the fake platform made it available at once; download it from History.",
			ar.ID, ar.Duration)
		if fresh, err := a.Client.GetArchive(r.Context(), ar.ID); err == nil {
			ar = fresh
		}
	}
	page.Result = a.view(ar)
	a.renderHost(w, r, page, nil)
}

// renderHistory shows one page of the project's archives, newest first.
func (a *app) renderHistory(w http.ResponseWriter, r *http.Request, page *exampleapp.Page, actionErr error) {
	page.Title = "History"
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	n = max(n, 1)
	data := &historyData{Page: n}
	page.Data = data
	list, err := a.Client.ListArchives(r.Context(), &opentok.ListArchivesOptions{
		Offset: (n - 1) * historyPageSize, Count: historyPageSize})
	if err != nil && actionErr == nil {
		actionErr = fmt.Errorf("list the archives: %w", err)
	}
	if list != nil {
		data.Total = list.Total
		for _, ar := range list.Items {
			data.Archives = append(data.Archives, a.view(ar))
		}
		if n > 1 {
			data.Prev = n - 1
		}
		if n*historyPageSize < list.Total {
			data.Next = n + 1
		}
	}
	a.Respond(w, r, "history", page, actionErr)
}

// download sends the browser to the archive's file. The platform hands out
// the link only once the archive is available, and only for a few minutes,
// so it is fetched afresh on every click and never stored.
func (a *app) download(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ar, err := a.Client.GetArchive(r.Context(), id)
	switch {
	case err != nil:
		err = fmt.Errorf("download archive %s: %w", id, err)
	case ar.Status == opentok.ArchiveUploaded:
		err = exampleapp.Errorf(http.StatusConflict,
			"Archive %s was uploaded to your own storage (S3 or Azure): download it from there.", id)
	case ar.Status != opentok.ArchiveAvailable || ar.URL == "":
		err = exampleapp.Errorf(http.StatusConflict,
			"Archive %s cannot be downloaded yet: its status is %q, and only an available archive has a file. "+
				"An archive becomes available a little while after it stops.", id, ar.Status)
	default:
		http.Redirect(w, r, ar.URL, http.StatusFound)
		return
	}
	a.renderHistory(w, r, &exampleapp.Page{}, err)
}

// delete deletes an archive's file; the platform allows it once the archive
// is available or uploaded.
func (a *app) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	page := &exampleapp.Page{}
	if err := a.Client.DeleteArchive(r.Context(), id); err != nil {
		a.renderHistory(w, r, page, fmt.Errorf("delete archive %s: %w", id, err))
		return
	}
	page.Notice = fmt.Sprintf("Archive %s deleted.", id)
	page.Result = map[string]string{"id": id, "status": string(opentok.ArchiveDeleted)}
	a.renderHistory(w, r, page, nil)
}
