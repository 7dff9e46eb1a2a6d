// Package auth signs the JWTs and legacy T1 tokens the SDK needs: the REST
// authentication JWTs (HS256 for OpenTok projects, RS256 for Vonage
// applications) and the client tokens handed to browsers and mobile apps.
//
// Tokens are assembled by hand into reusable buffers, in the exact claim order
// and number format the OpenTok Node SDK produces, so that a token is
// byte-for-byte what the Node SDK would have made from the same clock and
// nonce. Verification lives in the fake (opentoktest) and the callback
// handler, which use golang-jwt.
package auth

import (
	"math"
	"strconv"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string literal exactly as JavaScript's
// JSON.stringify writes it: only '"', '\\' and control characters are
// escaped ('<', '>', '&' and U+2028/U+2029 are not). Invalid UTF-8 bytes are
// written as U+FFFD; callers validate UTF-8 first where it matters.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, "\ufffd"...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendJSNumber appends f formatted as JavaScript's Number.prototype.toString
// does (shortest round-trip digits; exponent form below 1e-6 and from 1e21).
// NaN and infinities, which JSON cannot carry, are written as 0.
func AppendJSNumber(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) || f == 0 {
		return append(dst, '0')
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	if f >= 1e-6 && f < 1e21 {
		// JavaScript writes these without an exponent, with the same
		// shortest round-trip digits as strconv.
		return strconv.AppendFloat(dst, f, 'f', -1, 64)
	}
	// Shortest digits and exponent from strconv's 'e' form: d[.ddd]e±XX.
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	var digits [24]byte
	k := 0
	i := 0
	for ; i < len(e) && e[i] != 'e'; i++ {
		if e[i] != '.' {
			digits[k] = e[i]
			k++
		}
	}
	exp, _ := strconv.Atoi(string(e[i+1:]))
	n := exp + 1 // position of the decimal point relative to the digits
	switch {
	case k <= n && n <= 21:
		dst = append(dst, digits[:k]...)
		for j := 0; j < n-k; j++ {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, digits[:n]...)
		dst = append(dst, '.')
		dst = append(dst, digits[n:k]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for j := 0; j < -n; j++ {
			dst = append(dst, '0')
		}
		dst = append(dst, digits[:k]...)
	default:
		dst = append(dst, digits[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:k]...)
		}
		dst = append(dst, 'e')
		if n-1 >= 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(n-1), 10)
	}
	return dst
}

// AppendQueryEscape appends s escaped as Node's querystring.escape does:
// A–Z a–z 0–9 and - _ . ! ~ * ' ( ) are kept, every other byte becomes %XX
// with upper-case hex (so a space is %20, not +).
func AppendQueryEscape(dst []byte, s string) []byte {
	const upper = "0123456789ABCDEF"
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if queryUnreserved[c] {
			continue
		}
		dst = append(dst, s[start:i]...)
		dst = append(dst, '%', upper[c>>4], upper[c&0xf])
		start = i + 1
	}
	return append(dst, s[start:]...)
}

// queryUnreserved marks the bytes Node's querystring.escape keeps.
var queryUnreserved = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-_.!~*'()" {
		t[c] = true
	}
	return t
}()
