package opentok

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// redactedText is what a set secret prints as.
const redactedText = "REDACTED"

// Secret holds a value the SDK never prints: an RTMP stream key, a SIP
// password, a project's API secret, cloud storage credentials. fmt (every
// verb, also through fmt's fallback for a bad verb), slog and encoding/json
// show "REDACTED" in its place, or "" when it is empty; [Secret.Reveal]
// returns the value, and the SDK sends it only in the request that needs
// it. The zero value is the empty secret.
//
// The JSON of a struct holding a Secret therefore has "REDACTED" where the
// value was: decoding it back gives a Secret that [Secret.IsRedacted]
// reports, which the calls that send a secret refuse with a
// [*ValidationError] instead of sending the placeholder. Store secrets
// apart from the JSON of options and results.
type Secret struct {
	// The value sits behind a pointer so that even fmt's fallback path,
	// which prints unexported fields of structs raw, only shows an address.
	p *string
}

// NewSecret returns a Secret holding s.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{p: &s}
}

// Reveal returns the secret value.
func (s Secret) Reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// IsZero reports whether the secret is empty (the zero value, or made from
// ""). It lets encoding/json's omitzero leave it out.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// IsRedacted reports whether the secret holds the "REDACTED" placeholder:
// a Secret decoded from the JSON a Secret writes.
func (s Secret) IsRedacted() bool { return s.Reveal() == redactedText }

// Equal reports whether two secrets hold the same value.
func (s Secret) Equal(o Secret) bool { return s.Reveal() == o.Reveal() }

// String returns "REDACTED", or "" for the empty secret.
func (s Secret) String() string {
	if s.IsZero() {
		return ""
	}
	return redactedText
}

// GoString is used by %#v: REDACTED, or "" for the empty secret.
func (s Secret) GoString() string {
	if s.IsZero() {
		return `""`
	}
	return redactedText
}

// Format implements fmt.Formatter so that every verb prints the redacted
// form (quoted for %q, as GoString for %#v).
func (s Secret) Format(f fmt.State, verb rune) {
	out := s.String()
	switch {
	case verb == 'q':
		out = strconv.Quote(out)
	case verb == 'v' && f.Flag('#'):
		out = s.GoString()
	}
	_, _ = io.WriteString(f, out)
}

// LogValue implements slog.LogValuer: "REDACTED", or "" for the empty
// secret.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON writes "REDACTED", or "" for the empty secret.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON reads a JSON string (null gives the empty secret).
func (s *Secret) UnmarshalJSON(b []byte) error {
	var v *string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v == nil {
		*s = Secret{}
		return nil
	}
	*s = NewSecret(*v)
	return nil
}

// checkSecret refuses a secret that holds the placeholder a JSON round trip
// leaves, so that "REDACTED" is never sent as a key or password.
func checkSecret(field string, s Secret) error {
	if s.IsRedacted() {
		return invalid(field, "holds the REDACTED placeholder that printed or JSON-encoded secrets show; set the real value")
	}
	return nil
}
