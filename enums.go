package opentok

// Enums shared by the REST resources and the callback events. Values the
// platform adds later decode without error; compare against the constants.

// VideoType is the kind of video a stream carries.
type VideoType string

// The video types. Audio-only streams have an empty VideoType.
const (
	VideoCamera VideoType = "camera"
	VideoScreen VideoType = "screen"
	VideoCustom VideoType = "custom"
)

// OutputMode says whether an archive is one composed file or one file per
// stream.
type OutputMode string

// The output modes.
const (
	// OutputComposed records all streams into one file (the default).
	OutputComposed OutputMode = "composed"
	// OutputIndividual records each stream into its own file, delivered as
	// a ZIP with a manifest.
	OutputIndividual OutputMode = "individual"
)

// StreamMode says which streams an archive or broadcast includes.
type StreamMode string

// The stream modes.
const (
	// StreamModeAuto includes every stream published to the session (the
	// default).
	StreamModeAuto StreamMode = "auto"
	// StreamModeManual includes only the streams added with
	// AddArchiveStream / AddBroadcastStream.
	StreamModeManual StreamMode = "manual"
)

// ArchiveStatus is the state of an archive.
type ArchiveStatus string

// The archive states. An archive goes started → (paused ↔ started) →
// stopped → available (platform storage, 72 h) or uploaded (your S3/Azure
// target) → expired; or failed.
const (
	ArchiveStarted   ArchiveStatus = "started"
	ArchivePaused    ArchiveStatus = "paused"
	ArchiveStopped   ArchiveStatus = "stopped"
	ArchiveAvailable ArchiveStatus = "available"
	ArchiveUploaded  ArchiveStatus = "uploaded"
	ArchiveExpired   ArchiveStatus = "expired"
	ArchiveFailed    ArchiveStatus = "failed"
	ArchiveDeleted   ArchiveStatus = "deleted"
)

// BroadcastStatus is the state of a broadcast.
type BroadcastStatus string

// The broadcast states.
const (
	BroadcastStarted BroadcastStatus = "started"
	BroadcastStopped BroadcastStatus = "stopped"
)

// RTMPStatus is the state of one RTMP target of a broadcast.
type RTMPStatus string

// The RTMP target states.
const (
	RTMPConnecting RTMPStatus = "connecting"
	RTMPLive       RTMPStatus = "live"
	RTMPOffline    RTMPStatus = "offline"
	RTMPError      RTMPStatus = "error"
)

// RenderStatus is the state of an Experience Composer render.
type RenderStatus string

// The render states.
const (
	RenderStarting RenderStatus = "starting"
	RenderStarted  RenderStatus = "started"
	RenderStopped  RenderStatus = "stopped"
	RenderFailed   RenderStatus = "failed"
)

// CaptionsStatus is the state of live captions.
type CaptionsStatus string

// The captions states.
const (
	CaptionsStarted CaptionsStatus = "started"
	CaptionsPaused  CaptionsStatus = "paused"
	CaptionsStopped CaptionsStatus = "stopped"
	CaptionsFailed  CaptionsStatus = "failed"
)

// ConnectionState is the state of a client connection. The platform
// capitalises these values.
type ConnectionState string

// The connection states.
const (
	ConnectionConnecting   ConnectionState = "Connecting"
	ConnectionConnected    ConnectionState = "Connected"
	ConnectionDisconnected ConnectionState = "Disconnected"
)
