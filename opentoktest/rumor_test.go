package opentoktest

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hx is the hex of a string, for writing frames byte by byte.
func hx(s string) string { return hex.EncodeToString([]byte(s)) }

// A frame as OpenTok.js 2.35.2 serializes it (RumorMessage.serialize): a
// MESSAGE to the symphony with two headers and a small body.
var clientFrameHex = "0000004d" + // length of the rest: 77
	"0000" + "02" + "01" + // reserved, MESSAGE, one address
	"0014" + hx("symphony.opentoktest") +
	"02" + // two headers
	"000e" + hx("TRANSACTION-ID") + "0003" + hx("tx1") +
	"0011" + hx("X-TB-FROM-ADDRESS") + "0001" + hx("c") +
	hx(`{"a":1}`)

func TestDecodeFrameAsOpenTokJSSerializesIt(t *testing.T) {
	b, err := hex.DecodeString(clientFrameHex)
	require.NoError(t, err)
	f, err := decodeFrame(b)
	require.NoError(t, err)
	assert.Equal(t, frameMessage, f.typ)
	assert.Equal(t, []string{"symphony.opentoktest"}, f.to)
	assert.Equal(t, []header{{"TRANSACTION-ID", "tx1"}, {"X-TB-FROM-ADDRESS", "c"}}, f.headers)
	assert.Equal(t, "tx1", f.header("TRANSACTION-ID"))
	assert.Equal(t, "", f.header("STATUS"))
	assert.Equal(t, `{"a":1}`, string(f.body))

	// Encoding gives back the same bytes.
	out, err := f.encode()
	require.NoError(t, err)
	assert.Equal(t, clientFrameHex, hex.EncodeToString(out))
}

func TestEncodeEmptyFrames(t *testing.T) {
	// A PONG, as the fake answers a PING: no address, no header, no body.
	out, err := (&frame{typ: framePong}).encode()
	require.NoError(t, err)
	assert.Equal(t, "00000005"+"0000"+"08"+"00"+"00", hex.EncodeToString(out))
	f, err := decodeFrame(out)
	require.NoError(t, err)
	assert.Equal(t, framePong, f.typ)
	assert.Empty(t, f.to)
	assert.Empty(t, f.headers)
	assert.Empty(t, f.body)
}

func TestEncodeRefusesWhatTheFormatCannotHold(t *testing.T) {
	_, err := (&frame{to: make([]string, 256)}).encode()
	assert.Error(t, err)
	_, err = (&frame{headers: []header{{strings.Repeat("k", 65536), ""}}}).encode()
	assert.Error(t, err)
	_, err = (&frame{headers: make([]header, 256)}).encode()
	assert.Error(t, err)
	_, err = (&frame{to: []string{strings.Repeat("a", 65535)}}).encode()
	assert.NoError(t, err, "the longest string fits")
}

func TestDecodeFrameRefusesMalformedFrames(t *testing.T) {
	good, err := hex.DecodeString(clientFrameHex)
	require.NoError(t, err)
	withLength := func(b []byte) []byte {
		b = bytes.Clone(b)
		n := len(b) - 4
		b[0], b[1], b[2], b[3] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
		return b
	}
	cases := map[string][]byte{
		"empty":                     {},
		"shorter than the prefix":   good[:7],
		"declared length too long":  good[:len(good)-1],
		"declared length too short": append(bytes.Clone(good), 'x'),
		"reserved bytes set":        func() []byte { b := bytes.Clone(good); b[5] = 1; return b }(),
		"address cut off":           withLength(good[:12]),
		"address length cut off":    withLength(good[:9]),
		"no header count":           withLength(good[:8+2+20]),
		"header key cut off":        withLength(good[:8+2+20+1+2+5]),
		"header value cut off":      withLength(good[:8+2+20+1+2+14+2+1]),
		"address not UTF-8":         withLength(append([]byte{0, 0, 0, 0, 0, 0, 2, 1, 0, 1, 0xff}, 0)),
		"header not UTF-8":          withLength([]byte{0, 0, 0, 0, 0, 0, 2, 0, 1, 0, 1, 0xfe, 0, 0}),
		"body not UTF-8":            withLength([]byte{0, 0, 0, 0, 0, 0, 2, 0, 0, 0xc3}),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := decodeFrame(b)
			require.Error(t, err)
			assert.True(t, errors.Is(err, errFrame), "%v", err)
		})
	}
}

// FuzzDecodeFrame feeds arbitrary bytes to the frame decoder: it must
// never panic, and what it accepts must encode back to the same bytes
// (the format has one encoding per frame).
func FuzzDecodeFrame(f *testing.F) {
	good, _ := hex.DecodeString(clientFrameHex)
	f.Add(good)
	pong, _ := (&frame{typ: framePong}).encode()
	f.Add(pong)
	ping, _ := (&frame{typ: framePing}).encode()
	f.Add(ping)
	status, _ := (&frame{typ: frameStatus, to: []string{"c"}, headers: []header{{"STATUS", "200"}}, body: []byte(`{"x":[]}`)}).encode()
	f.Add(status)
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 4, 0, 0, 2, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := decodeFrame(b)
		if err != nil {
			if !errors.Is(err, errFrame) {
				t.Fatalf("an error that does not wrap errFrame: %v", err)
			}
			return
		}
		out, err := fr.encode()
		if err != nil {
			t.Fatalf("a decoded frame does not encode: %v", err)
		}
		if !bytes.Equal(out, b) {
			t.Fatalf("decode then encode changed the frame:\n in %x\nout %x", b, out)
		}
	})
}
