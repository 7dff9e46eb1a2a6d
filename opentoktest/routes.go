package opentoktest

import "encoding/json"

// routes registers every REST operation of the platform (each handler lives
// in the file named after its area, as in the SDK: archive.go, sip.go, ...),
// the media URLs the fake hands out, the control API when enabled, and a
// platform-like 405 (known path, other method) or 404 for anything else.
// Every REST route also answers with a trailing slash on its path, as the
// platform does.
func (s *Server) routes() {
	const p = "/v2/project/{pid}"
	s.formRoute("POST /session/create", "CreateSession", s.createSession)

	s.route("GET "+p+"/session/{sid}/stream", "ListStreams", s.listStreams)
	s.route("PUT "+p+"/session/{sid}/stream", "SetStreamClassLists", s.setStreamClassLists)
	s.route("GET "+p+"/session/{sid}/stream/{streamId}", "GetStream", s.getStream)
	s.route("POST "+p+"/session/{sid}/stream/{streamId}/mute", "ForceMuteStream", s.forceMuteStream)
	s.routeOps("POST "+p+"/session/{sid}/mute", []string{"ForceMuteAll", "DisableForceMute"}, muteOp, s.forceMuteAll)
	s.route("GET "+p+"/session/{sid}/connection", "ListConnections", s.listConnections)
	s.route("DELETE "+p+"/session/{sid}/connection/{cid}", "ForceDisconnect", s.forceDisconnect)
	s.route("POST "+p+"/session/{sid}/signal", "Signal", s.signal)
	s.route("POST "+p+"/session/{sid}/connection/{cid}/signal", "SignalConnection", s.signal)
	s.route("POST "+p+"/session/{sid}/play-dtmf", "PlayDTMF", s.playDTMF)
	s.route("POST "+p+"/session/{sid}/connection/{cid}/play-dtmf", "PlayDTMFToConnection", s.playDTMF)
	s.route("POST "+p+"/session/{sid}/migrate", "MigrateSession", s.migrate)

	s.route("GET "+p+"/archive", "ListArchives", s.listArchives)
	s.route("POST "+p+"/archive", "StartArchive", s.startArchive)
	s.route("GET "+p+"/archive/{id}", "GetArchive", s.getArchive)
	s.route("DELETE "+p+"/archive/{id}", "DeleteArchive", s.deleteArchive)
	s.route("POST "+p+"/archive/{id}/stop", "StopArchive", s.stopArchive)
	s.route("PUT "+p+"/archive/{id}/layout", "SetArchiveLayout", s.setArchiveLayout)
	s.routeOps("PATCH "+p+"/archive/{id}/streams", []string{"AddArchiveStream", "RemoveArchiveStream"},
		streamsOp("AddArchiveStream", "RemoveArchiveStream"), s.patchArchiveStreams)

	s.route("GET "+p+"/broadcast", "ListBroadcasts", s.listBroadcasts)
	s.route("POST "+p+"/broadcast", "StartBroadcast", s.startBroadcast)
	s.route("GET "+p+"/broadcast/{id}", "GetBroadcast", s.getBroadcast)
	s.route("POST "+p+"/broadcast/{id}/stop", "StopBroadcast", s.stopBroadcast)
	s.route("PUT "+p+"/broadcast/{id}/layout", "SetBroadcastLayout", s.setBroadcastLayout)
	s.routeOps("PATCH "+p+"/broadcast/{id}/streams", []string{"AddBroadcastStream", "RemoveBroadcastStream"},
		streamsOp("AddBroadcastStream", "RemoveBroadcastStream"), s.patchBroadcastStreams)

	s.route("POST "+p+"/dial", "Dial", s.dial)
	s.route("POST "+p+"/connect", "ConnectWebSocket", s.connectWebSocket)
	s.route("POST "+p+"/captions", "StartCaptions", s.startCaptions)
	s.route("POST "+p+"/captions/{id}/stop", "StopCaptions", s.stopCaptions)
	s.route("GET "+p+"/render", "ListRenders", s.listRenders)
	s.route("POST "+p+"/render", "StartRender", s.startRender)
	s.route("GET "+p+"/render/{id}", "GetRender", s.getRender)
	s.route("DELETE "+p+"/render/{id}", "StopRender", s.stopRender)

	s.route("GET "+p+"/callback", "ListCallbacks", s.listCallbacks)
	s.route("POST "+p+"/callback", "RegisterCallback", s.registerCallback)
	s.route("DELETE "+p+"/callback/{id}", "UnregisterCallback", s.unregisterCallback)
	s.route("PUT "+p+"/archive/storage", "SetArchiveStorage", s.setArchiveStorage)
	s.route("DELETE "+p+"/archive/storage", "DeleteArchiveStorage", s.deleteArchiveStorage)

	// Account management (account-level credentials; OpenTok fakes).
	s.accountRoute("POST /v2/project", "CreateProject", s.createProject)
	s.accountRoute("GET /v2/project", "ListProjects", s.listProjects)
	s.accountRoute("GET /v2/project/{key}", "GetProject", s.getProject)
	s.accountRoute("PUT /v2/project/{key}", "SetProjectStatus", s.setProjectStatus)
	s.accountRoute("POST /v2/project/{key}/refreshSecret", "RefreshProjectSecret", s.refreshProjectSecret)
	s.accountRoute("DELETE /v2/project/{key}", "DeleteProject", s.deleteProject)

	// Media the fake hands out URLs for (no auth, like pre-signed URLs).
	s.mux.HandleFunc("GET /_media/archive/{id}/{file}", s.serveArchiveFile)
	s.mux.HandleFunc("GET /_media/hls/{id}/index.m3u8", s.serveHLS)

	s.clientRoutes()
	if s.cfg.control {
		s.controlRoutes()
	}
	s.mux.HandleFunc("/", s.notFoundOrMethod)
}

// muteOp names a POST .../mute request by its body: DisableForceMute when
// active is false, ForceMuteAll otherwise.
func muteOp(body []byte) string {
	var req struct {
		Active *bool `json:"active"`
	}
	if json.Unmarshal(body, &req) == nil && req.Active != nil && !*req.Active {
		return "DisableForceMute"
	}
	return "ForceMuteAll"
}

// streamsOp names a PATCH .../streams request by its body: remove when it
// has removeStream, add otherwise.
func streamsOp(add, remove string) func([]byte) string {
	return func(body []byte) string {
		var req struct {
			RemoveStream string `json:"removeStream"`
		}
		if json.Unmarshal(body, &req) == nil && req.RemoveStream != "" {
			return remove
		}
		return add
	}
}
