package opentoktest

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Fault is a failure the fake produces instead of its normal answer.
type Fault struct {
	// Status, when non-zero, is answered with Body (default: a platform
	// error body) instead of the real answer.
	Status int
	// Body replaces the answer's body (with Status, or with the real status
	// when Status is 0 — e.g. to corrupt a success body).
	Body string
	// RetryAfter is sent as the Retry-After header (e.g. "2" or an HTTP
	// date).
	RetryAfter string
	// Delay holds the answer back (the request's context still ends it).
	Delay time.Duration
	// DropConnection closes the connection without any answer.
	DropConnection bool
	// Malformed answers the real status with a truncated JSON body.
	Malformed bool
	// Times is how many requests the fault applies to (default 1; -1 for
	// every request until ClearFaults).
	Times int
}

type faultSlot struct {
	f    Fault
	left int
}

// maxFaultBytes bounds the bodies and Retry-After values of the pending
// faults, in all.
const maxFaultBytes = 16 << 20

// InjectFault makes the next requests of an operation fail as f says. op is
// the name of the SDK method that makes the request ("StartArchive",
// "DisableForceMute", ... as in RequestRecord.Op), or "*" for any
// operation. Faults queue: each applies to its Times requests, in order.
// It returns an error, and injects nothing, for an unknown operation, a
// Status outside 100–599, a negative Delay or Times below -1, and past the
// fake's bounds: as many pending faults as WithStateLimit allows (10,000
// by default), or 16 MiB of their bodies and Retry-After values in all
// (ClearFaults, or the requests that use them up, make room).
func (s *Server) InjectFault(op string, f Fault) error {
	switch {
	case op != "*" && !s.ops[op]:
		return fmt.Errorf("opentoktest: InjectFault: unknown operation %q (use an SDK method name such as \"StartArchive\", or \"*\")", op)
	case f.Status != 0 && (f.Status < 100 || f.Status > 599):
		return fmt.Errorf("opentoktest: InjectFault: status %d is not an HTTP status", f.Status)
	case f.Delay < 0:
		return errors.New("opentoktest: InjectFault: delay must not be negative")
	case f.Times < -1:
		return errors.New("opentoktest: InjectFault: times must be -1 (always), 0 (once) or more")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pending, bytes := s.pendingFaultsLocked()
	switch {
	case pending >= s.cfg.stateLimit:
		return fmt.Errorf("opentoktest: InjectFault: %d faults are pending, the fake's limit (WithStateLimit); clear them with ClearFaults", pending)
	case bytes+len(f.Body)+len(f.RetryAfter) > maxFaultBytes:
		return fmt.Errorf("opentoktest: InjectFault: the pending faults' bodies would exceed %d MiB in all; clear them with ClearFaults", maxFaultBytes>>20)
	}
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.faults[op] = append(s.faults[op], &faultSlot{f: f, left: left})
	return nil
}

// pendingFaultsLocked drops the faults used up and returns how many are
// pending and the bytes of their bodies and Retry-After values.
func (s *Server) pendingFaultsLocked() (n, bytes int) {
	for op, q := range s.faults {
		q = slices.DeleteFunc(q, func(slot *faultSlot) bool { return slot.left == 0 })
		if len(q) == 0 {
			delete(s.faults, op)
			continue
		}
		s.faults[op] = q
		for _, slot := range q {
			bytes += len(slot.f.Body) + len(slot.f.RetryAfter)
		}
		n += len(q)
	}
	return n, bytes
}

// ClearFaults removes every pending fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = map[string][]*faultSlot{}
}

// takeFaultLocked returns the fault for the next request of op, if any.
func (s *Server) takeFaultLocked(op string) (Fault, bool) {
	for _, key := range []string{op, "*"} {
		q := s.faults[key]
		for len(q) > 0 {
			slot := q[0]
			if slot.left == 0 {
				q = q[1:]
				continue
			}
			if slot.left > 0 {
				slot.left--
			}
			s.faults[key] = q
			return slot.f, true
		}
		s.faults[key] = q
	}
	return Fault{}, false
}
