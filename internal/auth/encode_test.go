package auth

import (
	"encoding/json"
	"math"
	mathrand "math/rand/v2"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendJSNumber(t *testing.T) {
	// Expected strings are what JavaScript's String(x) prints.
	cases := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{0.3942609881050885, "0.3942609881050885"},
		{0.5, "0.5"},
		{0.1, "0.1"},
		{0.000001, "0.000001"},
		{0.0000012345, "0.0000012345"},
		{1e-7, "1e-7"},
		{1.5e-7, "1.5e-7"},
		{1.1102230246251565e-16, "1.1102230246251565e-16"},
		{1, "1"},
		{123.456, "123.456"},
		{1424221013, "1424221013"},
		{1e21, "1e+21"},
		{1.5e21, "1.5e+21"},
		{123456789012345680000, "123456789012345680000"},
		{-2.5, "-2.5"},
		{math.NaN(), "0"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, string(AppendJSNumber(nil, tc.in)), "%v", tc.in)
	}
}

func TestAppendJSNumberRoundTrips(t *testing.T) {
	for i := 0; i < 10000; i++ {
		f := mathrand.Float64()
		s := string(AppendJSNumber(nil, f))
		g, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err, s)
		require.Equal(t, f, g, s)
		require.True(t, f >= 0 && f < 1)
	}
}

func TestAppendJSONStringMatchesJSONStringify(t *testing.T) {
	cases := map[string]string{
		"plain":            `"plain"`,
		`q"b\`:             `"q\"b\\"`,
		"<a&b>":            `"<a&b>"`,
		"line\nfeed\ttab":  `"line\nfeed\ttab"`,
		"\b\f\r":           `"\b\f\r"`,
		"\x00\x01\x1f":     `"\u0000\u0001\u001f"`,
		"é😀\u2028":         "\"é😀\u2028\"",
		"\x7f":             "\"\x7f\"",
		"bad\xffutf8":      "\"bad\ufffdutf8\"",
		`{"name":"value"}`: `"{\"name\":\"value\"}"`,
	}
	for in, want := range cases {
		got := string(AppendJSONString(nil, in))
		assert.Equal(t, want, got, "%q", in)
		var back string
		require.NoError(t, json.Unmarshal([]byte(got), &back))
		if utf8.ValidString(in) {
			assert.Equal(t, in, back)
		}
	}
}

func TestAppendQueryEscape(t *testing.T) {
	assert.Equal(t, "a%20b%2Bc%26d%3De!~*'()-_.%C3%A9%7B%22%7D",
		string(AppendQueryEscape(nil, "a b+c&d=e!~*'()-_.é{\"}")))
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a", "\x00", "é", "\xff", `"\`, "\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %q: %v", s, out, err)
		}
		if utf8.ValidString(s) && back != s {
			t.Fatalf("%q round-trips to %q", s, back)
		}
	})
}

func TestNonceDigitsWrittenAsJavaScriptWould(t *testing.T) {
	for _, d := range []uint64{100000000000000, 394260988105088, 999999999999999, 120000000000000, 123456789012340} {
		c := &ClientClaims{NonceDigits: d}
		got := string(appendNonce(nil, c))
		f, err := strconv.ParseFloat(got, 64)
		require.NoError(t, err)
		assert.Equal(t, string(AppendJSNumber(nil, f)), got, "JavaScript prints %v the same way", f)
	}
	for i := 0; i < 1000; i++ {
		d := RandomNonceDigits()
		require.True(t, d >= 1e14 && d < 1e15)
		got := string(appendNonce(nil, &ClientClaims{NonceDigits: d}))
		f, _ := strconv.ParseFloat(got, 64)
		require.Equal(t, string(AppendJSNumber(nil, f)), got)
	}
}
