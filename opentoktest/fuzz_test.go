package opentoktest

import (
	"errors"
	"testing"
	"time"

	"github.com/opentok-go/opentok/internal/auth"
)

// FuzzVerifyToken feeds arbitrary tokens to the fake's token verification:
// it must never panic, and must never accept a token it did not sign for
// the session (only the seeds made by the SDK verify).
func FuzzVerifyToken(f *testing.F) {
	srv, err := New()
	if err != nil {
		f.Fatal(err)
	}
	// Seeds are built from fixed claims so that every fuzzing worker
	// process makes the same ones.
	p := auth.NewProject(srv.APIKey, []byte(srv.APISecret))
	sid := "2_MX40NzAwMDAwMH5-MTcwMDAwMDAwMDAwMH4wLjF-"
	now := time.Unix(1_900_000_000, 0)
	valid := map[string]bool{}
	for _, c := range []auth.ClientClaims{
		{SessionID: sid, Role: "publisher", IssuedAt: now.Unix(), CreateTime: now.Unix(), ExpireTime: now.Unix() + 3600, Nonce: 0.25},
		{SessionID: sid, Role: "moderator", Data: "d", LayoutClassList: "a b", IssuedAt: now.Unix(), CreateTime: now.Unix(), ExpireTime: now.Unix() + 60, Nonce: 0.5},
	} {
		jwtTok, err := p.ClientJWT(&c)
		if err != nil {
			f.Fatal(err)
		}
		for _, tok := range []string{jwtTok, p.T1(&c)} {
			valid[tok] = true
			f.Add(tok)
		}
	}
	for _, s := range []string{"", "T1==", "T1==!!!", "a.b.c", "eyJhbGciOiJub25lIn0.e30.", "T1==cGFydG5lcl9pZD0xJnNpZz0wOg=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		ti, err := srv.verifyToken(sid, tok, now)
		if err == nil && !valid[tok] {
			t.Fatalf("accepted a token the SDK did not make: %q (%+v)", tok, ti)
		}
		if err != nil && !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrTokenExpired) && !errors.Is(err, ErrWrongSession) {
			t.Fatalf("unexpected error kind %v", err)
		}
	})
}
