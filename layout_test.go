package opentok

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLayoutValidate(t *testing.T) {
	good := []Layout{
		{Type: LayoutBestFit},
		{Type: LayoutBestFit, ScreenshareType: LayoutPIP},
		{Type: LayoutCustom, Stylesheet: "stream.instructor {position: absolute;}"},
		{Type: LayoutVerticalPresentation},
		{Type: LayoutHorizontalPresentation},
		{Type: LayoutPIP},
	}
	for _, l := range good {
		assert.NoError(t, l.validate("layout"), "%+v", l)
	}
	bad := []struct {
		l     Layout
		field string
	}{
		{Layout{}, "layout.type"},
		{Layout{Type: "focus"}, "layout.type"},
		{Layout{Type: LayoutCustom}, "layout.stylesheet"},
		{Layout{Type: LayoutPIP, Stylesheet: "x"}, "layout.stylesheet"},
		{Layout{Type: LayoutPIP, ScreenshareType: LayoutBestFit}, "layout.screenshareType"},
		{Layout{Type: LayoutBestFit, ScreenshareType: LayoutCustom}, "layout.screenshareType"},
		{Layout{Type: LayoutBestFit, ScreenshareType: "grid"}, "layout.screenshareType"},
	}
	for _, tc := range bad {
		err := tc.l.validate("layout")
		var ve *ValidationError
		require.ErrorAs(t, err, &ve, "%+v", tc.l)
		assert.Equal(t, tc.field, ve.Field)
	}
}

func TestLayoutJSON(t *testing.T) {
	b, err := json.Marshal(Layout{Type: LayoutBestFit, ScreenshareType: LayoutPIP})
	require.NoError(t, err)
	assertJSONBody(t, `{"type":"bestFit","screenshareType":"pip"}`, b)
	b, err = encodeJSON(Layout{Type: LayoutCustom, Stylesheet: "a > b {}"})
	require.NoError(t, err)
	assert.Equal(t, `{"type":"custom","stylesheet":"a > b {}"}`, string(b), "no HTML escaping")
	assertGolden(t, "layout_custom", b)
}

func TestResolutionValid(t *testing.T) {
	for _, r := range []Resolution{Resolution640x480, Resolution480x640, Resolution1280x720, Resolution720x1280, Resolution1920x1080, Resolution1080x1920} {
		assert.True(t, r.Valid(), r)
		assert.NoError(t, checkResolution("resolution", r))
	}
	assert.NoError(t, checkResolution("resolution", ""))
	assert.False(t, Resolution("800x600").Valid())
	assert.ErrorIs(t, checkResolution("resolution", "800x600"), ErrInvalidArgument)
}
