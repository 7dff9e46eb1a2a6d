package sessionid

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDecode(t *testing.T) {
	cases := []struct {
		id       string
		key, loc string
		ok       bool
	}{
		{"1_MX4xMjM0NTZ-flNhdCBNYXIgMTUgMTQ6NDI6MjMgUERUIDIwMTR-MC40OTAxMzAyNX4", "123456", "", true},
		{"2_MX40NzIwMzJ-flR1ZSBPY3QgMjkgMTI6MTM6MjMgUERUIDIwMTN-MC45NDQ2MzE2NH4", "472032", "", true},
		{"1_MX4xMDB-MTI3LjAuMC4xflR1ZSBKYW4gMjggMTU6NDg6NDAgUFNUIDIwMTR-MC43NjAyOTYyfg", "100", "127.0.0.1", true},
		{"1_MX40NjI2NDk1Mn5-MTYyMjAyODA3OTgwOH44", "46264952", "", true},
		{"", "", "", false},
		{"1_", "", "", false},
		{"SESSIONID", "", "", false},
		{"1_!!!!", "", "", false},
		{"1_MX4", "", "", false}, // "1~" only
	}
	for _, tc := range cases {
		d, ok := Decode(tc.id)
		assert.Equal(t, tc.ok, ok, tc.id)
		assert.Equal(t, tc.key, d.APIKey, tc.id)
		assert.Equal(t, tc.loc, d.Location, tc.id)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	id := Encode("47203200", "10.1.2.3", "1700000000000", "0.123456")
	assert.Equal(t, "2_", id[:2])
	assert.NotContains(t, id, "+")
	assert.NotContains(t, id, "/")
	assert.NotContains(t, id, "=")
	d, ok := Decode(id)
	assert.True(t, ok)
	assert.Equal(t, Decoded{APIKey: "47203200", Location: "10.1.2.3", CreateTime: "1700000000000"}, d)
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"1_MX4xMjM0NTZ-flNhdCBNYXIgMTUgMTQ6NDI6MjMgUERUIDIwMTR-MC40OTAxMzAyNX4",
		"2_MX40NzIwMzJ-flR1ZSBPY3QgMjkgMTI6MTM6MjMgUERUIDIwMTN-MC45NDQ2MzE2NH4",
		"", "1_", "x", "1_====", "1_MX4~", "2_MX4xMDBfjE0Mzc2NzY1NDgwMTJ-TjMzfn4",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		d, ok := Decode(id)
		if ok && d.APIKey == "" {
			t.Fatalf("ok with an empty API key for %q", id)
		}
		if !ok && d != (Decoded{}) {
			t.Fatalf("fields set although not ok for %q", id)
		}
		// Whatever decodes re-encodes to an ID with the same key.
		if ok && !containsTilde(d) {
			d2, ok2 := Decode(Encode(d.APIKey, d.Location, d.CreateTime, "r"))
			if !ok2 || d2.APIKey != d.APIKey {
				t.Fatalf("re-encoding %q lost the key", id)
			}
		}
	})
}

func containsTilde(d Decoded) bool {
	for _, s := range []string{d.APIKey, d.Location, d.CreateTime} {
		for i := 0; i < len(s); i++ {
			if s[i] == '~' {
				return true
			}
		}
	}
	return false
}

func TestHasAPIKey(t *testing.T) {
	id := "1_MX4xMjM0NTZ-flNhdCBNYXIgMTUgMTQ6NDI6MjMgUERUIDIwMTR-MC40OTAxMzAyNX4"
	assert.True(t, HasAPIKey(id, "123456"))
	assert.False(t, HasAPIKey(id, "12345"))
	assert.False(t, HasAPIKey(id, "1234567"))
	assert.False(t, HasAPIKey("garbage", "123456"))
	assert.False(t, HasAPIKey("", ""))
	assert.Zero(t, testing.AllocsPerRun(100, func() { HasAPIKey(id, "123456") }), "no allocation")
	for _, s := range []string{"1_MX4xMDB-MTI3LjAuMC4xflR1ZSBKYW4gMjggMTU6NDg6NDAgUFNUIDIwMTR-MC43NjAyOTYyfg", Encode("k", "", "1", "r")} {
		d, ok := Decode(s)
		assert.True(t, ok)
		assert.True(t, HasAPIKey(s, d.APIKey))
	}
}

func FuzzHasAPIKeyAgreesWithDecode(f *testing.F) {
	f.Add("1_MX4xMjM0NTZ-flNhdCBNYXIgMTUgMTQ6NDI6MjMgUERUIDIwMTR-MC40OTAxMzAyNX4", "123456")
	f.Add("2_MX4~", "")
	f.Fuzz(func(t *testing.T, id, key string) {
		d, ok := Decode(id)
		want := ok && d.APIKey == key
		if got := HasAPIKey(id, key); got != want {
			t.Fatalf("HasAPIKey(%q, %q) = %v, Decode says %v (%+v)", id, key, got, want, d)
		}
	})
}
