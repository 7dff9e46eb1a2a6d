package opentok

import (
	"context"
	"net/http"
)

// Platform error codes ([APIError].Code) of a refused MigrateSession, both
// with status 409.
const (
	// CodeMigrationInProgress: a migration of the session is already
	// running.
	CodeMigrationInProgress = 15214
	// CodeMigrationTooSoon: the session was created, or last migrated, too
	// recently.
	CodeMigrationTooSoon = 15215
)

// MigrateSession moves a session, with its eligible connections, to another
// media server, for example ahead of a server rotation. Clients reconnect by
// themselves.
//
// REST: POST /v2/project/{id}/session/{sessionId}/migrate without a body;
// 202 {"message":"Session migration initiated"} (the message is ignored).
//
// Errors: [*ValidationError] for an empty session ID (nothing is sent);
// [*APIError] otherwise: 404 ([ErrNoClients], also [ErrNotFound]) when no
// client is connected ([ErrNotFound] alone for an unknown session),
// 409 ([ErrConflict]) with Code [CodeMigrationInProgress] (15214) or
// [CodeMigrationTooSoon] (15215),
// 403 ([ErrForbidden]) for rejected credentials; [*TransportError] when no
// answer came.
func (ot *OpenTok) MigrateSession(ctx context.Context, sessionID string) error {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodPost, path: ot.projectPath("session", sessionID, "migrate")})
}
