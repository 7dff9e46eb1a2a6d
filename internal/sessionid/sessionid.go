// Package sessionid decodes and encodes OpenTok session IDs.
//
// A session ID is a two-character prefix ("1_" or "2_") followed by a
// URL-safe-ish base64 text (with '-' for '+', '_' for '/', no padding) of
// "1~<apiKey>~<location>~<createTime>~<random>~...". The decoder is lenient in
// the way the Node SDK's is: missing padding is fine and decoding stops at the
// first character outside the alphabet.
package sessionid

import (
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
	if len(id) < 3 || len(id) > MaxLen {
		return d, false
	}
	body := id[2:]
	// Map the platform's alphabet to standard base64 and cut at the first
	// character that is not part of it (Node ignores the rest).
	buf := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c == '-':
			c = '+'
		case c == '_':
			c = '/'
		case c == '+' || c == '/' ||
			'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9':
		default:
			i = len(body) // stop
			continue
		}
		buf = append(buf, c)
	}
	// A trailing group of one character carries no whole byte.
	if len(buf)%4 == 1 {
		buf = buf[:len(buf)-1]
	}
	dec := make([]byte, base64.RawStdEncoding.DecodedLen(len(buf)))
	n, err := base64.RawStdEncoding.Decode(dec, buf)
	if err != nil {
		return d, false
	}
	fields := strings.Split(string(dec[:n]), "~")
	if len(fields) < 2 || fields[1] == "" {
		return d, false
	}
	d.APIKey = fields[1]
	if len(fields) > 2 {
		d.Location = fields[2]
	}
	if len(fields) > 3 {
		d.CreateTime = fields[3]
	}
	return d, true
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
