package opentok

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"testing"
)

// Token benchmarks compare GenerateToken with a baseline that does only the
// unavoidable work of a JWT client token: 16 random bytes from crypto/rand,
// base64url of a header and a payload of the same size as the SDK's, and an
// HMAC-SHA256 over them with a keyed hash that is reused.

func benchClient(b *testing.B) *OpenTok {
	ot, err := New(testAPIKey, testAPISecret)
	if err != nil {
		b.Fatal(err)
	}
	return ot
}

func BenchmarkGenerateTokenJWT(b *testing.B) {
	ot := benchClient(b)
	opts := &TokenOptions{Role: RoleModerator, Data: `{"name":"value"}`}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ot.GenerateToken(testSessionID, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// jwtPayloadLen is the length of a typical client-token payload (the
// sdkJwt vector's).
func samplePayload(b *testing.B) []byte {
	ot := benchClient(b)
	tok, err := ot.GenerateToken(testSessionID, &TokenOptions{Role: RoleModerator, Data: `{"name":"value"}`})
	if err != nil {
		b.Fatal(err)
	}
	var start, end int
	for i := range tok {
		if tok[i] == '.' {
			if start == 0 {
				start = i + 1
			} else {
				end = i
			}
		}
	}
	p, err := base64.RawURLEncoding.DecodeString(tok[start:end])
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func BenchmarkBaselineJWT(b *testing.B) {
	payload := samplePayload(b)
	mac := hmac.New(sha256.New, []byte(testAPISecret))
	buf := make([]byte, 0, 1024)
	var nonce [16]byte
	var sum [sha256.Size]byte
	b.ReportAllocs()
	for b.Loop() {
		_, _ = rand.Read(nonce[:])
		buf = append(buf[:0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."...)
		buf = base64.RawURLEncoding.AppendEncode(buf, payload)
		mac.Reset()
		mac.Write(buf)
		sig := mac.Sum(sum[:0])
		buf = append(buf, '.')
		buf = base64.RawURLEncoding.AppendEncode(buf, sig)
	}
	_ = hash.Hash(mac)
}

func BenchmarkGenerateTokenT1(b *testing.B) {
	ot := benchClient(b)
	opts := &TokenOptions{Role: RoleModerator, Data: `{"name":"value"}`, Format: TokenT1}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ot.GenerateToken(testSessionID, opts); err != nil {
			b.Fatal(err)
		}
	}
}
