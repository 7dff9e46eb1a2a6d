package opentoktest

import (
	"encoding/json"
	"net/http"
)

// validResolutions are the resolutions archives, broadcasts, renders and
// sessions (archiveResolution) accept.
var validResolutions = map[string]bool{"640x480": true, "480x640": true, "1280x720": true, "720x1280": true, "1920x1080": true, "1080x1920": true}

// checkLayout validates an optional composed layout (archives and
// broadcasts) and returns it as the fake stores it; nil when absent.
func checkLayout(raw json.RawMessage) (map[string]any, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var l struct {
		Type            string `json:"type"`
		Stylesheet      string `json:"stylesheet"`
		ScreenshareType string `json:"screenshareType"`
	}
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, errf(http.StatusBadRequest, "invalid layout")
	}
	switch l.Type {
	case "bestFit", "custom", "horizontalPresentation", "pip", "verticalPresentation":
	default:
		return nil, errf(http.StatusBadRequest, "invalid layout type %q", l.Type)
	}
	if l.Type == "custom" && l.Stylesheet == "" {
		return nil, errf(http.StatusBadRequest, "a custom layout needs a stylesheet")
	}
	if l.ScreenshareType != "" && (l.Type != "bestFit" || l.Stylesheet != "") {
		return nil, errf(http.StatusBadRequest, "screenshareType needs the bestFit layout type and no stylesheet")
	}
	m := map[string]any{"type": l.Type}
	if l.Stylesheet != "" {
		m["stylesheet"] = l.Stylesheet
	}
	if l.ScreenshareType != "" {
		m["screenshareType"] = l.ScreenshareType
	}
	return m, nil
}
