package opentok

import (
	"context"
	"time"
)

// Hooks for the external tests (package opentok_test), which use the
// opentoktest fake and so cannot live in this package: opentoktest imports
// opentok. They are compiled into the test binary only.

// SetClockForTest replaces the client's clock, which dates the auth JWTs,
// client tokens and Retry-After dates. Call it before the client is used.
func SetClockForTest(ot *OpenTok, now func() time.Time) { ot.now = now }

// SetSleepForTest replaces the wait between attempts. Call it before the
// client is used.
func SetSleepForTest(ot *OpenTok, sleep func(ctx context.Context, d time.Duration) error) {
	ot.tr.Sleep = sleep
}

// AccountRequestPath returns the request path of an account client, which
// the Account rows of the operation table take.
func AccountRequestPath(a *Account) *OpenTok { return a.ot }
