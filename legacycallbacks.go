package opentok

import (
	"context"
	"net/http"
	"time"
)

// CallbackRegistration is a callback URL to register with
// [OpenTok.RegisterCallback].
type CallbackRegistration struct {
	// Group is the kind of object the events are about, such as
	// "connection", "stream" or "archive"; required.
	Group string
	// Event is the event within the group, such as "created", "destroyed"
	// or "status"; required.
	Event string
	// URL receives the events: an absolute http or https URL; required.
	URL string
}

// RegisteredCallback is a callback registered with the legacy callback API.
type RegisteredCallback struct {
	// ID is the callback ID, for UnregisterCallback.
	ID string
	// Group, Event and URL are as registered.
	Group, Event, URL string
	// CreatedAt is when the callback was registered.
	CreatedAt time.Time
}

type callbackBody struct {
	Group string `json:"group"`
	Event string `json:"event"`
	URL   string `json:"url"`
}

type registeredCallbackWire struct {
	ID        string `json:"id"`
	Group     string `json:"group"`
	Event     string `json:"event"`
	URL       string `json:"url"`
	CreatedAt msTime `json:"createdAt"`
}

func (w *registeredCallbackWire) resourceID() string { return w.ID }

func (w *registeredCallbackWire) callback() *RegisteredCallback {
	return &RegisteredCallback{ID: w.ID, Group: w.Group, Event: w.Event, URL: w.URL, CreatedAt: w.CreatedAt.Time()}
}

// RegisterCallback registers a URL for a group of session events with the
// legacy (pre-dashboard) callback API of OpenTok projects, as the Node SDK's
// registerCallback does. Configuring callbacks in the project dashboard is
// the documented way today; the API is kept for projects that rely on it.
// Parse the events the URL receives with the SDK's webhook support.
//
// REST: POST /v2/project/{apiKey}/callback with {"group","event","url"};
// 200 with the registered callback.
//
// Errors: [*ValidationError] (nothing is sent) with Vonage credentials
// (field "credentials"), or for an empty group or event or a URL that is not
// absolute http(s); [*APIError] for a non-2xx answer; [*TransportError]
// when no answer came.
func (ot *OpenTok) RegisterCallback(ctx context.Context, reg CallbackRegistration) (*RegisteredCallback, error) {
	if err := ot.checkProjectCredentials("the legacy callback registration API"); err != nil {
		return nil, err
	}
	for field, v := range map[string]string{"group": reg.Group, "event": reg.Event} {
		if err := checkText(field, v, true); err != nil {
			return nil, err
		}
	}
	if reg.Group == "" {
		return nil, invalid("group", "must not be empty (for example connection, stream or archive)")
	}
	if reg.Event == "" {
		return nil, invalid("event", "must not be empty (for example created, destroyed or status)")
	}
	if reg.URL == "" {
		return nil, invalid("url", "must not be empty")
	}
	if err := checkHTTPURL("url", reg.URL, 0, 2048); err != nil {
		return nil, err
	}
	var w registeredCallbackWire
	err := ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("callback"), body: callbackBody(reg), out: &w, idField: "id"})
	if err != nil {
		return nil, err
	}
	return w.callback(), nil
}

// ListCallbacks returns the callbacks registered with the legacy callback
// API of an OpenTok project, as one page (the platform sends them in one
// piece; Total is their number).
//
// REST: GET /v2/project/{apiKey}/callback; 200 with a JSON array.
//
// Errors: [*ValidationError] with Vonage credentials (nothing is sent);
// [*APIError] for a non-2xx answer; [*ResponseError] when the answer is not
// an array; [*TransportError] when no answer came.
func (ot *OpenTok) ListCallbacks(ctx context.Context) (*Page[RegisteredCallback], error) {
	if err := ot.checkProjectCredentials("the legacy callback registration API"); err != nil {
		return nil, err
	}
	return listArray(ctx, ot, ot.projectPath("callback"), (*registeredCallbackWire).callback)
}

// UnregisterCallback removes a callback registered with the legacy callback
// API of an OpenTok project.
//
// REST: DELETE /v2/project/{apiKey}/callback/{callbackId}; 204.
//
// Errors: [*ValidationError] with Vonage credentials or for an empty callback
// ID (nothing is sent); [*APIError] otherwise: 404 ([ErrNotFound]) for an
// unknown callback; [*TransportError] when no answer came. A 404 on a retry after an attempt whose
// answer was lost is success: that attempt did it.
func (ot *OpenTok) UnregisterCallback(ctx context.Context, callbackID string) error {
	if err := ot.checkProjectCredentials("the legacy callback registration API"); err != nil {
		return err
	}
	if err := checkResourceID("callbackId", callbackID); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodDelete, path: ot.projectPath("callback", callbackID), removal: true})
}
