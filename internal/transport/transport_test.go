package transport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                               0,
		"5":                              5 * time.Second,
		" 7 ":                            7 * time.Second,
		"0":                              0,
		"-3":                             0,
		"soon":                           0,
		"999999999":                      24 * time.Hour,
		"Fri, 27 Nov 2026 12:00:10 GMT":  10 * time.Second,
		"Fri, 27 Nov 2026 11:59:00 GMT":  0,
		"Friday, 27-Nov-26 12:01:00 GMT": time.Minute,
	}
	for in, want := range cases {
		assert.Equal(t, want, ParseRetryAfter(in, now), "%q", in)
	}
}

func TestBackoffGrowsAndIsCapped(t *testing.T) {
	c := &Client{Policy: Policy{MinBackoff: 100 * time.Millisecond, MaxBackoff: time.Second}}
	for _, j := range []float64{0, 0.5, 0.999} {
		c.Jitter = func() float64 { return j }
		prevMax := time.Duration(0)
		for n := 1; n <= 8; n++ {
			d := c.backoff(n)
			base := 100 * time.Millisecond << (n - 1)
			if base > time.Second {
				base = time.Second
			}
			assert.GreaterOrEqual(t, d, base/2, "n=%d", n)
			assert.LessOrEqual(t, d, base, "n=%d", n)
			assert.GreaterOrEqual(t, base, prevMax)
			prevMax = base
		}
	}
}

func TestIdempotent(t *testing.T) {
	for _, m := range []string{"GET", "PUT", "PATCH", "DELETE", "HEAD"} {
		assert.True(t, Idempotent(m), m)
	}
	assert.False(t, Idempotent("POST"))
}
