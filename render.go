package opentok

import (
	"context"
	"iter"
	"net/http"
	"time"
	"unicode/utf8"
)

// Bounds of RenderOptions.MaxDuration.
const (
	// MinRenderDuration is the shortest MaxDuration (1 min).
	MinRenderDuration = 60 * time.Second
	// MaxRenderDuration is the longest MaxDuration (10 h).
	MaxRenderDuration = 36000 * time.Second
	// DefaultRenderDuration is the platform's default (2 h).
	DefaultRenderDuration = 7200 * time.Second
)

// RenderOptions are the options of [OpenTok.StartRender]. The zero value
// renders at the platform's default resolution (640x480) for at most two
// hours.
type RenderOptions struct {
	// MaxDuration stops the render after this long: whole seconds from 60 s
	// to 10 h (36000 s). 0 means the platform default, 2 h (7200 s).
	MaxDuration time.Duration
	// Resolution of the rendered stream; empty means the platform default
	// (640x480).
	Resolution Resolution
	// Properties configure the stream the render publishes; nil leaves the
	// platform's defaults.
	Properties *RenderProperties
	// StatusCallbackURL receives the render's status events; an absolute
	// http or https URL of at most 2048 characters. Empty: the URL set for
	// the project, if any. (Sent as in the newer Vonage SDKs; the
	// OpenAPI document does not list it.)
	StatusCallbackURL string
}

// RenderProperties are the publisher properties of the stream a render
// publishes. Unlike the Node SDK, which drops them, the SDK sends them.
type RenderProperties struct {
	// Name is the name of the published stream, 1 to 200 characters;
	// required when Properties is set.
	Name string
}

// Render is an Experience Composer: a web page rendered by the platform and
// published into a session as a stream.
type Render struct {
	// ID is the render ID.
	ID string
	// SessionID is the session the render publishes to.
	SessionID string
	// ProjectID is the owner: the application ID (applicationId) or the API
	// key (projectId); empty when the platform sent neither.
	ProjectID string
	// CreatedAt is when the render was started; UpdatedAt when its status
	// last changed.
	CreatedAt, UpdatedAt time.Time
	// URL is the rendered page.
	URL string
	// Resolution is the resolution of the published stream.
	Resolution Resolution
	// Status is RenderStarting, RenderStarted, RenderStopped or
	// RenderFailed; values added later are kept as sent.
	Status RenderStatus
	// StreamID is the stream the render publishes (once started).
	StreamID string
	// Reason says why a render stopped ("Max Duration Exceeded", "Stop
	// Requested") or failed.
	Reason string
	// CallbackURL is the status callback URL, if one was set.
	CallbackURL string
	// Name is the name of the published stream.
	Name string
}

// ListRendersOptions are the options of [OpenTok.ListRenders] and
// [OpenTok.AllRenders].
type ListRendersOptions struct {
	// Offset is the index of the first render (default 0, the newest).
	Offset int
	// Count is the page size, 1 to 1000 (0: the platform default of 50 for
	// ListRenders, pages of 100 for AllRenders).
	Count int
}

type renderPropertiesWire struct {
	Name string `json:"name"`
}

type renderBody struct {
	SessionID         string                `json:"sessionId"`
	Token             string                `json:"token"`
	URL               string                `json:"url"`
	MaxDuration       int                   `json:"maxDuration,omitempty"`
	Resolution        Resolution            `json:"resolution,omitempty"`
	Properties        *renderPropertiesWire `json:"properties,omitempty"`
	StatusCallbackURL string                `json:"statusCallbackUrl,omitempty"`
}

type renderWire struct {
	ID            string                `json:"id"`
	SessionID     string                `json:"sessionId"`
	ApplicationID flexString            `json:"applicationId"`
	ProjectID     flexString            `json:"projectId"`
	CreatedAt     msTime                `json:"createdAt"`
	UpdatedAt     msTime                `json:"updatedAt"`
	URL           string                `json:"url"`
	Resolution    Resolution            `json:"resolution"`
	Status        RenderStatus          `json:"status"`
	StreamID      string                `json:"streamId"`
	Reason        string                `json:"reason"`
	CallbackURL   string                `json:"callbackUrl"`
	Name          string                `json:"name"`
	Properties    *renderPropertiesWire `json:"properties"`
}

func (w *renderWire) resourceID() string { return w.ID }

func (w *renderWire) render() *Render {
	r := &Render{
		ID:          w.ID,
		SessionID:   w.SessionID,
		ProjectID:   string(w.ApplicationID),
		CreatedAt:   w.CreatedAt.Time(),
		UpdatedAt:   w.UpdatedAt.Time(),
		URL:         w.URL,
		Resolution:  w.Resolution,
		Status:      w.Status,
		StreamID:    w.StreamID,
		Reason:      w.Reason,
		CallbackURL: w.CallbackURL,
		Name:        w.Name,
	}
	if r.ProjectID == "" {
		r.ProjectID = string(w.ProjectID)
	}
	if r.Name == "" && w.Properties != nil {
		r.Name = w.Properties.Name
	}
	return r
}

// StartRender starts an Experience Composer: the platform loads pageURL in a
// headless browser, joins the routed session with token (a client token,
// role publisher; its connection data is allowed) and publishes the page as
// a stream. The feature must be enabled for the project. opts may be nil and
// is not modified.
//
// REST: POST /v2/project/{id}/render with {"sessionId","token","url",
// "maxDuration","resolution","properties":{"name"},"statusCallbackUrl"};
// unset options are left out (the platform defaults are 7200 s and
// 640x480). 202 with the render.
//
// Errors: [*ValidationError] (nothing is sent) for an empty session ID or
// token, a pageURL that is not an http or https URL of 15 to 2048
// characters, a MaxDuration outside 60 s–36000 s or not whole seconds, an
// unknown resolution, a properties name outside 1–200 characters, or a bad
// status callback URL. [*APIError] otherwise: 400 ([ErrBadRequest]) with
// platform codes 50001–50008, 403 ([ErrForbidden]) with 10001–10012 for a
// rejected token, 429 ([ErrRateLimited], code 50004) when the usage limit
// is reached. The token never appears in an error.
func (ot *OpenTok) StartRender(ctx context.Context, sessionID, token, pageURL string, opts *RenderOptions) (*Render, error) {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return nil, err
	}
	if err := checkClientToken(token); err != nil {
		return nil, err
	}
	if err := checkHTTPURL("url", pageURL, 15, 2048); err != nil {
		return nil, err
	}
	body := renderBody{SessionID: sessionID, Token: token, URL: pageURL}
	if opts != nil {
		secs, err := wireSeconds("maxDuration", opts.MaxDuration, int(MinRenderDuration/time.Second), int(MaxRenderDuration/time.Second))
		if err != nil {
			return nil, err
		}
		body.MaxDuration = secs
		if err := checkResolution("resolution", opts.Resolution); err != nil {
			return nil, err
		}
		body.Resolution = opts.Resolution
		if p := opts.Properties; p != nil {
			if err := checkText("properties.name", p.Name, true); err != nil {
				return nil, err
			}
			if n := utf8.RuneCountInString(p.Name); n < 1 || n > 200 {
				return nil, invalid("properties.name", "must be 1 to 200 characters, not %d", n)
			}
			body.Properties = &renderPropertiesWire{Name: p.Name}
		}
		if opts.StatusCallbackURL != "" {
			if err := checkHTTPURL("statusCallbackUrl", opts.StatusCallbackURL, 0, 2048); err != nil {
				return nil, err
			}
			body.StatusCallbackURL = opts.StatusCallbackURL
		}
	}
	return callOne(ctx, ot, http.MethodPost, ot.projectPath("render"), body, (*renderWire).render)
}

// StopRender stops an Experience Composer; its stream is unpublished.
//
// REST: DELETE /v2/project/{id}/render/{renderId}; 204.
//
// Errors: [*ValidationError] for an empty render ID (nothing is sent);
// [*APIError] otherwise: 404 ([ErrNotFound]) for an unknown or already
// stopped render; [*TransportError] when no answer came. A 404 on a retry after an attempt whose
// answer was lost is success: that attempt did it.
func (ot *OpenTok) StopRender(ctx context.Context, renderID string) error {
	if err := checkResourceID("renderId", renderID); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodDelete, path: ot.projectPath("render", renderID), removal: true})
}

// GetRender returns an Experience Composer.
//
// REST: GET /v2/project/{id}/render/{renderId}; 200 with the render.
//
// Errors: [*ValidationError] for an empty render ID (nothing is sent);
// [*APIError] otherwise: 404 ([ErrNotFound]) for an unknown render;
// [*ResponseError] for an unusable answer; [*TransportError] when no answer
// came.
func (ot *OpenTok) GetRender(ctx context.Context, renderID string) (*Render, error) {
	if err := checkResourceID("renderId", renderID); err != nil {
		return nil, err
	}
	return callOne(ctx, ot, http.MethodGet, ot.projectPath("render", renderID), nil, (*renderWire).render)
}

// ListRenders returns one page of the project's Experience Composers,
// newest first. opts may be nil and is not modified.
//
// REST: GET /v2/project/{id}/render[?offset&count] (each sent when set;
// platform defaults offset 0, count 50).
//
// Errors: [*ValidationError] for a negative offset or a count above 1000
// (nothing is sent); [*APIError] for a non-2xx answer; [*TransportError]
// when no answer came.
func (ot *OpenTok) ListRenders(ctx context.Context, opts *ListRendersOptions) (*Page[Render], error) {
	o := deref(opts)
	if err := checkPaging(o.Offset, o.Count); err != nil {
		return nil, err
	}
	return ot.listRenders(ctx, o.Offset, o.Count)
}

// AllRenders returns a lazy iterator over the project's Experience
// Composers, newest first, from opts.Offset on, fetching pages of
// opts.Count (100 when 0) as the loop advances. It yields an error once and
// stops (validation errors included); breaking out of the loop stops
// fetching. A render pushed onto the next page by one started meanwhile is
// yielded once; a page with nothing new, or more pages than the reported
// total allows, ends the loop with a [*PagingError]. opts may be nil and is
// not modified.
//
// REST: GET /v2/project/{id}/render?offset&count, once per page.
func (ot *OpenTok) AllRenders(ctx context.Context, opts *ListRendersOptions) iter.Seq2[*Render, error] {
	o := deref(opts)
	return paginate(ctx, checkPaging(o.Offset, o.Count), o.Offset, o.Count, func(r *Render) string { return r.ID }, ot.listRenders)
}

func (ot *OpenTok) listRenders(ctx context.Context, offset, count int) (*Page[Render], error) {
	return listPage(ctx, ot, ot.projectPath("render"), listQuery(offset, count), (*renderWire).render)
}
