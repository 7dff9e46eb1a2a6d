package opentok

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
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

func benchTokenJWT(b *testing.B) {
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

func benchBaselineJWT(b *testing.B) {
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

func benchTokenT1(b *testing.B) {
	ot := benchClient(b)
	opts := &TokenOptions{Role: RoleModerator, Data: `{"name":"value"}`, Format: TokenT1}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ot.GenerateToken(testSessionID, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// benchBaselineT1 does the unavoidable work of a T1 token: HMAC-SHA1 of
// a data string of the SDK's size with a reused keyed hash, hex of the
// signature, base64 of the whole.
func benchBaselineT1(b *testing.B) {
	ot := benchClient(b)
	tok, err := ot.GenerateToken(testSessionID, &TokenOptions{Role: RoleModerator, Data: `{"name":"value"}`, Format: TokenT1})
	if err != nil {
		b.Fatal(err)
	}
	plain, err := base64.StdEncoding.DecodeString(tok[4:])
	if err != nil {
		b.Fatal(err)
	}
	colon := bytes.IndexByte(plain, ':')
	data := plain[colon+1:]
	head := plain[:colon-40] // "partner_id=...&sig="
	mac := hmac.New(sha1.New, []byte(testAPISecret))
	buf := make([]byte, 0, 1024)
	out := make([]byte, 0, 1024)
	var sum [sha1.Size]byte
	b.ReportAllocs()
	for b.Loop() {
		mac.Reset()
		mac.Write(data)
		sig := mac.Sum(sum[:0])
		buf = append(buf[:0], head...)
		buf = hex.AppendEncode(buf, sig)
		buf = append(buf, ':')
		buf = append(buf, data...)
		out = append(out[:0], "T1=="...)
		out = base64.StdEncoding.AppendEncode(out, buf)
	}
}

func benchTokenVonage(b *testing.B) {
	_, pemKey := testRSAKey(b)
	ot, err := NewVonage(testAppID, pemKey)
	if err != nil {
		b.Fatal(err)
	}
	opts := &TokenOptions{Role: RoleModerator, Data: `{"name":"value"}`}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ot.GenerateToken("2_opaque-session", opts); err != nil {
			b.Fatal(err)
		}
	}
}

// benchBaselineRS256 is one RS256 signature (SHA-256 and PKCS#1 v1.5
// with the same 2048-bit key) over a token-sized input.
func benchBaselineRS256(b *testing.B) {
	key, _ := testRSAKey(b)
	msg := bytes.Repeat([]byte("x"), 600)
	b.ReportAllocs()
	for b.Loop() {
		digest := sha256.Sum256(msg)
		if _, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkToken compares each kind of client token with its baseline in
// one run: compare the impl=sdk and impl=baseline lines (benchstat -col /impl).
func BenchmarkToken(b *testing.B) {
	b.Run("kind=jwt/impl=baseline", benchBaselineJWT)
	b.Run("kind=jwt/impl=sdk", benchTokenJWT)
	b.Run("kind=t1/impl=baseline", benchBaselineT1)
	b.Run("kind=t1/impl=sdk", benchTokenT1)
	b.Run("kind=vonage-rs256/impl=baseline", benchBaselineRS256)
	b.Run("kind=vonage-rs256/impl=sdk", benchTokenVonage)
}
