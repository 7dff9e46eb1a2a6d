package opentok

import (
	"context"
	"iter"
	"net/http"
	"time"
)

// Archives: recording a routed session, either composed into one file or
// into one file per stream.

// ArchiveOptions are the options of [OpenTok.StartArchive]. The zero value
// starts a composed archive with audio and video of every stream, at the
// platform's defaults. Only what is set is sent.
type ArchiveOptions struct {
	// Name identifies the archive for you (the platform does not use it).
	Name string
	// HasAudio and HasVideo say whether the archive records audio and
	// video; nil means the platform default, true. Set one to
	// opentok.Ptr(false) to leave it out; both false is rejected.
	HasAudio, HasVideo *bool
	// OutputMode is OutputComposed (the platform default) or
	// OutputIndividual (one file per stream, delivered as a ZIP).
	OutputMode OutputMode
	// Resolution of a composed archive (platform default 640x480). Not
	// allowed with OutputIndividual.
	Resolution Resolution
	// Layout is the initial layout of a composed archive (platform
	// default: bestFit). Not allowed with OutputIndividual.
	Layout *Layout
	// StreamMode is StreamModeAuto (the platform default: every stream) or
	// StreamModeManual (only streams added with AddArchiveStream).
	StreamMode StreamMode
	// MultiArchiveTag allows several simultaneous archives of one session:
	// give each a unique tag. Without it a session records one archive at
	// a time (a second start gives [ErrConflict]).
	MultiArchiveTag string
	// MaxBitrate caps the video bitrate of a composed archive, in bits per
	// second, 100000–6000000; 0 means no cap. It excludes
	// QuantizationParameter and is not allowed with OutputIndividual.
	MaxBitrate int
	// QuantizationParameter sets variable-bitrate quality of a composed
	// archive, 15 (best, largest) to 40 (smallest); 0 means not set. It
	// excludes MaxBitrate and is not allowed with OutputIndividual.
	QuantizationParameter int
	// HasTranscription asks for a post-call transcription of the audio
	// (default false).
	HasTranscription bool
	// TranscriptionProperties refine the transcription; they apply only
	// with HasTranscription.
	TranscriptionProperties *TranscriptionProperties
}

// TranscriptionProperties are the options of an archive's post-call
// transcription.
type TranscriptionProperties struct {
	// PrimaryLanguageCode is the main spoken language as a BCP-47 code such
	// as "en-US" (the platform default), "es-ES" or "ja-JP". It is not
	// checked locally: the platform adds languages over time.
	PrimaryLanguageCode string
	// HasSummary asks for a summary of the session (default false).
	HasSummary bool
}

// Archive is an archive as the platform reports it.
type Archive struct {
	// ID is the archive ID.
	ID string
	// SessionID is the archived session.
	SessionID string
	// ProjectID is the owner: the application ID (Vonage) or the API key
	// (OpenTok, reported as projectId or partnerId).
	ProjectID string
	// Name is the name given at start; empty when none was.
	Name string
	// Status is the archive's state; compare with the ArchiveStatus
	// constants (unknown states are kept as they come).
	Status ArchiveStatus
	// CreatedAt is when the archive was started; UpdatedAt when it last
	// changed (zero when the platform does not report it).
	CreatedAt, UpdatedAt time.Time
	// Duration is the recorded length, whole seconds; 0 while recording.
	Duration time.Duration
	// Size is the file size in bytes; 0 until the file is generated.
	Size int64
	// HasAudio and HasVideo are as reported; false when the answer omits
	// them (older answers do).
	HasAudio, HasVideo bool
	// OutputMode, StreamMode and Resolution are as reported; empty when
	// the answer omits them (Resolution is set for composed archives only).
	OutputMode OutputMode
	StreamMode StreamMode
	Resolution Resolution
	// URL is the download link of an available archive: a pre-signed,
	// obfuscated link valid for about 10 minutes. Anyone holding it can
	// download the recording, so treat it as sensitive: do not log it or
	// store it. Empty unless Status is ArchiveAvailable (for an uploaded
	// archive the file is in your own storage).
	URL string
	// Reason says why the archive stopped ("user initiated", "session
	// ended", "maximum duration exceeded", "maximum idle time exceeded") or
	// failed ("failure").
	Reason string
	// Streams are the streams currently archived (manual stream mode).
	Streams []ArchiveStream
	// MaxBitrate and QuantizationParameter are as set at start (0 when
	// unset or not reported).
	MaxBitrate            int
	QuantizationParameter int
	// MultiArchiveTag is as set at start, when the platform echoes it
	// (it usually does not in get and list answers).
	MultiArchiveTag string
	// HasTranscription reports whether a transcription was requested;
	// Transcription describes it, nil when the answer has none.
	HasTranscription bool
	Transcription    *ArchiveTranscription
	// Sha256Sum is the SHA-256 checksum of the file, when reported.
	Sha256Sum string
}

// ArchiveStream is a stream included in an archive.
type ArchiveStream struct {
	// StreamID is the stream's ID.
	StreamID string
	// HasAudio and HasVideo say whether its audio and video are recorded.
	HasAudio, HasVideo bool
}

// ArchiveTranscription is the post-call transcription of an archive.
type ArchiveTranscription struct {
	// Status is "requested", "started", "available", "uploaded" or
	// "failed" (others may appear).
	Status string
	// URL is the download link of an available transcription; like
	// Archive.URL it is short-lived and sensitive.
	URL string
	// Reason explains a failure.
	Reason string
	// PrimaryLanguageCode and HasSummary are as requested.
	PrimaryLanguageCode string
	HasSummary          bool
}

// ListArchivesOptions select a page of archives. The zero value asks for
// the platform's first page (50 archives).
type ListArchivesOptions struct {
	// Offset is the index of the first archive, 0 being the newest; not
	// negative.
	Offset int
	// Count is the page size, 0 (platform default 50) to [MaxListCount].
	Count int
	// SessionID, when set, lists only that session's archives.
	SessionID string
}

// ---- wire types ---------------------------------------------------------------

type archiveStartBody struct {
	SessionID               string                     `json:"sessionId"`
	Name                    string                     `json:"name,omitempty"`
	HasAudio                *bool                      `json:"hasAudio,omitempty"`
	HasVideo                *bool                      `json:"hasVideo,omitempty"`
	OutputMode              OutputMode                 `json:"outputMode,omitempty"`
	Resolution              Resolution                 `json:"resolution,omitempty"`
	Layout                  *Layout                    `json:"layout,omitempty"`
	StreamMode              StreamMode                 `json:"streamMode,omitempty"`
	MultiArchiveTag         string                     `json:"multiArchiveTag,omitempty"`
	MaxBitrate              int                        `json:"maxBitrate,omitempty"`
	QuantizationParameter   int                        `json:"quantizationParameter,omitempty"`
	HasTranscription        bool                       `json:"hasTranscription,omitempty"`
	TranscriptionProperties *archiveTranscriptionProps `json:"transcriptionProperties,omitempty"`
}

type archiveTranscriptionProps struct {
	PrimaryLanguageCode string `json:"primaryLanguageCode,omitempty"`
	HasSummary          bool   `json:"hasSummary,omitempty"`
}

type archiveWire struct {
	ID                    string                    `json:"id"`
	SessionID             string                    `json:"sessionId"`
	ApplicationID         flexString                `json:"applicationId"`
	ProjectID             flexString                `json:"projectId"`
	PartnerID             flexString                `json:"partnerId"`
	Name                  flexString                `json:"name"`
	Status                ArchiveStatus             `json:"status"`
	CreatedAt             msTime                    `json:"createdAt"`
	UpdatedAt             msTime                    `json:"updatedAt"`
	Duration              seconds                   `json:"duration"`
	Size                  flexInt                   `json:"size"`
	HasAudio              flexBool                  `json:"hasAudio"`
	HasVideo              flexBool                  `json:"hasVideo"`
	OutputMode            OutputMode                `json:"outputMode"`
	StreamMode            StreamMode                `json:"streamMode"`
	Resolution            Resolution                `json:"resolution"`
	URL                   flexString                `json:"url"`
	Reason                flexString                `json:"reason"`
	Streams               []includedStreamWire      `json:"streams"`
	MaxBitrate            flexInt                   `json:"maxBitrate"`
	QuantizationParameter flexInt                   `json:"quantizationParameter"`
	MultiArchiveTag       flexString                `json:"multiArchiveTag"`
	HasTranscription      flexBool                  `json:"hasTranscription"`
	Transcription         *archiveTranscriptionWire `json:"transcription"`
	Sha256Sum             flexString                `json:"sha256sum"`
}

type archiveTranscriptionWire struct {
	Status              flexString `json:"status"`
	URL                 flexString `json:"url"`
	Reason              flexString `json:"reason"`
	PrimaryLanguageCode flexString `json:"primaryLanguageCode"`
	HasSummary          flexBool   `json:"hasSummary"`
}

func (w *archiveWire) resourceID() string { return w.ID }

func (w *archiveWire) archive() *Archive {
	a := &Archive{
		ID:                    w.ID,
		SessionID:             w.SessionID,
		ProjectID:             reportedOwner(w.ApplicationID, w.ProjectID, w.PartnerID),
		Name:                  string(w.Name),
		Status:                w.Status,
		CreatedAt:             w.CreatedAt.Time(),
		UpdatedAt:             w.UpdatedAt.Time(),
		Duration:              w.Duration.Duration(),
		Size:                  int64(w.Size),
		HasAudio:              bool(w.HasAudio),
		HasVideo:              bool(w.HasVideo),
		OutputMode:            w.OutputMode,
		StreamMode:            w.StreamMode,
		Resolution:            w.Resolution,
		URL:                   string(w.URL),
		Reason:                string(w.Reason),
		MaxBitrate:            int(w.MaxBitrate),
		QuantizationParameter: int(w.QuantizationParameter),
		MultiArchiveTag:       string(w.MultiArchiveTag),
		HasTranscription:      bool(w.HasTranscription),
		Sha256Sum:             string(w.Sha256Sum),
	}
	if len(w.Streams) > 0 {
		a.Streams = make([]ArchiveStream, len(w.Streams))
		for i, s := range w.Streams {
			a.Streams[i] = ArchiveStream{StreamID: s.StreamID, HasAudio: bool(s.HasAudio), HasVideo: bool(s.HasVideo)}
		}
	}
	if t := w.Transcription; t != nil {
		a.Transcription = &ArchiveTranscription{
			Status:              string(t.Status),
			URL:                 string(t.URL),
			Reason:              string(t.Reason),
			PrimaryLanguageCode: string(t.PrimaryLanguageCode),
			HasSummary:          bool(t.HasSummary),
		}
	}
	return a
}

// ---- validation -----------------------------------------------------------------

func (o *ArchiveOptions) body(sessionID string) (*archiveStartBody, error) {
	if o.HasAudio != nil && o.HasVideo != nil && !*o.HasAudio && !*o.HasVideo {
		return nil, invalid("hasAudio", "and hasVideo must not both be false: the archive would record nothing")
	}
	switch o.OutputMode {
	case "", OutputComposed, OutputIndividual:
	default:
		return nil, invalid("outputMode", "must be composed or individual, not %q", string(o.OutputMode))
	}
	if err := checkResolution("resolution", o.Resolution); err != nil {
		return nil, err
	}
	if err := validateInitialLayout(o.Layout); err != nil {
		return nil, err
	}
	if err := validateStreamMode(o.StreamMode); err != nil {
		return nil, err
	}
	if err := validateMaxBitrate(o.MaxBitrate); err != nil {
		return nil, err
	}
	if q := o.QuantizationParameter; q != 0 && (q < 15 || q > 40) {
		return nil, invalid("quantizationParameter", "must be between 15 and 40, not %d", q)
	}
	if o.MaxBitrate != 0 && o.QuantizationParameter != 0 {
		return nil, invalid("quantizationParameter", "cannot be set together with maxBitrate")
	}
	if o.OutputMode == OutputIndividual {
		const only = "only applies to composed archives, not to the individual output mode"
		switch {
		case o.Resolution != "":
			return nil, invalid("resolution", only)
		case o.Layout != nil:
			return nil, invalid("layout", only)
		case o.MaxBitrate != 0:
			return nil, invalid("maxBitrate", only)
		case o.QuantizationParameter != 0:
			return nil, invalid("quantizationParameter", only)
		}
	}
	for field, v := range map[string]string{"name": o.Name, "multiArchiveTag": o.MultiArchiveTag} {
		if err := checkText(field, v, true); err != nil {
			return nil, err
		}
	}
	if tp := o.TranscriptionProperties; tp != nil {
		if err := checkText("transcriptionProperties.primaryLanguageCode", tp.PrimaryLanguageCode, true); err != nil {
			return nil, err
		}
	}
	b := &archiveStartBody{
		SessionID:             sessionID,
		Name:                  o.Name,
		HasAudio:              dupBool(o.HasAudio),
		HasVideo:              dupBool(o.HasVideo),
		OutputMode:            o.OutputMode,
		Resolution:            o.Resolution,
		StreamMode:            o.StreamMode,
		MultiArchiveTag:       o.MultiArchiveTag,
		MaxBitrate:            o.MaxBitrate,
		QuantizationParameter: o.QuantizationParameter,
		HasTranscription:      o.HasTranscription,
	}
	if o.Layout != nil {
		l := *o.Layout
		b.Layout = &l
	}
	if tp := o.TranscriptionProperties; tp != nil {
		b.TranscriptionProperties = &archiveTranscriptionProps{PrimaryLanguageCode: tp.PrimaryLanguageCode, HasSummary: tp.HasSummary}
	}
	return b, nil
}

// ---- operations -----------------------------------------------------------------

// StartArchive starts recording a session and returns the new archive
// (status "started").
//
// REST: POST /v2/project/{id}/archive with a JSON body holding sessionId and
// the options that are set. opts may be nil and is not modified. Platform
// defaults: composed output, 640x480, bestFit layout, auto stream mode,
// audio and video on. The session must use routed media and have a
// connected client; an archive stops by itself after 4 hours of recording
// or 60 s after the last client leaves.
//
// Errors: [*ValidationError] for an empty session ID, hasAudio and hasVideo
// both false, an unknown output mode, resolution, layout or stream mode,
// maxBitrate outside 100000–6000000, quantizationParameter outside 15–40,
// both of them, or resolution, layout, maxBitrate or quantizationParameter
// with the individual output mode (nothing is sent). [*APIError] for a
// non-2xx answer: errors.Is [ErrConflict] when the session is already being
// recorded and no (or a non-unique) MultiArchiveTag was given, when the
// session does not use routed media, or when it is already composed (code
// 15001); [ErrNoClients] (a 404, so also [ErrNotFound]) when no client is
// connected to the session, [ErrNotFound] alone when the session is
// unknown; [ErrBadRequest] for other rejected input. [*TransportError]
// when no answer came: errors.Is [ErrMaybeApplied] when the request was
// sent (the archive may have started: look for it with ListArchives
// before starting another).
func (ot *OpenTok) StartArchive(ctx context.Context, sessionID string, opts *ArchiveOptions) (*Archive, error) {
	if err := ot.checkSessionID("sessionId", sessionID); err != nil {
		return nil, err
	}
	var o ArchiveOptions
	if opts != nil {
		o = *opts
	}
	body, err := o.body(sessionID)
	if err != nil {
		return nil, err
	}
	return callOne(ctx, ot, http.MethodPost, ot.projectPath("archive"), body, (*archiveWire).archive)
}

// StopArchive stops recording an archive and returns it (status "stopped").
//
// REST: POST /v2/project/{id}/archive/{archiveId}/stop with the JSON body
// "{}", as the Node SDK sends it (the endpoint defines no body fields; the
// empty object keeps the request a well-formed JSON POST for any proxy in
// between). The archives of an automatically archived session cannot be
// stopped this way.
//
// Errors: [*ValidationError] for an empty archive ID; [*APIError]:
// errors.Is [ErrConflict] when the archive is not being recorded (for
// example already stopped), [ErrNotFound] for an unknown archive.
func (ot *OpenTok) StopArchive(ctx context.Context, archiveID string) (*Archive, error) {
	return stopComposition(ctx, ot, "archive", "archiveId", archiveID, (*archiveWire).archive)
}

// GetArchive returns an archive.
//
// REST: GET /v2/project/{id}/archive/{archiveId}.
//
// Errors: [*ValidationError] for an empty archive ID; [*APIError]:
// errors.Is [ErrNotFound] for an unknown archive. A deleted archive is
// reported with status [ArchiveDeleted].
func (ot *OpenTok) GetArchive(ctx context.Context, archiveID string) (*Archive, error) {
	return getComposition(ctx, ot, "archive", "archiveId", archiveID, (*archiveWire).archive)
}

// ListArchives returns one page of the project's archives, newest first
// (deleted archives are not listed). Use [OpenTok.AllArchives] to go
// through every page.
//
// REST: GET /v2/project/{id}/archive with the query parameters offset,
// count and sessionId, each sent only when set. opts may be nil (the first
// page of 50) and is not modified.
//
// Errors: [*ValidationError] for a negative offset, a count above 1000 or
// below 0, or an invalid session ID; [*APIError] for a non-2xx answer.
func (ot *OpenTok) ListArchives(ctx context.Context, opts *ListArchivesOptions) (*Page[Archive], error) {
	o := deref(opts)
	return listCompositions(ctx, ot, "archive", o.Offset, o.Count, o.SessionID, (*archiveWire).archive)
}

// AllArchives returns an iterator over every archive from opts.Offset on,
// newest first, fetching pages of opts.Count archives (100 when 0) as the
// loop goes. opts may be nil and is not modified (it is copied).
//
// The iterator is lazy (nothing is sent before the loop starts), may be
// stopped with break (no further page is fetched), and stops after yielding
// its first error (a [*ValidationError] for invalid options, or the error
// of a page). An archive already yielded from the previous page, which
// happens when a new archive starts between two pages, is not yielded
// twice; a page with nothing new, or more pages than the reported total
// allows, ends the loop with a [*PagingError] (the server is not paging).
//
// REST: GET /v2/project/{id}/archive?offset=&count=&sessionId=, once per
// page.
//
//	for a, err := range ot.AllArchives(ctx, &opentok.ListArchivesOptions{SessionID: sid}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(a.ID, a.Status)
//	}
func (ot *OpenTok) AllArchives(ctx context.Context, opts *ListArchivesOptions) iter.Seq2[*Archive, error] {
	o := deref(opts)
	return allCompositions(ctx, ot, "archive", o.Offset, o.Count, o.SessionID, (*archiveWire).archive,
		func(a *Archive) string { return a.ID })
}

// DeleteArchive deletes an archive's file from the platform's storage.
//
// REST: DELETE /v2/project/{id}/archive/{archiveId} (204, no body).
//
// Errors: [*ValidationError] for an empty archive ID; [*APIError]:
// errors.Is [ErrConflict] when the archive is not in the available or
// uploaded state (for example while it is still recording: stop it first),
// [ErrNotFound] for an unknown archive. When an attempt's answer was lost
// and the retry finds the archive gone (404), the call reports success: the
// lost attempt deleted it.
func (ot *OpenTok) DeleteArchive(ctx context.Context, archiveID string) error {
	if err := checkResourceID("archiveId", archiveID); err != nil {
		return err
	}
	return ot.do(ctx, &request{method: http.MethodDelete, path: ot.projectPath("archive", archiveID), removal: true})
}

// SetArchiveLayout changes the layout of a composed archive while it
// records.
//
// REST: PUT /v2/project/{id}/archive/{archiveId}/layout with the layout as
// the JSON body ({"type","stylesheet","screenshareType"}); any 2xx answer,
// with or without a body, is success.
//
// Errors: [*ValidationError] for an empty archive ID or an invalid layout
// (see [Layout]); [*APIError]: errors.Is [ErrBadRequest] for a layout the
// platform refuses (layouts apply to composed archives only),
// [ErrNotFound] for an unknown archive.
func (ot *OpenTok) SetArchiveLayout(ctx context.Context, archiveID string, layout Layout) error {
	return ot.setCompositionLayout(ctx, "archive", "archiveId", archiveID, layout)
}

// AddArchiveStream adds a stream to an archive whose stream mode is manual.
//
// REST: PATCH /v2/project/{id}/archive/{archiveId}/streams with the JSON
// body {"addStream","hasAudio","hasVideo"}; the flags are sent only when
// set (platform default true), and false is sent as false. opts may be nil
// and is not modified. 204, no body.
//
// Errors: [*ValidationError] for an empty archive or stream ID;
// [*APIError]: errors.Is [ErrBadRequest] when the archive's stream mode is
// auto, [ErrNotFound] for an unknown archive or stream (the platform may
// also answer 405 for an unsupported stream mode).
func (ot *OpenTok) AddArchiveStream(ctx context.Context, archiveID, streamID string, opts *StreamMediaOptions) error {
	return ot.patchStreams(ctx, "archive", "archiveId", archiveID, addStreamBody(streamID, opts))
}

// RemoveArchiveStream removes a stream from an archive whose stream mode is
// manual.
//
// REST: PATCH /v2/project/{id}/archive/{archiveId}/streams with the JSON
// body {"removeStream"}. 204, no body.
//
// Errors: as [OpenTok.AddArchiveStream]. A 404 on a retry after an attempt whose
// answer was lost is success: that attempt did it.
func (ot *OpenTok) RemoveArchiveStream(ctx context.Context, archiveID, streamID string) error {
	return ot.patchStreams(ctx, "archive", "archiveId", archiveID, &streamsPatchBody{RemoveStream: streamID})
}
