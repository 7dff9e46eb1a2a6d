package opentok

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The operation table: one row per exported *OpenTok method (every REST
// operation, plus GenerateToken, which signs locally) and per
// account-management method of *Account. Every sweep iterates
// it: the failure sweep, the input table and the path escaping here, the
// decoding fuzz target (decode_fuzz_test.go), and, through export_test.go,
// the secrets test and the fault injection by name against the opentoktest
// fake. TestOperationTableIsComplete fails when an exported method has no
// row, or when the fake routes no operation of that name.
//
// Adding an operation: the method, its fake handler, one row here, and its
// golden fixture (see CONTRIBUTING.md).

// OpArgs holds the arguments the table's calls use. The failure sweep and
// the path escaping fill them with constants; the tests against the fake
// fill them with the IDs of what it created, and each row's Keep records
// what its call created.
type OpArgs struct {
	SessionID, StreamID, ConnectionID                        string
	ArchiveID, BroadcastID, RenderID, CaptionsID, CallbackID string
	// Token is a publisher's client token; ModeratorToken a moderator's.
	Token, ModeratorToken string
	// StreamKey and SIPPassword are secrets planted in the options of
	// StartBroadcast and Dial.
	StreamKey, SIPPassword string
	// ProjectKey is the API key of the project CreateProject created.
	ProjectKey string
	// Options collects every option value the calls passed.
	Options []any
}

// use records an option value and returns it.
func use[T any](a *OpArgs, v T) T {
	a.Options = append(a.Options, v)
	return v
}

// BadCall is a call the SDK must refuse before any I/O with a
// *ValidationError naming Field.
type BadCall struct {
	Name  string
	Field string
	Call  func(ctx context.Context, ot *OpenTok) error
}

// Operation is one row of the operation table.
type Operation struct {
	// Name is the SDK method.
	Name string
	// FakeOp is the operation name the opentoktest fake gives its requests
	// (Name, but the List* name for an All* iterator); "" for a local call.
	FakeOp string
	// Method and Path are the HTTP method and the path template: {owner},
	// {sessionId}, {streamId}, {connectionId}, {archiveId}, {broadcastId},
	// {renderId}, {captionsId}, {callbackId} and {apiKey} (a project's)
	// stand for the IDs. Empty for a local call.
	Method, Path string
	// OpenTokOnly is set for operations Vonage credentials refuse.
	OpenTokOnly bool
	// Account is set for the methods of *Account: Call then takes the
	// account client's request path (see accountOf), and the sweeps run
	// the row with the account-level credentials only.
	Account bool
	// Call makes a minimal valid call with the arguments in a and returns
	// its result (nil for calls without one; the items for an All*).
	Call func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error)
	// Keep records in a the ID of what a successful call created.
	Keep func(a *OpArgs, result any)
	// Invalid are calls refused before any I/O.
	Invalid []BadCall
}

// Local reports whether the operation does no I/O.
func (op Operation) Local() bool { return op.Method == "" }

// RunsWith reports whether the sweeps run the row with the credential kind
// named kind: "opentok", "vonage" or "account".
func (op Operation) RunsWith(kind string) bool {
	switch {
	case op.Account || kind == "account":
		return op.Account && kind == "account"
	case op.OpenTokOnly:
		return kind == "opentok"
	}
	return true
}

// method returns the SDK method the row calls.
func (op Operation) method() (reflect.Method, bool) {
	if op.Account {
		return reflect.TypeFor[*Account]().MethodByName(op.Name)
	}
	return reflect.TypeFor[*OpenTok]().MethodByName(op.Name)
}

// accountOf returns the account client whose request path is ot: the
// account rows' Call takes the *OpenTok of an account client (see
// AccountRequestPath), or, where auth is not checked, any client.
func accountOf(ot *OpenTok) *Account { return &Account{ot: ot} }

// placeholders are the path parameters, each the ValidationError field of
// its ID argument.
var placeholders = regexp.MustCompile(`\{(sessionId|streamId|connectionId|archiveId|broadcastId|renderId|captionsId|callbackId|apiKey)\}`)

// argFor returns the field of a that fills a path placeholder.
func argFor(a *OpArgs, name string) *string {
	switch name {
	case "sessionId":
		return &a.SessionID
	case "streamId":
		return &a.StreamID
	case "connectionId":
		return &a.ConnectionID
	case "archiveId":
		return &a.ArchiveID
	case "broadcastId":
		return &a.BroadcastID
	case "renderId":
		return &a.RenderID
	case "captionsId":
		return &a.CaptionsID
	case "callbackId":
		return &a.CallbackID
	case "apiKey":
		return &a.ProjectKey
	}
	panic("no argument for {" + name + "}")
}

// ExpandPath returns the escaped path of op for the owner and arguments.
func (op Operation) ExpandPath(owner string, a *OpArgs) string {
	p := strings.ReplaceAll(op.Path, "{owner}", escapeSegment(owner))
	return placeholders.ReplaceAllStringFunc(p, func(m string) string {
		return escapeSegment(*argFor(a, m[1:len(m)-1]))
	})
}

// pathParams returns the placeholders of op's path.
func (op Operation) pathParams() []string {
	var out []string
	for _, m := range placeholders.FindAllStringSubmatch(op.Path, -1) {
		out = append(out, m[1])
	}
	return out
}

// collectAll ranges over an iterator, keeping at most 1000 items.
func collectAll[T any](seq func(func(T, error) bool)) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
		if len(out) == 1000 {
			break
		}
	}
	return out, nil
}

func bad(name, field string, call func(ctx context.Context, ot *OpenTok) error) BadCall {
	return BadCall{Name: name, Field: field, Call: call}
}

// Operations returns the operation table, in an order in which the calls
// succeed one after the other against the fake (a session with a
// connected client publishing a stream; the fake's archive completed
// after StopArchive).
func Operations() []Operation {
	const (
		sid  = testSessionID
		aid  = "e85741ce-d280-4efa-a3ba-93379a68be06"
		tok  = "T1==dGVzdA==" // the form of a client token; never verified locally
		page = "https://example.com/composer"
	)
	long := strings.Repeat("x", 300) // over the 255-byte ID limit
	badUTF8 := "\xff\xfe"
	hls := BroadcastOutputs{HLS: &HLSOutput{}}
	rtmp := func(n int) []RTMPOutput {
		out := make([]RTMPOutput, n)
		for i := range out {
			out[i] = RTMPOutput{ServerURL: "rtmps://live.example.com/app", StreamName: "key"}
		}
		return out
	}
	archive := func(o *ArchiveOptions) func(context.Context, *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error { _, err := ot.StartArchive(ctx, sid, o); return err }
	}
	broadcast := func(o *BroadcastOptions) func(context.Context, *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error { _, err := ot.StartBroadcast(ctx, sid, o); return err }
	}
	session := func(o *SessionOptions) func(context.Context, *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error { _, err := ot.CreateSession(ctx, o); return err }
	}
	token := func(o *TokenOptions) func(context.Context, *OpenTok) error {
		return func(_ context.Context, ot *OpenTok) error { _, err := ot.GenerateToken(sid, o); return err }
	}
	dial := func(uri string, o *DialOptions) func(context.Context, *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error { _, err := ot.Dial(ctx, sid, tok, uri, o); return err }
	}
	websocket := func(uri string, o *WebSocketOptions) func(context.Context, *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.ConnectWebSocket(ctx, sid, tok, uri, o)
			return err
		}
	}
	render := func(url string, o *RenderOptions) func(context.Context, *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartRender(ctx, sid, tok, url, o)
			return err
		}
	}
	captions := func(token string, o *CaptionsOptions) func(context.Context, *OpenTok) error {
		return func(ctx context.Context, ot *OpenTok) error {
			_, err := ot.StartCaptions(ctx, sid, token, o)
			return err
		}
	}
	const (
		p  = "/v2/project/{owner}"
		sp = p + "/session/{sessionId}"
	)
	return []Operation{
		{
			Name: "GenerateToken",
			Call: func(_ context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.GenerateToken(a.SessionID, use(a, &TokenOptions{Role: RoleSubscriber, TTL: time.Hour}))
			},
			Invalid: []BadCall{
				bad("empty session ID", "sessionId", func(_ context.Context, ot *OpenTok) error { _, err := ot.GenerateToken("", nil); return err }),
				bad("session ID with CR LF appended", "sessionId", func(_ context.Context, ot *OpenTok) error {
					_, err := ot.GenerateToken(sid+"\r\n", nil)
					return err
				}),
				bad("unknown role", "role", token(&TokenOptions{Role: "admin"})),
				bad("expiry in the past", "expireTime", token(&TokenOptions{ExpireTime: time.Now().Add(-time.Minute)})),
				bad("expiry over 30 days", "expireTime", token(&TokenOptions{ExpireTime: time.Now().Add(31 * 24 * time.Hour)})),
				bad("TTL over 30 days", "ttl", token(&TokenOptions{TTL: 30*24*time.Hour + time.Second})),
				bad("data over 1000 characters", "data", token(&TokenOptions{Data: strings.Repeat("d", 1001)})),
				bad("layout class with a space", "initialLayoutClassList", token(&TokenOptions{InitialLayoutClassList: []string{"a b"}})),
			},
		},
		{
			Name: "CreateSession", FakeOp: "CreateSession", Method: "POST", Path: "/session/create",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.CreateSession(ctx, use(a, &SessionOptions{MediaMode: MediaRouted, ArchiveName: "n"}))
			},
			Invalid: []BadCall{
				bad("unknown media mode", "mediaMode", session(&SessionOptions{MediaMode: "p2p"})),
				bad("always archived but relayed", "archiveMode", session(&SessionOptions{ArchiveMode: ArchiveAlways})),
				bad("IPv6 location", "location", session(&SessionOptions{Location: "::1"})),
				bad("archive name over 80 characters", "archiveName", session(&SessionOptions{MediaMode: MediaRouted, ArchiveName: strings.Repeat("n", 81)})),
				bad("archive name with a line break", "archiveName", session(&SessionOptions{MediaMode: MediaRouted, ArchiveName: "a\nb"})),
				bad("unknown archive resolution", "archiveResolution", session(&SessionOptions{ArchiveResolution: "4k"})),
			},
		},
		{
			Name: "ListStreams", FakeOp: "ListStreams", Method: "GET", Path: sp + "/stream",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.ListStreams(ctx, a.SessionID)
			},
		},
		{
			Name: "GetStream", FakeOp: "GetStream", Method: "GET", Path: sp + "/stream/{streamId}",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.GetStream(ctx, a.SessionID, a.StreamID)
			},
		},
		{
			Name: "SetStreamClassLists", FakeOp: "SetStreamClassLists", Method: "PUT", Path: sp + "/stream",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.SetStreamClassLists(ctx, a.SessionID, use(a, []StreamClassList{{ID: a.StreamID, LayoutClassList: []string{"focus"}}}))
			},
			Invalid: []BadCall{
				bad("no items", "items", func(ctx context.Context, ot *OpenTok) error { return ot.SetStreamClassLists(ctx, sid, nil) }),
			},
		},
		{
			Name: "ForceMuteStream", FakeOp: "ForceMuteStream", Method: "POST", Path: sp + "/stream/{streamId}/mute",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.ForceMuteStream(ctx, a.SessionID, a.StreamID)
			},
			Invalid: []BadCall{
				bad("stream ID over 255 bytes", "streamId", func(ctx context.Context, ot *OpenTok) error { return ot.ForceMuteStream(ctx, sid, long) }),
				bad("session ID with NUL appended", "sessionId", func(ctx context.Context, ot *OpenTok) error { return ot.ForceMuteStream(ctx, sid+"\x00", "s") }),
			},
		},
		{
			Name: "ForceMuteAll", FakeOp: "ForceMuteAll", Method: "POST", Path: sp + "/mute",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.ForceMuteAll(ctx, a.SessionID, use(a, &ForceMuteAllOptions{}))
			},
			Invalid: []BadCall{
				bad("empty excluded stream ID", "excludedStreamIds[1]", func(ctx context.Context, ot *OpenTok) error {
					return ot.ForceMuteAll(ctx, sid, &ForceMuteAllOptions{ExcludedStreamIDs: []string{"s1", ""}})
				}),
			},
		},
		{
			Name: "DisableForceMute", FakeOp: "DisableForceMute", Method: "POST", Path: sp + "/mute",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.DisableForceMute(ctx, a.SessionID)
			},
		},
		{
			Name: "ListConnections", FakeOp: "ListConnections", Method: "GET", Path: sp + "/connection",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.ListConnections(ctx, a.SessionID, use(a, &ListConnectionsOptions{Count: 10}))
			},
			Invalid: []BadCall{
				bad("count 5000", "count", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.ListConnections(ctx, sid, &ListConnectionsOptions{Count: 5000})
					return err
				}),
			},
		},
		{
			Name: "AllConnections", FakeOp: "ListConnections", Method: "GET", Path: sp + "/connection",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return collectAll(ot.AllConnections(ctx, a.SessionID, nil))
			},
			Invalid: []BadCall{
				bad("negative offset", "offset", func(ctx context.Context, ot *OpenTok) error {
					_, err := collectAll(ot.AllConnections(ctx, sid, &ListConnectionsOptions{Offset: -1}))
					return err
				}),
			},
		},
		{
			Name: "Signal", FakeOp: "Signal", Method: "POST", Path: sp + "/signal",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.Signal(ctx, a.SessionID, use(a, SignalPayload{Type: "chat", Data: "hi"}))
			},
			Invalid: []BadCall{
				bad("type over 128 bytes", "type", func(ctx context.Context, ot *OpenTok) error {
					return ot.Signal(ctx, sid, SignalPayload{Type: strings.Repeat("t", 129), Data: "d"})
				}),
				bad("type with a line break", "type", func(ctx context.Context, ot *OpenTok) error {
					return ot.Signal(ctx, sid, SignalPayload{Type: "chat\r\nx", Data: "d"})
				}),
				bad("data not UTF-8", "data", func(ctx context.Context, ot *OpenTok) error {
					return ot.Signal(ctx, sid, SignalPayload{Type: "t", Data: badUTF8})
				}),
			},
		},
		{
			Name: "SignalConnection", FakeOp: "SignalConnection", Method: "POST", Path: sp + "/connection/{connectionId}/signal",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.SignalConnection(ctx, a.SessionID, a.ConnectionID, SignalPayload{Type: "chat", Data: "hi"})
			},
			Invalid: []BadCall{
				bad("data over 8 kB", "data", func(ctx context.Context, ot *OpenTok) error {
					return ot.SignalConnection(ctx, sid, "c", SignalPayload{Type: "t", Data: strings.Repeat("d", 8193)})
				}),
			},
		},
		{
			Name: "StartArchive", FakeOp: "StartArchive", Method: "POST", Path: p + "/archive",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.StartArchive(ctx, a.SessionID, use(a, &ArchiveOptions{Name: "rec", StreamMode: StreamModeManual, MultiArchiveTag: "t1"}))
			},
			Keep: func(a *OpArgs, v any) { a.ArchiveID = v.(*Archive).ID },
			Invalid: []BadCall{
				bad("session ID not UTF-8", "sessionId", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.StartArchive(ctx, badUTF8, nil)
					return err
				}),
				bad("session ID with a character outside its alphabet appended", "sessionId", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.StartArchive(ctx, sid+"!", nil)
					return err
				}),
				bad("name not UTF-8", "name", archive(&ArchiveOptions{Name: badUTF8})),
				bad("multiArchiveTag with CR", "multiArchiveTag", archive(&ArchiveOptions{MultiArchiveTag: "t\r"})),
				bad("transcription language not UTF-8", "transcriptionProperties.primaryLanguageCode", archive(&ArchiveOptions{
					HasTranscription: true, TranscriptionProperties: &TranscriptionProperties{PrimaryLanguageCode: badUTF8}})),
				bad("neither audio nor video", "hasAudio", archive(&ArchiveOptions{HasAudio: Ptr(false), HasVideo: Ptr(false)})),
				bad("unknown output mode", "outputMode", archive(&ArchiveOptions{OutputMode: "mixed"})),
				bad("maxBitrate too low", "maxBitrate", archive(&ArchiveOptions{MaxBitrate: 99_999})),
				bad("quantization 41", "quantizationParameter", archive(&ArchiveOptions{QuantizationParameter: 41})),
				bad("custom layout without stylesheet", "layout.stylesheet", archive(&ArchiveOptions{Layout: &Layout{Type: LayoutCustom}})),
				bad("unknown layout type", "layout.type", archive(&ArchiveOptions{Layout: &Layout{Type: "grid"}})),
			},
		},
		{
			Name: "AddArchiveStream", FakeOp: "AddArchiveStream", Method: "PATCH", Path: p + "/archive/{archiveId}/streams",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.AddArchiveStream(ctx, a.ArchiveID, a.StreamID, use(a, &StreamMediaOptions{HasVideo: Ptr(false)}))
			},
			Invalid: []BadCall{
				bad("empty stream ID", "streamId", func(ctx context.Context, ot *OpenTok) error { return ot.AddArchiveStream(ctx, aid, "", nil) }),
			},
		},
		{
			Name: "SetArchiveLayout", FakeOp: "SetArchiveLayout", Method: "PUT", Path: p + "/archive/{archiveId}/layout",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.SetArchiveLayout(ctx, a.ArchiveID, use(a, Layout{Type: LayoutCustom, Stylesheet: "stream { width: 100% }"}))
			},
			Invalid: []BadCall{
				bad("stylesheet with bestFit", "layout.stylesheet", func(ctx context.Context, ot *OpenTok) error {
					return ot.SetArchiveLayout(ctx, aid, Layout{Type: LayoutBestFit, Stylesheet: "stream {}"})
				}),
				bad("stylesheet not UTF-8", "layout.stylesheet", func(ctx context.Context, ot *OpenTok) error {
					return ot.SetArchiveLayout(ctx, aid, Layout{Type: LayoutCustom, Stylesheet: badUTF8})
				}),
			},
		},
		{
			Name: "RemoveArchiveStream", FakeOp: "RemoveArchiveStream", Method: "PATCH", Path: p + "/archive/{archiveId}/streams",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.RemoveArchiveStream(ctx, a.ArchiveID, a.StreamID)
			},
		},
		{
			Name: "StopArchive", FakeOp: "StopArchive", Method: "POST", Path: p + "/archive/{archiveId}/stop",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.StopArchive(ctx, a.ArchiveID)
			},
			Invalid: []BadCall{
				bad("ID over 255 bytes", "archiveId", func(ctx context.Context, ot *OpenTok) error { _, err := ot.StopArchive(ctx, long); return err }),
			},
		},
		{
			Name: "GetArchive", FakeOp: "GetArchive", Method: "GET", Path: p + "/archive/{archiveId}",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) { return ot.GetArchive(ctx, a.ArchiveID) },
			Invalid: []BadCall{
				bad("ID not UTF-8", "archiveId", func(ctx context.Context, ot *OpenTok) error { _, err := ot.GetArchive(ctx, badUTF8); return err }),
			},
		},
		{
			Name: "ListArchives", FakeOp: "ListArchives", Method: "GET", Path: p + "/archive",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.ListArchives(ctx, use(a, &ListArchivesOptions{SessionID: a.SessionID}))
			},
			Invalid: []BadCall{
				bad("count 1001", "count", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.ListArchives(ctx, &ListArchivesOptions{Count: 1001})
					return err
				}),
			},
		},
		{
			Name: "AllArchives", FakeOp: "ListArchives", Method: "GET", Path: p + "/archive",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return collectAll(ot.AllArchives(ctx, &ListArchivesOptions{SessionID: a.SessionID}))
			},
			Invalid: []BadCall{
				bad("negative offset", "offset", func(ctx context.Context, ot *OpenTok) error {
					_, err := collectAll(ot.AllArchives(ctx, &ListArchivesOptions{Offset: -1}))
					return err
				}),
			},
		},
		{
			Name: "DeleteArchive", FakeOp: "DeleteArchive", Method: "DELETE", Path: p + "/archive/{archiveId}",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.DeleteArchive(ctx, a.ArchiveID)
			},
		},
		{
			Name: "StartBroadcast", FakeOp: "StartBroadcast", Method: "POST", Path: p + "/broadcast",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				target := use(a, RTMPOutput{ID: "yt", ServerURL: "rtmps://live.example.com/app", StreamName: a.StreamKey})
				return ot.StartBroadcast(ctx, a.SessionID, use(a, &BroadcastOptions{
					Outputs:    BroadcastOutputs{HLS: &HLSOutput{DVR: true}, RTMP: []RTMPOutput{target}},
					StreamMode: StreamModeManual, MultiBroadcastTag: "b1",
				}))
			},
			Keep: func(a *OpArgs, v any) { a.BroadcastID = v.(*Broadcast).ID },
			Invalid: []BadCall{
				bad("nil options", "outputs", broadcast(nil)),
				bad("no outputs", "outputs", broadcast(&BroadcastOptions{})),
				bad("6 RTMP targets", "outputs.rtmp", broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{RTMP: rtmp(6)}})),
				bad("RTMP target over http", "outputs.rtmp[0].serverUrl", broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{{ServerURL: "http://live.example.com", StreamName: "k"}}}})),
				bad("RTMP target without stream name", "outputs.rtmp[0].streamName", broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{{ServerURL: "rtmp://live.example.com/app"}}}})),
				bad("RTMP stream name with NUL", "outputs.rtmp[0].streamName", broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{{ServerURL: "rtmp://live.example.com/app", StreamName: "key\x00"}}}})),
				bad("RTMP stream name with CR LF", "outputs.rtmp[0].streamName", broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{{ServerURL: "rtmp://live.example.com/app", StreamName: "key\r\nx"}}}})),
				bad("RTMP target ID not UTF-8", "outputs.rtmp[0].id", broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{RTMP: []RTMPOutput{{ID: badUTF8, ServerURL: "rtmp://live.example.com/app", StreamName: "k"}}}})),
				bad("multiBroadcastTag with LF", "multiBroadcastTag", broadcast(&BroadcastOptions{Outputs: hls, MultiBroadcastTag: "a\nb"})),
				bad("DVR with low latency", "outputs.hls", broadcast(&BroadcastOptions{Outputs: BroadcastOutputs{HLS: &HLSOutput{DVR: true, LowLatency: true}}})),
				bad("maxDuration 59 s", "maxDuration", broadcast(&BroadcastOptions{Outputs: hls, MaxDuration: 59 * time.Second})),
				bad("maxDuration over 10 h", "maxDuration", broadcast(&BroadcastOptions{Outputs: hls, MaxDuration: 36001 * time.Second})),
				bad("unknown stream mode", "streamMode", broadcast(&BroadcastOptions{Outputs: hls, StreamMode: "some"})),
				bad("unknown resolution", "resolution", broadcast(&BroadcastOptions{Outputs: hls, Resolution: "800x600"})),
			},
		},
		{
			Name: "AddBroadcastStream", FakeOp: "AddBroadcastStream", Method: "PATCH", Path: p + "/broadcast/{broadcastId}/streams",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.AddBroadcastStream(ctx, a.BroadcastID, a.StreamID, nil)
			},
			Invalid: []BadCall{
				bad("stream ID not UTF-8", "streamId", func(ctx context.Context, ot *OpenTok) error { return ot.AddBroadcastStream(ctx, aid, badUTF8, nil) }),
			},
		},
		{
			Name: "SetBroadcastLayout", FakeOp: "SetBroadcastLayout", Method: "PUT", Path: p + "/broadcast/{broadcastId}/layout",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.SetBroadcastLayout(ctx, a.BroadcastID, Layout{Type: LayoutPIP})
			},
			Invalid: []BadCall{
				bad("screenshare type with pip", "layout.screenshareType", func(ctx context.Context, ot *OpenTok) error {
					return ot.SetBroadcastLayout(ctx, aid, Layout{Type: LayoutPIP, ScreenshareType: LayoutBestFit})
				}),
			},
		},
		{
			Name: "RemoveBroadcastStream", FakeOp: "RemoveBroadcastStream", Method: "PATCH", Path: p + "/broadcast/{broadcastId}/streams",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.RemoveBroadcastStream(ctx, a.BroadcastID, a.StreamID)
			},
		},
		{
			Name: "GetBroadcast", FakeOp: "GetBroadcast", Method: "GET", Path: p + "/broadcast/{broadcastId}",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.GetBroadcast(ctx, a.BroadcastID)
			},
			Invalid: []BadCall{
				bad("ID over 255 bytes", "broadcastId", func(ctx context.Context, ot *OpenTok) error { _, err := ot.GetBroadcast(ctx, long); return err }),
			},
		},
		{
			Name: "ListBroadcasts", FakeOp: "ListBroadcasts", Method: "GET", Path: p + "/broadcast",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.ListBroadcasts(ctx, use(a, &ListBroadcastsOptions{SessionID: a.SessionID}))
			},
		},
		{
			Name: "AllBroadcasts", FakeOp: "ListBroadcasts", Method: "GET", Path: p + "/broadcast",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return collectAll(ot.AllBroadcasts(ctx, nil))
			},
			Invalid: []BadCall{
				bad("count -1", "count", func(ctx context.Context, ot *OpenTok) error {
					_, err := collectAll(ot.AllBroadcasts(ctx, &ListBroadcastsOptions{Count: -1}))
					return err
				}),
			},
		},
		{
			Name: "StopBroadcast", FakeOp: "StopBroadcast", Method: "POST", Path: p + "/broadcast/{broadcastId}/stop",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.StopBroadcast(ctx, a.BroadcastID)
			},
		},
		{
			Name: "Dial", FakeOp: "Dial", Method: "POST", Path: p + "/dial",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				auth := use(a, SIPAuth{Username: "bob", Password: a.SIPPassword})
				return ot.Dial(ctx, a.SessionID, a.Token, "sip:bob@sip.example.com;transport=tls", use(a, &DialOptions{
					From: "14155550101@example.com", Headers: map[string]string{"X-Call": "1"}, Auth: &auth}))
			},
			Invalid: []BadCall{
				bad("empty token", "token", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.Dial(ctx, sid, "", "sip:a@example.com", nil)
					return err
				}),
				bad("URI without sip:", "sip.uri", dial("tel:+14155550101", nil)),
				bad("header without X-", "sip.headers", dial("sip:a@example.com", &DialOptions{Headers: map[string]string{"Authorization": "x"}})),
				bad("header value with CRLF", "sip.headers", dial("sip:a@example.com", &DialOptions{Headers: map[string]string{"X-Id": "1\r\nVia: evil"}})),
				bad("from without domain", "sip.from", dial("sip:a@example.com", &DialOptions{From: "14155550101"})),
				bad("auth without username", "sip.auth.username", dial("sip:a@example.com", &DialOptions{Auth: &SIPAuth{Password: "pw"}})),
				bad("auth username with CR LF", "sip.auth.username", dial("sip:a@example.com", &DialOptions{Auth: &SIPAuth{Username: "u\r\nVia: evil"}})),
				bad("auth password with LF", "sip.auth.password", dial("sip:a@example.com", &DialOptions{Auth: &SIPAuth{Username: "u", Password: "p\nw"}})),
				bad("from with NUL", "sip.from", dial("sip:a@example.com", &DialOptions{From: "1@example.com\x00"})),
				bad("URI not UTF-8", "sip.uri", dial("sip:"+badUTF8+"@example.com", nil)),
				bad("header value with a line separator", "sip.headers", dial("sip:a@example.com", &DialOptions{Headers: map[string]string{"X-Id": "1\u2028Via: evil"}})),
			},
		},
		{
			Name: "PlayDTMF", FakeOp: "PlayDTMF", Method: "POST", Path: sp + "/play-dtmf",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.PlayDTMF(ctx, a.SessionID, "1234#")
			},
			Invalid: []BadCall{
				bad("letters", "digits", func(ctx context.Context, ot *OpenTok) error { return ot.PlayDTMF(ctx, sid, "12a") }),
			},
		},
		{
			Name: "PlayDTMFToConnection", FakeOp: "PlayDTMFToConnection", Method: "POST", Path: sp + "/connection/{connectionId}/play-dtmf",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.PlayDTMFToConnection(ctx, a.SessionID, a.ConnectionID, "9p9")
			},
		},
		{
			Name: "ConnectWebSocket", FakeOp: "ConnectWebSocket", Method: "POST", Path: p + "/connect",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.ConnectWebSocket(ctx, a.SessionID, a.Token, "wss://audio.example.com/ws",
					use(a, &WebSocketOptions{AudioRate: 16000, Streams: []string{a.StreamID}}))
			},
			Invalid: []BadCall{
				bad("http URI", "websocket.uri", websocket("https://example.com/ws", nil)),
				bad("audio rate 44100", "websocket.audioRate", websocket("wss://example.com/ws", &WebSocketOptions{AudioRate: 44100})),
				bad("headers over 512 bytes", "websocket.headers", websocket("wss://example.com/ws", &WebSocketOptions{Headers: map[string]string{"X-Big": strings.Repeat("v", 600)}})),
				bad("json transport without encoding", "websocket.audioTransport.encoding", websocket("wss://example.com/ws", &WebSocketOptions{AudioTransport: &AudioTransport{Transport: AudioTransportJSON}})),
				bad("URI not UTF-8", "websocket.uri", websocket("wss://example.com/"+badUTF8, nil)),
				bad("header value with a tab", "websocket.headers", websocket("wss://example.com/ws", &WebSocketOptions{Headers: map[string]string{"X-A": "a\tb"}})),
				bad("audio field with LF", "websocket.audioTransport.audio_field", websocket("wss://example.com/ws", &WebSocketOptions{AudioTransport: &AudioTransport{AudioField: "a\nb"}})),
				bad("static field not UTF-8", "websocket.audioTransport.static_fields", websocket("wss://example.com/ws", &WebSocketOptions{AudioTransport: &AudioTransport{StaticFields: map[string]string{"k": badUTF8}}})),
			},
		},
		{
			Name: "StartCaptions", FakeOp: "StartCaptions", Method: "POST", Path: p + "/captions",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.StartCaptions(ctx, a.SessionID, a.ModeratorToken, use(a, &CaptionsOptions{LanguageCode: "en-US", PartialCaptions: Ptr(false)}))
			},
			Keep: func(a *OpArgs, v any) { a.CaptionsID = v.(*Captions).ID },
			Invalid: []BadCall{
				bad("token with surrounding space", "token", captions(" "+tok, nil)),
				bad("bad language code", "languageCode", captions(tok, &CaptionsOptions{LanguageCode: "english"})),
				bad("maxDuration over 4 h", "maxDuration", captions(tok, &CaptionsOptions{MaxDuration: 14401 * time.Second})),
			},
		},
		{
			Name: "StopCaptions", FakeOp: "StopCaptions", Method: "POST", Path: p + "/captions/{captionsId}/stop",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.StopCaptions(ctx, a.CaptionsID)
			},
		},
		{
			Name: "StartRender", FakeOp: "StartRender", Method: "POST", Path: p + "/render",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.StartRender(ctx, a.SessionID, a.Token, "https://example.com/composer/page",
					use(a, &RenderOptions{MaxDuration: time.Hour, Properties: &RenderProperties{Name: "composer"}}))
			},
			Keep: func(a *OpArgs, v any) { a.RenderID = v.(*Render).ID },
			Invalid: []BadCall{
				bad("page URL not http", "url", render("ftp://example.com/composer/page", nil)),
				bad("maxDuration 10 s", "maxDuration", render(page, &RenderOptions{MaxDuration: 10 * time.Second})),
				bad("stream name over 200 characters", "properties.name", render(page, &RenderOptions{Properties: &RenderProperties{Name: strings.Repeat("n", 201)}})),
				bad("stream name with LF", "properties.name", render(page, &RenderOptions{Properties: &RenderProperties{Name: "a\nb"}})),
				bad("page URL not UTF-8", "url", render(page+"/"+badUTF8, nil)),
			},
		},
		{
			Name: "GetRender", FakeOp: "GetRender", Method: "GET", Path: p + "/render/{renderId}",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) { return ot.GetRender(ctx, a.RenderID) },
		},
		{
			Name: "ListRenders", FakeOp: "ListRenders", Method: "GET", Path: p + "/render",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.ListRenders(ctx, use(a, &ListRendersOptions{Count: 5}))
			},
			Invalid: []BadCall{
				bad("negative offset", "offset", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.ListRenders(ctx, &ListRendersOptions{Offset: -5})
					return err
				}),
			},
		},
		{
			Name: "AllRenders", FakeOp: "ListRenders", Method: "GET", Path: p + "/render",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return collectAll(ot.AllRenders(ctx, nil))
			},
		},
		{
			Name: "StopRender", FakeOp: "StopRender", Method: "DELETE", Path: p + "/render/{renderId}",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.StopRender(ctx, a.RenderID)
			},
		},
		{
			Name: "MigrateSession", FakeOp: "MigrateSession", Method: "POST", Path: sp + "/migrate",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.MigrateSession(ctx, a.SessionID)
			},
			Invalid: []BadCall{
				bad("session ID over 1024 bytes", "sessionId", func(ctx context.Context, ot *OpenTok) error {
					return ot.MigrateSession(ctx, strings.Repeat("s", 1025))
				}),
			},
		},
		{
			Name: "RegisterCallback", FakeOp: "RegisterCallback", Method: "POST", Path: p + "/callback", OpenTokOnly: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.RegisterCallback(ctx, use(a, CallbackRegistration{Group: "archive", Event: "status", URL: "https://example.com/cb"}))
			},
			Keep: func(a *OpArgs, v any) { a.CallbackID = v.(*RegisteredCallback).ID },
			Invalid: []BadCall{
				bad("empty group", "group", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.RegisterCallback(ctx, CallbackRegistration{Event: "status", URL: "https://example.com/cb"})
					return err
				}),
				bad("event not UTF-8", "event", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.RegisterCallback(ctx, CallbackRegistration{Group: "archive", Event: badUTF8, URL: "https://example.com/cb"})
					return err
				}),
			},
		},
		{
			Name: "ListCallbacks", FakeOp: "ListCallbacks", Method: "GET", Path: p + "/callback", OpenTokOnly: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) { return ot.ListCallbacks(ctx) },
		},
		{
			Name: "UnregisterCallback", FakeOp: "UnregisterCallback", Method: "DELETE", Path: p + "/callback/{callbackId}", OpenTokOnly: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.UnregisterCallback(ctx, a.CallbackID)
			},
		},
		{
			Name: "SetArchiveStorage", FakeOp: "SetArchiveStorage", Method: "PUT", Path: p + "/archive/storage", OpenTokOnly: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return ot.SetArchiveStorage(ctx, use(a, ArchiveStorage{Target: S3Storage{AccessKey: "AK",
					SecretKey: a.StreamKey, Bucket: "archives"}, Fallback: FallbackOpenTok}))
			},
			Invalid: []BadCall{
				bad("no target", "type", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.SetArchiveStorage(ctx, ArchiveStorage{})
					return err
				}),
				bad("S3 endpoint without scheme", "config.endpoint", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.SetArchiveStorage(ctx, ArchiveStorage{Target: S3Storage{AccessKey: "a", SecretKey: "s", Bucket: "b", Endpoint: "s3.example.com"}})
					return err
				}),
				bad("S3 endpoint with user info", "config.endpoint", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.SetArchiveStorage(ctx, ArchiveStorage{Target: S3Storage{AccessKey: "a", SecretKey: "s", Bucket: "b", Endpoint: "https://u:p@s3.example.com"}})
					return err
				}),
				bad("nil *S3Storage target", "type", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.SetArchiveStorage(ctx, ArchiveStorage{Target: (*S3Storage)(nil)})
					return err
				}),
				bad("empty *S3Storage target", "config.accessKey", func(ctx context.Context, ot *OpenTok) error {
					_, err := ot.SetArchiveStorage(ctx, ArchiveStorage{Target: &S3Storage{}})
					return err
				}),
			},
		},
		{
			Name: "DeleteArchiveStorage", FakeOp: "DeleteArchiveStorage", Method: "DELETE", Path: p + "/archive/storage", OpenTokOnly: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.DeleteArchiveStorage(ctx)
			},
		},
		{
			Name: "ForceDisconnect", FakeOp: "ForceDisconnect", Method: "DELETE", Path: sp + "/connection/{connectionId}",
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, ot.ForceDisconnect(ctx, a.SessionID, a.ConnectionID)
			},
		},

		// Account management: *Account methods.
		{
			Name: "CreateProject", FakeOp: "CreateProject", Method: "POST", Path: "/v2/project", OpenTokOnly: true, Account: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return accountOf(ot).CreateProject(ctx, use(a, &ProjectOptions{Name: "customer-1"}))
			},
			Keep: func(a *OpArgs, v any) { a.ProjectKey = v.(*Project).ID },
			Invalid: []BadCall{
				bad("name over 255 characters", "name", func(ctx context.Context, ot *OpenTok) error {
					_, err := accountOf(ot).CreateProject(ctx, &ProjectOptions{Name: strings.Repeat("n", 256)})
					return err
				}),
				bad("name not UTF-8", "name", func(ctx context.Context, ot *OpenTok) error {
					_, err := accountOf(ot).CreateProject(ctx, &ProjectOptions{Name: badUTF8})
					return err
				}),
			},
		},
		{
			Name: "ListProjects", FakeOp: "ListProjects", Method: "GET", Path: "/v2/project", OpenTokOnly: true, Account: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) { return accountOf(ot).ListProjects(ctx) },
		},
		{
			Name: "GetProject", FakeOp: "GetProject", Method: "GET", Path: "/v2/project/{apiKey}", OpenTokOnly: true, Account: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return accountOf(ot).GetProject(ctx, a.ProjectKey)
			},
			Invalid: []BadCall{
				bad("API key not digits", "apiKey", func(ctx context.Context, ot *OpenTok) error {
					_, err := accountOf(ot).GetProject(ctx, "12a4")
					return err
				}),
			},
		},
		{
			Name: "SetProjectStatus", FakeOp: "SetProjectStatus", Method: "PUT", Path: "/v2/project/{apiKey}", OpenTokOnly: true, Account: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return accountOf(ot).SetProjectStatus(ctx, a.ProjectKey, ProjectSuspended)
			},
			Invalid: []BadCall{
				bad("unknown status", "status", func(ctx context.Context, ot *OpenTok) error {
					_, err := accountOf(ot).SetProjectStatus(ctx, "12345678", "PAUSED")
					return err
				}),
				bad("empty status", "status", func(ctx context.Context, ot *OpenTok) error {
					_, err := accountOf(ot).SetProjectStatus(ctx, "12345678", "")
					return err
				}),
			},
		},
		{
			Name: "RefreshProjectSecret", FakeOp: "RefreshProjectSecret", Method: "POST", Path: "/v2/project/{apiKey}/refreshSecret",
			OpenTokOnly: true, Account: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return accountOf(ot).RefreshProjectSecret(ctx, a.ProjectKey)
			},
		},
		{
			Name: "DeleteProject", FakeOp: "DeleteProject", Method: "DELETE", Path: "/v2/project/{apiKey}", OpenTokOnly: true, Account: true,
			Call: func(ctx context.Context, ot *OpenTok, a *OpArgs) (any, error) {
				return nil, accountOf(ot).DeleteProject(ctx, a.ProjectKey)
			},
		},
	}
}

// constantArgs are the arguments of the sweeps against a test server.
func constantArgs() *OpArgs {
	return &OpArgs{
		SessionID: testSessionID, StreamID: "st-1", ConnectionID: "conn-1", ArchiveID: "ar-1", BroadcastID: "bc-1",
		RenderID: "rd-1", CaptionsID: "cp-1", CallbackID: "cb-1", Token: testClientToken, ModeratorToken: testClientToken,
		StreamKey: "stream-key", SIPPassword: testSIPPassword, ProjectKey: "12345678",
	}
}

// localMethods are the exported *OpenTok and *Account methods that are
// not operations.
var localMethods = map[string]bool{"IsVonage": true, "OwnerID": true, "BaseURL": true, "String": true,
	"GoString": true, "Format": true, "LogValue": true, "CloseIdleConnections": true, "AccountKey": true}

// TestOperationTableIsComplete fails when an exported method of *OpenTok or
// *Account has no row (or a row names no method of its type), when a row
// is listed twice, or when a REST row's path or method is malformed.
func TestOperationTableIsComplete(t *testing.T) {
	rows := map[string]Operation{}
	for _, op := range Operations() {
		require.NotContains(t, rows, op.Name, "row listed twice")
		rows[op.Name] = op
	}
	var missing []string
	for _, typ := range []reflect.Type{reflect.TypeFor[*OpenTok](), reflect.TypeFor[*Account]()} {
		for i := range typ.NumMethod() {
			name := typ.Method(i).Name
			if localMethods[name] {
				continue
			}
			op, ok := rows[name]
			if !ok {
				missing = append(missing, typ.String()+"."+name)
				continue
			}
			if _, isItsType := op.method(); isItsType {
				delete(rows, name)
			}
		}
	}
	sort.Strings(missing)
	assert.Empty(t, missing, "exported methods without a row in Operations()")
	assert.Empty(t, rows, "rows that name no method of their type (*Account for Account rows, else *OpenTok)")
	for _, op := range Operations() {
		if op.Local() {
			assert.Empty(t, op.FakeOp, op.Name)
			continue
		}
		assert.Contains(t, []string{"GET", "POST", "PUT", "PATCH", "DELETE"}, op.Method, op.Name)
		if op.Account {
			assert.True(t, op.OpenTokOnly, "%s: Vonage credentials have no account management", op.Name)
			assert.True(t, op.Path == "/v2/project" || strings.HasPrefix(op.Path, "/v2/project/{apiKey}"), "%s: path %s", op.Name, op.Path)
		} else {
			assert.True(t, strings.HasPrefix(op.Path, "/v2/project/{owner}/") || op.Path == "/session/create", "%s: path %s", op.Name, op.Path)
		}
		assert.NotEmpty(t, op.FakeOp, op.Name)
		assert.Equal(t, strings.Count(op.Path, "{"), len(op.pathParams())+strings.Count(op.Path, "{owner}"), "%s: unknown placeholder in %s", op.Name, op.Path)
	}
}

// sweepServer answers every request with status and body.
func sweepServer(t *testing.T, status int, body string) *testServer {
	return newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) { serveJSON(w, status, body) })
}

// TestOperationsFailureSweep checks, for every operation and both credential
// kinds: the request goes to the row's method and path; a 500 answer gives
// *APIError with status 500 and the platform's message (after the retries
// of idempotent methods), every attempt carrying valid auth; a cancelled
// context gives an error wrapping context.Canceled and sends nothing.
func TestOperationsFailureSweep(t *testing.T) {
	for _, kind := range tableKinds() {
		for _, op := range Operations() {
			if op.Local() || !op.RunsWith(kind.name) {
				continue
			}
			t.Run(kind.name+"/"+op.Name, func(t *testing.T) {
				ts := sweepServer(t, 500, `{"code":500,"message":"System error"}`)
				ot := kind.client(t, ts.baseURL())
				a := constantArgs()
				_, err := op.Call(context.Background(), ot, a)
				var ae *APIError
				require.True(t, errors.As(err, &ae), "500 gives *APIError, got %T %v", err, err)
				assert.Equal(t, 500, ae.StatusCode)
				assert.Equal(t, "System error", ae.Message)
				assert.ErrorIs(t, err, ErrServer)
				assert.Equal(t, op.ExpandPath(kind.owner, a), ae.Path)
				reqs := ts.requests()
				want := 1
				if op.Method != "POST" {
					want = 3
				}
				require.Len(t, reqs, want, "attempts")
				assert.Equal(t, want, ae.Attempts)
				for _, r := range reqs {
					assert.Equal(t, op.Method, r.Method)
					assert.Equal(t, op.ExpandPath(kind.owner, a), r.Path)
					kind.checkAuth(t, r.Header)
				}

				ts2 := newTestServer(t, nil)
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				_, err = op.Call(ctx, kind.client(t, ts2.baseURL()), constantArgs())
				assert.ErrorIs(t, err, context.Canceled)
				assert.Empty(t, ts2.requests(), "nothing sent")
			})
		}
	}
}

// TestOperationsRefuseInvalidInput runs every row's invalid calls, and for
// every ID in a row's path the call with that ID empty: each gives a
// *ValidationError naming the field, matching ErrInvalidArgument, quoting no
// secret or token, and the server receives nothing.
func TestOperationsRefuseInvalidInput(t *testing.T) {
	n := 0
	for _, kind := range tableKinds() {
		ts := newTestServer(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
			t.Errorf("the server received %s %s", r.Method, r.URL.Path)
			serveJSON(w, 200, `{}`)
		})
		ot := kind.client(t, ts.baseURL())
		for _, op := range Operations() {
			if !op.RunsWith(kind.name) {
				continue
			}
			calls := append([]BadCall(nil), op.Invalid...)
			for _, param := range op.pathParams() {
				calls = append(calls, BadCall{Name: "empty " + param, Field: param, Call: func(ctx context.Context, ot *OpenTok) error {
					a := constantArgs()
					*argFor(a, param) = ""
					_, err := op.Call(ctx, ot, a)
					return err
				}})
			}
			for _, bc := range calls {
				n++
				t.Run(kind.name+"/"+op.Name+"/"+bc.Name, func(t *testing.T) {
					err := bc.Call(context.Background(), ot)
					var ve *ValidationError
					require.True(t, errors.As(err, &ve), "want a *ValidationError, got %T %v", err, err)
					assert.Equal(t, bc.Field, ve.Field, "field named: %v", err)
					assert.ErrorIs(t, err, ErrInvalidArgument)
					assert.NotEmpty(t, ve.Reason)
					for _, secret := range []string{testAPISecret, testAccountSecret, "-----BEGIN", "T1==", testClientToken, testSIPPassword} {
						assert.NotContains(t, err.Error(), secret)
					}
				})
			}
		}
		assert.Empty(t, ts.requests(), "the server received nothing")
	}
	assert.GreaterOrEqual(t, n, 150, "invalid calls checked")
}

// TestOperationsEscapeIDs checks that IDs holding "/", spaces, "?", "#" or
// "%" are escaped into one path segment by every operation that puts an ID
// in the path, and that "." and ".." are refused before anything is sent
// (a proxy that normalises paths may resolve them, escaped or not). Session
// IDs and project API keys holding any of them are refused: they are
// outside the session-ID alphabet, and API keys are digits.
func TestOperationsEscapeIDs(t *testing.T) {
	weird := []string{"a/b", "../../archive", "a b", "x?y=1#z", "50%", ".", ".."}
	for _, kind := range tableKinds() {
		for _, op := range Operations() {
			params := op.pathParams()
			if len(params) == 0 || !op.RunsWith(kind.name) {
				continue
			}
			for _, param := range params {
				for _, id := range weird {
					t.Run(kind.name+"/"+op.Name+"/"+param+"="+id, func(t *testing.T) {
						ts := sweepServer(t, 200, `{"id":"x","captionsId":"x"}`)
						ot := kind.client(t, ts.baseURL())
						a := constantArgs()
						*argFor(a, param) = id
						_, err := op.Call(context.Background(), ot, a)
						if id == "." || id == ".." || param == "sessionId" || param == "apiKey" {
							assert.ErrorIs(t, err, ErrInvalidArgument)
							assert.Empty(t, ts.requests(), "nothing sent")
							return
						}
						r := ts.only(t)
						assert.Equal(t, op.ExpandPath(kind.owner, a), r.Path)
						assert.Contains(t, r.Path, escapeSegment(id))
						assert.NotContains(t, r.RawQuery, "y=", "no query smuggled in")
					})
				}
			}
		}
	}
}
