package opentok

import (
	"context"
	"iter"
	"net/http"
	"time"
)

// Connection is a client connection to a session, as listed by
// [OpenTok.ListConnections] (a page of them, oldest first).
type Connection struct {
	// ID is the connection ID (the REST field connectionId), as used by
	// ForceDisconnect, SignalConnection and PlayDTMFToConnection.
	ID string
	// State is ConnectionConnecting or ConnectionConnected (the platform
	// capitalises these values); values added later are kept as sent.
	State ConnectionState
	// CreatedAt is when the client connected (zero when the platform did
	// not say). The platform sends epoch milliseconds as a number or a
	// string; both are accepted.
	CreatedAt time.Time
}

// ListConnectionsOptions are the options of [OpenTok.ListConnections] and
// [OpenTok.AllConnections].
//
// The published OpenAPI document (0.3.2) lists no query parameters for this
// endpoint, while the OpenTok Ruby SDK pages it with offset and count like
// every other list: the SDK sends them only when they are set (non-zero).
// A platform that ignores them answers with every connection at once, which
// ListConnections returns as one page; AllConnections ends there when the
// answer's count says that was all, and otherwise with a [*PagingError] at
// the next page, which repeats the first.
type ListConnectionsOptions struct {
	// Offset is the index of the first connection (default 0, the oldest).
	Offset int
	// Count is the page size, 1 to 1000 (0 lets the platform choose;
	// AllConnections then asks for pages of 100).
	Count int
}

type connectionWire struct {
	ConnectionID    string          `json:"connectionId"`
	ConnectionState ConnectionState `json:"connectionState"`
	CreatedAt       msTime          `json:"createdAt"`
}

func (w *connectionWire) connection() *Connection {
	return &Connection{ID: w.ConnectionID, State: w.ConnectionState, CreatedAt: w.CreatedAt.Time()}
}

// ListConnections returns one page of the connections to a session, oldest
// first. opts may be nil and is not modified.
//
// REST: GET /v2/project/{id}/session/{sessionId}/connection[?offset&count]
// (offset and count sent only when set; see [ListConnectionsOptions]).
//
// Errors: [*ValidationError] for an empty session ID, a negative offset or a
// count above 1000 (nothing is sent); [*APIError] otherwise: 404
// ([ErrNotFound]) for an unknown session; [*TransportError] when no answer
// came.
func (ot *OpenTok) ListConnections(ctx context.Context, sessionID string, opts *ListConnectionsOptions) (*Page[Connection], error) {
	o := deref(opts)
	if err := ot.checkConnectionList(sessionID, o); err != nil {
		return nil, err
	}
	return ot.listConnections(ctx, sessionID, o.Offset, o.Count)
}

// AllConnections returns a lazy iterator over the connections to a session,
// oldest first, from opts.Offset on, fetching pages of opts.Count (100 when
// 0) as the loop advances. It yields an error once and stops (validation
// errors included); breaking out of the loop stops fetching. A connection
// repeated at the start of the next page (the list moved between two
// requests) is yielded once; a page with nothing new, or more pages than
// the reported total allows, ends the loop with a [*PagingError]. opts may
// be nil and is not modified.
//
// REST: GET /v2/project/{id}/session/{sessionId}/connection?offset&count,
// once per page.
func (ot *OpenTok) AllConnections(ctx context.Context, sessionID string, opts *ListConnectionsOptions) iter.Seq2[*Connection, error] {
	o := deref(opts)
	return paginate(ctx, ot.checkConnectionList(sessionID, o), o.Offset, o.Count, func(c *Connection) string { return c.ID },
		func(ctx context.Context, offset, count int) (*Page[Connection], error) {
			return ot.listConnections(ctx, sessionID, offset, count)
		})
}

func (ot *OpenTok) checkConnectionList(sessionID string, o ListConnectionsOptions) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	return checkPaging(o.Offset, o.Count)
}

func (ot *OpenTok) listConnections(ctx context.Context, sessionID string, offset, count int) (*Page[Connection], error) {
	return listPage(ctx, ot, ot.projectPath("session", sessionID, "connection"), listQuery(offset, count), (*connectionWire).connection)
}

// ForceDisconnect disconnects a client from a session. Given the
// connectionId of a SIP call or an Audio Connector connection, it ends that
// call or WebSocket.
//
// REST: DELETE /v2/project/{id}/session/{sessionId}/connection/{connectionId};
// 204.
//
// Errors: [*ValidationError] for an empty session or connection ID — an
// empty connection ID never turns into a request on the session URL;
// nothing is sent. [*APIError] otherwise: 404 ([ErrNotFound]) when the
// client is not connected; [*TransportError] when no answer came. A 404 on a retry after an attempt whose
// answer was lost is success: that attempt did it.
func (ot *OpenTok) ForceDisconnect(ctx context.Context, sessionID, connectionID string) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	if err := checkResourceID("connectionId", connectionID); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodDelete, path: ot.projectPath("session", sessionID, "connection", connectionID), removal: true})
}
