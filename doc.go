// Package opentok is a Go server SDK for the OpenTok / Vonage Video API: it
// creates sessions, signs client tokens, and drives archives, broadcasts,
// SIP calls, the Audio Connector, Experience Composer, live captions and
// moderation over the platform's REST API.
//
// # Credentials
//
// One client type serves both credential families, chosen explicitly by
// constructor:
//
//   - [New] takes an OpenTok project API key and secret. Requests go to
//     https://api.opentok.com with an X-OPENTOK-AUTH HS256 JWT; client tokens
//     are HS256 JWTs (or legacy T1 tokens) with the Node SDK's claims.
//   - [NewVonage] takes a Vonage application ID and its RSA private key.
//     Requests go to https://video.api.vonage.com with an
//     "Authorization: Bearer" RS256 JWT; client tokens are RS256 JWTs.
//
// The client is immutable and safe for concurrent use; make one and share
// it. It never prints, logs or returns in an error the secret, the private
// key, an auth JWT or a client token.
//
// # Calls
//
// Every call that does I/O takes a [context.Context] first, then the
// required IDs, then an optional options struct (nil allowed, never
// modified), and returns (*T, error) or error. Lists come as one page
// (ListArchives, ...) or as a lazy iterator over all items (AllArchives,
// ...). [OpenTok.GenerateToken] signs locally and takes no context.
//
// # Errors
//
// Input that breaks a documented rule is refused before anything is sent,
// with a [*ValidationError] naming the field (errors.Is ErrInvalidArgument).
// A non-2xx answer is an [*APIError] carrying the status, the platform's
// code and message, the request ID and the number of attempts; match its
// kind with errors.Is and [ErrNotFound], [ErrConflict], [ErrUnauthorized],
// [ErrForbidden], [ErrRateLimited], [ErrServer] or [ErrBadRequest]. A 2xx
// answer that cannot be decoded is a [*ResponseError] ([ErrBadResponse]),
// and a request that got no answer at all is a [*TransportError] wrapping
// the cause (context.Canceled, context.DeadlineExceeded, a network error).
//
// # Timeouts and retries
//
// The context bounds a whole call, retries included; [WithTimeout] bounds
// each attempt (20 s by default). 429 answers are retried for every method,
// after the wait Retry-After asks for; 5xx answers, lost connections and
// attempt timeouts only for GET, PUT, PATCH and DELETE; see [RetryPolicy].
package opentok
