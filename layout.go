package opentok

// Resolution is a video resolution, "WIDTHxHEIGHT", of composed archives,
// broadcasts, Experience Composer renders and automatic archives.
type Resolution string

// The resolutions the platform accepts.
const (
	Resolution640x480   Resolution = "640x480" // SD landscape, the platform default
	Resolution480x640   Resolution = "480x640" // SD portrait
	Resolution1280x720  Resolution = "1280x720"
	Resolution720x1280  Resolution = "720x1280"
	Resolution1920x1080 Resolution = "1920x1080"
	Resolution1080x1920 Resolution = "1080x1920"
)

// Valid reports whether r is one of the six resolutions the platform
// accepts.
func (r Resolution) Valid() bool {
	switch r {
	case Resolution640x480, Resolution480x640, Resolution1280x720,
		Resolution720x1280, Resolution1920x1080, Resolution1080x1920:
		return true
	}
	return false
}

// checkResolution accepts the zero value (server default) or a valid
// resolution.
func checkResolution(field string, r Resolution) error {
	if r == "" || r.Valid() {
		return nil
	}
	return invalid(field, "must be one of 640x480, 480x640, 1280x720, 720x1280, 1920x1080, 1080x1920, not %q", string(r))
}

// LayoutType is the layout of a composed archive or broadcast.
type LayoutType string

// The layout types.
const (
	LayoutBestFit                LayoutType = "bestFit" // the platform default
	LayoutCustom                 LayoutType = "custom"  // needs a Stylesheet
	LayoutHorizontalPresentation LayoutType = "horizontalPresentation"
	LayoutPIP                    LayoutType = "pip"
	LayoutVerticalPresentation   LayoutType = "verticalPresentation"
)

// Valid reports whether t is a layout type the platform accepts.
func (t LayoutType) Valid() bool {
	switch t {
	case LayoutBestFit, LayoutCustom, LayoutHorizontalPresentation, LayoutPIP, LayoutVerticalPresentation:
		return true
	}
	return false
}

// Layout is the layout of a composed archive or broadcast.
type Layout struct {
	// Type is required.
	Type LayoutType `json:"type"`
	// Stylesheet is the CSS of a custom layout, required with LayoutCustom
	// and not allowed with any other type.
	Stylesheet string `json:"stylesheet,omitempty"`
	// ScreenshareType is the layout to switch to while a screen-sharing
	// stream is present; it requires Type LayoutBestFit and may not be
	// LayoutCustom.
	ScreenshareType LayoutType `json:"screenshareType,omitempty"`
}

// validate checks the layout rules; field prefixes the reported field names.
func (l *Layout) validate(field string) error {
	if l.Type == "" {
		return invalid(field+".type", "is required")
	}
	if !l.Type.Valid() {
		return invalid(field+".type", "must be bestFit, custom, horizontalPresentation, pip or verticalPresentation, not %q", string(l.Type))
	}
	if err := checkText(field+".stylesheet", l.Stylesheet, false); err != nil {
		return err
	}
	if l.Type == LayoutCustom && l.Stylesheet == "" {
		return invalid(field+".stylesheet", "is required with the custom layout type")
	}
	if l.Type != LayoutCustom && l.Stylesheet != "" {
		return invalid(field+".stylesheet", "is only allowed with the custom layout type")
	}
	if l.ScreenshareType != "" {
		if l.Type != LayoutBestFit {
			return invalid(field+".screenshareType", "requires the bestFit layout type")
		}
		if !l.ScreenshareType.Valid() || l.ScreenshareType == LayoutCustom {
			return invalid(field+".screenshareType", "must be bestFit, horizontalPresentation, pip or verticalPresentation, not %q", string(l.ScreenshareType))
		}
	}
	return nil
}
