package opentok

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkFastDecode decodes data with the fast decoder of a fresh value from
// mk and with encoding/json into another, and fails when the fast decoder
// accepts data that encoding/json rejects or decodes differently. It
// reports whether the fast decoder handled data.
func checkFastDecode[T any, P interface {
	*T
	fastDecoder
}](t *testing.T, data []byte) bool {
	t.Helper()
	var fast, slow T
	if !P(&fast).decodeFast(data) {
		return false
	}
	if err := json.Unmarshal(data, &slow); err != nil {
		t.Fatalf("fast decoder accepted %q, encoding/json says: %v", data, err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("decoding %q:\nfast: %+v\njson: %+v", data, fast, slow)
	}
	return true
}

func TestFastDecodeMatchesEncodingJSONOnFixtures(t *testing.T) {
	files, err := filepath.Glob("testdata/responses/archive_*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		if filepath.Base(f) == "archive_list_response.json" {
			assert.True(t, checkFastDecode[archiveListWire](t, data), f)
			continue
		}
		assert.True(t, checkFastDecode[archiveWire](t, data), "%s is decoded by the fast path", f)
	}
	for _, f := range []string{"session_create_response.json", "session_create_response_real_id.json", "session_create_response_vonage_shim.json"} {
		data, err := os.ReadFile(filepath.Join("testdata/responses", f))
		require.NoError(t, err)
		assert.True(t, checkFastDecode[sessionAnswers](t, data), f)
	}
}

func TestFastDecodeLeavesOddAnswersToEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{"id":"a\"b"}`,                // an escape
		`{"ID":"x"}`,                   // a key that matches a field but for case
		`{"id":5}`,                     // a type encoding/json reports
		`{"streams":[{"streamId":1}]}`, // a nested type error
		`{"id":"x"} trailing`,
	} {
		var w archiveWire
		assert.False(t, w.decodeFast([]byte(in)), in)
		assert.Equal(t, archiveWire{}, w, "left untouched")
	}
	// Odd but plain values are handled, exactly as encoding/json does.
	for _, in := range []string{
		`{"id":"x","id":null}`, `{"projectId":1234,"partnerId":"5"}`, `{"createdAt":"1384221730000","duration":"27"}`,
		`{"hasAudio":"true","hasVideo":"false"}`, `{"url":null,"name":null}`, `{"unknown":{"deep":[1,2,{"x":null}]}}`,
		`{"streams":[{"streamId":"s","hasAudio":"true"}],"transcription":{"status":"available"}}`, `{}`,
	} {
		assert.True(t, checkFastDecode[archiveWire](t, []byte(in)), in)
	}
	assert.True(t, checkFastDecode[sessionAnswers](t, []byte(`[]`)))
	assert.True(t, checkFastDecode[archiveListWire](t, []byte(`{"count":"3","items":null}`)))
}

// FuzzFastDecodeAgrees checks on arbitrary input that the fast decoders
// never accept what encoding/json rejects and never decode differently.
func FuzzFastDecodeAgrees(f *testing.F) {
	for _, s := range []string{benchArchiveAnswer, benchSessionAnswer, `{"count":1,"items":[` + benchArchiveAnswer + `]}`,
		`{"id":"x","id":null}`, `{"streams":[{"streamId":"s"}],"streams":[{"hasAudio":true}]}`,
		`{"transcription":{"status":"a"},"transcription":{"url":"b"}}`, `[{"session_id":"s","project_id":7}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFastDecode[archiveWire](t, data)
		checkFastDecode[archiveListWire](t, data)
		checkFastDecode[sessionAnswers](t, data)
	})
}
