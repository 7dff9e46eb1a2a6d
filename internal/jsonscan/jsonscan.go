// Package jsonscan walks the members of a JSON object, or the elements of a
// JSON array, without reflection. The SDK uses it to decode the platform's
// most frequent answers (an archive, a created session) several times faster
// than encoding/json.
//
// It is deliberately narrow: it handles well-formed JSON whose strings need
// no unescaping, and reports anything else (an escape sequence, invalid
// UTF-8, a syntax error) by returning false, so that the caller decodes the
// whole input again with encoding/json, which either handles it or reports
// the error. Nested objects and arrays are passed to the callback raw
// (their brackets matched, strings skipped), for encoding/json to decode.
package jsonscan

import "unicode/utf8"

// Kind is the kind of a JSON value.
type Kind byte

// The kinds of JSON values.
const (
	String Kind = iota + 1
	Number
	True
	False
	Null
	Object
	Array
)

// Value is one JSON value.
type Value struct {
	Kind Kind
	// Raw is the value's JSON text (with the quotes, for a String).
	Raw []byte
}

// Str returns a String's characters, which need no unescaping.
func (v Value) Str() []byte {
	if v.Kind != String || len(v.Raw) < 2 {
		return nil
	}
	return v.Raw[1 : len(v.Raw)-1]
}

// Members calls fn for each member of the JSON object that data holds (with
// only white space around it), in order. It returns false, having possibly
// called fn for some members, when data is not such an object or holds
// something the scanner leaves to encoding/json, or when fn returns false.
func Members(data []byte, fn func(key []byte, v Value) bool) bool {
	s := scanner{data: data}
	s.space()
	if !s.object(fn) {
		return false
	}
	s.space()
	return s.pos == len(s.data)
}

// Elements calls fn for each element of the JSON array that data holds, as
// Object does for members.
func Elements(data []byte, fn func(v Value) bool) bool {
	s := scanner{data: data}
	s.space()
	if !s.array(fn) {
		return false
	}
	s.space()
	return s.pos == len(s.data)
}

type scanner struct {
	data  []byte
	pos   int
	depth int
}

// maxDepth bounds the nesting the scanner follows; deeper input is left
// to encoding/json.
const maxDepth = 64

// array scans an array at pos, calling fn for each element.
func (s *scanner) array(fn func(v Value) bool) bool {
	return s.container('[', ']', func() bool {
		v, ok := s.value()
		return ok && fn(v)
	})
}

// object scans an object at pos, calling fn for each member.
func (s *scanner) object(fn func(key []byte, v Value) bool) bool {
	return s.container('{', '}', func() bool {
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return false
		}
		keyStart := s.pos
		if _, ok := s.str(); !ok {
			return false
		}
		key := s.data[keyStart+1 : s.pos-1]
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return false
		}
		s.pos++
		s.space()
		v, ok := s.value()
		return ok && fn(key, v)
	})
}

// container scans open, items separated by commas, and close; item scans
// one item at pos.
func (s *scanner) container(open, close byte, item func() bool) bool {
	if s.pos >= len(s.data) || s.data[s.pos] != open {
		return false
	}
	s.pos++
	s.space()
	if s.pos < len(s.data) && s.data[s.pos] == close {
		s.pos++
		return true
	}
	for {
		if !item() {
			return false
		}
		s.space()
		if s.pos >= len(s.data) {
			return false
		}
		c := s.data[s.pos]
		s.pos++
		if c == close {
			return true
		}
		if c != ',' {
			return false
		}
		s.space()
	}
}

func (s *scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value scans one value at pos.
func (s *scanner) value() (Value, bool) {
	if s.pos >= len(s.data) {
		return Value{}, false
	}
	start := s.pos
	switch c := s.data[s.pos]; {
	case c == '"':
		_, ok := s.str()
		return Value{Kind: String, Raw: s.data[start:s.pos]}, ok
	case c == '{' || c == '[':
		// Nested values are scanned (and so validated) in full; the callback
		// gets them raw.
		if s.depth >= maxDepth {
			return Value{}, false
		}
		s.depth++
		var ok bool
		k := Object
		if c == '{' {
			ok = s.object(func([]byte, Value) bool { return true })
		} else {
			k = Array
			ok = s.array(func(Value) bool { return true })
		}
		s.depth--
		if !ok {
			return Value{}, false
		}
		return Value{Kind: k, Raw: s.data[start:s.pos]}, true
	case c == 't':
		return s.literal("true", True)
	case c == 'f':
		return s.literal("false", False)
	case c == 'n':
		return s.literal("null", Null)
	case c == '-' || c >= '0' && c <= '9':
		if !s.number() {
			return Value{}, false
		}
		return Value{Kind: Number, Raw: s.data[start:s.pos]}, true
	}
	return Value{}, false
}

func (s *scanner) literal(word string, k Kind) (Value, bool) {
	end := s.pos + len(word)
	if end > len(s.data) || string(s.data[s.pos:end]) != word {
		return Value{}, false
	}
	v := Value{Kind: k, Raw: s.data[s.pos:end]}
	s.pos = end
	return v, true
}

// str scans a string at pos and returns its content. Escapes, control
// characters and invalid UTF-8 make it fail (encoding/json takes over).
func (s *scanner) str() ([]byte, bool) {
	s.pos++ // opening quote
	start := s.pos
	ascii := true
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			raw := s.data[start:s.pos]
			s.pos++
			if !ascii && !utf8.Valid(raw) {
				return nil, false
			}
			return raw, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
		s.pos++
	}
	return nil, false
}

// number scans a number following the JSON grammar.
func (s *scanner) number() bool {
	d := s.data
	if d[s.pos] == '-' {
		s.pos++
	}
	if s.pos >= len(d) {
		return false
	}
	if d[s.pos] == '0' {
		s.pos++
	} else if d[s.pos] >= '1' && d[s.pos] <= '9' {
		s.digits()
	} else {
		return false
	}
	if s.pos < len(d) && d[s.pos] == '.' {
		s.pos++
		if !s.digits() {
			return false
		}
	}
	if s.pos < len(d) && (d[s.pos] == 'e' || d[s.pos] == 'E') {
		s.pos++
		if s.pos < len(d) && (d[s.pos] == '+' || d[s.pos] == '-') {
			s.pos++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

func (s *scanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && s.data[s.pos] >= '0' && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos > start
}
