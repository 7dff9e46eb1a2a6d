package opentoktest

import "time"

// clock is real time plus an offset the test controls. It drives the
// fake's state (archives becoming available, durations, broadcast limits)
// and the expiry of client tokens. REST auth JWTs are checked against real
// time plus authSkew instead, so that moving the clock forward does not
// expire the short-lived JWTs a client signs with its own clock.
type clock struct {
	offset   time.Duration
	authSkew time.Duration
}

func (c clock) now() time.Time { return time.Now().Add(c.offset) }

// Now returns the fake's current time.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clock.now()
}

// Advance moves the fake's clock forward by d and applies every change that
// was waiting on time (archives becoming available, RTMP targets going
// live, broadcasts reaching their maximum duration).
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.clock.offset += d
	}
	s.tickLocked()
}

// SetNow sets the fake's clock to t (it then runs on from there).
func (s *Server) SetNow(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock.offset = time.Until(t)
	s.tickLocked()
}

func (s *Server) nowLocked() time.Time { return s.clock.now() }

// SetAuthClockSkew makes the fake check REST auth JWTs as a platform whose
// clock is off by d (positive: ahead of real time), to test how a client
// copes with clock skew (the platform tolerates Leeway). The fake's own
// clock (Advance, SetNow) does not affect auth JWTs.
func (s *Server) SetAuthClockSkew(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock.authSkew = d
}

func ms(t time.Time) int64 { return t.UnixMilli() }
