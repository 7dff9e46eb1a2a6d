package jsonscan

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

type member struct {
	Key  string
	Kind Kind
	Raw  string
}

func members(t *testing.T, in string) ([]member, bool) {
	t.Helper()
	var out []member
	ok := Members([]byte(in), func(k []byte, v Value) bool {
		out = append(out, member{string(k), v.Kind, string(v.Raw)})
		return true
	})
	return out, ok
}

func TestObject(t *testing.T) {
	got, ok := members(t, ` { "a" : "x y", "b":-1.5e+3, "c":true, "d":false, "e":null, "f":{"g":["}",1]}, "h":[1,"]"], "i":"é" } `)
	assert.True(t, ok)
	assert.Equal(t, []member{
		{"a", String, `"x y"`}, {"b", Number, `-1.5e+3`}, {"c", True, `true`}, {"d", False, `false`},
		{"e", Null, `null`}, {"f", Object, `{"g":["}",1]}`}, {"h", Array, `[1,"]"]`}, {"i", String, `"é"`},
	}, got)
	got, ok = members(t, `{}`)
	assert.True(t, ok)
	assert.Empty(t, got)
}

func TestObjectLeavesTheRestToEncodingJSON(t *testing.T) {
	for _, in := range []string{
		``, `null`, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{"a":1}x`, `{"a\"b":1}`, `{"a":"\n"}`,
		`{"a":"b\\c"}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`, `{"a":1e}`, `{"a":tru}`, `{"a":"x` + "\xff" + `"}`,
		`{"a":"` + "\x01" + `"}`, `{"a":{"b":1}`, `{"a":1 "b":2}`, `{a:1}`, `{"a":[{"b"}]}`, `{"a":["\"x"]}`,
	} {
		_, ok := members(t, in)
		assert.False(t, ok, "%q", in)
	}
}

func TestArray(t *testing.T) {
	var kinds []Kind
	ok := Elements([]byte(` [ {"a":1} , "s", 2 ] `), func(v Value) bool { kinds = append(kinds, v.Kind); return true })
	assert.True(t, ok)
	assert.Equal(t, []Kind{Object, String, Number}, kinds)
	assert.True(t, Elements([]byte(`[]`), func(Value) bool { return true }))
	for _, in := range []string{`[`, `[1,]`, `[1 2]`, `{}`, `[1]x`} {
		assert.False(t, Elements([]byte(in), func(Value) bool { return true }), in)
	}
	assert.False(t, Elements([]byte(`[1,2]`), func(Value) bool { return false }), "the callback can stop it")
}

// FuzzObjectAgreesWithEncodingJSON checks that whatever the scanner accepts
// is valid JSON with the same members encoding/json sees.
func FuzzObjectAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":"x","b":[1,{"c":null}]}`, `{}`, `{"a":-0.5e-3}`, `{"a":"\u00e9"}`, `[1]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := map[string]json.RawMessage{}
		ok := Members(data, func(k []byte, v Value) bool {
			got[string(k)] = append(json.RawMessage(nil), v.Raw...)
			return true
		})
		if !ok {
			return
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatalf("scanner accepted invalid JSON %q: %v", data, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%q: members %v, encoding/json %v", data, got, want)
		}
		for k, raw := range want {
			if string(got[k]) != string(raw) {
				t.Fatalf("%q: member %q is %q, encoding/json says %q", data, k, got[k], raw)
			}
		}
	})
}
