package main

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
	"github.com/opentok-go/opentok/opentoktest"
)

// localMethods are the exported methods of *OpenTok and *Account that make
// no REST call and need no command.
var localMethods = []string{"IsVonage", "OwnerID", "BaseURL", "String", "GoString", "Format", "LogValue",
	"CloseIdleConnections", "AccountKey"}

// opState holds the IDs the commands created, for the commands after them.
type opState struct {
	sid, cid, stream, sipConn                               string
	archive, broadcast, render, captions, callback, project string
}

// opCase is the command of one SDK method: its arguments, the fake's
// operation name it must reach ("" for GenerateToken, checked with
// VerifyToken), and what it keeps from its output.
type opCase struct {
	method string
	op     string
	args   func(s *opState) []string
	keep   func(s *opState, out map[string]any)
	before func(c *cli, s *opState)
}

func opCases() []opCase {
	id := func(field string, dst func(s *opState) *string) func(s *opState, out map[string]any) {
		return func(s *opState, out map[string]any) { *dst(s) = out[field].(string) }
	}
	return []opCase{
		{method: "CreateSession", op: "CreateSession", args: func(s *opState) []string { return []string{"session", "create", "--routed"} },
			keep: id("sessionId", func(s *opState) *string { return &s.sid })},
		{method: "GenerateToken", args: func(s *opState) []string { return []string{"token", s.sid, "--role", "moderator"} }},
		{method: "ListStreams", op: "ListStreams", args: func(s *opState) []string { return []string{"stream", "list", s.sid} }},
		{method: "GetStream", op: "GetStream", args: func(s *opState) []string { return []string{"stream", "get", s.sid, s.stream} }},
		{method: "SetStreamClassLists", op: "SetStreamClassLists", args: func(s *opState) []string {
			return []string{"stream", "class-lists", s.sid, s.stream + "=focus,full"}
		}},
		{method: "ForceMuteStream", op: "ForceMuteStream", args: func(s *opState) []string { return []string{"mute", s.sid, s.stream} }},
		{method: "ForceMuteAll", op: "ForceMuteAll", args: func(s *opState) []string { return []string{"mute", s.sid, "--all"} }},
		{method: "DisableForceMute", op: "DisableForceMute", args: func(s *opState) []string { return []string{"mute", s.sid, "--off"} }},
		{method: "ListConnections", op: "ListConnections", args: func(s *opState) []string { return []string{"connection", "list", s.sid} }},
		{method: "AllConnections", op: "ListConnections", args: func(s *opState) []string { return []string{"connection", "list", s.sid, "--all"} }},
		{method: "Signal", op: "Signal", args: func(s *opState) []string { return []string{"signal", s.sid, "--type", "t", "--data", "d"} }},
		{method: "SignalConnection", op: "SignalConnection", args: func(s *opState) []string {
			return []string{"signal", s.sid, "--to", s.cid, "--type", "t", "--data", "d"}
		}},
		{method: "StartArchive", op: "StartArchive", args: func(s *opState) []string {
			return []string{"archive", "start", s.sid, "--stream-mode", "manual"}
		}, keep: id("id", func(s *opState) *string { return &s.archive })},
		{method: "AddArchiveStream", op: "AddArchiveStream", args: func(s *opState) []string {
			return []string{"archive", "add-stream", s.archive, s.stream, "--no-video"}
		}},
		{method: "SetArchiveLayout", op: "SetArchiveLayout", args: func(s *opState) []string {
			return []string{"archive", "layout", s.archive, "--type", "bestFit"}
		}},
		{method: "RemoveArchiveStream", op: "RemoveArchiveStream", args: func(s *opState) []string {
			return []string{"archive", "remove-stream", s.archive, s.stream}
		}},
		{method: "StopArchive", op: "StopArchive", args: func(s *opState) []string { return []string{"archive", "stop", s.archive} }},
		{method: "GetArchive", op: "GetArchive", args: func(s *opState) []string { return []string{"archive", "get", s.archive} }},
		{method: "ListArchives", op: "ListArchives", args: func(s *opState) []string { return []string{"archive", "list"} }},
		{method: "AllArchives", op: "ListArchives", args: func(s *opState) []string { return []string{"archive", "list", "--all"} }},
		{method: "DeleteArchive", op: "DeleteArchive", args: func(s *opState) []string { return []string{"archive", "delete", s.archive} },
			before: func(c *cli, s *opState) { require.True(c.t, c.srv.CompleteArchive(s.archive)) }},
		{method: "StartBroadcast", op: "StartBroadcast", args: func(s *opState) []string {
			return []string{"broadcast", "start", s.sid, "--hls", "--stream-mode", "manual"}
		}, keep: id("id", func(s *opState) *string { return &s.broadcast })},
		{method: "AddBroadcastStream", op: "AddBroadcastStream", args: func(s *opState) []string {
			return []string{"broadcast", "add-stream", s.broadcast, s.stream}
		}},
		{method: "SetBroadcastLayout", op: "SetBroadcastLayout", args: func(s *opState) []string {
			return []string{"broadcast", "layout", s.broadcast, "--type", "pip"}
		}},
		{method: "RemoveBroadcastStream", op: "RemoveBroadcastStream", args: func(s *opState) []string {
			return []string{"broadcast", "remove-stream", s.broadcast, s.stream}
		}},
		{method: "GetBroadcast", op: "GetBroadcast", args: func(s *opState) []string { return []string{"broadcast", "get", s.broadcast} }},
		{method: "ListBroadcasts", op: "ListBroadcasts", args: func(s *opState) []string { return []string{"broadcast", "list"} }},
		{method: "AllBroadcasts", op: "ListBroadcasts", args: func(s *opState) []string { return []string{"broadcast", "list", "--all"} }},
		{method: "StopBroadcast", op: "StopBroadcast", args: func(s *opState) []string { return []string{"broadcast", "stop", s.broadcast} }},
		{method: "Dial", op: "Dial", args: func(s *opState) []string { return []string{"sip", "dial", s.sid, "sip:alice@example.com"} },
			keep: id("connectionId", func(s *opState) *string { return &s.sipConn })},
		{method: "PlayDTMF", op: "PlayDTMF", args: func(s *opState) []string { return []string{"sip", "dtmf", s.sid, "1234#"} }},
		{method: "PlayDTMFToConnection", op: "PlayDTMFToConnection", args: func(s *opState) []string {
			return []string{"sip", "dtmf", s.sid, "9p9", "--connection", s.sipConn}
		}},
		{method: "ConnectWebSocket", op: "ConnectWebSocket", args: func(s *opState) []string {
			return []string{"audio-connector", "connect", s.sid, "wss://audio.example.com/ws", "--audio-rate", "16000", "--stream", s.stream}
		}},
		{method: "StartCaptions", op: "StartCaptions", args: func(s *opState) []string {
			return []string{"captions", "start", s.sid, "--language-code", "en-US", "--no-partial"}
		}, keep: id("id", func(s *opState) *string { return &s.captions })},
		{method: "StopCaptions", op: "StopCaptions", args: func(s *opState) []string { return []string{"captions", "stop", s.captions} }},
		{method: "StartRender", op: "StartRender", args: func(s *opState) []string {
			return []string{"render", "start", s.sid, "https://example.com/composer", "--name", "composer", "--max-duration", "1h"}
		}, keep: id("id", func(s *opState) *string { return &s.render })},
		{method: "GetRender", op: "GetRender", args: func(s *opState) []string { return []string{"render", "get", s.render} }},
		{method: "ListRenders", op: "ListRenders", args: func(s *opState) []string { return []string{"render", "list", "--count", "5"} }},
		{method: "AllRenders", op: "ListRenders", args: func(s *opState) []string { return []string{"render", "list", "--all"} }},
		{method: "StopRender", op: "StopRender", args: func(s *opState) []string { return []string{"render", "stop", s.render} }},
		{method: "MigrateSession", op: "MigrateSession", args: func(s *opState) []string { return []string{"session", "migrate", s.sid} }},
		{method: "RegisterCallback", op: "RegisterCallback", args: func(s *opState) []string {
			return []string{"callback", "register", "--group", "archive", "--event", "status", "--url", "https://example.com/cb"}
		}, keep: id("id", func(s *opState) *string { return &s.callback })},
		{method: "ListCallbacks", op: "ListCallbacks", args: func(s *opState) []string { return []string{"callback", "list"} }},
		{method: "UnregisterCallback", op: "UnregisterCallback", args: func(s *opState) []string { return []string{"callback", "unregister", s.callback} }},
		{method: "SetArchiveStorage", op: "SetArchiveStorage", args: func(s *opState) []string {
			return []string{"storage", "set", "s3", "--bucket", "archives", "--access-key", "AKIAEXAMPLE", "--fallback", "opentok"}
		}},
		{method: "DeleteArchiveStorage", op: "DeleteArchiveStorage", args: func(s *opState) []string { return []string{"storage", "delete"} }},
		{method: "ForceDisconnect", op: "ForceDisconnect", args: func(s *opState) []string { return []string{"disconnect", s.sid, s.cid} }},
		{method: "CreateProject", op: "CreateProject", args: func(s *opState) []string { return []string{"project", "create", "--name", "tenant"} },
			keep: id("id", func(s *opState) *string { return &s.project })},
		{method: "ListProjects", op: "ListProjects", args: func(s *opState) []string { return []string{"project", "list"} }},
		{method: "GetProject", op: "GetProject", args: func(s *opState) []string { return []string{"project", "get", s.project} }},
		{method: "SetProjectStatus", op: "SetProjectStatus", args: func(s *opState) []string { return []string{"project", "suspend", s.project} }},
		{method: "RefreshProjectSecret", op: "RefreshProjectSecret", args: func(s *opState) []string {
			return []string{"project", "refresh-secret", s.project}
		}},
		{method: "DeleteProject", op: "DeleteProject", args: func(s *opState) []string { return []string{"project", "delete", s.project} }},
	}
}

// TestEveryOperationHasACommand fails for an exported method of *OpenTok
// or *Account (an SDK operation) without a CLI command, and runs every
// command against the fake: its request log must show the operation.
func TestEveryOperationHasACommand(t *testing.T) {
	cases := opCases()
	byMethod := map[string]bool{}
	for _, c := range cases {
		byMethod[c.method] = true
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[*opentok.OpenTok](), reflect.TypeFor[*opentok.Account]()} {
		for i := range typ.NumMethod() {
			m := typ.Method(i)
			if slices.Contains(localMethods, m.Name) {
				continue
			}
			assert.True(t, byMethod[m.Name], "the SDK operation %s.%s has no CLI command: add one and its row in opCases", typ.Elem().Name(), m.Name)
		}
	}

	c := newCLI(t)
	c.env["OPENTOK_ACCOUNT_KEY"], c.env["OPENTOK_ACCOUNT_SECRET"] = c.srv.AccountKey, c.srv.AccountSecret
	c.env["AWS_SECRET_ACCESS_KEY"] = "made-up-s3-secret-key"
	s := &opState{}
	for _, oc := range cases {
		if oc.before != nil {
			oc.before(c, s)
		}
		args := oc.args(s)
		before := 0
		if oc.op != "" {
			before = len(c.srv.RequestsFor(oc.op))
		}
		out := c.json(args...)
		if oc.keep != nil {
			oc.keep(s, out)
		}
		switch {
		case oc.method == "GenerateToken":
			role, _, err := c.srv.VerifyToken(s.sid, out["token"].(string))
			require.NoError(t, err, "the token verifies")
			assert.Equal(t, opentok.RoleModerator, role)
		default:
			assert.Greater(t, len(c.srv.RequestsFor(oc.op)), before, "opentok %s reaches %s", strings.Join(args, " "), oc.op)
		}
		if oc.method == "CreateSession" {
			// A client joins and publishes: the stream and connection
			// commands need one.
			tok := strings.TrimSpace(c.ok("token", s.sid))
			conn, err := c.srv.Connect(s.sid, tok)
			require.NoError(t, err)
			s.cid = conn.ID()
			s.stream, err = conn.Publish(opentoktest.PublishOptions{Name: "cam"})
			require.NoError(t, err)
		}
	}
}

func TestOperationCasesAreAllSDKMethods(t *testing.T) {
	for _, c := range opCases() {
		_, ok1 := reflect.TypeFor[*opentok.OpenTok]().MethodByName(c.method)
		_, ok2 := reflect.TypeFor[*opentok.Account]().MethodByName(c.method)
		assert.True(t, ok1 || ok2, "opCases names %s, which is not an SDK method", c.method)
	}
}
