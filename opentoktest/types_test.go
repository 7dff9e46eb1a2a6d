package opentoktest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opentok-go/opentok"
)

// shape flattens a decoded JSON value into "path: type" lines (type is
// string, number, bool, null, object or array; array elements share the
// path "[]"), sorted, so a test can state an answer's exact field types.
func shape(v any) []string {
	set := map[string]bool{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		kind := ""
		switch x := v.(type) {
		case nil:
			kind = "null"
		case string:
			kind = "string"
		case float64:
			kind = "number"
		case bool:
			kind = "bool"
		case []any:
			kind = "array"
			for _, e := range x {
				walk(path+"[]", e)
			}
		case map[string]any:
			kind = "object"
			for k, e := range x {
				walk(strings.TrimPrefix(path+"."+k, "."), e)
			}
		}
		if path != "" {
			set[path+": "+kind] = true
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		out = append(out, strings.TrimSpace(l))
	}
	sort.Strings(out)
	return out
}

// ownerLines are the owner fields of archives and broadcasts: the API key
// as a number (OpenTok), or the application ID (Vonage).
func ownerLines(vonage bool) string {
	if vonage {
		return "applicationId: string\n"
	}
	return "projectId: number\npartnerId: number\n"
}

// hookRecorder keeps the raw bodies POSTed to it.
type hookRecorder struct {
	mu     sync.Mutex
	bodies []map[string]any
}

func (h *hookRecorder) server(t *testing.T) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		_ = json.NewDecoder(r.Body).Decode(&m)
		h.mu.Lock()
		h.bodies = append(h.bodies, m)
		h.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

func (h *hookRecorder) first(key, value string) map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, b := range h.bodies {
		if b[key] == value {
			return b
		}
	}
	return nil
}

// TestAnswersHaveThePlatformsJSONTypes states, field by field, the JSON
// type of every answer the fake writes, in both credential modes, as
// rest-api.md, the fixtures and the OpenAPI document give them.
func TestAnswersHaveThePlatformsJSONTypes(t *testing.T) {
	for _, vonage := range []bool{false, true} {
		name := map[bool]string{false: "opentok", true: "vonage"}[vonage]
		t.Run(name, func(t *testing.T) {
			var mon, arc hookRecorder
			opts := []Option{WithWebhooks(Webhooks{SessionMonitoringURL: mon.server(t).URL, ArchiveURL: arc.server(t).URL})}
			if vonage {
				opts = append(opts, WithVonage())
			}
			srv := NewServer(t, opts...)
			ot := srv.Client()
			r := newRaw(t, srv)
			p := r.project()
			owner := ownerLines(vonage)

			status, _, body := r.send("POST", "/session/create", "application/x-www-form-urlencoded", []byte("p2p.preference=disabled"))
			require.Equal(t, 200, status)
			var created []any
			require.NoError(t, json.Unmarshal(body, &created))
			sessionOwner := "project_id: string\npartner_id: string"
			if vonage {
				sessionOwner = "application_id: string"
			}
			assert.Equal(t, lines("[]: object\n[].session_id: string\n[].create_dt: string\n[].media_server_url: string\n[]."+
				strings.ReplaceAll(sessionOwner, "\n", "\n[].")), shape(created), "create session")
			sid := created[0].(map[string]any)["session_id"].(string)
			tok := token(t, ot, sid, &opentok.TokenOptions{Role: opentok.RoleModerator})
			c, err := srv.Connect(sid, tok)
			require.NoError(t, err)
			cam, err := c.Publish(PublishOptions{Name: "cam"})
			require.NoError(t, err)
			_, err = c.Publish(PublishOptions{Name: "mic", VideoType: "none"})
			require.NoError(t, err)

			status, a := r.do("POST", p+"/archive", map[string]any{"sessionId": sid})
			require.Equal(t, 200, status)
			archiveBase := owner + `id: string
				sessionId: string
				name: null
				status: string
				reason: string
				createdAt: number
				updatedAt: number
				size: number
				duration: number
				outputMode: string
				streamMode: string
				resolution: string
				hasAudio: bool
				hasVideo: bool
				sha256sum: string
				password: string
				event: string
				url: null`
			assert.Equal(t, lines(archiveBase), shape(a), "started archive")
			status, a = r.do("POST", p+"/archive/"+a["id"].(string)+"/stop", nil)
			require.Equal(t, 200, status)
			assert.Equal(t, lines(archiveBase), shape(a), "stopped archive")
			srv.Advance(10 * 1e9)
			status, a = r.do("GET", p+"/archive/"+a["id"].(string), nil)
			require.Equal(t, 200, status)
			assert.Equal(t, lines(strings.Replace(archiveBase, "url: null", "url: string", 1)), shape(a), "available archive")

			status, m := r.do("POST", p+"/archive", map[string]any{"sessionId": sid, "name": "named", "outputMode": "individual",
				"streamMode": "manual", "hasVideo": false})
			require.Equal(t, 200, status)
			status, _ = r.do("PATCH", p+"/archive/"+m["id"].(string)+"/streams", map[string]any{"addStream": cam})
			require.Equal(t, 204, status)
			status, m = r.do("GET", p+"/archive/"+m["id"].(string), nil)
			require.Equal(t, 200, status)
			individual := strings.Replace(strings.Replace(archiveBase, "name: null", "name: string", 1), "resolution: string", "", 1) + `
				streams: array
				streams[]: object
				streams[].streamId: string
				streams[].hasAudio: bool
				streams[].hasVideo: bool`
			assert.Equal(t, lines(strings.Replace(individual, "\n\t\t\t\t\n", "\n", 1)), shape(m), "individual manual archive")

			status, lay := r.do("PUT", p+"/archive/"+m["id"].(string)+"/layout", map[string]any{"type": "pip"})
			assert.Equal(t, 400, status, "layouts are for composed archives: %v", lay)

			status, list := r.do("GET", p+"/archive", nil)
			require.Equal(t, 200, status)
			assert.Contains(t, shape(list), "count: number")
			assert.Contains(t, shape(list), "items: array")
			if !vonage {
				assert.Contains(t, shape(list), "items[].partnerId: number")
				assert.Equal(t, json.Number("47000000"), jsonNumber(t, srv, p+"/archive", "partnerId"), "the API key itself")
			}

			status, composed := r.do("POST", p+"/archive", map[string]any{"sessionId": sid, "multiArchiveTag": "layout"})
			require.Equal(t, 200, status, "%v", composed)
			status, lay = r.do("PUT", p+"/archive/"+composed["id"].(string)+"/layout", map[string]any{"type": "pip"})
			require.Equal(t, 200, status)
			assert.Equal(t, lines(archiveBase), shape(lay), "an archive layout change answers the archive")
			assert.Equal(t, composed["id"], lay["id"])

			status, b := r.do("POST", p+"/broadcast", map[string]any{"sessionId": sid, "streamMode": "manual", "maxBitrate": 2000000,
				"multiBroadcastTag": "t", "outputs": map[string]any{"hls": map[string]any{"dvr": true},
					"rtmp": []any{map[string]any{"id": "cdn", "serverUrl": "rtmps://example.com/app", "streamName": "key"}}}})
			require.Equal(t, 200, status, "%v", b)
			status, _ = r.do("PATCH", p+"/broadcast/"+b["id"].(string)+"/streams", map[string]any{"addStream": cam, "hasAudio": false})
			require.Equal(t, 204, status)
			status, b = r.do("PUT", p+"/broadcast/"+b["id"].(string)+"/layout", map[string]any{"type": "bestFit", "screenshareType": "pip"})
			require.Equal(t, 200, status, "a broadcast layout change answers the broadcast")
			assert.Equal(t, lines(owner+`id: string
				sessionId: string
				createdAt: number
				updatedAt: number
				maxDuration: number
				maxBitrate: number
				multiBroadcastTag: string
				resolution: string
				status: string
				streamMode: string
				hasAudio: bool
				hasVideo: bool
				event: string
				broadcastUrls: object
				broadcastUrls.hls: string
				broadcastUrls.hlsStatus: string
				broadcastUrls.rtmp: array
				broadcastUrls.rtmp[]: object
				broadcastUrls.rtmp[].id: string
				broadcastUrls.rtmp[].serverUrl: string
				broadcastUrls.rtmp[].streamName: string
				broadcastUrls.rtmp[].status: string
				settings: object
				settings.hls: object
				settings.hls.dvr: bool
				settings.hls.lowLatency: bool
				streams: array
				streams[]: object
				streams[].streamId: string
				streams[].hasAudio: bool
				streams[].hasVideo: bool`), shape(b), "broadcast")

			renderOwner := "projectId: number"
			if vonage {
				renderOwner = "applicationId: string"
			}
			status, rd := r.do("POST", p+"/render", map[string]any{"sessionId": sid, "token": tok, "url": "https://example.com/page"})
			require.Equal(t, 202, status, "%v", rd)
			assert.Equal(t, lines(renderOwner+`
				id: string
				sessionId: string
				createdAt: number
				updatedAt: number
				url: string
				resolution: string
				status: string
				streamId: string`), shape(rd), "render without properties.name or statusCallbackUrl")
			status, rd = r.do("POST", p+"/render", map[string]any{"sessionId": sid, "token": tok, "url": "https://example.com/page",
				"properties": map[string]any{"name": "composer"}, "statusCallbackUrl": "https://example.com/cb"})
			require.Equal(t, 202, status, "%v", rd)
			assert.Contains(t, shape(rd), "name: string")
			assert.Contains(t, shape(rd), "callbackUrl: string")

			status, conns := r.do("GET", p+"/session/"+sid+"/connection", nil)
			require.Equal(t, 200, status)
			connOwner := "projectId: number"
			if vonage {
				connOwner = "applicationId: string"
			}
			assert.Equal(t, lines(connOwner+`
				count: number
				sessionId: string
				items: array
				items[]: object
				items[].connectionId: string
				items[].connectionState: string
				items[].createdAt: number`), shape(conns), "connections")

			status, streams := r.do("GET", p+"/session/"+sid+"/stream", nil)
			require.Equal(t, 200, status)
			assert.Equal(t, lines(`count: number
				items: array
				items[]: object
				items[].id: string
				items[].name: string
				items[].videoType: string
				items[].layoutClassList: array`), shape(streams), "streams")
			for _, it := range streams["items"].([]any) {
				st := it.(map[string]any)
				if st["name"] == "mic" {
					assert.NotContains(t, st, "videoType", "an audio-only stream has no videoType")
				}
			}

			status, dial := r.do("POST", p+"/dial", map[string]any{"sessionId": sid, "token": tok, "sip": map[string]any{"uri": "sip:a@example.com"}})
			require.Equal(t, 200, status)
			assert.Equal(t, lines("id: string\nconnectionId: string\nstreamId: string"), shape(dial), "dial")
			status, ws := r.do("POST", p+"/connect", map[string]any{"sessionId": sid, "token": tok, "websocket": map[string]any{"uri": "wss://example.com/ws"}})
			require.Equal(t, 200, status)
			assert.Equal(t, lines("id: string\nconnectionId: string"), shape(ws), "audio connector")
			status, capt := r.do("POST", p+"/captions", map[string]any{"sessionId": sid, "token": tok})
			require.Equal(t, 202, status)
			assert.Equal(t, lines("captionsId: string"), shape(capt), "captions")
			muteOwner := "id: string"
			if vonage {
				muteOwner = "applicationId: string"
			}
			details := lines(muteOwner + "\nstatus: string\nname: string\nenvironment: string\ncreatedAt: number")
			status, mute := r.do("POST", p+"/session/"+sid+"/mute", map[string]any{"active": true, "excludedStreamIds": []string{}})
			require.Equal(t, 200, status)
			assert.Equal(t, details, shape(mute), "mute all")
			status, mute = r.do("POST", p+"/session/"+sid+"/stream/"+cam+"/mute", nil)
			require.Equal(t, 200, status)
			assert.Equal(t, details, shape(mute), "mute one stream")
			if !vonage {
				assert.Equal(t, "47000000", mute["id"], "the key as the community Go SDK's Project.ID, a string")
			}

			srv.FlushWebhooks()
			hook := arc.first("status", "available")
			require.NotNil(t, hook)
			if !vonage {
				assert.Equal(t, float64(47000000), hook["partnerId"], "archive callbacks carry the API key as a number")
				ev := mon.first("event", "connectionCreated")
				require.NotNil(t, ev)
				assert.Equal(t, "47000000", ev["projectId"], "session monitoring carries it as a string")
			}
		})
	}
}

// jsonNumber reads the first item's field of a list answer as a
// json.Number (failing when it is not a number).
func jsonNumber(t *testing.T, srv *Server, path, field string) json.Number {
	t.Helper()
	r := newRaw(t, srv)
	status, _, body := r.send("GET", path, "", nil)
	require.Equal(t, 200, status)
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var v struct{ Items []map[string]any }
	require.NoError(t, dec.Decode(&v))
	require.NotEmpty(t, v.Items)
	n, ok := v.Items[0][field].(json.Number)
	require.True(t, ok, "%s is %T", field, v.Items[0][field])
	return n
}

func TestNonNumericAPIKeyStaysAString(t *testing.T) {
	srv := NewServer(t, WithCredentials("key-abc", "secret"))
	assert.Equal(t, "key-abc", srv.apiKeyJSON(srv.APIKey))
	for _, key := range []string{"007", "+7", "99999999999999999999"} {
		s := NewServer(t, WithCredentials(key, "secret"))
		assert.Equal(t, key, s.apiKeyJSON(s.APIKey), "%q does not survive as a number", key)
	}
	assert.Equal(t, int64(47000000), NewServer(t).apiKeyJSON(DefaultAPIKey))
}
