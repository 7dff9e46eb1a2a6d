package opentoktest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf8"
)

// The binary frames of the signalling WebSocket that OpenTok.js speaks
// ("Rumor", as its sources call it): every WebSocket message is one frame
//
//	u32 BE  length of the rest of the frame
//	u16     0
//	u8      type (frameSubscribe, frameMessage, ...)
//	u8      number of addresses, then per address: u16 BE length + UTF-8
//	u8      number of headers, then per header: u16 BE length + key,
//	        u16 BE length + value (UTF-8)
//	...     the body: UTF-8, the rest of the frame
//
// A MESSAGE's body is a JSON "Raptor" message (see signalling.go).

// frameType is the type byte of a frame.
type frameType byte

// The frame types OpenTok.js sends and understands.
const (
	frameSubscribe   frameType = 0
	frameUnsubscribe frameType = 1
	frameMessage     frameType = 2
	frameConnect     frameType = 3
	frameDisconnect  frameType = 4
	framePing        frameType = 7
	framePong        frameType = 8
	frameStatus      frameType = 9
)

func (t frameType) String() string {
	switch t {
	case frameSubscribe:
		return "SUBSCRIBE"
	case frameUnsubscribe:
		return "UNSUBSCRIBE"
	case frameMessage:
		return "MESSAGE"
	case frameConnect:
		return "CONNECT"
	case frameDisconnect:
		return "DISCONNECT"
	case framePing:
		return "PING"
	case framePong:
		return "PONG"
	case frameStatus:
		return "STATUS"
	}
	return fmt.Sprintf("type %d", byte(t))
}

// header is one frame header. Frames keep their headers in order (the
// wire format is a list), and the few that carry meaning are read with
// frame.header.
type header struct{ key, value string }

// frame is one decoded signalling frame.
type frame struct {
	typ     frameType
	to      []string
	headers []header
	body    []byte
}

// header returns the value of the first header named key ("" when absent).
func (f *frame) header(key string) string {
	for _, h := range f.headers {
		if h.key == key {
			return h.value
		}
	}
	return ""
}

// errFrame is the error every malformed frame wraps.
var errFrame = errors.New("malformed signalling frame")

// decodeFrame decodes one frame. It accepts exactly the format above: the
// declared length must be the frame's, the reserved bytes zero, every
// string and the body valid UTF-8, and nothing may be left over or cut off.
func decodeFrame(b []byte) (*frame, error) {
	if len(b) < 8 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the 8-byte prefix", errFrame, len(b))
	}
	if n := binary.BigEndian.Uint32(b); int64(n) != int64(len(b)-4) {
		return nil, fmt.Errorf("%w: it declares %d bytes after the length, but has %d", errFrame, n, len(b)-4)
	}
	if b[4] != 0 || b[5] != 0 {
		return nil, fmt.Errorf("%w: reserved bytes are not zero", errFrame)
	}
	f := &frame{typ: frameType(b[6])}
	r := frameReader{b: b, off: 8}
	nto := int(b[7])
	for range nto {
		s, err := r.str("address")
		if err != nil {
			return nil, err
		}
		f.to = append(f.to, s)
	}
	nh, err := r.byte("header count")
	if err != nil {
		return nil, err
	}
	for range int(nh) {
		k, err := r.str("header key")
		if err != nil {
			return nil, err
		}
		v, err := r.str("header value")
		if err != nil {
			return nil, err
		}
		f.headers = append(f.headers, header{k, v})
	}
	f.body = b[r.off:]
	if !utf8.Valid(f.body) {
		return nil, fmt.Errorf("%w: the body is not UTF-8", errFrame)
	}
	return f, nil
}

// frameReader reads the strings of a frame, bounds-checked.
type frameReader struct {
	b   []byte
	off int
}

func (r *frameReader) byte(what string) (byte, error) {
	if r.off >= len(r.b) {
		return 0, fmt.Errorf("%w: cut off before the %s", errFrame, what)
	}
	r.off++
	return r.b[r.off-1], nil
}

func (r *frameReader) str(what string) (string, error) {
	if r.off+2 > len(r.b) {
		return "", fmt.Errorf("%w: cut off in the length of a %s", errFrame, what)
	}
	n := int(binary.BigEndian.Uint16(r.b[r.off:]))
	r.off += 2
	if r.off+n > len(r.b) {
		return "", fmt.Errorf("%w: a %s of %d bytes is cut off", errFrame, what, n)
	}
	s := r.b[r.off : r.off+n]
	r.off += n
	if !utf8.Valid(s) {
		return "", fmt.Errorf("%w: a %s is not UTF-8", errFrame, what)
	}
	return string(s), nil
}

// encode returns the frame's bytes. It fails only when the frame cannot be
// represented: more than 255 addresses or headers, or a string over 65,535
// bytes.
func (f *frame) encode() ([]byte, error) {
	if len(f.to) > 255 || len(f.headers) > 255 {
		return nil, fmt.Errorf("opentoktest: a frame holds at most 255 addresses and 255 headers")
	}
	out := make([]byte, 8, 64+len(f.body))
	out[6], out[7] = byte(f.typ), byte(len(f.to))
	var err error
	put := func(s string) {
		if len(s) > 0xFFFF {
			err = fmt.Errorf("opentoktest: a frame string is longer than 65535 bytes")
			return
		}
		out = binary.BigEndian.AppendUint16(out, uint16(len(s)))
		out = append(out, s...)
	}
	for _, a := range f.to {
		put(a)
	}
	out = append(out, byte(len(f.headers)))
	for _, h := range f.headers {
		put(h.key)
		put(h.value)
	}
	if err != nil {
		return nil, err
	}
	out = append(out, f.body...)
	binary.BigEndian.PutUint32(out, uint32(len(out)-4))
	return out, nil
}
