package opentok

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLenientDecoders(t *testing.T) {
	var v struct {
		At      msTime     `json:"at"`
		AtStr   msTime     `json:"atStr"`
		AtNull  msTime     `json:"atNull"`
		Dur     seconds    `json:"dur"`
		N       flexInt    `json:"n"`
		NStr    flexInt    `json:"nStr"`
		B       flexBool   `json:"b"`
		BStr    flexBool   `json:"bStr"`
		BFalse  flexBool   `json:"bFalse"`
		S       flexString `json:"s"`
		SNum    flexString `json:"sNum"`
		SNull   flexString `json:"sNull"`
		Garbage msTime     `json:"garbage"`
	}
	err := json.Unmarshal([]byte(`{"at":1384221730000,"atStr":"1384221730000","atNull":null,"dur":27,
		"n":5,"nStr":"6","b":true,"bStr":"true","bFalse":"false","s":"x","sNum":1234,"sNull":null,"garbage":{"x":1}}`), &v)
	require.NoError(t, err)
	want := time.UnixMilli(1384221730000)
	assert.True(t, v.At.Time().Equal(want))
	assert.True(t, v.AtStr.Time().Equal(want))
	assert.True(t, v.AtNull.Time().IsZero())
	assert.True(t, v.Garbage.Time().IsZero())
	assert.Equal(t, 27*time.Second, v.Dur.Duration())
	assert.Equal(t, flexInt(5), v.N)
	assert.Equal(t, flexInt(6), v.NStr)
	assert.True(t, bool(v.B))
	assert.True(t, bool(v.BStr))
	assert.False(t, bool(v.BFalse))
	assert.Equal(t, flexString("x"), v.S)
	assert.Equal(t, flexString("1234"), v.SNum)
	assert.Equal(t, flexString(""), v.SNull)
}
