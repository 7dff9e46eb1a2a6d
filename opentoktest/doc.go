// Package opentoktest is an in-memory fake of the OpenTok / Vonage Video
// platform for testing code that uses the opentok SDK — or any other OpenTok
// client — without an account or a network, in the spirit of net/http/httptest
// and Google Cloud's pstest: a real HTTP server with real state, not a mock.
//
//	func TestArchiving(t *testing.T) {
//		srv := opentoktest.NewServer(t)
//		ot := srv.Client()
//		s, _ := ot.CreateSession(ctx, &opentok.SessionOptions{MediaMode: opentok.MediaRouted})
//		tok, _ := ot.GenerateToken(s.ID, nil)
//		conn, _ := srv.Connect(s.ID, tok)      // a simulated client joins
//		conn.Publish(opentoktest.PublishOptions{Name: "cam"})
//		a, _ := ot.StartArchive(ctx, s.ID, nil)
//		ot.StopArchive(ctx, a.ID)
//		srv.Advance(10 * time.Second)           // the archive becomes available
//	}
//
// The server implements every REST operation the SDK calls, at the same paths
// (each also with a trailing slash, which the platform accepts and
// @vonage/video sends) and with the same status codes and JSON shapes as the
// platform; checks the auth JWT of every request (403 for OpenTok
// credentials, 401 for Vonage ones, with the platform's error body);
// verifies client tokens when a simulated client connects and when a
// server-side connection (SIP, Audio Connector, captions, renders) carries
// one (JWT and T1: signature, session, expiry, role, and scope, which a T1
// token may leave out as older SDKs do);
// and keeps the platform's rules: archives need a routed session with a
// connected client and only one runs at a time unless tagged, broadcasts
// likewise, captions run once per session, signals are limited to a 128-byte
// type and 8 kB of data, lists page newest-first with offset/count.
//
// Tests control and inspect it: a settable clock (Advance, SetNow) drives
// time-based changes such as a stopped archive becoming available and the
// expiry of client tokens (auth JWTs are checked against real time;
// SetAuthClockSkew simulates a platform clock that is off); InjectFault
// makes the next requests of an operation fail (status, Retry-After, delay,
// dropped connection, malformed body); Requests is the log of what arrived
// (the most recent requests: WithRequestLogSize, WithRequestLogBodyLimit
// and WithRequestLogBytes bound it); accessors (Archive, Broadcast, Stream,
// Connection, SIPCall, ...) return copies of the state, in the SDK's types
// (opentok.ArchiveStatus, opentok.Role, ...). With WithWebhooks, or
// SetWebhooks once it runs, it POSTs callback events, signed when a secret
// is set, or hands them to an http.Handler in the same process; a receiver
// that hangs holds FlushWebhooks and Close up for a bounded time
// (Webhooks.Timeout, MaxQueuedWebhooks).
//
// An OpenTok fake is an account too: AccountClient (account-level key and
// secret, WithAccountCredentials) creates, lists, suspends, refreshes and
// deletes projects, each usable at once as project credentials with its own
// sessions, archives, broadcasts, renders, callbacks and archive upload
// target (Project returns one). A suspended or deleted project's REST calls
// are refused (403) and so are its client tokens; a refreshed secret
// replaces the old one at once. The account credentials call nothing but
// account management. An archive of a project with an upload target ends
// "uploaded" with no URL; InjectFault(UploadArchive, ...) makes the upload
// fail (then "available" with fallback "opentok", else "failed").
//
// The emulator command (go run ./cmd/opentok emulator) serves the same fake
// over HTTP, with a control API under /_emulator/ (see WithControlAPI), for
// programs in any language. The control API takes JSON bodies only (415
// otherwise) and refuses a foreign Origin (403), so that a web page on
// another site cannot drive it.
//
// # Real clients (OpenTok.js)
//
// Browsers running the real OpenTok.js join the fake's sessions: a page
// calls OT.setProxyUrl(<the fake's URL>) before OT.initSession, and
// OpenTok.js then fetches its configuration and the session info from the
// fake and opens the fake's signalling WebSocket. The fake checks the token
// as for Connect (a refusal shows in the page as OT_AUTHENTICATION_ERROR,
// 1004), gives the connection the permissions of the token's role, and
// handles the client's messages: joining and leaving, signals to everyone
// or one connection, publishing and unpublishing, channel (mute) updates,
// subscribing, the offers, answers and candidates that it relays between a
// publisher and its subscribers, and a moderator's forceDisconnect,
// forceUnpublish and forceMute. A browser connection is of KindBrowser and
// is the same object the REST API, webhooks and simulated clients see:
// REST signals, ForceDisconnect, ForceMuteStream/ForceMuteAll,
// SetStreamClassLists and archives starting and stopping reach the
// browsers as the platform's messages. Pages must be on a loopback origin
// (any port); other origins are refused. ClientLimits (WithClientLimits)
// bound the sockets; WithLogger receives a line for every socket closed
// for a malformed frame or a limit.
//
// # Where the fake knowingly differs from the platform
//
//   - It knows only the sessions it created: tokens and REST calls for other
//     session IDs get 404, where the platform would accept any well-formed
//     session ID of the project.
//   - Sessions default to routed media when p2p.preference is absent (as the
//     REST reference says), but real clients are served every session as
//     relayed, routed ones too: the fake has no media router, so browsers
//     send their media to each other directly (three or more clients form a
//     mesh) and the fake relays only the signalling. It hands out no ICE
//     (STUN or TURN) servers: the browsers must reach each other directly.
//     Reconnection, renegotiation, simulcast, end-to-end encryption, captions
//     and session migration are not served to real clients. What the platform
//     sends clients for SetStreamClassLists is undocumented: the fake sends
//     the stream's layoutClassList in a stream update, which OpenTok.js 2.35.2
//     ignores. A browser subscribing to a simulated client's stream gets no
//     offer (no media exists).
//   - No media flows through the fake, and simulated clients have none:
//     an available archive's URL
//     serves a real but empty container, an MP4 (ftyp and moov/mvhd with the
//     archive's duration) for a composed archive, a ZIP with the platform's
//     manifest.json and one WebM per recorded stream (EBML header, segment
//     info, its tracks, one empty cluster) for an individual one. The bytes are
//     made from the archive on each download, the same every time; size and
//     sha256sum describe them. Individual archives of a Vonage fake carry
//     applicationId in the manifest instead of partnerId. HLS playlists are
//     empty.
//   - A stopped archive becomes available (or uploaded, with a target)
//     after a fixed delay on the fake's clock (WithArchiveDelay, default
//     5 s) instead of after an upload; nothing is sent to S3 or Azure, and
//     the target's credentials are not checked; the
//     platform's idle and duration limits for archives (60 s after the last
//     client leaves, 4 h of recording) are not applied, except that an
//     automatic archive (archiveMode=always) stops when the last client leaves.
//   - RTMP targets turn from "connecting" to "live" 2 s after the start;
//     renders from "starting" to "started" after 1 s; the platform's timing
//     varies.
//   - Broadcasts do not stop 60 s after the last client leaves.
//   - Error messages are close to the platform's but not always word for
//     word; where the platform's status for a rule is undocumented (for
//     example captions or renders on a relayed session) the fake answers 409.
//   - Session-monitoring events carry applicationId instead of projectId for
//     a Vonage fake; the platform's field for applications is undocumented.
//   - Migration, SIP media, WebSocket audio and caption text are not
//     simulated beyond their REST answers and state.
//   - Rate limits are not applied; use InjectFault to produce a 429.
//   - New projects get random 8-digit API keys and 40-hex-digit secrets;
//     the platform's environments other than "standard" are not simulated.
//   - Its memory is bounded where the platform keeps everything: past
//     WithStateLimit (default 10,000 of each kind) the oldest finished
//     sessions, ended connections, available, failed or deleted archives,
//     stopped broadcasts, renders and captions, and ended SIP calls are
//     evicted, and are then unknown (404) as if never created; live ones
//     are never evicted. A connection keeps its most recent signals, a
//     session and a SIP call their most recent DTMF digits, up to the same
//     limit. Registered callbacks and projects past the limit are refused
//     (400), as are pending faults (InjectFault's error); callback fields,
//     project names and upload-target configurations are bounded in size.
//     The request log keeps the most recent requests within its own limits
//     (WithRequestLogSize, WithRequestLogBodyLimit, WithRequestLogBytes).
//   - HTTP rules the platform does not document: a body over 1 MiB is
//     answered 413 (before authentication; the control API too); a known
//     path with another method 405 with an Allow header; a body whose
//     Content-Type is not the route's 415 (after authentication): JSON routes take application/json (or
//     +json, or a body without any Content-Type), /session/create only
//     application/x-www-form-urlencoded. A JSON body must be an object:
//     null or [] is a 400. In the create-session form, an empty value or the
//     literal null (as @vonage/video sends location=null) means not given.
//     A boolean field also takes the strings "true" and "false"
//     (@vonage/video types partialCaptions that way).
//
// # JSON shapes the fake chose where the platform is ambiguous
//
//   - The API key is a JSON number where the platform writes it as one: the
//     projectId and partnerId of archives and broadcasts (both fields on
//     both), the projectId of renders and of the connection list, and the
//     partnerId of archive callbacks and of the individual-archive manifest.
//     It is a string in the create-session answer (project_id, partner_id),
//     in session-monitoring and SIP callbacks (projectId), and in the
//     mute-all project details (id). A key that is not a plain integer
//     (WithCredentials accepts any) is a string everywhere. A Vonage fake
//     writes applicationId (a string) instead.
//   - Archives: name is null when none was given; url is null until the
//     archive is available; size is 0 while recording and the file's size
//     from the stop on; sha256sum is "" until the archive is available and
//     then the hex SHA-256 of the file served at url; reason is "" until it
//     stops; resolution only for composed archives; streams only in manual
//     stream mode, with boolean hasAudio/hasVideo (the OpenAPI document
//     types a broadcast's as strings, an erratum); multiArchiveTag is not
//     echoed.
//   - Broadcasts: broadcastUrls has hls (and hlsStatus) only with an HLS
//     output and rtmp only with RTMP outputs (an RTMP target's id only when
//     given); settings only with HLS; multiBroadcastTag and maxBitrate only
//     when given; streams only in manual mode while it runs (the document:
//     "only set for status started"), booleans as for archives.
//   - Renders: name (properties.name) and callbackUrl (statusCallbackUrl)
//     only when given, never "".
//   - Streams: videoType is absent for an audio-only stream, as in the
//     session-monitoring events.
//   - Connections: createdAt is a number of milliseconds (the OpenAPI
//     document types it as a string but gives a numeric example).
//   - Where the OpenAPI document gives a blank 200 but clients read a body,
//     the fake sends one (clients that expect nothing ignore it): force-mute
//     of one stream answers the project details, as mute-all does (without
//     the secret); an archive or broadcast layout change answers the archive
//     or broadcast (the community Go SDK decodes them).
package opentoktest
