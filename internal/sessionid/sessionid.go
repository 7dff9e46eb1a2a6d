// Package sessionid decodes and encodes OpenTok session IDs.
//
// A session ID is a two-character prefix ("1_" or "2_") followed by a
// URL-safe-ish base64 text (with '-' for '+', '_' for '/', no padding) of
// "1~<apiKey>~<location>~<createTime>~<random>~...". The decoder is lenient in
// the way the Node SDK's is: missing padding is fine and decoding stops at the
// first character outside the alphabet.
package sessionid

import (
	"bytes"
	"encoding/base64"
	"strings"
)

// MaxLen is the longest session ID the SDK accepts (the Node SDK documents
// session IDs of up to 255 characters; real ones are far shorter, so this
// leaves room).
const MaxLen = 1024

// Decoded holds the fields of a decoded session ID.
type Decoded struct {
	// APIKey is field 1, the owner's API key.
	APIKey string
	// Location is field 2, the location hint (often empty).
	Location string
	// CreateTime is field 3, as written by the platform.
	CreateTime string
}

// Decode returns the fields of an OpenTok session ID, or ok=false when the ID
// does not have the platform's form.
func Decode(id string) (d Decoded, ok bool) {
	var stack [768]byte
	plain, ok := decodeBody(id, stack[:0])
	if !ok {
		return d, false
	}
	var fields [4]string
	n := 0
	for n < len(fields) {
		i := bytes.IndexByte(plain, '~')
		if i < 0 {
			fields[n] = string(plain)
			n++
			break
		}
		fields[n] = string(plain[:i])
		plain = plain[i+1:]
		n++
	}
	if n < 2 || fields[1] == "" {
		return d, false
	}
	return Decoded{APIKey: fields[1], Location: fields[2], CreateTime: fields[3]}, true
}

// HasAPIKey reports whether the session ID decodes and its API key field is
// apiKey. It decodes only as far as the key (a few base64 groups at the
// start), so it is cheap and does not allocate; it agrees with Decode.
func HasAPIKey(id, apiKey string) bool {
	if len(id) < 3 || len(id) > MaxLen {
		return false
	}
	body := id[2:]
	// Decode group by group: field 0 (the version), '~', the key, '~'.
	field, matched := 0, 0
	for i := 0; i < len(body); i += 4 {
		var vals [4]byte
		n := 0
		for ; n < 4 && i+n < len(body); n++ {
			v := b64Value[body[i+n]]
			if v == 0xff {
				break
			}
			vals[n] = v
		}
		if n < 2 {
			break // no whole byte left
		}
		bytes := [3]byte{vals[0]<<2 | vals[1]>>4, vals[1]<<4 | vals[2]>>2, vals[2]<<6 | vals[3]}
		for _, c := range bytes[:n-1] {
			switch {
			case c == '~':
				if field == 1 {
					return matched == len(apiKey) && matched > 0
				}
				field++
			case field == 1:
				if matched >= len(apiKey) || apiKey[matched] != c {
					return false
				}
				matched++
			}
		}
		if n < 4 {
			break // the text ends, or a character outside the alphabet ends it
		}
	}
	// The key may run to the end of the decoded text.
	return field == 1 && matched == len(apiKey) && matched > 0
}

// b64Value maps both base64 alphabets ("+/" and the platform's "-_") to
// 6-bit values; 0xff marks characters outside them.
var b64Value = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// decodeBody maps the platform's alphabet to standard base64, cuts at the
// first character outside it (as Node does) and decodes into dst.
func decodeBody(id string, dst []byte) ([]byte, bool) {
	if len(id) < 3 || len(id) > MaxLen {
		return nil, false
	}
	body := id[2:]
	n := 0
	for n < len(body) && isB64(body[n]) {
		n++
	}
	body = body[:n]
	// A trailing group of one character carries no whole byte.
	if len(body)%4 == 1 {
		body = body[:len(body)-1]
	}
	// Map the alphabet into a scratch buffer (on the stack for IDs of usual
	// length), then decode it in one call.
	var scratch [768]byte
	mapped := scratch[:0]
	if len(body) > len(scratch) {
		mapped = make([]byte, 0, len(body))
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch c {
		case '-':
			c = '+'
		case '_':
			c = '/'
		}
		mapped = append(mapped, c)
	}
	need := base64.RawStdEncoding.DecodedLen(len(mapped))
	if cap(dst) < need {
		dst = make([]byte, 0, need)
	}
	n, err := base64.RawStdEncoding.Decode(dst[:need], mapped)
	if err != nil {
		return nil, false
	}
	return dst[:n], true
}

func isB64(c byte) bool {
	return c == '-' || c == '_' || c == '+' || c == '/' ||
		'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// Encode returns a session ID in the platform's form for the given fields,
// with the "2_" prefix the platform uses today. The random part should be
// unique per session.
func Encode(apiKey, location, createTime, random string) string {
	plain := "1~" + apiKey + "~" + location + "~" + createTime + "~" + random + "~"
	enc := base64.RawStdEncoding.EncodeToString([]byte(plain))
	enc = strings.NewReplacer("+", "-", "/", "_").Replace(enc)
	return "2_" + enc
}
